// The iptables data path, as root inside a network namespace created for the test (never in the
// host's own namespace). Skipped when not root or without iptables-restore.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

const ROOT = resolve(new URL('../../..', import.meta.url).pathname);
const IN_NETNS = process.env.SKIFF_IN_NETNS ?? join(ROOT, '..', 'shared', 'tools', 'in-netns');
const hasIptables = spawnSync('sh', ['-c', 'command -v iptables-restore']).status === 0;
const skip = process.getuid?.() !== 0 ? 'needs root' : !hasIptables ? 'iptables is not installed' : !existsSync(IN_NETNS) ? `no ${IN_NETNS}` : false;

test('iptables mode: cluster IP and node port DNAT, readiness, affinity, cleanup (in a netns)', { skip, timeout: 60_000 }, () => {
  const scenario = join(ROOT, 'dist', 'test', 'e2e', 'network-iptables-scenario.js');
  const r = spawnSync(IN_NETNS, ['--', process.execPath, scenario], { encoding: 'utf8', timeout: 55_000 });
  assert.equal(r.status, 0, `scenario failed:\n${r.stdout}\n${r.stderr}`);
  assert.match(r.stdout, /iptables scenario passed/);
});

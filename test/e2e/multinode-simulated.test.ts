// `skiff server --runtime simulated --extra-nodes 2`: extra node agents as separate `skiff agent`
// processes sharing the host network (no namespaces, so no root needed): nodes `<node>-m02` and
// `-m03` join with their own pod CIDRs, the scheduler spreads a Deployment over all three, and
// SIGTERM to the server stops every agent it started.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { KUBECTL, NO_KUBECTL_REASON, startSkiff, type ServerHandle, until } from './harness.js';
import type { ExtraNodesRecord } from '../../src/cli/extra-nodes.js';

function gone(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return /^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true;
  }
}


describe('extra simulated node agents', { skip: KUBECTL ? false : NO_KUBECTL_REASON }, () => {
  let s: ServerHandle;
  let rec: ExtraNodesRecord;

  before(async () => {
    s = await startSkiff(['--runtime', 'simulated', '--extra-nodes', '2', '--node-name', 'skiffsim'], { datastore: 'memory' });
  });
  after(async () => {
    await s?.stop('SIGKILL');
    for (const n of rec?.nodes ?? []) if (!gone(n.pid)) process.kill(n.pid, 'SIGKILL');
  });

  test('three nodes are Ready, the extra ones named like minikube with their own pod CIDRs', async () => {
    // The kubeconfig appears before the server starts its extra agents.
    const file = join(s.dataDir, 'nodes', 'extra-nodes.json');
    rec = await until('two recorded agents', () => {
      const r: ExtraNodesRecord | undefined = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : undefined;
      return r && r.nodes.length === 2 && r.nodes.every((n) => n.pid > 0) ? r : undefined;
    });
    assert.deepEqual(rec.nodes.map((n) => n.name), ['skiffsim-m02', 'skiffsim-m03']);
    assert.ok(rec.nodes.every((n) => n.netns === undefined), 'simulated nodes share the host network');
    const out = await until('3 Ready nodes', () => {
      const r = s.kubectl(['get', 'nodes', '-o', 'jsonpath={range .items[*]}{.metadata.name} {.spec.podCIDR} {.status.conditions[?(@.type=="Ready")].status}{"\\n"}{end}']);
      const rows = r.stdout.trim().split('\n').filter((l) => l.endsWith(' True'));
      return rows.length === 3 ? rows.sort() : undefined;
    });
    assert.deepEqual(out, ['skiffsim 10.42.0.0/24 True', 'skiffsim-m02 10.42.1.0/24 True', 'skiffsim-m03 10.42.2.0/24 True']);
  });

  test('a Deployment spreads over every node', async () => {
    s.kubectlOk(['create', 'deployment', 'spread', '--image=skiff/echo-server', '--replicas=6']);
    const nodes = await until('6 running pods', () => {
      const r = s.kubectl(['get', 'pods', '-l', 'app=spread', '-o', 'jsonpath={range .items[*]}{.spec.nodeName} {.status.phase}{"\\n"}{end}']);
      const rows = r.stdout.trim().split('\n').filter((l) => l.endsWith(' Running'));
      return rows.length === 6 ? rows.map((l) => l.split(' ')[0]) : undefined;
    });
    assert.deepEqual([...new Set(nodes)].sort(), ['skiffsim', 'skiffsim-m02', 'skiffsim-m03']);
  });

  test('SIGTERM to the server stops the agents it started', async () => {
    const pids = rec.nodes.map((n) => n.pid);
    assert.ok(pids.every((p) => p > 0 && !gone(p)), 'agents run');
    assert.equal(await s.stop('SIGTERM'), 0);
    for (const p of pids) assert.ok(gone(p), `agent ${p} stopped with the server`);
    assert.ok(!existsSync(join(s.dataDir, 'nodes', 'extra-nodes.json')), 'the record of running agents is removed');
  });
});

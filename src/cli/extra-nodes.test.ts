import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cleanupExtraNodes, clusterTag, extraNodeName, nodeNetworkAddress, nodePodCidr, readExtraNodes, validateExtraNodes, type ExtraNodesRecord } from './extra-nodes.js';
import { runtimeWasKilled } from './runtime-leftovers.js';

test('extra nodes are named, addressed and given pod CIDRs like minikube nodes', () => {
  assert.equal(extraNodeName('minikube', 2), 'minikube-m02');
  assert.equal(extraNodeName('vm', 12), 'vm-m12');
  assert.equal(nodePodCidr(2), '10.42.1.0/24', 'the server node keeps 10.42.0.0/24');
  assert.equal(nodePodCidr(3), '10.42.2.0/24');
  assert.equal(nodeNetworkAddress(2), '10.41.0.2');
  assert.match(clusterTag('/a/b'), /^[0-9a-f]{6}$/);
  assert.equal(clusterTag('/a/b'), clusterTag('/a/b/'), 'the same directory, the same tag');
  assert.notEqual(clusterTag('/a/b'), clusterTag('/a/c'));
});

test('validateExtraNodes explains what cannot work', () => {
  assert.equal(validateExtraNodes(2, 'simulated'), undefined);
  assert.match(validateExtraNodes(2, 'containerd')!, /process or simulated runtime, not "containerd"/);
  assert.match(validateExtraNodes(500, 'simulated')!, /at most 200 nodes/);
  assert.match(validateExtraNodes(-1, 'simulated')!, /non-negative/);
  const root = process.platform === 'linux' && process.getuid?.() === 0;
  if (root) assert.equal(validateExtraNodes(1, 'process'), undefined);
  else assert.match(validateExtraNodes(1, 'process')!, /need root .*--runtime simulated/);
});

test('cleanupExtraNodes stops the agents a killed server left running and forgets them', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'skiff-extra-'));
  try {
    assert.deepEqual(await cleanupExtraNodes(dir), [], 'nothing recorded, nothing done');
    // Stands in for `skiff agent … --node-name t-m02` (the cleanup only signals recorded agents).
    const fake = spawn(process.execPath, ['-e', 'process.on("SIGTERM", () => process.exit(0)); setInterval(() => {}, 1000)', 'agent', '--node-name', 't-m02'], { stdio: 'ignore' });
    const exited = new Promise((r) => fake.once('exit', r));
    await new Promise((r) => setTimeout(r, 200));
    const nodeDir = join(dir, 'nodes', 't-m02');
    mkdirSync(nodeDir, { recursive: true });
    const rec: ExtraNodesRecord = {
      nodes: [
        { name: 't-m02', pid: fake.pid!, dataDir: nodeDir, podCidr: '10.42.1.0/24' },
        // A pid that is not an agent of this name is never signalled.
        { name: 't-m03', pid: process.pid, dataDir: join(dir, 'nodes', 't-m03'), podCidr: '10.42.2.0/24' },
      ],
    };
    writeFileSync(join(dir, 'nodes', 'extra-nodes.json'), JSON.stringify(rec));
    assert.equal(readExtraNodes(dir)?.nodes.length, 2);
    const removed = await cleanupExtraNodes(dir, { timeoutMs: 5000 });
    assert.deepEqual(removed, [`process ${fake.pid} (t-m02)`]);
    await exited;
    assert.equal(readExtraNodes(dir), undefined, 'the record is gone');
    assert.ok(!existsSync(join(dir, 'nodes', 'extra-nodes.json')));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a runtime that stopped cleanly leaves nothing to clean up', () => {
  const dir = mkdtempSync(join(tmpdir(), 'skiff-rt-'));
  try {
    assert.equal(runtimeWasKilled(dir), false);
    mkdirSync(join(dir, 'runtime'));
    writeFileSync(join(dir, 'runtime', 'process-groups.json'), '{"pids":[],"startTime":{}}');
    assert.equal(runtimeWasKilled(dir), true);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

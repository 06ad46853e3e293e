// Hollow nodes: `skiff server --runtime simulated --simulated-nodes N` registers N+1 nodes whose
// pods go Running/Ready without processes (no root or network changes needed).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { KUBECTL, NO_KUBECTL_REASON, startSkiff, type ServerHandle } from './harness.js';

describe('simulated nodes', { skip: KUBECTL ? false : NO_KUBECTL_REASON }, () => {
  let s: ServerHandle;
  before(async () => {
    s = await startSkiff(['--datastore', 'memory', '--runtime', 'simulated', '--node-name', 'hollow-main', '--simulated-nodes', '3']);
  });
  after(async () => {
    assert.equal(await s?.stop(), 0);
  });

  test('all nodes register as Ready with leases', async () => {
    let out = '';
    for (let i = 0; i < 80; i++) {
      out = s.kubectlOk(['get', 'nodes', '--no-headers']);
      if ((out.match(/\sReady\s/g) ?? []).length === 4) break;
      await sleep(250);
    }
    for (const n of ['hollow-main', 'skiff-sim-0', 'skiff-sim-1', 'skiff-sim-2']) assert.match(out, new RegExp(`${n}\\s+Ready`));
    const leases = s.kubectlOk(['get', 'leases', '-n', 'kube-node-lease', '-o', 'name']);
    assert.match(leases, /skiff-sim-2/);
    const node = JSON.parse(s.kubectlOk(['get', 'node', 'skiff-sim-1', '-o', 'json']));
    assert.equal(node.status.nodeInfo.containerRuntimeVersion, 'simulated://0.1.0');
    assert.equal(node.spec.podCIDR, '10.244.1.0/24');
  });

  test('pods on hollow nodes run and become Ready without processes', async () => {
    s.kubectlOk(['apply', '-f', '-'], {
      input: `apiVersion: v1
kind: Pod
metadata: {name: hollow}
spec:
  nodeName: skiff-sim-1
  containers:
  - name: web
    image: nginx:1.17
    readinessProbe: {httpGet: {path: /, port: 80}, periodSeconds: 1}
`,
    });
    let line = '';
    for (let i = 0; i < 60; i++) {
      line = s.kubectlOk(['get', 'pod', 'hollow', '-o', 'wide', '--no-headers']);
      if (/1\/1\s+Running/.test(line)) break;
      await sleep(250);
    }
    assert.match(line, /hollow\s+1\/1\s+Running\s+0\s+\S+\s+10\.244\.1\.\d+\s+skiff-sim-1/);
    s.kubectlOk(['delete', 'pod', 'hollow', '--timeout=20s']);
    assert.equal(s.kubectl(['get', 'pod', 'hollow']).code, 1);
  });
});

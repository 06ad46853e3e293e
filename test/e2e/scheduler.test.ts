// Why is my pod Pending? `kubectl describe pod` shows the scheduler's FailedScheduling event with
// upstream's message; labelling a node at runtime lets the pod schedule.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { KUBECTL, NO_KUBECTL_REASON, startSkiff, type ServerHandle } from './harness.js';

describe('scheduling seen through kubectl', { skip: KUBECTL ? false : NO_KUBECTL_REASON }, () => {
  let s: ServerHandle;
  before(async () => {
    s = await startSkiff(['--datastore', 'memory', '--runtime', 'simulated', '--node-name', 'hollow-main', '--simulated-nodes', '2']);
    for (let i = 0; i < 80; i++) {
      if ((s.kubectlOk(['get', 'nodes', '--no-headers']).match(/\sReady\s/g) ?? []).length === 3) break;
      await sleep(250);
    }
  });
  after(async () => {
    assert.equal(await s?.stop(), 0);
  });

  test('a pod whose nodeSelector matches no node stays Pending with FailedScheduling; it schedules once a node is labelled', async () => {
    s.kubectlOk(['apply', '-f', '-'], {
      input: `apiVersion: v1
kind: Pod
metadata: {name: picky}
spec:
  nodeSelector: {disk: ssd}
  containers:
  - {name: app, image: nginx}
`,
    });
    const want = "0/3 nodes are available: 3 node(s) didn't match Pod's node affinity/selector. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.";
    let describeOut = '';
    for (let i = 0; i < 60; i++) {
      describeOut = s.kubectlOk(['describe', 'pod', 'picky']);
      if (describeOut.includes('FailedScheduling')) break;
      await sleep(250);
    }
    assert.match(describeOut, /^Status:\s+Pending$/m);
    assert.match(describeOut, /^Node:\s+<none>$/m);
    assert.match(describeOut, /^Node-Selectors:\s+disk=ssd$/m);
    assert.match(describeOut, /^\s+PodScheduled\s+False\s*$/m);
    const ev = describeOut.split('\n').find((l) => l.includes('FailedScheduling'));
    assert.ok(ev, describeOut);
    assert.match(ev!, /^\s+Warning\s+FailedScheduling\s+\S+\s+default-scheduler\s+(.*)$/);
    assert.equal(/default-scheduler\s+(.*)$/.exec(ev!)![1], want);
    const cond = JSON.parse(s.kubectlOk(['get', 'pod', 'picky', '-o', 'jsonpath={.status.conditions[?(@.type=="PodScheduled")]}']));
    assert.equal(cond.reason, 'Unschedulable');
    assert.equal(cond.message, want);
    assert.match(s.kubectlOk(['get', 'pod', 'picky', '--no-headers']), /^picky\s+0\/1\s+Pending\s+0\s/);

    assert.equal(s.kubectlOk(['label', 'node', 'skiff-sim-1', 'disk=ssd']), 'node/skiff-sim-1 labeled\n');
    const w = s.kubectl(['wait', '--for=condition=Ready', 'pod/picky', '--timeout=30s'], { timeoutMs: 40_000 });
    assert.equal(w.code, 0, w.stderr);
    assert.equal(s.kubectlOk(['get', 'pod', 'picky', '-o', 'jsonpath={.spec.nodeName}']), 'skiff-sim-1');
    const after = s.kubectlOk(['describe', 'pod', 'picky']);
    assert.match(after, /^\s+Normal\s+Scheduled\s+\S+\s+default-scheduler\s+Successfully assigned default\/picky to skiff-sim-1$/m);
    assert.match(after, /^Status:\s+Running$/m);
  });

  // More than any node's allocatable: unresolvable, so preemption is not tried (upstream ≥ 1.31).
  test('a pod that fits nowhere for CPU reports Insufficient cpu', async () => {
    s.kubectlOk(['run', 'hog', '--image=nginx', '--overrides={"spec":{"containers":[{"name":"hog","image":"nginx","resources":{"requests":{"cpu":"10000"}}}]}}']);
    let ev = '';
    for (let i = 0; i < 60 && !ev; i++) {
      ev = s.kubectlOk(['get', 'events', '--field-selector', 'involvedObject.name=hog,reason=FailedScheduling', '-o', 'jsonpath={.items[0].message}']);
      if (!ev) await sleep(250);
    }
    assert.equal(ev, '0/3 nodes are available: 3 Insufficient cpu. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.');
  });
});

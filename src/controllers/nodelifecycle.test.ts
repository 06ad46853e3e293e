import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Lease } from 'kubernetes-types/coordination/v1.js';
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../client/api.js';
import { NODES } from './kinds.js';
import { LEASES, PODS } from './resource-types.js';
import { NodeLifecycleController, reconcileTaints, zoneState, TAINT_NOT_READY, TAINT_UNREACHABLE } from './nodelifecycle.js';
import { Part2Harness } from './testing/part2-harness.js';
import { rfc3339 } from './timestamps.js';

type K<T> = T & KubeObject;

function readyConditions(status: string, at: number) {
  const t = rfc3339(at);
  return [
    { type: 'MemoryPressure', status: 'False', reason: 'KubeletHasSufficientMemory', lastHeartbeatTime: t, lastTransitionTime: t },
    { type: 'DiskPressure', status: 'False', reason: 'KubeletHasNoDiskPressure', lastHeartbeatTime: t, lastTransitionTime: t },
    { type: 'PIDPressure', status: 'False', reason: 'KubeletHasSufficientPID', lastHeartbeatTime: t, lastTransitionTime: t },
    { type: 'Ready', status, reason: status === 'True' ? 'KubeletReady' : 'KubeletNotReady', lastHeartbeatTime: t, lastTransitionTime: t },
  ];
}

function node(name: string, at: number, labels: Record<string, string> = {}): K<Node> {
  return { apiVersion: 'v1', kind: 'Node', metadata: { name, labels }, spec: {}, status: { conditions: readyConditions('True', at) } };
}

function lease(name: string, at: number): K<Lease> {
  return { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name, namespace: 'kube-node-lease' }, spec: { holderIdentity: name, leaseDurationSeconds: 40, renewTime: new Date(at).toISOString() } };
}

function pod(name: string, nodeName: string): K<Pod> {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default' },
    spec: { nodeName, containers: [{ name: 'c', image: 'x' }] },
    status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }, { type: 'ContainersReady', status: 'True' }] },
  };
}

async function setup(nodeNames: string[], opts = {}) {
  const h = new Part2Harness();
  for (const n of nodeNames) {
    await h.seed(NODES, node(n, h.clock.now()));
    await h.seed(LEASES, lease(n, h.clock.now()));
  }
  const c = new NodeLifecycleController(h.ctx, opts);
  return { h, c };
}

/** A kubelet heartbeat: renew the lease at the fake clock's now. */
async function renew(h: Part2Harness, name: string): Promise<void> {
  const cur = await h.api.get<K<Lease>>(LEASES, 'kube-node-lease', name);
  await h.api.update(LEASES, 'kube-node-lease', { ...cur, spec: { ...cur.spec, renewTime: new Date(h.clock.now()).toISOString() } });
}

/** Advance in monitor periods (5 s), renewing the listed nodes' leases each period. */
async function run(h: Part2Harness, c: NodeLifecycleController, ms: number, alive: string[]): Promise<void> {
  for (let t = 0; t < ms; t += 5_000) {
    for (const n of alive) await renew(h, n);
    await h.advance(5_000);
    await h.drain(c);
  }
}

const getNode = (h: Part2Harness, name: string) => h.api.peek<K<Node>>(NODES, undefined, name)!;
const taintsOf = (n: Node) => (n.spec?.taints ?? []).map((t) => `${t.key}:${t.effect}`).sort();
const cond = (n: Node, type: string) => n.status?.conditions?.find((c) => c.type === type);

describe('node lifecycle controller', () => {
  test('a node whose lease stops being renewed goes Unknown, gets unreachable taints and its pods go NotReady', async () => {
    const { h, c } = await setup(['n1', 'n2']);
    await h.seed(PODS, pod('web-1', 'n1'), pod('web-2', 'n2'));
    await h.start();
    await h.drain(c);
    assert.deepEqual(h.events.filter((e) => e.reason === 'RegisteredNode').map((e) => e.message).sort(), ['Node n1 event: Registered Node n1 in Controller', 'Node n2 event: Registered Node n2 in Controller']);

    // 35 s of silence from n1 is within the 40 s grace period.
    await run(h, c, 35_000, ['n1', 'n2']);
    await run(h, c, 35_000, ['n2']);
    assert.equal(cond(getNode(h, 'n1'), 'Ready')?.status, 'True');
    assert.deepEqual(taintsOf(getNode(h, 'n1')), []);

    await run(h, c, 10_000, ['n2']);
    const n1 = getNode(h, 'n1');
    for (const type of ['Ready', 'MemoryPressure', 'DiskPressure', 'PIDPressure']) {
      const cd = cond(n1, type)!;
      assert.equal(cd.status, 'Unknown', type);
      assert.equal(cd.reason, 'NodeStatusUnknown');
      assert.equal(cd.message, 'Kubelet stopped posting node status.');
    }
    assert.deepEqual(taintsOf(n1), [`${TAINT_UNREACHABLE}:NoExecute`, `${TAINT_UNREACHABLE}:NoSchedule`]);
    assert.ok(n1.spec!.taints!.find((t) => t.effect === 'NoExecute')!.timeAdded, 'NoExecute taint carries timeAdded');
    assert.equal(cond(getNode(h, 'n2'), 'Ready')?.status, 'True');
    assert.deepEqual(taintsOf(getNode(h, 'n2')), []);

    const p1 = h.api.peek<K<Pod>>(PODS, 'default', 'web-1')!;
    assert.equal(p1.status?.conditions?.find((x) => x.type === 'Ready')?.status, 'False');
    assert.equal(h.api.peek<K<Pod>>(PODS, 'default', 'web-2')!.status?.conditions?.find((x) => x.type === 'Ready')?.status, 'True');
    assert.ok(h.events.some((e) => e.kind === 'Node' && e.name === 'n1' && e.reason === 'NodeNotReady' && e.message === 'Node n1 status is now: NodeNotReady'));
    assert.ok(h.events.some((e) => e.kind === 'Pod' && e.name === 'web-1' && e.type === 'Warning' && e.reason === 'NodeNotReady' && e.message === 'Node is not ready'));

    // The kubelet comes back: lease renewed and Ready posted; the taints go.
    const back = getNode(h, 'n1');
    await h.api.updateStatus(NODES, undefined, { ...back, status: { ...back.status, conditions: readyConditions('True', h.clock.now()) } });
    await run(h, c, 5_000, ['n1', 'n2']);
    assert.deepEqual(taintsOf(getNode(h, 'n1')), []);
    assert.equal(cond(getNode(h, 'n1'), 'Ready')?.status, 'True');
    h.stop();
  });

  test('Ready=False posted by the kubelet gives not-ready taints; pressure and cordon give NoSchedule taints', async () => {
    const { h, c } = await setup(['n1', 'n2']);
    await h.start();
    await h.drain(c);
    const n1 = getNode(h, 'n1');
    const conds = readyConditions('False', h.clock.now()).map((x) => (x.type === 'MemoryPressure' ? { ...x, status: 'True' } : x));
    await h.api.updateStatus(NODES, undefined, { ...n1, status: { ...n1.status, conditions: conds } });
    await run(h, c, 5_000, ['n1', 'n2']);
    assert.deepEqual(taintsOf(getNode(h, 'n1')), [`node.kubernetes.io/memory-pressure:NoSchedule`, `${TAINT_NOT_READY}:NoExecute`, `${TAINT_NOT_READY}:NoSchedule`]);

    const n2 = getNode(h, 'n2');
    await h.api.update(NODES, undefined, { ...n2, spec: { ...n2.spec, unschedulable: true } });
    await h.drain(c);
    assert.deepEqual(taintsOf(getNode(h, 'n2')), ['node.kubernetes.io/unschedulable:NoSchedule']);
    const n2b = getNode(h, 'n2');
    await h.api.update(NODES, undefined, { ...n2b, spec: { ...n2b.spec, unschedulable: false } });
    await h.drain(c);
    assert.deepEqual(taintsOf(getNode(h, 'n2')), []);
    h.stop();
  });

  test('when every node is silent (master disruption) nodes go Unknown but get no NoExecute taints', async () => {
    const { h, c } = await setup(['solo']);
    await h.start();
    await h.drain(c);
    await run(h, c, 50_000, []);
    const solo = getNode(h, 'solo');
    assert.equal(cond(solo, 'Ready')?.status, 'Unknown');
    assert.deepEqual(taintsOf(solo), [`${TAINT_UNREACHABLE}:NoSchedule`]);
    h.stop();
  });

  test('a short grace period option is honoured', async () => {
    const { h, c } = await setup(['a', 'b'], { nodeMonitorGracePeriodMs: 8_000 });
    await h.start();
    await h.drain(c);
    await run(h, c, 10_000, ['b']);
    assert.equal(cond(getNode(h, 'a'), 'Ready')?.status, 'Unknown');
    assert.equal(cond(getNode(h, 'b'), 'Ready')?.status, 'True');
    h.stop();
  });
});

describe('taint and zone helpers', () => {
  test('reconcileTaints keeps foreign taints and existing timeAdded, swaps the NoExecute pair', () => {
    const existing = [
      { key: 'dedicated', value: 'gpu', effect: 'NoSchedule' },
      { key: TAINT_UNREACHABLE, effect: 'NoExecute', timeAdded: '2024-01-01T00:00:00Z' },
    ];
    assert.deepEqual(reconcileTaints(existing, new Set([TAINT_UNREACHABLE]), new Set([TAINT_UNREACHABLE]), 0), [...existing, { key: TAINT_UNREACHABLE, effect: 'NoSchedule' }]);
    const swapped = reconcileTaints(existing, new Set([TAINT_NOT_READY]), new Set([TAINT_NOT_READY]), Date.parse('2024-01-02T00:00:00Z'));
    assert.deepEqual(swapped, [existing[0], { key: TAINT_NOT_READY, effect: 'NoSchedule' }, { key: TAINT_NOT_READY, effect: 'NoExecute', timeAdded: '2024-01-02T00:00:00Z' }]);
    // undefined NoExecute wish leaves that pair untouched.
    assert.deepEqual(reconcileTaints(existing, new Set(), undefined, 0), existing);
  });

  test('zoneState follows upstream thresholds', () => {
    const mk = (s: string) => ({ status: { conditions: [{ type: 'Ready', status: s }] } }) as Node;
    assert.equal(zoneState([mk('Unknown'), mk('False')], 0.55), 'FullDisruption');
    assert.equal(zoneState([mk('True'), mk('Unknown'), mk('Unknown')], 0.55), 'Normal');
    assert.equal(zoneState([mk('True'), mk('Unknown'), mk('Unknown'), mk('Unknown')], 0.55), 'PartialDisruption');
  });
});

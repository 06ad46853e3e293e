import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Event, Node, Pod } from 'kubernetes-types/core/v1.js';
import pino from 'pino';
import { findByKind } from '../api/registry.js';
import { ApiError, type KubeObject } from '../client/api.js';
import { InformerFactory } from '../client/informer.js';
import { Scheduler, numFeasibleNodesToFind, selectHost } from './scheduler.js';
import { FakeApi } from './testing/fake-api.js';
import { makeNode, makePod, nodeInfo } from './testing/builders.js';

const podsType = findByKind('', 'Pod')!;
const nodesType = findByKind('', 'Node')!;
const eventsType = findByKind('', 'Event')!;
const leasesType = findByKind('coordination.k8s.io', 'Lease')!;
const silent = pino({ level: 'silent' });

/** Deterministic RNG (mulberry32). */
function seeded(seed: number): () => number {
  let a = seed;
  return () => {
    a |= 0;
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function until(what: string, cond: () => boolean, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

const running: Scheduler[] = [];
async function startScheduler(api: FakeApi, opts: ConstructorParameters<typeof Scheduler>[2] = {}): Promise<Scheduler> {
  const informers = new InformerFactory(api);
  const s = new Scheduler(api, informers, { leaderElect: false, rng: seeded(42), logger: silent, ...opts });
  await s.start();
  running.push(s);
  return s;
}
after(async () => {
  for (const s of running) await s.stop();
});

const k = (o: Node | Pod) => o as unknown as KubeObject;
const pods = (api: FakeApi) => api.all<Pod>(podsType);
const events = (api: FakeApi) => api.all<Event>(eventsType);

describe('Scheduler', () => {
  test('pure helpers: adaptive percentage of nodes to score, random tie-break', () => {
    assert.equal(numFeasibleNodesToFind(50), 50);
    assert.equal(numFeasibleNodesToFind(1000), 420); // 50 - 1000/125 = 42%
    assert.equal(numFeasibleNodesToFind(5000), 500); // 10%
    assert.equal(numFeasibleNodesToFind(6000), 300); // floor 5%
    assert.equal(numFeasibleNodesToFind(150), 100); // at least 100
    assert.equal(numFeasibleNodesToFind(1000, 100), 1000);
    const nodes = ['a', 'b', 'c'].map((n) => nodeInfo(makeNode(n)));
    const picks = new Set<string>();
    const rng = seeded(1);
    for (let i = 0; i < 50; i++) picks.add(selectHost(nodes, [5, 9, 9], rng).name);
    assert.deepEqual([...picks].sort(), ['b', 'c']);
  });

  test('schedules 200 pods onto 50 nodes within capacity, with Scheduled events', async () => {
    const api = new FakeApi();
    api.recordCalls = false;
    for (let i = 0; i < 50; i++) await api.create(nodesType, undefined, k(makeNode(`node-${i}`, { cpu: '2', memory: '4Gi' })));
    const s = await startScheduler(api);
    for (let i = 0; i < 200; i++) await api.create(podsType, 'default', k(makePod(`pod-${i}`, { cpu: '400m', memory: '512Mi', uid: undefined as unknown as string })));
    await until('all pods bound', () => pods(api).every((p) => p.spec?.nodeName));
    const perNode = new Map<string, number>();
    for (const p of pods(api)) perNode.set(p.spec!.nodeName!, (perNode.get(p.spec!.nodeName!) ?? 0) + 400);
    for (const [node, milli] of perNode) assert.ok(milli <= 2000, `${node} overcommitted: ${milli}m`);
    // LeastAllocated spreads the load: every node got pods
    assert.equal(perNode.size, 50);
    await until('Scheduled events', () => events(api).filter((e) => e.reason === 'Scheduled').length === 200);
    const ev = events(api).find((e) => e.involvedObject.name === 'pod-7' && e.reason === 'Scheduled')!;
    assert.equal(ev.type, 'Normal');
    assert.match(ev.message!, /^Successfully assigned default\/pod-7 to node-\d+$/);
    assert.equal(ev.source?.component, 'default-scheduler');
    await until('no bindings in flight', () => s.pendingBindings() === 0);
  });

  test('unschedulable pods get FailedScheduling + PodScheduled=False and are retried when a node is added', async () => {
    const api = new FakeApi();
    await api.create(nodesType, undefined, k(makeNode('small', { cpu: '1', labels: { disk: 'ssd' } })));
    await api.create(nodesType, undefined, k(makeNode('gpu1', { cpu: '8', labels: { gpu: 'yes' }, taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }] })));
    await api.create(nodesType, undefined, k(makeNode('other', { cpu: '8', labels: { disk: 'hdd' } })));
    await startScheduler(api);
    await api.create(podsType, 'default', k(makePod('big', { cpu: '2', spec: { nodeSelector: { disk: 'ssd' } } })));
    const msg =
      "0/3 nodes are available: 1 Insufficient cpu, 1 node(s) didn't match Pod's node affinity/selector, 1 node(s) had untolerated taint {dedicated: gpu}. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.";
    await until('FailedScheduling event', () => events(api).some((e) => e.reason === 'FailedScheduling'));
    const ev = events(api).find((e) => e.reason === 'FailedScheduling')!;
    assert.equal(ev.type, 'Warning');
    assert.equal(ev.message, msg);
    await until('condition', () => !!api.peek<Pod>(podsType, 'default', 'big')?.status?.conditions?.length);
    const cond = api.peek<Pod>(podsType, 'default', 'big')!.status!.conditions!.find((c) => c.type === 'PodScheduled')!;
    assert.equal(cond.status, 'False');
    assert.equal(cond.reason, 'Unschedulable');
    assert.equal(cond.message, ev.message);
    await api.create(nodesType, undefined, k(makeNode('ssd1', { cpu: '4', labels: { disk: 'ssd' } })));
    await until('bound after node add', () => api.peek<Pod>(podsType, 'default', 'big')?.spec?.nodeName === 'ssd1', 5000);
  });

  test('the next pod is scheduled before the previous binding returns (assume), without overcommit', async () => {
    const api = new FakeApi();
    await api.create(nodesType, undefined, k(makeNode('a', { cpu: '1' })));
    await api.create(nodesType, undefined, k(makeNode('b', { cpu: '1' })));
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const started: string[] = [];
    api.bindHook = async (_ns, name) => {
      started.push(name);
      await gate;
    };
    const s = await startScheduler(api);
    await api.create(podsType, 'default', k(makePod('p1', { cpu: '1' })));
    await api.create(podsType, 'default', k(makePod('p2', { cpu: '1' })));
    await until('both bindings in flight', () => started.length === 2);
    assert.equal(s.pendingBindings(), 2);
    release();
    await until('both bound', () => pods(api).every((p) => p.spec?.nodeName));
    const nodes = pods(api).map((p) => p.spec!.nodeName).sort();
    assert.deepEqual(nodes, ['a', 'b']);
  });

  test('a failed binding is forgotten and retried', async () => {
    const api = new FakeApi();
    await api.create(nodesType, undefined, k(makeNode('only', { cpu: '1' })));
    let failures = 0;
    api.bindHook = () => {
      if (failures++ === 0) throw new ApiError(500, { kind: 'Status', apiVersion: 'v1', status: 'Failure', message: 'etcd hiccup', reason: 'InternalError', code: 500 });
    };
    const s = await startScheduler(api, { podInitialBackoffMs: 20 });
    await api.create(podsType, 'default', k(makePod('p', { cpu: '1' })));
    await until('bound after retry', () => api.peek<Pod>(podsType, 'default', 'p')?.spec?.nodeName === 'only');
    assert.equal(failures, 2);
    await until('events', () => events(api).some((e) => e.reason === 'FailedScheduling' && e.message === 'etcd hiccup'));
    // The forgotten assumption does not linger: the node holds exactly one pod's cpu.
    await until('confirmed', () => !s.cache.isAssumed(pods(api)[0].metadata!.uid!));
  });

  test('preemption evicts a lower-priority pod and nominates the node', async () => {
    const api = new FakeApi();
    await api.create(nodesType, undefined, k(makeNode('n', { cpu: '2' })));
    await startScheduler(api);
    await api.create(podsType, 'default', k(makePod('low', { cpu: '2', priority: 1 })));
    await until('low bound', () => !!api.peek<Pod>(podsType, 'default', 'low')?.spec?.nodeName);
    await api.create(podsType, 'default', k(makePod('high', { cpu: '2', priority: 1000 })));
    await until('high bound', () => api.peek<Pod>(podsType, 'default', 'high')?.spec?.nodeName === 'n', 8000);
    assert.equal(api.peek(podsType, 'default', 'low'), undefined);
    const preempted = events(api).find((e) => e.reason === 'Preempted');
    assert.ok(preempted);
    assert.match(preempted.message!, /^Preempted by pod .+ on node n$/);
    assert.ok(api.calls.some((c) => c.verb === 'patch' && c.name === 'high' && JSON.stringify(c.body).includes('"nominatedNodeName":"n"')));
  });

  test('ignores pods for other schedulers, and takes the kube-scheduler lease', async () => {
    const api = new FakeApi();
    await api.create(nodesType, undefined, k(makeNode('n')));
    const s = await startScheduler(api, { leaderElect: true, identity: 'test-1' });
    await api.create(podsType, 'default', k(makePod('mine')));
    await api.create(podsType, 'default', k(makePod('theirs', { spec: { schedulerName: 'other' } })));
    await until('mine bound', () => !!api.peek<Pod>(podsType, 'default', 'mine')?.spec?.nodeName);
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(api.peek<Pod>(podsType, 'default', 'theirs')?.spec?.nodeName, undefined);
    const lease = api.peek<{ spec: { holderIdentity: string } }>(leasesType, 'kube-system', 'kube-scheduler');
    assert.equal(lease?.spec.holderIdentity, 'test-1');
    await s.stop();
  });
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { TopologySpreadConstraint } from 'kubernetes-types/core/v1.js';
import { Snapshot } from '../cache.js';
import { Code, CycleState, type NodeScore } from '../framework.js';
import { info, makeNode, makePod, nodeInfo } from '../testing/builders.js';
import { PodTopologySpread } from './pod-topology-spread.js';

const app = { app: 'web' };
const spreadPod = (name: string, c: Partial<TopologySpreadConstraint>) =>
  makePod(name, {
    labels: app,
    spec: { topologySpreadConstraints: [{ maxSkew: 1, topologyKey: 'zone', whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: app }, ...c }] },
  });

function cluster() {
  // zone a: 2 matching pods, zone b: 1, zone c: 0 (node without zone label too)
  return [
    nodeInfo(makeNode('a1', { labels: { zone: 'a' } }), [makePod('x1', { labels: app }), makePod('x2', { labels: app })]),
    nodeInfo(makeNode('b1', { labels: { zone: 'b' } }), [makePod('x3', { labels: app }), makePod('other', { labels: { app: 'db' } })]),
    nodeInfo(makeNode('c1', { labels: { zone: 'c' } })),
    nodeInfo(makeNode('nolabel')),
  ];
}

test('PodTopologySpread filter: maxSkew against the global minimum', () => {
  const pl = new PodTopologySpread();
  const nodes = cluster();
  const snap = Snapshot.of(nodes);
  const s = new CycleState();
  const pod = info(spreadPod('p', {}));
  assert.equal(pl.preFilter(s, pod, snap), undefined);
  const res = nodes.map((n) => pl.filter(s, pod, n));
  assert.deepEqual(res[0]?.reasons, ["node(s) didn't match pod topology spread constraints"]); // 2+1-0 > 1
  assert.deepEqual(res[1]?.reasons, ["node(s) didn't match pod topology spread constraints"]); // 1+1-0 > 1
  assert.equal(res[2], undefined);
  assert.equal(res[3]?.code, Code.UnschedulableAndUnresolvable);
  assert.deepEqual(res[3]?.reasons, ["node(s) didn't match pod topology spread constraints (missing required label)"]);
});

test('PodTopologySpread filter: minDomains forces a zero minimum', () => {
  const pl = new PodTopologySpread();
  const nodes = cluster().slice(0, 2); // only zones a (2) and b (1)
  const s = new CycleState();
  const pod = info(spreadPod('p', { maxSkew: 2 }));
  pl.preFilter(s, pod, Snapshot.of(nodes));
  assert.equal(pl.filter(s, pod, nodes[1]), undefined); // 1+1-1 <= 2
  const s2 = new CycleState();
  const pod2 = info(spreadPod('p', { maxSkew: 2, minDomains: 3 }));
  pl.preFilter(s2, pod2, Snapshot.of(nodes));
  assert.equal(pl.filter(s2, pod2, nodes[1]), undefined); // 1+1-0 <= 2
  assert.ok(pl.filter(s2, pod2, nodes[0])); // 2+1-0 > 2
});

test('PodTopologySpread: no constraints skips; preemption what-if updates counts', () => {
  const pl = new PodTopologySpread();
  const s = new CycleState();
  assert.equal(pl.preFilter(s, info(makePod('plain')), Snapshot.of(cluster()))?.code, Code.Skip);
  const nodes = cluster();
  const pod = info(spreadPod('p', {}));
  const s2 = new CycleState();
  pl.preFilter(s2, pod, Snapshot.of(nodes));
  assert.ok(pl.filter(s2, pod, nodes[1]));
  pl.removePod(s2, pod, nodes[1].pods[0], nodes[1]);
  assert.equal(pl.filter(s2, pod, nodes[1]), undefined);
});

test('PodTopologySpread score: emptier domains score higher (ScheduleAnyway)', () => {
  const pl = new PodTopologySpread();
  const nodes = cluster();
  const s = new CycleState();
  const pod = info(spreadPod('p', { whenUnsatisfiable: 'ScheduleAnyway' }));
  assert.equal(pl.preFilter(s, pod, Snapshot.of(nodes))?.code, Code.Skip);
  assert.equal(pl.preScore(s, pod, nodes, Snapshot.of(nodes)), undefined);
  const scores: NodeScore[] = nodes.map((n) => ({ node: n, score: pl.score(s, pod, n) }));
  pl.normalizeScore(s, pod, scores);
  const [a, b, c, none] = scores.map((x) => x.score);
  assert.ok(c > b && b > a, `expected c > b > a, got ${a} ${b} ${c}`);
  assert.equal(c, 100);
  assert.equal(none, 0); // ignored: lacks the topology key
});

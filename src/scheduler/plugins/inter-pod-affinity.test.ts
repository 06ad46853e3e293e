import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { PodAffinityTerm } from 'kubernetes-types/core/v1.js';
import { Snapshot } from '../cache.js';
import { Code, CycleState, type NodeScore } from '../framework.js';
import { info, makeNode, makePod, nodeInfo } from '../testing/builders.js';
import { InterPodAffinity } from './inter-pod-affinity.js';

const term = (labels: Record<string, string>, topologyKey = 'zone'): PodAffinityTerm => ({ labelSelector: { matchLabels: labels }, topologyKey });
const handle = { namespaceLabels: (ns: string): Record<string, string> => (ns === 'prod' ? { env: 'prod' } : {}) };

function nodes() {
  return [
    nodeInfo(makeNode('a1', { labels: { zone: 'a' } }), [makePod('db', { labels: { app: 'db' } })]),
    nodeInfo(makeNode('a2', { labels: { zone: 'a' } })),
    nodeInfo(makeNode('b1', { labels: { zone: 'b' } }), [makePod('cache', { labels: { app: 'cache' } })]),
    nodeInfo(makeNode('nozone')),
  ];
}

test('InterPodAffinity: required affinity needs a matching pod in the topology', () => {
  const pl = new InterPodAffinity(handle);
  const ns = nodes();
  const s = new CycleState();
  const pod = info(makePod('web', { spec: { affinity: { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term({ app: 'db' })] } } } }));
  assert.equal(pl.preFilter(s, pod, Snapshot.of(ns)), undefined);
  const r = ns.map((n) => pl.filter(s, pod, n));
  assert.equal(r[0], undefined);
  assert.equal(r[1], undefined); // same zone as db
  assert.equal(r[2]?.code, Code.UnschedulableAndUnresolvable);
  assert.deepEqual(r[2]?.reasons, ["node(s) didn't match pod affinity rules"]);
  assert.ok(r[3]);
});

test('InterPodAffinity: the first pod of a self-affine group may go anywhere', () => {
  const pl = new InterPodAffinity(handle);
  const ns = nodes();
  const s = new CycleState();
  const pod = info(makePod('g', { labels: { app: 'group' }, spec: { affinity: { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term({ app: 'group' })] } } } }));
  pl.preFilter(s, pod, Snapshot.of(ns));
  assert.equal(pl.filter(s, pod, ns[2]), undefined);
});

test('InterPodAffinity: required anti-affinity, both directions', () => {
  const pl = new InterPodAffinity(handle);
  const ns = nodes();
  const s = new CycleState();
  const pod = info(makePod('web', { labels: { app: 'web' }, spec: { affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term({ app: 'db' })] } } } }));
  pl.preFilter(s, pod, Snapshot.of(ns));
  assert.deepEqual(pl.filter(s, pod, ns[1])?.reasons, ["node(s) didn't match pod anti-affinity rules"]);
  assert.equal(pl.filter(s, pod, ns[1])?.code, Code.Unschedulable);
  assert.equal(pl.filter(s, pod, ns[2]), undefined);
  // an existing pod that refuses web pods in its zone
  const guard = makePod('guard', { labels: { app: 'guard' }, spec: { affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term({ app: 'web' })] } } } });
  ns[2].addPod(info({ ...guard, spec: { ...guard.spec!, nodeName: 'b1' } }));
  const s2 = new CycleState();
  const plain = info(makePod('web2', { labels: { app: 'web' } }));
  assert.equal(pl.preFilter(s2, plain, Snapshot.of(ns)), undefined);
  assert.deepEqual(pl.filter(s2, plain, ns[2])?.reasons, ["node(s) didn't satisfy existing pods anti-affinity rules"]);
  assert.equal(pl.filter(s2, plain, ns[0]), undefined);
  // no affinity anywhere -> Skip
  assert.equal(pl.preFilter(new CycleState(), info(makePod('x', { labels: { app: 'x' } })), Snapshot.of(nodes()))?.code, Code.Skip);
});

test('InterPodAffinity: namespaceSelector selects namespaces by label', () => {
  const pl = new InterPodAffinity(handle);
  const ns = [nodeInfo(makeNode('p1', { labels: { zone: 'p' } }), [makePod('db', { namespace: 'prod', labels: { app: 'db' } })]), nodeInfo(makeNode('q1', { labels: { zone: 'q' } }))];
  const pod = info(
    makePod('web', { spec: { affinity: { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ ...term({ app: 'db' }), namespaceSelector: { matchLabels: { env: 'prod' } } }] } } } }),
  );
  const s = new CycleState();
  pl.preFilter(s, pod, Snapshot.of(ns));
  assert.equal(pl.filter(s, pod, ns[0]), undefined);
  assert.ok(pl.filter(s, pod, ns[1]));
});

test('InterPodAffinity score: preferred affinity attracts, anti-affinity repels', () => {
  const pl = new InterPodAffinity(handle);
  const ns = nodes();
  const snap = Snapshot.of(ns);
  const pod = info(
    makePod('web', {
      spec: {
        affinity: {
          podAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 50, podAffinityTerm: term({ app: 'db' }) }] },
          podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 20, podAffinityTerm: term({ app: 'cache' }) }] },
        },
      },
    }),
  );
  const s = new CycleState();
  assert.equal(pl.preScore(s, pod, ns, snap), undefined);
  const scores: NodeScore[] = ns.map((n) => ({ node: n, score: pl.score(s, pod, n) }));
  assert.deepEqual(scores.map((x) => x.score), [50, 50, -20, 0]);
  pl.normalizeScore(s, pod, scores);
  assert.deepEqual(scores.map((x) => x.score), [100, 100, 0, 28]);
});

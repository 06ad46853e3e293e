import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { PodDisruptionBudget } from 'kubernetes-types/policy/v1.js';
import { Snapshot } from './cache.js';
import { CycleState, Framework, Status } from './framework.js';
import type { NodeInfo } from './node-info.js';
import type { PodInfo } from './pod-info.js';
import { NodeResourcesFit } from './plugins/node-resources-fit.js';
import { DefaultPreemption, pickOneNode, splitByPDBViolation } from './preemption.js';
import { info, makeNode, makePod, nodeInfo } from './testing/builders.js';

function evaluator(pdbs: PodDisruptionBudget[] = []) {
  const fit = new NodeResourcesFit();
  const fw = new Framework({ schedulerName: 'default-scheduler', preFilter: [], filter: [fit], postFilter: [], score: [], reserve: [], preBind: [], bind: [] });
  const evicted: string[] = [];
  const pe = new DefaultPreemption({
    framework: fw,
    filterWithNominated: (s, p, n) => fw.runFilter(s, p, n),
    pdbs: () => pdbs,
    rng: () => 0,
    nominatedPods: () => [],
    evict: async (v: PodInfo) => {
      evicted.push(v.pod.metadata!.name!);
    },
    clearNomination: async () => {},
  });
  return { pe, fw, evicted };
}

const victim = (name: string, cpu: string, priority: number, labels?: Record<string, string>) => makePod(name, { cpu, priority, labels });

describe('preemption', () => {
  test('chooses minimal, lowest-priority victims on the best node', async () => {
    const nodes: NodeInfo[] = [
      // n1: must evict a priority-50 pod
      nodeInfo(makeNode('n1', { cpu: '2' }), [victim('a', '1', 50), victim('b', '1', 50)]),
      // n2: evicting one priority-10 pod suffices (the other low pod is reprieved)
      nodeInfo(makeNode('n2', { cpu: '2' }), [victim('c', '1', 10), victim('d', '500m', 5), victim('e', '500m', 200)]),
      // n3: only higher-priority pods: not a candidate
      nodeInfo(makeNode('n3', { cpu: '2' }), [victim('f', '2', 1000)]),
    ];
    const { pe, evicted } = evaluator();
    const pod = info(makePod('hi', { cpu: '1', priority: 100 }));
    const statuses = new Map(nodes.map((n) => [n.name, Status.unschedulable('Insufficient cpu')]));
    const res = await pe.postFilter(new CycleState(), pod, statuses, Snapshot.of(nodes));
    assert.equal(res.result?.nominatedNodeName, 'n2');
    assert.deepEqual(evicted, ['c']);
  });

  test('respects PodDisruptionBudgets where possible', () => {
    const ni = nodeInfo(makeNode('n', { cpu: '2' }), [victim('guarded', '1', 1, { app: 'guarded' }), victim('free', '1', 1, { app: 'free' })]);
    const pdb: PodDisruptionBudget = { metadata: { name: 'pdb', namespace: 'default' }, spec: { selector: { matchLabels: { app: 'guarded' } } }, status: { disruptionsAllowed: 0, currentHealthy: 1, desiredHealthy: 1, expectedPods: 1 } };
    const { pe } = evaluator([pdb]);
    const r = pe.selectVictimsOnNode(new CycleState(), info(makePod('hi', { cpu: '1', priority: 10 })), ni.clone(), [pdb]);
    assert.ok('victims' in r);
    assert.deepEqual(r.victims.pods.map((p) => p.pod.metadata!.name), ['free']);
    assert.equal(r.victims.numPDBViolations, 0);
    const split = splitByPDBViolation(ni.pods, [pdb]);
    assert.deepEqual(split.violating.map((p) => p.pod.metadata!.name), ['guarded']);
  });

  test('node choice order: PDB violations, top priority, sum, count', () => {
    const v = (name: string, priority: number) => info(makePod(name, { priority }));
    const best = pickOneNode([
      { node: 'violates', victims: { pods: [v('a', 1)], numPDBViolations: 1 } },
      { node: 'high', victims: { pods: [v('b', 50)], numPDBViolations: 0 } },
      { node: 'many', victims: { pods: [v('c', 10), v('d', 10)], numPDBViolations: 0 } },
      { node: 'few', victims: { pods: [v('e', 10)], numPDBViolations: 0 } },
    ]);
    assert.equal(best?.node, 'few');
  });

  test('not eligible with preemptionPolicy Never; not helpful on unresolvable nodes', async () => {
    const nodes = [nodeInfo(makeNode('n1', { cpu: '1' }), [victim('a', '1', 0)])];
    const { pe } = evaluator();
    const never = info(makePod('p', { cpu: '1', priority: 10, spec: { preemptionPolicy: 'Never' } }));
    const r1 = await pe.postFilter(new CycleState(), never, new Map([['n1', Status.unschedulable('Insufficient cpu')]]), Snapshot.of(nodes));
    assert.equal(r1.status.message(), 'preemption: not eligible due to preemptionPolicy=Never.');
    const pod = info(makePod('q', { cpu: '1', priority: 10 }));
    const r2 = await pe.postFilter(new CycleState(), pod, new Map([['n1', Status.unresolvable('node(s) were unschedulable')]]), Snapshot.of(nodes));
    assert.equal(r2.status.message(), 'preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling.');
    const equal = info(makePod('r', { cpu: '1', priority: 0 }));
    const r3 = await pe.postFilter(new CycleState(), equal, new Map([['n1', Status.unschedulable('Insufficient cpu')]]), Snapshot.of(nodes));
    assert.equal(r3.status.message(), 'preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod.');
  });
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Code, CycleState } from '../framework.js';
import { info, makeNode, makePod, nodeInfo } from '../testing/builders.js';
import { NodeResourcesFit } from './node-resources-fit.js';

test('NodeResourcesFit filter: cpu, memory, pods, extended resources', () => {
  const pl = new NodeResourcesFit();
  const s = new CycleState();
  const ni = nodeInfo(makeNode('n', { cpu: '2', memory: '4Gi', pods: '3', extra: { 'example.com/gpu': '1' } }), [makePod('a', { cpu: '1500m', memory: '1Gi' })]);
  assert.equal(pl.filter(s, info(makePod('fits', { cpu: '500m', memory: '3Gi' })), ni), undefined);
  const both = pl.filter(s, info(makePod('big', { cpu: '1', memory: '3500Mi' })), ni);
  assert.equal(both?.code, Code.Unschedulable);
  assert.deepEqual(both?.reasons, ['Insufficient cpu', 'Insufficient memory']);
  // more than the whole node: preemption cannot help
  assert.equal(pl.filter(s, info(makePod('huge', { cpu: '3' })), ni)?.code, Code.UnschedulableAndUnresolvable);
  const gpu = makePod('g', { containers: [{ name: 'c', resources: { limits: { 'example.com/gpu': '2' } } }] });
  assert.deepEqual(pl.filter(s, info(gpu), ni)?.reasons, ['Insufficient example.com/gpu']);
  ni.addPod(info(makePod('b', { node: 'n' })));
  ni.addPod(info(makePod('c', { node: 'n' })));
  assert.deepEqual(pl.filter(s, info(makePod('d')), ni)?.reasons, ['Too many pods']);
});

test('NodeResourcesFit score: LeastAllocated prefers emptier nodes, MostAllocated fuller', () => {
  const empty = nodeInfo(makeNode('empty', { cpu: '4', memory: '8Gi' }));
  const half = nodeInfo(makeNode('half', { cpu: '4', memory: '8Gi' }), [makePod('x', { cpu: '2', memory: '4Gi' })]);
  const pod = info(makePod('p', { cpu: '1', memory: '2Gi' }));
  const least = new NodeResourcesFit('LeastAllocated');
  // (4-1)/4*100 = 75 for both cpu and memory; half: (4-3)/4*100 = 25
  assert.equal(least.score(new CycleState(), pod, empty), 75);
  assert.equal(least.score(new CycleState(), pod, half), 25);
  const most = new NodeResourcesFit('MostAllocated');
  assert.equal(most.score(new CycleState(), pod, empty), 25);
  assert.equal(most.score(new CycleState(), pod, half), 75);
  // best-effort pods count the non-zero defaults (100m, 200Mi)
  assert.equal(least.score(new CycleState(), info(makePod('be')), empty), Math.floor((97 + Math.floor(((8192 - 200) * 100) / 8192)) / 2));
});

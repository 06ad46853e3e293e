import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Code, CycleState } from '../framework.js';
import { info, makeNode, makePod, nodeInfo } from '../testing/builders.js';
import { BalancedAllocation, balancedScore } from './balanced-allocation.js';

test('BalancedAllocation prefers nodes where cpu and memory use stay even', () => {
  const pl = new BalancedAllocation();
  const pod = info(makePod('p', { cpu: '1', memory: '2Gi' }));
  const even = nodeInfo(makeNode('even', { cpu: '4', memory: '8Gi' }));
  const skewed = nodeInfo(makeNode('skewed', { cpu: '4', memory: '8Gi' }), [makePod('x', { cpu: '2' })]);
  assert.equal(pl.score(new CycleState(), pod, even), 100); // 0.25 vs 0.25
  assert.equal(pl.score(new CycleState(), pod, skewed), 75); // 0.75 vs 0.25 -> std 0.25
  assert.equal(balancedScore([0.2, 0.4, 0.6]), Math.trunc((1 - Math.sqrt(0.08 / 3)) * 100));
  assert.equal(pl.preScore(new CycleState(), info(makePod('besteffort')))?.code, Code.Skip);
});

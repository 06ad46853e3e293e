import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CycleState } from '../framework.js';
import { info, makeNode, makePod, nodeInfo } from '../testing/builders.js';
import { NodeUnschedulable } from './node-unschedulable.js';

test('NodeUnschedulable rejects cordoned nodes unless tolerated', () => {
  const pl = new NodeUnschedulable();
  const cordoned = nodeInfo(makeNode('n', { unschedulable: true }));
  const st = pl.filter(new CycleState(), info(makePod('p')), cordoned);
  assert.deepEqual(st?.reasons, ['node(s) were unschedulable']);
  assert.equal(pl.filter(new CycleState(), info(makePod('p')), nodeInfo(makeNode('ok'))), undefined);
  const tolerant = makePod('t', { spec: { tolerations: [{ key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' }] } });
  assert.equal(pl.filter(new CycleState(), info(tolerant), cordoned), undefined);
});

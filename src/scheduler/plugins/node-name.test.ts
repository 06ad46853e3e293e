import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CycleState } from '../framework.js';
import { info, makeNode, makePod, nodeInfo } from '../testing/builders.js';
import { NodeName } from './node-name.js';

test('NodeName only fits the named node', () => {
  const pl = new NodeName();
  const pod = info(makePod('p', { node: 'a' }));
  assert.equal(pl.filter(new CycleState(), pod, nodeInfo(makeNode('a'))), undefined);
  assert.deepEqual(pl.filter(new CycleState(), pod, nodeInfo(makeNode('b')))?.reasons, ["node(s) didn't match the requested node name"]);
  assert.equal(pl.filter(new CycleState(), info(makePod('free')), nodeInfo(makeNode('b'))), undefined);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Code, CycleState, type NodeScore } from '../framework.js';
import { info, makeNode, makePod, nodeInfo } from '../testing/builders.js';
import { TaintToleration } from './taint-toleration.js';

test('TaintToleration filter: NoSchedule/NoExecute must be tolerated; message names the taint', () => {
  const pl = new TaintToleration();
  const s = new CycleState();
  const tainted = nodeInfo(makeNode('n', { taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }] }));
  const st = pl.filter(s, info(makePod('p')), tainted);
  assert.equal(st?.code, Code.UnschedulableAndUnresolvable);
  assert.deepEqual(st?.reasons, ['node(s) had untolerated taint {dedicated: gpu}']);
  const tol = makePod('t', { spec: { tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'gpu', effect: 'NoSchedule' }] } });
  assert.equal(pl.filter(s, info(tol), tainted), undefined);
  const master = nodeInfo(makeNode('m', { taints: [{ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }] }));
  assert.deepEqual(pl.filter(s, info(makePod('p')), master)?.reasons, ['node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }']);
  const prefer = nodeInfo(makeNode('x', { taints: [{ key: 'a', effect: 'PreferNoSchedule' }] }));
  assert.equal(pl.filter(s, info(makePod('p')), prefer), undefined);
});

test('TaintToleration filter: not-ready nodes count as tainted', () => {
  const pl = new TaintToleration();
  const st = pl.filter(new CycleState(), info(makePod('p')), nodeInfo(makeNode('n', { ready: 'False' })));
  assert.deepEqual(st?.reasons, ['node(s) had untolerated taint {node.kubernetes.io/not-ready: }']);
  const st2 = pl.filter(new CycleState(), info(makePod('p')), nodeInfo(makeNode('n', { ready: 'Unknown' })));
  assert.deepEqual(st2?.reasons, ['node(s) had untolerated taint {node.kubernetes.io/unreachable: }']);
  assert.equal(pl.filter(new CycleState(), info(makePod('p')), nodeInfo(makeNode('n', { ready: 'True' }))), undefined);
});

test('TaintToleration score: fewer untolerated PreferNoSchedule taints score higher', () => {
  const pl = new TaintToleration();
  const s = new CycleState();
  const pod = info(makePod('p', { spec: { tolerations: [{ key: 'ok', operator: 'Exists', effect: 'PreferNoSchedule' }] } }));
  pl.preScore(s, pod);
  const nodes = [
    nodeInfo(makeNode('clean')),
    nodeInfo(makeNode('one', { taints: [{ key: 'a', effect: 'PreferNoSchedule' }, { key: 'ok', effect: 'PreferNoSchedule' }] })),
    nodeInfo(makeNode('two', { taints: [{ key: 'a', effect: 'PreferNoSchedule' }, { key: 'b', effect: 'PreferNoSchedule' }] })),
  ];
  const scores: NodeScore[] = nodes.map((n) => ({ node: n, score: pl.score(s, pod, n) }));
  assert.deepEqual(scores.map((x) => x.score), [0, 1, 2]);
  pl.normalizeScore(s, pod, scores);
  assert.deepEqual(scores.map((x) => x.score), [100, 50, 0]);
});

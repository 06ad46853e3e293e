import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Code, CycleState, type NodeScore } from '../framework.js';
import { info, makeNode, makePod, nodeInfo } from '../testing/builders.js';
import { NodeAffinity } from './node-affinity.js';

test('NodeAffinity filter: nodeSelector and required terms (ORed terms, ANDed expressions)', () => {
  const pl = new NodeAffinity();
  const s = new CycleState();
  const ssd = nodeInfo(makeNode('ssd', { labels: { disk: 'ssd', zone: 'a', cores: '8' } }));
  const hdd = nodeInfo(makeNode('hdd', { labels: { disk: 'hdd', zone: 'b', cores: '2' } }));
  const sel = info(makePod('p', { spec: { nodeSelector: { disk: 'ssd' } } }));
  assert.equal(pl.filter(s, sel, ssd), undefined);
  const st = pl.filter(s, sel, hdd);
  assert.equal(st?.code, Code.UnschedulableAndUnresolvable);
  assert.deepEqual(st?.reasons, ["node(s) didn't match Pod's node affinity/selector"]);
  const aff = info(
    makePod('q', {
      spec: {
        affinity: {
          nodeAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: {
              nodeSelectorTerms: [
                { matchExpressions: [{ key: 'zone', operator: 'In', values: ['z'] }] },
                { matchExpressions: [{ key: 'cores', operator: 'Gt', values: ['4'] }, { key: 'gpu', operator: 'DoesNotExist' }] },
              ],
            },
          },
        },
      },
    }),
  );
  assert.equal(pl.filter(s, aff, ssd), undefined);
  assert.ok(pl.filter(s, aff, hdd));
  const byName = info(
    makePod('r', {
      spec: { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['hdd'] }] }] } } } },
    }),
  );
  assert.ok(pl.filter(s, byName, ssd));
  assert.equal(pl.filter(s, byName, hdd), undefined);
  assert.equal(pl.preFilter(s, info(makePod('plain')))?.code, Code.Skip);
});

test('NodeAffinity score: sums preferred weights, normalised to the best node', () => {
  const pl = new NodeAffinity();
  const s = new CycleState();
  const pod = info(
    makePod('p', {
      spec: {
        affinity: {
          nodeAffinity: {
            preferredDuringSchedulingIgnoredDuringExecution: [
              { weight: 10, preference: { matchExpressions: [{ key: 'disk', operator: 'In', values: ['ssd'] }] } },
              { weight: 30, preference: { matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] } },
            ],
          },
        },
      },
    }),
  );
  assert.equal(pl.preScore(s, pod), undefined);
  const nodes = [nodeInfo(makeNode('both', { labels: { disk: 'ssd', zone: 'a' } })), nodeInfo(makeNode('disk', { labels: { disk: 'ssd' } })), nodeInfo(makeNode('none'))];
  const scores: NodeScore[] = nodes.map((n) => ({ node: n, score: pl.score(s, pod, n) }));
  assert.deepEqual(scores.map((x) => x.score), [40, 10, 0]);
  pl.normalizeScore(s, pod, scores);
  assert.deepEqual(scores.map((x) => x.score), [100, 25, 0]);
});

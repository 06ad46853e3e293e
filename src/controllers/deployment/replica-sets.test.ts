import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Deployment, ReplicaSet } from 'kubernetes-types/apps/v1.js';
import { equalIgnoreHash, findNewReplicaSet, findOldReplicaSets, semanticEqual } from './replica-sets.js';

const template = { metadata: { labels: { run: 'kuard' } }, spec: { containers: [{ name: 'kuard', image: 'blue' }] } };

function rs(name: string, image: string, created: string, replicas = 1): ReplicaSet {
  return {
    metadata: { name, uid: name, creationTimestamp: created },
    spec: {
      replicas,
      selector: {},
      template: { metadata: { labels: { run: 'kuard', 'pod-template-hash': name } }, spec: { containers: [{ name: 'kuard', image }] } },
    },
  };
}

describe('template matching', () => {
  test('the pod-template-hash label is ignored; empty and missing are the same', () => {
    assert.ok(equalIgnoreHash(template, { metadata: { labels: { run: 'kuard', 'pod-template-hash': 'abc' }, annotations: {} }, spec: { containers: [{ name: 'kuard', image: 'blue', env: [] }] } }));
    assert.ok(!equalIgnoreHash(template, { metadata: { labels: { run: 'kuard' } }, spec: { containers: [{ name: 'kuard', image: 'green' }] } }));
    assert.ok(semanticEqual({ a: null }, {}));
    assert.ok(!semanticEqual({ a: 0 }, {}));
  });
  test('the oldest matching RS is the new one; the rest are old', () => {
    const d: Deployment = { metadata: { name: 'kuard' }, spec: { selector: {}, template } };
    const list = [rs('b2', 'blue', '2024-01-03T00:00:00Z'), rs('g', 'green', '2024-01-02T00:00:00Z', 0), rs('b1', 'blue', '2024-01-01T00:00:00Z')];
    assert.equal(findNewReplicaSet(d, list)?.metadata?.name, 'b1');
    const old = findOldReplicaSets(d, list);
    assert.deepEqual(old.all.map((r) => r.metadata?.name).sort(), ['b2', 'g']);
    assert.deepEqual(old.withPods.map((r) => r.metadata?.name), ['b2']);
  });
});

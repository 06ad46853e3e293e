import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { applyMergePatch } from './merge-patch.js';
import { StatusError } from '../errors.js';

const deploy = () => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'd', labels: { app: 'a', tier: 'web' } },
  spec: { replicas: 1, template: { spec: { containers: [{ name: 'a', image: '1' }, { name: 'b', image: '2' }] } } },
});

describe('applyMergePatch', () => {
  test('merges objects, deletes on null, replaces lists', () => {
    const input = deploy();
    const out = applyMergePatch(input, {
      metadata: { labels: { tier: null, env: 'prod' } },
      spec: { replicas: 3, template: { spec: { containers: [{ name: 'c', image: '3' }] } } },
    }) as ReturnType<typeof deploy>;
    assert.deepEqual(out.metadata.labels, { app: 'a', env: 'prod' });
    assert.equal(out.spec.replicas, 3);
    assert.deepEqual(out.spec.template.spec.containers, [{ name: 'c', image: '3' }], 'lists are replaced whole');
    assert.deepEqual(input, deploy(), 'input not mutated');
  });

  test('new objects keep no null fields', () => {
    const out = applyMergePatch({ a: 1 }, { b: { c: null, d: 2 } });
    assert.deepEqual(out, { a: 1, b: { d: 2 } });
  });

  test('a patch that is not an object is a 400', () => {
    for (const p of [null, 5, 'x', [1]]) {
      assert.throws(() => applyMergePatch(deploy(), p), (e: unknown) => e instanceof StatusError && e.code === 400);
    }
  });
});

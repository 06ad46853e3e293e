import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { applyJsonPatch, MAX_JSON_PATCH_OPERATIONS } from './json-patch.js';
import { StatusError } from '../errors.js';

const pod = () => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', labels: { app: 'a' } }, spec: { containers: [{ name: 'c', image: 'x' }] } });

function statusOf(fn: () => unknown): StatusError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof StatusError, `expected StatusError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected an error');
}

describe('applyJsonPatch', () => {
  test('applies add, replace, remove, move, copy and test in order', () => {
    const input = pod();
    const out = applyJsonPatch(input, [
      { op: 'test', path: '/metadata/labels/app', value: 'a' },
      { op: 'add', path: '/metadata/labels/tier', value: 'web' },
      { op: 'replace', path: '/spec/containers/0/image', value: 'y' },
      { op: 'add', path: '/spec/containers/-', value: { name: 'd', image: 'z' } },
      { op: 'copy', from: '/metadata/labels/app', path: '/metadata/labels/copy' },
      { op: 'move', from: '/metadata/labels/copy', path: '/metadata/labels/moved' },
      { op: 'remove', path: '/metadata/labels/app' },
    ]) as ReturnType<typeof pod>;
    assert.deepEqual(out.metadata.labels, { tier: 'web', moved: 'a' });
    assert.deepEqual(out.spec.containers, [{ name: 'c', image: 'y' }, { name: 'd', image: 'z' }]);
    assert.deepEqual(input, pod(), 'input not mutated');
  });

  test('a failed test is the generic 422 upstream returns', () => {
    const err = statusOf(() => applyJsonPatch(pod(), [{ op: 'test', path: '/metadata/name', value: 'other' }]));
    assert.equal(err.code, 422);
    assert.equal(err.reason, 'Invalid');
    assert.equal(err.message, 'the server rejected our request due to an error in our request');
  });

  test('an operation on a missing path is a 422', () => {
    assert.equal(statusOf(() => applyJsonPatch(pod(), [{ op: 'remove', path: '/spec/nodeName' }])).code, 422);
    assert.equal(statusOf(() => applyJsonPatch(pod(), [{ op: 'replace', path: '/status/phase', value: 'x' }])).code, 422);
    assert.equal(statusOf(() => applyJsonPatch(pod(), [{ op: 'bogus', path: '/a' }])).code, 422);
  });

  test('testing a missing path for null succeeds (as upstream)', () => {
    const out = applyJsonPatch(pod(), [{ op: 'test', path: '/spec/nodeName', value: null }]);
    assert.deepEqual(out, pod());
  });

  test('a body that is not a list of operations is a 400', () => {
    const err = statusOf(() => applyJsonPatch(pod(), { op: 'add' }));
    assert.equal(err.code, 400);
    assert.equal(err.message, 'json: cannot unmarshal object into Go value of type jsonpatch.Patch');
    assert.equal(statusOf(() => applyJsonPatch(pod(), [1])).code, 400);
  });

  test('too many operations is a 413', () => {
    const ops = Array.from({ length: MAX_JSON_PATCH_OPERATIONS + 1 }, () => ({ op: 'test', path: '/kind', value: 'Pod' }));
    const err = statusOf(() => applyJsonPatch(pod(), ops));
    assert.equal(err.code, 413);
    assert.match(err.message, /maximum operations in a JSON patch is 10000, got 10001/);
  });
});

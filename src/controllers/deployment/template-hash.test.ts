import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { canonicalJson, computeTemplateHash, safeEncodeString } from './template-hash.js';

describe('pod-template-hash', () => {
  test('digits map onto the vowel-free alphabet as upstream SafeEncodeString', () => {
    assert.equal(safeEncodeString('0123456789'), '456789bcdf');
  });
  test('hash is stable, key-order independent, and uses only the safe alphabet', () => {
    const a = { metadata: { labels: { run: 'kuard' } }, spec: { containers: [{ name: 'kuard', image: 'blue' }] } };
    const b = { spec: { containers: [{ image: 'blue', name: 'kuard' }] }, metadata: { labels: { run: 'kuard' } } };
    const h = computeTemplateHash(a);
    assert.equal(h, computeTemplateHash(b));
    assert.match(h, /^[bcdfghjklmnpqrstvwxz2456789]{1,10}$/);
  });
  test('different templates and collision counts give different hashes', () => {
    const t = { spec: { containers: [{ name: 'kuard', image: 'blue' }] } };
    const green = { spec: { containers: [{ name: 'kuard', image: 'green' }] } };
    assert.notEqual(computeTemplateHash(t), computeTemplateHash(green));
    assert.notEqual(computeTemplateHash(t), computeTemplateHash(t, 1));
    assert.notEqual(computeTemplateHash(t, 1), computeTemplateHash(t, 2));
  });
  test('canonicalJson sorts keys and drops undefined', () => {
    assert.equal(canonicalJson({ b: 1, a: [{ d: 2, c: undefined }] }), '{"a":[{"d":2}],"b":1}');
  });
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { jsonEqual, sameStoredContent } from './json-equal.js';
import { encodeForStore } from './object-store.js';
import type { KubeObject } from '../client/api.js';

/** The comparison sameStoredContent replaces: encode both, sort keys, drop managedFields, compare text. */
function viaText(a: KubeObject, b: KubeObject): boolean {
  const canon = (text: string): string => {
    const sortKeys = (v: unknown): unknown => {
      if (Array.isArray(v)) return v.map(sortKeys);
      if (v && typeof v === 'object') {
        const o: Record<string, unknown> = {};
        for (const k of Object.keys(v).sort()) if (k !== 'managedFields') o[k] = sortKeys((v as Record<string, unknown>)[k]);
        return o;
      }
      return v;
    };
    return JSON.stringify(sortKeys(JSON.parse(text)));
  };
  return canon(encodeForStore(a)) === canon(encodeForStore(b));
}

test('key order, resourceVersion, selfLink and managedFields do not count as changes', () => {
  const a: KubeObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', resourceVersion: '5', managedFields: [{ manager: 'a' }] }, data: { k: 'v', j: 'w' } };
  const b: KubeObject = { kind: 'ConfigMap', data: { j: 'w', k: 'v' }, apiVersion: 'v1', metadata: { selfLink: '/x', name: 'x', resourceVersion: '6' } };
  assert.equal(sameStoredContent(a, b), true);
  assert.equal(sameStoredContent(a, { ...b, data: { j: 'w', k: 'changed' } }), false);
  assert.equal(sameStoredContent(a, { ...b, metadata: { name: 'x', labels: {} } }), false);
});

test('undefined members are absent, and null inside arrays, as in JSON', () => {
  assert.equal(jsonEqual({ a: 1, b: undefined }, { a: 1 }), true);
  assert.equal(jsonEqual([1, undefined], [1, null]), true);
  assert.equal(jsonEqual({ a: null }, {}), false);
  assert.equal(jsonEqual({ a: [] }, { a: {} }), false);
  assert.equal(jsonEqual({ a: NaN }, { a: null }), true);
  assert.equal(sameStoredContent({ metadata: undefined } as KubeObject, { metadata: {} } as KubeObject), true);
});

test('agrees with comparing the canonical stored text on generated objects', () => {
  let seed = 42;
  const rnd = (n: number) => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  const keys = ['a', 'b', 'managedFields', 'resourceVersion', 'selfLink', 'name'];
  const value = (depth: number): unknown => {
    switch (rnd(depth > 2 ? 5 : 8)) {
      case 0: return null;
      case 1: return rnd(3);
      case 2: return ['x', 'y', ''][rnd(3)];
      case 3: return rnd(2) === 0;
      case 4: return undefined;
      case 5: return Array.from({ length: rnd(3) }, () => value(depth + 1));
      default: {
        const o: Record<string, unknown> = {};
        for (let i = rnd(4); i > 0; i--) o[keys[rnd(keys.length)]] = value(depth + 1);
        return o;
      }
    }
  };
  const mutate = (v: unknown): unknown => JSON.parse(JSON.stringify(v ?? null));
  let same = 0;
  for (let i = 0; i < 3000; i++) {
    const a = { metadata: value(1), spec: value(1), [keys[rnd(keys.length)]]: value(1) } as KubeObject;
    if (a.metadata !== undefined && (a.metadata === null || typeof a.metadata !== 'object' || Array.isArray(a.metadata))) a.metadata = {};
    // Half the time compare against a reordered/round-tripped copy, else against another object.
    let b: KubeObject;
    if (rnd(2) === 0) {
      b = mutate(a) as KubeObject;
      if (rnd(2) === 0 && b.metadata) (b.metadata as Record<string, unknown>).resourceVersion = String(rnd(9));
    } else {
      b = { metadata: value(1), spec: value(1) } as KubeObject;
      if (b.metadata !== undefined && (b.metadata === null || typeof b.metadata !== 'object' || Array.isArray(b.metadata))) b.metadata = {};
    }
    const expected = viaText(a, b);
    if (expected) same++;
    assert.equal(sameStoredContent(a, b), expected, `${JSON.stringify(a)} vs ${JSON.stringify(b)}`);
  }
  assert.ok(same > 100, `the generator must produce equal pairs too (${same})`);
});

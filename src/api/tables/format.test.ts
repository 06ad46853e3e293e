import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { formatAge, formatLabelSelector, humanDuration, labelSelectorString, listWithMore, rfc3339 } from './format.js';
import { canonicalQuantity } from './quantity-format.js';

const S = 1000;
const M = 60 * S;
const H = 60 * M;
const D = 24 * H;

describe('humanDuration (apimachinery HumanDuration)', () => {
  const cases: [number, string][] = [
    [-3 * S, '<invalid>'],
    [-1500, '0s'],
    [0, '0s'],
    [81 * S, '81s'],
    [119 * S + 999, '119s'],
    [2 * M, '2m'],
    [2 * M + 6 * S, '2m6s'],
    [3 * M + 57 * S, '3m57s'],
    [9 * M + 59 * S, '9m59s'],
    [10 * M + 30 * S, '10m'],
    [38 * M, '38m'],
    [179 * M, '179m'],
    [3 * H, '3h'],
    [3 * H + 51 * M, '3h51m'],
    [4 * H + 43 * M, '4h43m'],
    [8 * H + 59 * M, '8h'],
    [47 * H, '47h'],
    [2 * D + 2 * H, '2d2h'],
    [4 * D + 11 * H, '4d11h'],
    [7 * D, '7d'],
    [8 * D + 5 * H, '8d'],
    [729 * D, '729d'],
    [(365 * 2 + 14) * D, '2y14d'],
    [365 * 3 * D, '3y'],
    [365 * 9 * D, '9y'],
  ];
  for (const [ms, want] of cases) {
    test(`${ms}ms → ${want}`, () => assert.equal(humanDuration(ms), want));
  }
});

test('formatAge measures from a timestamp to now and flags missing ones', () => {
  const now = new Date('2024-05-01T12:00:00Z');
  assert.equal(formatAge('2024-05-01T11:57:53Z', now), '2m7s');
  assert.equal(formatAge(new Date('2024-04-30T12:00:00Z'), now), '24h');
  assert.equal(formatAge(undefined, now), '<unknown>');
  assert.equal(formatAge('not a time', now), '<unknown>');
  // Micro-time (events) parses too.
  assert.equal(formatAge('2024-05-01T11:59:19.123456Z', now), '40s');
});

test('label selectors print like metav1.FormatLabelSelector', () => {
  assert.equal(formatLabelSelector({ matchLabels: { run: 'kuard', 'pod-template-hash': '5897df564' } }), 'pod-template-hash=5897df564,run=kuard');
  assert.equal(
    formatLabelSelector({
      matchLabels: { app: 'web' },
      matchExpressions: [
        { key: 'tier', operator: 'In', values: ['front', 'cache'] },
        { key: 'env', operator: 'NotIn', values: ['dev'] },
        { key: 'gone', operator: 'DoesNotExist' },
        { key: 'zone', operator: 'Exists' },
      ],
    }),
    'app=web,env notin (dev),!gone,tier in (cache,front),zone',
  );
  assert.equal(formatLabelSelector({}), '<none>');
  assert.equal(formatLabelSelector(undefined), '<none>');
  assert.equal(formatLabelSelector({ matchExpressions: [{ key: 'a', operator: 'Bogus' }] }), '<error>');
  assert.equal(labelSelectorString({ matchExpressions: [{ key: 'a', operator: 'In', values: [] }] }), undefined);
});

test('listWithMore caps at max and reports the rest', () => {
  assert.equal(listWithMore(['a', 'b'], 3), 'a,b');
  assert.equal(listWithMore(['a', 'b', 'c', 'd', 'e'], 3), 'a,b,c + 2 more...');
  assert.equal(listWithMore([], 3), '<unset>');
});

test('rfc3339 renders Go time.RFC3339 in UTC', () => {
  assert.equal(rfc3339('2024-05-01T11:57:53.250Z'), '2024-05-01T11:57:53Z');
  assert.equal(rfc3339(undefined), '0001-01-01T00:00:00Z');
});

describe('canonicalQuantity (resource.Quantity String)', () => {
  const cases: [string | number | undefined, string][] = [
    ['10Gi', '10Gi'],
    ['1024Mi', '1Gi'],
    ['1536Mi', '1536Mi'],
    ['1.5Gi', '1536Mi'],
    ['0.5Gi', '512Mi'],
    ['512', '512'],
    ['100Ki', '100Ki'],
    ['1000', '1k'],
    ['1500', '1500'],
    ['1500M', '1500M'],
    ['1000M', '1G'],
    ['0.5', '500m'],
    ['100m', '100m'],
    ['250m', '250m'],
    ['2', '2'],
    ['0', '0'],
    ['1e3', '1e3'],
    ['12e2', '1200'],
    ['1.2345678901', '1234567891n'],
    [1073741824, '1073741824'],
    ['-1.5', '-1500m'],
    [undefined, '0'],
    ['garbage!', 'garbage!'],
  ];
  for (const [input, want] of cases) {
    test(`${String(input)} → ${want}`, () => assert.equal(canonicalQuantity(input), want));
  }
});

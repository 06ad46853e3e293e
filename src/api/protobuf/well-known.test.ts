import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatGoDuration, intOrStringToJson, microTimeToJson, parseGoDuration, parseTime, timeToJson } from './well-known.js';

test('durations print as Go time.Duration.String does', () => {
  const cases: [bigint, string][] = [
    [0n, '0s'],
    [1n, '1ns'],
    [1_500n, '1.5µs'],
    [1_500_000n, '1.5ms'],
    [100_000_000n, '100ms'],
    [1_000_000_000n, '1s'],
    [1_500_000_000n, '1.5s'],
    [90_000_000_000n, '1m30s'],
    [3_600_000_000_000n, '1h0m0s'],
    [3_723_000_000_001n, '1h2m3.000000001s'],
    [-2_000_000_000n, '-2s'],
  ];
  for (const [ns, s] of cases) {
    assert.equal(formatGoDuration(ns), s);
    assert.equal(parseGoDuration(s), ns, s);
  }
  assert.equal(parseGoDuration('1h30m'), 5_400_000_000_000n);
  assert.equal(parseGoDuration('2us'), 2_000n);
  assert.equal(parseGoDuration('0'), 0n);
  assert.throws(() => parseGoDuration('5'), /invalid duration/);
  assert.throws(() => parseGoDuration('1x'), /invalid duration/);
});

test('Time is whole seconds in UTC, MicroTime has six digits, the zero time is null', () => {
  assert.equal(timeToJson(1714979289), '2024-05-06T07:08:09Z');
  assert.equal(timeToJson(0), '1970-01-01T00:00:00Z');
  assert.equal(timeToJson(undefined), null);
  assert.equal(microTimeToJson(1714979289, 123456789), '2024-05-06T07:08:09.123456Z');
  assert.equal(microTimeToJson(1714979289, 0), '2024-05-06T07:08:09.000000Z');
  assert.equal(microTimeToJson(undefined, undefined), null);
  assert.deepEqual(parseTime('2024-05-06T09:08:09.5+02:00'), { seconds: 1714979289, nanos: 500_000_000 });
  assert.equal(parseTime(null), undefined);
  assert.throws(() => parseTime('yesterday'), /invalid RFC 3339 time/);
});

test('IntOrString: type 0 is the int, type 1 the string', () => {
  assert.equal(intOrStringToJson(0, 8080, ''), 8080);
  assert.equal(intOrStringToJson(1, 0, 'http'), 'http');
  assert.equal(intOrStringToJson(undefined, undefined, undefined), 0);
});

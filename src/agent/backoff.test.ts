import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CrashBackoff, formatDuration } from './backoff.js';

test('first restart is immediate, then 10s doubling to the 5 min cap', () => {
  const b = new CrashBackoff();
  let t = 1_000_000;
  assert.equal(b.check('p/c', t, t), 0); // first exit: restart now
  const waits: number[] = [];
  for (let i = 0; i < 7; i++) {
    t += 1000; // crashed again one second after the restart
    const w = b.check('p/c', t, t);
    waits.push(w);
    t += w;
    assert.equal(b.check('p/c', t - w, t), 0, 'after waiting, the restart is allowed');
  }
  assert.deepEqual(waits, [10_000, 20_000, 40_000, 80_000, 160_000, 300_000, 300_000]);
});

test('waiting is measured from the exit and resets after 10 minutes of running', () => {
  const b = new CrashBackoff();
  b.check('k', 0, 0);
  assert.equal(b.check('k', 5000, 9000), 6000); // 10s back-off, 4s already passed
  assert.equal(b.check('k', 5000, 15_000), 0);
  // ran for 11 minutes: back to the initial 10s
  const late = 5000 + 11 * 60_000;
  assert.equal(b.check('k', late, late), 0);
  assert.equal(b.current('k'), 10_000);
});

test('formatDuration matches Go durations', () => {
  assert.equal(formatDuration(10_000), '10s');
  assert.equal(formatDuration(80_000), '1m20s');
  assert.equal(formatDuration(300_000), '5m0s');
});

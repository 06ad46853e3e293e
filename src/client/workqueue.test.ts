import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from './clock.js';
import { WorkQueue } from './workqueue.js';

describe('FakeClock', () => {
  test('fires due timers in order, including ones scheduled while firing', () => {
    const clock = new FakeClock(1000);
    const fired: string[] = [];
    clock.setTimeout(() => fired.push(`b@${clock.now()}`), 20);
    clock.setTimeout(() => {
      fired.push(`a@${clock.now()}`);
      clock.setTimeout(() => fired.push(`c@${clock.now()}`), 5);
    }, 10);
    const h = clock.setTimeout(() => fired.push('never'), 15);
    clock.clearTimeout(h);
    clock.advance(9);
    assert.deepEqual(fired, []);
    clock.advance(100);
    assert.deepEqual(fired, ['a@1010', 'c@1015', 'b@1020']);
    assert.equal(clock.now(), 1109);
  });
});

describe('WorkQueue', () => {
  test('adding a queued key is a no-op; keys come out in order', async () => {
    const q = new WorkQueue<string>({ name: 't1' });
    q.add('a');
    q.add('b');
    q.add('a');
    assert.equal(q.len(), 2);
    assert.equal(await q.get(), 'a');
    assert.equal(await q.get(), 'b');
    assert.equal(q.len(), 0);
  });

  test('a key re-added while processing is not handed out twice, and is re-queued after done()', async () => {
    const q = new WorkQueue<string>({ name: 't2' });
    q.add('x');
    const k = await q.get();
    assert.equal(k, 'x');
    q.add('x');
    q.add('x');
    assert.equal(q.len(), 0, 'dirty key waits while being processed');
    let second: string | undefined = 'pending';
    void q.get().then((v) => (second = v));
    await new Promise((r) => setImmediate(r));
    assert.equal(second, 'pending', 'a second worker does not get the key in flight');
    q.done('x');
    await new Promise((r) => setImmediate(r));
    assert.equal(second, 'x');
    q.done('x');
    assert.equal(q.len(), 0);
  });

  test('get() waits for an add and resolves undefined after shutdown', async () => {
    const q = new WorkQueue<string>({ name: 't3' });
    const waiting = q.get();
    q.add('k');
    assert.equal(await waiting, 'k');
    const blocked = q.get();
    q.shutdown();
    assert.equal(await blocked, undefined);
    q.add('later');
    assert.equal(await q.get(), undefined);
  });

  test('addAfter holds the key until due and keeps the earliest time', () => {
    const clock = new FakeClock();
    const q = new WorkQueue<string>({ name: 't4', clock });
    q.addAfter('k', 100);
    q.addAfter('k', 50);
    q.addAfter('k', 200);
    clock.advance(49);
    assert.equal(q.len(), 0);
    clock.advance(1);
    assert.equal(q.len(), 1);
    clock.advance(500);
    assert.equal(q.len(), 1, 'later duplicates were dropped');
  });

  test('addRateLimited backs off exponentially per key, capped, and forget() resets it', async () => {
    const clock = new FakeClock();
    const q = new WorkQueue<string>({ name: 't5', clock, baseDelayMs: 10, maxDelayMs: 50 });
    const readyAfter = async (key: string): Promise<number> => {
      q.addRateLimited(key);
      let waited = 0;
      while (q.len() === 0) {
        clock.advance(1);
        waited++;
      }
      const k = await q.get();
      q.done(k!);
      return waited;
    };
    assert.equal(await readyAfter('k'), 10);
    assert.equal(await readyAfter('k'), 20);
    assert.equal(await readyAfter('k'), 40);
    assert.equal(await readyAfter('k'), 50, 'capped at maxDelayMs');
    assert.equal(q.numRequeues('k'), 4);
    assert.equal(await readyAfter('other'), 10, 'back-off is per key');
    q.forget('k');
    assert.equal(q.numRequeues('k'), 0);
    assert.equal(await readyAfter('k'), 10);
  });
});

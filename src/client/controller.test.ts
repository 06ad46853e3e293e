import { test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { FakeClock } from './clock.js';
import { ControllerRunner } from './controller.js';
import { metricsRegistry } from './metrics.js';
import { WorkQueue } from './workqueue.js';

const quiet = pino({ level: 'silent' });
const flush = async () => {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
};

test('ControllerRunner retries a failing reconcile with exponential back-off, then forgets the key', async () => {
  const clock = new FakeClock();
  const queue = new WorkQueue<string>({ name: 'ctl-test', clock, baseDelayMs: 100 });
  const calls: number[] = [];
  let failuresLeft = 3;
  const runner = new ControllerRunner({
    name: 'test-controller',
    queue,
    logger: quiet,
    reconciler: {
      async reconcile(key) {
        assert.equal(key, 'ns/a');
        calls.push(clock.now());
        if (failuresLeft-- > 0) throw new Error('not yet');
      },
    },
  });
  runner.start();
  const t0 = clock.now();
  queue.add('ns/a');
  await flush();
  assert.equal(calls.length, 1);
  assert.equal(queue.numRequeues('ns/a'), 1);
  for (let step = 0; step < 1000 && calls.length < 4; step++) {
    clock.advance(10);
    await flush();
  }
  assert.deepEqual(
    calls.map((c) => c - t0),
    [0, 100, 300, 700],
    'retries after 100, 200, 400 ms',
  );
  assert.equal(queue.numRequeues('ns/a'), 0, 'success forgets the back-off');
  const metrics = await metricsRegistry.getSingleMetricAsString('reconcile_errors_total');
  assert.match(metrics, /reconcile_errors_total\{controller="test-controller"\} 3/);
  await runner.stop();
  assert.equal(await queue.get(), undefined, 'queue is shut down');
});

test('requeueAfterMs re-queues a successful key; a key is never reconciled by two workers at once', async () => {
  const clock = new FakeClock();
  const queue = new WorkQueue<string>({ name: 'ctl-test-2', clock });
  let active = 0;
  let maxActive = 0;
  const calls: string[] = [];
  let release: () => void = () => {};
  const runner = new ControllerRunner({
    name: 'test-controller-2',
    queue,
    workers: 4,
    logger: quiet,
    reconciler: {
      async reconcile(key) {
        calls.push(key);
        active++;
        maxActive = Math.max(maxActive, active);
        if (key === 'slow' && calls.filter((k) => k === 'slow').length === 1) await new Promise<void>((r) => (release = r));
        active--;
        return key === 'periodic' ? { requeueAfterMs: 1000 } : undefined;
      },
    },
  });
  runner.start();
  queue.add('slow');
  await flush();
  queue.add('slow'); // while in flight: marked dirty, not handed to another worker
  queue.add('periodic');
  await flush();
  assert.equal(calls.filter((k) => k === 'slow').length, 1);
  release();
  await flush();
  assert.equal(calls.filter((k) => k === 'slow').length, 2, 'dirty key processed again after done()');
  assert.equal(calls.filter((k) => k === 'periodic').length, 1);
  clock.advance(999);
  await flush();
  assert.equal(calls.filter((k) => k === 'periodic').length, 1);
  clock.advance(1);
  await flush();
  assert.equal(calls.filter((k) => k === 'periodic').length, 2);
  assert.ok(maxActive <= 2);
  await runner.stop();
});

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../client/clock.js';
import { SchedulingQueue } from './queue.js';
import { info, makePod } from './testing/builders.js';

function newQueue(clock: FakeClock) {
  return new SchedulingQueue({ clock, pluginEvents: new Map([['NodeResourcesFit', [{ resource: 'AssignedPod', action: 'Delete' }]], ['NodeAffinity', [{ resource: 'Node', action: 'Update' }]]]) });
}

describe('SchedulingQueue', () => {
  test('orders by priority, then arrival', async () => {
    const clock = new FakeClock();
    const q = newQueue(clock);
    q.add(info(makePod('low', { priority: 1 })));
    clock.advance(1);
    q.add(info(makePod('high', { priority: 100 })));
    clock.advance(1);
    q.add(info(makePod('low2', { priority: 1 })));
    clock.advance(1);
    q.add(info(makePod('high2', { priority: 100 })));
    const order: string[] = [];
    for (let i = 0; i < 4; i++) order.push((await q.pop())!.podInfo.pod.metadata!.name!);
    assert.deepEqual(order, ['high', 'high2', 'low', 'low2']);
  });

  test('pop waits for a pod and returns undefined after close', async () => {
    const q = newQueue(new FakeClock());
    const p = q.pop();
    q.add(info(makePod('a')));
    assert.equal((await p)!.podInfo.pod.metadata!.name, 'a');
    const waiting = q.pop();
    q.close();
    assert.equal(await waiting, undefined);
    // pods keep accumulating while closed and are handed out after run()
    q.add(info(makePod('b')));
    assert.equal(await q.pop(), undefined);
    q.run();
    assert.equal((await q.pop())!.podInfo.pod.metadata!.name, 'b');
    q.close();
  });

  test('errors back off 1s doubling up to 10s', async () => {
    const clock = new FakeClock();
    const q = newQueue(clock);
    assert.deepEqual([1, 2, 3, 4, 5, 6].map((a) => q.backoffDuration(a)), [1000, 2000, 4000, 8000, 10000, 10000]);
    q.add(info(makePod('a')));
    let qp = (await q.pop())!;
    q.addUnschedulableIfNotPresent(qp, q.schedulingCycle()); // error: no plugins -> backoff
    assert.equal(q.whereIs(qp.podInfo.key), 'backoff');
    clock.advance(999);
    assert.equal(q.counts().active, 0);
    clock.advance(1);
    assert.equal(q.counts().active, 1);
    qp = (await q.pop())!;
    assert.equal(qp.attempts, 2);
    q.addUnschedulableIfNotPresent(qp, q.schedulingCycle());
    clock.advance(1999);
    assert.equal(q.counts().active, 0);
    clock.advance(1);
    assert.equal(q.counts().active, 1);
  });

  test('unschedulable pods wait for an event that can help them', async () => {
    const clock = new FakeClock();
    const q = newQueue(clock);
    q.add(info(makePod('a')));
    const qp = (await q.pop())!;
    qp.unschedulablePlugins = new Set(['NodeResourcesFit']);
    q.addUnschedulableIfNotPresent(qp, q.schedulingCycle());
    assert.equal(q.whereIs(qp.podInfo.key), 'unschedulable');
    q.moveAllToActiveOrBackoff({ resource: 'Node', action: 'Update' }); // does not help NodeResourcesFit
    assert.equal(q.whereIs(qp.podInfo.key), 'unschedulable');
    q.moveAllToActiveOrBackoff({ resource: 'AssignedPod', action: 'Delete' });
    // still within its 1s back-off -> backoff queue, then active
    assert.equal(q.whereIs(qp.podInfo.key), 'backoff');
    clock.advance(1000);
    assert.equal(q.whereIs(qp.podInfo.key), 'active');
  });

  test('an event during the attempt sends the pod to back-off instead of unschedulable', async () => {
    const clock = new FakeClock();
    const q = newQueue(clock);
    q.add(info(makePod('a')));
    const qp = (await q.pop())!;
    const cycle = q.schedulingCycle();
    q.moveAllToActiveOrBackoff({ resource: 'AssignedPod', action: 'Delete' });
    qp.unschedulablePlugins = new Set(['NodeResourcesFit']);
    q.addUnschedulableIfNotPresent(qp, cycle);
    assert.equal(q.whereIs(qp.podInfo.key), 'backoff');
  });

  test('long-unschedulable pods are flushed after 5 minutes', async () => {
    const clock = new FakeClock();
    const q = newQueue(clock);
    q.run();
    q.add(info(makePod('a')));
    const qp = (await q.pop())!;
    qp.unschedulablePlugins = new Set(['NodeAffinity']);
    q.addUnschedulableIfNotPresent(qp, q.schedulingCycle());
    clock.advance(4 * 60_000);
    assert.equal(q.whereIs(qp.podInfo.key), 'unschedulable');
    clock.advance(60_000 + 30_000);
    assert.equal(q.whereIs(qp.podInfo.key), 'active');
    q.close();
  });

  test('a spec update re-activates an unschedulable pod; delete removes it', async () => {
    const clock = new FakeClock();
    const q = newQueue(clock);
    const pod = makePod('a');
    q.add(info(pod));
    const qp = (await q.pop())!;
    qp.unschedulablePlugins = new Set(['NodeAffinity']);
    q.addUnschedulableIfNotPresent(qp, q.schedulingCycle());
    clock.advance(5000);
    q.update(info({ ...pod, spec: { ...pod.spec!, nodeSelector: { a: 'b' } } }));
    assert.equal(q.whereIs(qp.podInfo.key), 'active');
    q.delete(qp.podInfo.key);
    assert.equal(q.whereIs(qp.podInfo.key), undefined);
  });

  test('a pod that failed only for lack of nodes skips its back-off when a node is added', async () => {
    const clock = new FakeClock();
    const q = newQueue(clock);
    q.add(info(makePod('first')));
    q.add(info(makePod('other')));
    const first = (await q.pop())!;
    first.noNodes = true;
    q.addUnschedulableIfNotPresent(first, q.schedulingCycle());
    const other = (await q.pop())!; // an ordinary error keeps its back-off
    q.addUnschedulableIfNotPresent(other, q.schedulingCycle());
    assert.equal(q.whereIs(first.podInfo.key), 'backoff');
    clock.advance(10);
    q.nodeAdded();
    assert.equal(q.whereIs(first.podInfo.key), 'active');
    assert.equal(q.whereIs(other.podInfo.key), 'backoff');
    const again = (await q.pop())!;
    assert.equal(again.podInfo.key, first.podInfo.key);
    assert.equal(again.attempts, 2);
    assert.equal(again.noNodes, false);
    q.close();
  });
});

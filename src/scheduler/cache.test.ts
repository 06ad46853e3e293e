import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../client/clock.js';
import { SchedulerCache, Snapshot } from './cache.js';
import { info, makeNode, makePod } from './testing/builders.js';

describe('SchedulerCache', () => {
  test('assume counts immediately; the informer confirms; forget undoes', () => {
    const cache = new SchedulerCache({ clock: new FakeClock() });
    cache.addNode(makeNode('n1', { cpu: '2' }));
    const snap = new Snapshot();
    const p = info(makePod('p', { cpu: '500m' }));
    cache.assumePod({ ...p, pod: { ...p.pod, spec: { ...p.pod.spec!, nodeName: 'n1' } } }, 'n1');
    cache.updateSnapshot(snap);
    assert.equal(snap.get('n1')!.requested.milliCPU, 500);
    assert.ok(cache.isAssumed(p.key));
    // informer confirms the binding: no double counting
    cache.addPod(info({ ...p.pod, spec: { ...p.pod.spec!, nodeName: 'n1' } }));
    assert.equal(cache.isAssumed(p.key), false);
    cache.updateSnapshot(snap);
    assert.equal(snap.get('n1')!.requested.milliCPU, 500);
    assert.equal(snap.get('n1')!.pods.length, 1);

    const q = info(makePod('q', { cpu: '1' }));
    cache.assumePod(q, 'n1');
    cache.forgetPod(q.key);
    cache.updateSnapshot(snap);
    assert.equal(snap.get('n1')!.requested.milliCPU, 500);
  });

  test('assumed pods expire after the binding finished but was never confirmed', () => {
    const clock = new FakeClock();
    const cache = new SchedulerCache({ clock, assumedTTLMs: 30_000 });
    cache.addNode(makeNode('n1'));
    const p = info(makePod('p', { cpu: '1' }));
    cache.assumePod(p, 'n1');
    clock.advance(60_000);
    assert.deepEqual(cache.cleanupExpiredAssumedPods(), []); // binding not finished: never expires
    cache.finishBinding(p.key);
    clock.advance(29_999);
    assert.deepEqual(cache.cleanupExpiredAssumedPods(), []);
    clock.advance(1);
    assert.deepEqual(cache.cleanupExpiredAssumedPods(), [p.key]);
    assert.equal(cache.hasPod(p.key), false);
  });

  test('snapshots copy only changed nodes and track node add/remove', () => {
    const cache = new SchedulerCache({ clock: new FakeClock() });
    for (let i = 0; i < 5; i++) cache.addNode(makeNode(`n${i}`));
    const snap = new Snapshot();
    cache.updateSnapshot(snap);
    assert.equal(snap.numNodes(), 5);
    const before = snap.nodeInfoList.slice();
    cache.addPod(info(makePod('p', { node: 'n2', cpu: '1' })));
    cache.updateSnapshot(snap);
    const changed = snap.nodeInfoList.filter((n, i) => n !== before[i]).map((n) => n.name);
    assert.deepEqual(changed, ['n2']);
    assert.equal(before[2].pods.length, 0, 'the old snapshot copy is untouched');
    cache.removeNode(makeNode('n4'));
    cache.addNode(makeNode('n5'));
    cache.updateSnapshot(snap);
    assert.deepEqual(snap.nodeInfoList.map((n) => n.name).sort(), ['n0', 'n1', 'n2', 'n3', 'n5']);
    const aff = makePod('a', { node: 'n1', spec: { affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: 'zone', labelSelector: {} }] } } } });
    cache.addPod(info(aff));
    cache.updateSnapshot(snap);
    assert.deepEqual(snap.havePodsWithRequiredAntiAffinityList.map((n) => n.name), ['n1']);
    cache.removePod(info(aff).key);
    cache.updateSnapshot(snap);
    assert.deepEqual(snap.havePodsWithRequiredAntiAffinityList, []);
  });
});

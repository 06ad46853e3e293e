import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import type { KubeObject } from '../client/api.js';
import { GarbageCollector } from './garbagecollector.js';
import { DEPLOYMENTS, PODS, REPLICA_SETS } from './resource-types.js';
import { Part2Harness } from './testing/part2-harness.js';

let h: Part2Harness;
afterEach(() => h?.stop());

function ref(owner: KubeObject, block = true) {
  return { apiVersion: owner.apiVersion!, kind: owner.kind!, name: owner.metadata!.name!, uid: owner.metadata!.uid!, controller: true, blockOwnerDeletion: block };
}

function pod(name: string, ...owners: KubeObject[]): KubeObject {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default', ownerReferences: owners.map((o) => ref(o)) }, spec: { containers: [] } };
}

async function setup(): Promise<GarbageCollector> {
  h = new Part2Harness();
  const gc = new GarbageCollector(h.ctx, { types: [DEPLOYMENTS, REPLICA_SETS, PODS] });
  await h.start();
  return gc;
}

const names = (rt: typeof PODS) =>
  h.api
    .all(rt, 'default')
    .map((o) => o.metadata!.name!)
    .sort();

describe('GarbageCollector', () => {
  test('background: dependents of a deleted owner are deleted; dangling refs at start too', async () => {
    const gc = await setup();
    const [rs] = await h.seed(REPLICA_SETS, { metadata: { name: 'rs', namespace: 'default' }, spec: {} });
    await h.seed(PODS, pod('a', rs), pod('b', rs));
    const ghost = { apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'ghost', uid: 'no-such-uid' } };
    await h.seed(PODS, pod('orphaned', ghost));
    await h.drain(gc);
    assert.deepEqual(names(PODS), ['a', 'b'], 'a pod whose owner never existed is collected');
    await h.api.delete(REPLICA_SETS, 'default', 'rs');
    await h.drain(gc);
    assert.deepEqual(names(PODS), []);
  });

  test('a dependent with another live owner only loses the dead reference', async () => {
    const gc = await setup();
    const [a, b] = await h.seed(REPLICA_SETS, { metadata: { name: 'a', namespace: 'default' } }, { metadata: { name: 'b', namespace: 'default' } });
    const p = pod('shared', a);
    p.metadata!.ownerReferences!.push({ ...ref(b), controller: false });
    await h.seed(PODS, p);
    await h.drain(gc);
    await h.api.delete(REPLICA_SETS, 'default', 'a');
    await h.drain(gc);
    const left = h.api.peek(PODS, 'default', 'shared');
    assert.deepEqual(
      left?.metadata?.ownerReferences?.map((r) => r.name),
      ['b'],
    );
  });

  test('orphan: ownerReferences are removed, then the orphan finalizer', async () => {
    const gc = await setup();
    const [rs] = await h.seed(REPLICA_SETS, { metadata: { name: 'rs', namespace: 'default', finalizers: ['orphan'] } });
    await h.seed(PODS, pod('a', rs), pod('b', rs));
    await h.drain(gc);
    await h.api.delete(REPLICA_SETS, 'default', 'rs');
    await h.drain(gc);
    assert.deepEqual(names(REPLICA_SETS), []);
    assert.deepEqual(names(PODS), ['a', 'b']);
    for (const p of h.api.all(PODS, 'default')) assert.deepEqual(p.metadata?.ownerReferences ?? [], []);
  });

  test('foreground: the owner stays until blocking dependents are gone', async () => {
    const gc = await setup();
    const [d] = await h.seed(DEPLOYMENTS, { metadata: { name: 'd', namespace: 'default', finalizers: ['foregroundDeletion'] } });
    // The fake client ignores propagationPolicy; the finalizer stands in for the API server adding
    // foregroundDeletion when the collector deletes the ReplicaSet with policy Foreground.
    const [rs] = await h.seed(REPLICA_SETS, { metadata: { name: 'rs', namespace: 'default', ownerReferences: [ref(d)], finalizers: ['foregroundDeletion'] } });
    // A pod with a finalizer lingers while being deleted, holding up the chain.
    const lingering = pod('slow', rs);
    lingering.metadata!.finalizers = ['example.com/hold'];
    await h.seed(PODS, lingering, pod('fast', rs));
    await h.drain(gc);
    await h.api.delete(DEPLOYMENTS, 'default', 'd');
    await h.drain(gc);
    assert.deepEqual(names(DEPLOYMENTS), ['d'], 'owner still there: its ReplicaSet is not gone yet');
    assert.ok(h.api.peek(PODS, 'default', 'slow')?.metadata?.deletionTimestamp);
    assert.deepEqual(names(PODS), ['slow']);
    assert.ok(h.api.peek(REPLICA_SETS, 'default', 'rs')?.metadata?.deletionTimestamp, 'the ReplicaSet is deleted in the foreground too');
    assert.ok(h.api.actions.some((a) => a.verb === 'delete' && a.resource === 'replicasets'));
    const slow = h.api.peek(PODS, 'default', 'slow')!;
    await h.api.update(PODS, 'default', { ...slow, metadata: { ...slow.metadata, finalizers: [] } });
    await h.drain(gc);
    assert.deepEqual(names(PODS), []);
    assert.deepEqual(names(REPLICA_SETS), []);
    assert.deepEqual(names(DEPLOYMENTS), []);
  });
});

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ReplicaSet } from 'kubernetes-types/apps/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { ApiError, type KubeObject } from '../client/api.js';
import { FakeClock } from '../client/clock.js';
import { POD_DELETION_COST } from './pod-deletion-ranking.js';
import { ReplicaSetController, calculateReplicaSetStatus, podFromTemplate, slowStartBatch } from './replicaset.js';
import { PODS, REPLICA_SETS } from './resource-types.js';
import { drain, flush, testContext } from './testing/controller-harness.js';
import { FakeApiClient } from './testing/fake-api.js';
import { FakeKubelet } from './testing/fake-kubelet.js';

type RS = ReplicaSet & KubeObject;
type P = Pod & KubeObject;

function kuard(replicas: number, extra: Partial<NonNullable<ReplicaSet['spec']>> = {}): RS {
  return {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: { name: 'kuard', namespace: 'default', labels: { app: 'kuard' } },
    spec: {
      replicas,
      selector: { matchLabels: { app: 'kuard' } },
      template: { metadata: { labels: { app: 'kuard', version: '2' } }, spec: { containers: [{ name: 'kuard', image: 'gcr.io/kuar-demo/kuard-amd64:green' }] } },
      ...extra,
    },
  } as RS;
}

async function setup() {
  const clock = new FakeClock(Date.parse('2024-01-01T00:00:00Z'));
  const client = new FakeApiClient(clock);
  const { ctx, events, factory } = testContext(client, clock);
  const rsc = new ReplicaSetController(ctx);
  await factory.start();
  const kubelet = new FakeKubelet(client, clock);
  const pods = () => client.all<P>(PODS, 'default');
  const rs = () => client.peek<RS>(REPLICA_SETS, 'default', 'kuard')!;
  return { clock, client, events, factory, rsc, kubelet, pods, rs };
}

describe('slowStartBatch', () => {
  test('batches of 1, 2, 4 … and stops after the first failing batch', async () => {
    let calls = 0;
    const r = await slowStartBatch(10, 1, async () => {
      calls++;
      if (calls === 5) throw new Error('boom');
    });
    // batches 1 + 2 succeed, the batch of 4 has one failure: 3 + 3 successes, 7 calls
    assert.equal(calls, 7);
    assert.equal(r.successes, 6);
    assert.equal((r.error as Error).message, 'boom');
    const ok = await slowStartBatch(5, 1, async () => undefined);
    assert.deepEqual(ok, { successes: 5 });
  });
});

describe('pod template and status', () => {
  test('pods get generateName "<rs>-", template labels and a controller ownerReference', () => {
    const rs = { ...kuard(1), metadata: { ...kuard(1).metadata, uid: 'u1' } } as RS;
    const p = podFromTemplate(rs);
    assert.equal(p.metadata!.generateName, 'kuard-');
    assert.deepEqual(p.metadata!.labels, { app: 'kuard', version: '2' });
    assert.deepEqual(p.metadata!.ownerReferences, [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'kuard', uid: 'u1', controller: true, blockOwnerDeletion: true }]);
    assert.throws(() => podFromTemplate({ ...rs, spec: { ...rs.spec!, template: { spec: { containers: [] } } } } as RS), /no labels/);
  });
  test('availableReplicas honours minReadySeconds', () => {
    const now = Date.parse('2024-01-01T00:01:00Z');
    const ready = (since: string): Pod => ({ metadata: { labels: { app: 'kuard', version: '2' } }, status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: since }] } });
    const rs = kuard(2, { minReadySeconds: 30 });
    const s = calculateReplicaSetStatus(rs, [ready('2024-01-01T00:00:00Z'), ready('2024-01-01T00:00:45Z')], undefined, now);
    assert.equal(s.replicas, 2);
    assert.equal(s.fullyLabeledReplicas, 2);
    assert.equal(s.readyReplicas, 2);
    assert.equal(s.availableReplicas, 1);
  });
});

describe('ReplicaSet controller', () => {
  test('creates the missing pods, reports status, and records SuccessfulCreate events', async () => {
    const h = await setup();
    await h.client.create(REPLICA_SETS, 'default', kuard(3));
    await drain(h.rsc);
    const pods = h.pods();
    assert.equal(pods.length, 3);
    for (const p of pods) {
      assert.match(p.metadata!.name!, /^kuard-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
      const ref = p.metadata!.ownerReferences![0];
      assert.equal(ref.kind, 'ReplicaSet');
      assert.equal(ref.uid, h.rs().metadata!.uid);
      assert.equal(ref.controller, true);
      assert.equal(ref.blockOwnerDeletion, true);
    }
    assert.deepEqual(
      h.events.filter((e) => e.reason === 'SuccessfulCreate').map((e) => e.message).sort(),
      pods.map((p) => `Created pod: ${p.metadata!.name}`).sort(),
    );
    assert.equal(h.events[0].component, 'replicaset-controller');
    let st = h.rs().status!;
    assert.equal(st.replicas, 3);
    assert.equal(st.readyReplicas ?? 0, 0);
    assert.equal(st.observedGeneration, 1);
    await h.kubelet.syncOnce();
    await drain(h.rsc);
    st = h.rs().status!;
    assert.equal(st.readyReplicas, 3);
    assert.equal(st.availableReplicas, 3);
    assert.equal(st.fullyLabeledReplicas, 3);
  });

  test('expectations: no over-creation while the informer has not seen the new pods', async () => {
    const h = await setup();
    await h.client.create(REPLICA_SETS, 'default', kuard(2));
    await flush();
    h.client.holdWatchEvents();
    const key = 'default/kuard';
    await h.rsc.reconcile(key);
    await h.rsc.reconcile(key);
    assert.equal(h.pods().length, 2, 'second sync must wait for the first creates to be observed');
    assert.deepEqual(h.rsc.expectations.pending(key), { add: 2, del: 0 });
    h.client.releaseWatchEvents();
    await drain(h.rsc);
    assert.equal(h.pods().length, 2);
    assert.equal(h.rsc.expectations.satisfied(key), true);
  });

  test('adopts a matching orphan instead of creating a pod, and deletes the surplus', async () => {
    const h = await setup();
    for (const n of ['orphan-a', 'orphan-b']) {
      await h.client.create(PODS, 'default', { metadata: { name: n, labels: { app: 'kuard' } }, spec: { containers: [{ name: 'c', image: 'i' }] } } as P);
    }
    await h.client.create(PODS, 'default', { metadata: { name: 'stranger', labels: { app: 'other' } }, spec: { containers: [] } } as P);
    await h.client.create(REPLICA_SETS, 'default', kuard(1));
    await drain(h.rsc);
    const pods = h.pods().filter((p) => p.metadata!.labels!.app === 'kuard');
    assert.equal(pods.length, 1, 'one orphan adopted, the other deleted as surplus');
    assert.equal(pods[0].metadata!.ownerReferences![0].uid, h.rs().metadata!.uid);
    assert.ok(h.events.some((e) => e.reason === 'SuccessfulDelete' && /^Deleted pod: orphan-[ab]$/.test(e.message)));
    assert.ok(!h.events.some((e) => e.reason === 'SuccessfulCreate'));
    assert.equal(h.client.peek<P>(PODS, 'default', 'stranger')!.metadata!.ownerReferences, undefined);
  });

  test('a relabelled pod is released (kept running) and replaced', async () => {
    const h = await setup();
    await h.client.create(REPLICA_SETS, 'default', kuard(1));
    await drain(h.rsc);
    const [first] = h.pods();
    await h.client.patch(PODS, 'default', first.metadata!.name!, 'merge', { metadata: { labels: { app: 'debug' } } });
    await drain(h.rsc);
    const released = h.client.peek<P>(PODS, 'default', first.metadata!.name!)!;
    assert.ok(released, 'isolated pod is not deleted');
    assert.deepEqual(released.metadata!.ownerReferences ?? [], []);
    const owned = h.pods().filter((p) => p.metadata!.ownerReferences?.some((r) => r.uid === h.rs().metadata!.uid));
    assert.equal(owned.length, 1);
    assert.notEqual(owned[0].metadata!.name, first.metadata!.name);
  });

  test('scale down deletes the pod with the lowest pod-deletion-cost', async () => {
    const h = await setup();
    await h.client.create(REPLICA_SETS, 'default', kuard(3));
    await drain(h.rsc);
    await h.kubelet.syncOnce();
    await drain(h.rsc);
    const pods = h.pods();
    await h.client.patch(PODS, 'default', pods[0].metadata!.name!, 'merge', { metadata: { annotations: { [POD_DELETION_COST]: '100' } } });
    await h.client.patch(PODS, 'default', pods[1].metadata!.name!, 'merge', { metadata: { annotations: { [POD_DELETION_COST]: '-50' } } });
    await h.client.patch(PODS, 'default', pods[2].metadata!.name!, 'merge', { metadata: { annotations: { [POD_DELETION_COST]: '7' } } });
    const cur = h.rs();
    await h.client.update(REPLICA_SETS, 'default', { ...cur, spec: { ...cur.spec!, replicas: 1 } } as RS);
    await drain(h.rsc);
    assert.deepEqual(
      h.pods().map((p) => p.metadata!.name),
      [pods[0].metadata!.name],
    );
    assert.equal(h.rs().status!.replicas, 1);
    assert.equal(h.rs().status!.observedGeneration, 2);
  });

  test('create failures set ReplicaFailure and a FailedCreate event; success clears it', async () => {
    const h = await setup();
    h.client.reactor = (verb, rt) =>
      verb === 'create' && rt.kind === 'Pod'
        ? new ApiError(403, { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'Forbidden', code: 403, message: 'pods "kuard-x" is forbidden: exceeded quota: compute' })
        : undefined;
    await h.client.create(REPLICA_SETS, 'default', kuard(2));
    const r = await drain(h.rsc);
    assert.ok(r.errors.length > 0);
    const cond = h.rs().status!.conditions!.find((c) => c.type === 'ReplicaFailure')!;
    assert.equal(cond.status, 'True');
    assert.equal(cond.reason, 'FailedCreate');
    assert.match(cond.message!, /exceeded quota/);
    assert.ok(h.events.some((e) => e.type === 'Warning' && e.reason === 'FailedCreate' && e.message.startsWith('Error creating: pods "kuard-x" is forbidden')));
    h.client.reactor = undefined;
    h.rsc.queue.add('default/kuard');
    await drain(h.rsc);
    assert.equal(h.pods().length, 2);
    assert.equal(h.rs().status!.conditions, undefined);
  });

  test('minReadySeconds: ready pods count as available only after the wait, with a requeue', async () => {
    const h = await setup();
    await h.client.create(REPLICA_SETS, 'default', kuard(1, { minReadySeconds: 10 }));
    await drain(h.rsc);
    await h.kubelet.syncOnce();
    const r = await drain(h.rsc);
    assert.equal(h.rs().status!.readyReplicas, 1);
    assert.equal(h.rs().status!.availableReplicas ?? 0, 0);
    assert.equal(r.requeues.get('default/kuard'), 10_000);
    h.clock.advance(11_000);
    h.rsc.queue.add('default/kuard');
    await drain(h.rsc);
    assert.equal(h.rs().status!.availableReplicas, 1);
  });
});

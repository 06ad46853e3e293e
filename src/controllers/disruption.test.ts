import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { PodDisruptionBudget } from 'kubernetes-types/policy/v1.js';
import type { KubeObject } from '../client/api.js';
import { countHealthy, DisruptionController, disruptionsAllowed } from './disruption.js';
import { POD_DISRUPTION_BUDGETS, STATEFUL_SETS } from './kinds.js';
import { DEPLOYMENTS, PODS, REPLICA_SETS } from './resource-types.js';
import { Part2Harness, T0 } from './testing/part2-harness.js';
import { rfc3339 } from './timestamps.js';

type PdbObj = PodDisruptionBudget & KubeObject;
let h: Part2Harness;
afterEach(() => h?.stop());

function pod(name: string, ready: boolean, owner?: { kind: string; name: string; uid: string; apiVersion?: string }, labels: Record<string, string> = { app: 'web' }): KubeObject {
  return {
    metadata: { name, namespace: 'default', labels, ownerReferences: owner ? [{ apiVersion: owner.apiVersion ?? 'apps/v1', controller: true, ...owner }] : undefined },
    spec: { containers: [{ name: 'c', image: 'x' }] },
    status: { phase: 'Running', conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] },
  };
}

function pdb(spec: Partial<NonNullable<PodDisruptionBudget['spec']>>): KubeObject {
  return { metadata: { name: 'web-pdb', namespace: 'default' }, spec: { selector: { matchLabels: { app: 'web' } }, ...spec } };
}

const status = () => h.api.peek<PdbObj>(POD_DISRUPTION_BUDGETS, 'default', 'web-pdb')!.status!;

describe('PDB arithmetic', () => {
  test('healthy pods exclude deleting and recently evicted pods; allowed is never negative', () => {
    const now = T0;
    const pods = [pod('a', true), pod('b', true), pod('c', false), { ...pod('d', true), metadata: { name: 'd', deletionTimestamp: rfc3339(now) } }] as Pod[];
    assert.equal(countHealthy(pods, {}, now), 2);
    assert.equal(countHealthy(pods, { a: rfc3339(now - 60_000) }, now), 1, 'evicted a minute ago: still counted as disrupted');
    assert.equal(countHealthy(pods, { a: rfc3339(now - 180_000) }, now), 2, 'entry older than 2 minutes ignored');
    assert.equal(disruptionsAllowed(3, 2, 3), 1);
    assert.equal(disruptionsAllowed(1, 2, 3), 0);
    assert.equal(disruptionsAllowed(3, 0, 0), 0, 'no expected pods: nothing allowed');
  });
});

describe('DisruptionController', () => {
  test('minAvailable integer counts matching pods; condition follows', async () => {
    h = new Part2Harness();
    await h.seed(PODS, pod('w1', true), pod('w2', true), pod('w3', false), pod('other', true, undefined, { app: 'db' }));
    await h.seed(POD_DISRUPTION_BUDGETS, pdb({ minAvailable: 1 }));
    const c = new DisruptionController(h.ctx);
    await h.start();
    await h.drain(c);
    let st = status();
    assert.equal(st.expectedPods, 3);
    assert.equal(st.desiredHealthy, 1);
    assert.equal(st.currentHealthy, 2);
    assert.equal(st.disruptionsAllowed, 1);
    assert.equal(st.observedGeneration, 1);
    const cond = st.conditions?.find((x) => x.type === 'DisruptionAllowed');
    assert.equal(cond?.status, 'True');
    assert.equal(cond?.reason, 'SufficientPods');

    await h.api.delete(PODS, 'default', 'w1');
    await h.drain(c);
    st = status();
    assert.equal(st.currentHealthy, 1);
    assert.equal(st.disruptionsAllowed, 0);
    assert.equal(st.conditions?.find((x) => x.type === 'DisruptionAllowed')?.reason, 'InsufficientPods');
  });

  test('maxUnavailable percentage scales the Deployment replicas behind the pods', async () => {
    h = new Part2Harness();
    const [dep] = await h.seed(DEPLOYMENTS, { metadata: { name: 'web', namespace: 'default' }, spec: { replicas: 4 } });
    const [rs] = await h.seed(REPLICA_SETS, { metadata: { name: 'web-abc', namespace: 'default', ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: dep.metadata!.uid!, controller: true }] }, spec: { replicas: 4 } });
    const owner = { kind: 'ReplicaSet', name: 'web-abc', uid: rs.metadata!.uid! };
    await h.seed(PODS, pod('w1', true, owner), pod('w2', true, owner), pod('w3', true, owner));
    await h.seed(POD_DISRUPTION_BUDGETS, pdb({ maxUnavailable: '50%' }));
    const c = new DisruptionController(h.ctx);
    await h.start();
    await h.drain(c);
    const st = status();
    assert.equal(st.expectedPods, 4, 'from the Deployment, not the pod count');
    assert.equal(st.desiredHealthy, 2);
    assert.equal(st.currentHealthy, 3);
    assert.equal(st.disruptionsAllowed, 1);
  });

  test('minAvailable percentage with a StatefulSet owner; unmanaged pods raise a warning event', async () => {
    h = new Part2Harness();
    const [set] = await h.seed(STATEFUL_SETS, { metadata: { name: 'db', namespace: 'default' }, spec: { replicas: 3 } });
    const owner = { kind: 'StatefulSet', name: 'db', uid: set.metadata!.uid! };
    await h.seed(PODS, pod('db-0', true, owner), pod('db-1', true, owner), pod('db-2', true, owner), pod('stray', true));
    await h.seed(POD_DISRUPTION_BUDGETS, pdb({ minAvailable: '50%' }));
    const c = new DisruptionController(h.ctx);
    await h.start();
    await h.drain(c);
    const st = status();
    assert.equal(st.expectedPods, 3);
    assert.equal(st.desiredHealthy, 2, '50% of 3 rounds up');
    assert.equal(st.currentHealthy, 4);
    assert.equal(st.disruptionsAllowed, 2);
    assert.ok(h.events.some((e) => e.reason === 'UnmanagedPods'));
  });

  test('a recent eviction in status.disruptedPods is honoured, then expires', async () => {
    h = new Part2Harness();
    await h.seed(PODS, pod('w1', true), pod('w2', true));
    await h.seed(POD_DISRUPTION_BUDGETS, pdb({ minAvailable: 1 }));
    const c = new DisruptionController(h.ctx);
    await h.start();
    await h.drain(c);
    assert.equal(status().disruptionsAllowed, 1);
    // What the eviction subresource writes.
    const cur = h.api.peek<PdbObj>(POD_DISRUPTION_BUDGETS, 'default', 'web-pdb')!;
    await h.api.updateStatus(POD_DISRUPTION_BUDGETS, 'default', { ...cur, status: { ...cur.status!, disruptionsAllowed: 0, disruptedPods: { w1: rfc3339(h.clock.now()) } } });
    await h.drain(c);
    assert.equal(status().currentHealthy, 1);
    assert.equal(status().disruptionsAllowed, 0);
    assert.ok(status().disruptedPods?.w1);
    await h.advance(121_000);
    await h.drain(c);
    assert.equal(status().disruptedPods, undefined, 'entry expired');
    assert.equal(status().disruptionsAllowed, 1);
  });

  test('an owner that cannot be found fails safe: nothing allowed, SyncFailed', async () => {
    h = new Part2Harness();
    await h.seed(PODS, pod('w1', true, { kind: 'ReplicaSet', name: 'ghost', uid: 'nope' }));
    await h.seed(POD_DISRUPTION_BUDGETS, pdb({ maxUnavailable: 1 }));
    const c = new DisruptionController(h.ctx);
    await h.start();
    await assert.rejects(h.drain(c));
    const st = status();
    assert.equal(st.disruptionsAllowed, 0);
    const cond = st.conditions?.find((x) => x.type === 'DisruptionAllowed');
    assert.equal(cond?.reason, 'SyncFailed');
    assert.match(cond?.message ?? '', /not found/);
  });
});

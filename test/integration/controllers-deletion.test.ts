// Cascading deletion (DELETE with propagationPolicy Background / Foreground / Orphan) through the
// garbage collector, and namespace deletion removing everything inside, against the real API server.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Deployment, ReplicaSet } from 'kubernetes-types/apps/v1.js';
import type { Namespace, Pod } from 'kubernetes-types/core/v1.js';
import { isNotFound } from '../../src/client/api.js';
import { type K, ensureNamespace, listItems, podTemplate, RT, startControlPlane, waitFor, type ControlPlane } from './controllers-harness.js';

let cp: ControlPlane;
const NS = 'gc-it';

before(async () => {
  cp = await startControlPlane({ nodes: 2 });
  await ensureNamespace(cp.client, NS);
});
after(async () => {
  await cp?.stop();
});

async function readyDeployment(name: string, ns = NS, replicas = 2): Promise<{ d: K<Deployment>; rs: K<ReplicaSet> }> {
  await cp.client.create(RT.deployments, ns, {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name },
    spec: { replicas, selector: { matchLabels: { app: name } }, template: podTemplate({ app: name }) },
  });
  const d = await waitFor(`${name} available`, async () => {
    const d = await cp.client.get<K<Deployment>>(RT.deployments, ns, name);
    return d.status?.availableReplicas === replicas ? d : undefined;
  });
  const [rs] = (await listItems<ReplicaSet>(cp.client, RT.replicasets, ns, `app=${name}`)).filter((r) => r.metadata?.ownerReferences?.[0]?.uid === d.metadata!.uid);
  return { d, rs };
}

const gone = async (p: Promise<unknown>) => p.then(() => false, (e) => isNotFound(e));

describe('cascading deletion through the garbage collector', () => {
  test('background: the owner goes at once, its ReplicaSet and pods follow', async () => {
    const { rs } = await readyDeployment('bg');
    await cp.client.delete(RT.deployments, NS, 'bg', { propagationPolicy: 'Background' });
    assert.ok(await gone(cp.client.get(RT.deployments, NS, 'bg')), 'deployment removed immediately');
    await waitFor('rs gone', () => gone(cp.client.get(RT.replicasets, NS, rs.metadata!.name!)));
    await waitFor('pods gone', async () => (await listItems<Pod>(cp.client, RT.pods, NS, 'app=bg')).length === 0);
  });

  test('foreground: the owner stays with foregroundDeletion until its dependents are gone', async () => {
    const { rs } = await readyDeployment('fg');
    await cp.client.delete(RT.deployments, NS, 'fg', { propagationPolicy: 'Foreground' });
    // Right after the DELETE the owner still exists, marked for deletion with the finalizer.
    const during = await cp.client.get<K<Deployment>>(RT.deployments, NS, 'fg').catch(() => undefined);
    if (during) {
      assert.ok(during.metadata?.deletionTimestamp, 'deletionTimestamp set');
      assert.ok(during.metadata?.finalizers?.includes('foregroundDeletion'));
    }
    await waitFor('deployment gone', () => gone(cp.client.get(RT.deployments, NS, 'fg')));
    // Foreground: by the time the owner is gone, the dependents are gone too.
    assert.ok(await gone(cp.client.get(RT.replicasets, NS, rs.metadata!.name!)), 'rs removed before the owner');
    assert.equal((await listItems<Pod>(cp.client, RT.pods, NS, 'app=fg')).length, 0);
  });

  test('orphan: the owner goes, the ReplicaSet and its pods stay without an owner reference', async () => {
    const { d, rs } = await readyDeployment('or');
    await cp.client.delete(RT.deployments, NS, 'or', { propagationPolicy: 'Orphan' });
    await waitFor('deployment gone', () => gone(cp.client.get(RT.deployments, NS, 'or')));
    const kept = await waitFor('rs orphaned', async () => {
      const r = await cp.client.get<K<ReplicaSet>>(RT.replicasets, NS, rs.metadata!.name!);
      return (r.metadata?.ownerReferences ?? []).some((o) => o.uid === d.metadata!.uid) ? undefined : r;
    });
    assert.equal(kept.metadata?.deletionTimestamp, undefined);
    assert.ok(!(kept.metadata?.finalizers ?? []).includes('orphan'), 'orphan finalizer removed');
    const pods = await listItems<Pod>(cp.client, RT.pods, NS, 'app=or');
    assert.equal(pods.length, 2);
    assert.ok(pods.every((p) => p.metadata?.ownerReferences?.[0]?.uid === rs.metadata!.uid), 'pods still owned by the (kept) ReplicaSet');
    // The ReplicaSet keeps working on its own.
    assert.equal(kept.status?.readyReplicas, 2);
  });
});

describe('namespace deletion', () => {
  test('deleting a namespace removes its workloads, pods and other objects, then the namespace itself', async () => {
    await ensureNamespace(cp.client, 'doomed');
    await readyDeployment('app', 'doomed');
    await cp.client.create(RT.configmaps, 'doomed', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg' }, data: { a: '1' } });
    await cp.client.delete(RT.namespaces, undefined, 'doomed');
    const ns = await cp.client.get<K<Namespace>>(RT.namespaces, undefined, 'doomed').catch(() => undefined);
    if (ns) assert.equal(ns.status?.phase, 'Terminating');
    // New objects are refused while it terminates (upstream's 403 Forbidden).
    const refused = await cp.client.create(RT.configmaps, 'doomed', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'late' } }).then(
      () => undefined,
      (e) => e,
    );
    if (ns) assert.equal(refused?.code, 403, String(refused?.message));
    await waitFor('namespace gone', () => gone(cp.client.get(RT.namespaces, undefined, 'doomed')), 20_000);
    for (const rt of [RT.deployments, RT.replicasets, RT.pods, RT.configmaps]) {
      assert.equal((await listItems(cp.client, rt, 'doomed')).length, 0, `${rt.plural} left in a deleted namespace`);
    }
  });
});

import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import type { StatefulSet } from 'kubernetes-types/apps/v1.js';
import type { PersistentVolumeClaim, Pod } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../client/api.js';
import { CONTROLLER_REVISIONS, PERSISTENT_VOLUME_CLAIMS, STATEFUL_SETS } from './kinds.js';
import { PODS } from './resource-types.js';
import { claimOwnerRefs, newStatefulSetPod, ordinalOf } from './statefulset-pods.js';
import { StatefulSetController } from './statefulset.js';
import { markPodRunning } from './testing/fake-kubelet.js';
import { Part2Harness } from './testing/part2-harness.js';

type PodObj = Pod & KubeObject;
type SetObj = StatefulSet & KubeObject;
type PvcObj = PersistentVolumeClaim & KubeObject;
let h: Part2Harness;
afterEach(() => h?.stop());

function sts(spec: Partial<NonNullable<StatefulSet['spec']>> = {}): KubeObject {
  return {
    metadata: { name: 'web', namespace: 'default' },
    spec: {
      serviceName: 'nginx',
      replicas: 3,
      selector: { matchLabels: { app: 'nginx' } },
      template: { metadata: { labels: { app: 'nginx' } }, spec: { containers: [{ name: 'nginx', image: 'nginx:1.24' }] } },
      volumeClaimTemplates: [{ metadata: { name: 'www' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }],
      podManagementPolicy: 'OrderedReady',
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 0 } },
      ...spec,
    },
  };
}

const live = () =>
  h.api
    .all<PodObj>(PODS, 'default')
    .filter((p) => !p.metadata?.deletionTimestamp)
    .sort((a, b) => ordinalOf(a) - ordinalOf(b));
const names = () => live().map((p) => p.metadata!.name!);
const getSet = () => h.api.peek<SetObj>(STATEFUL_SETS, 'default', 'web')!;

/** Run every not-yet-running pod (what a node agent would do), then let the controller react. */
async function runPending(c: StatefulSetController, ready = true): Promise<void> {
  for (const p of live()) if (p.status?.phase !== 'Running') await markPodRunning(h.api, h.clock, p, ready, 'n1');
  await h.drain(c);
}

/** Make every live pod Running and Ready, then let the controller react. */
async function markAllReady(c: StatefulSetController): Promise<void> {
  for (const p of live()) if (!p.status?.conditions?.some((x) => x.type === 'Ready' && x.status === 'True')) await markPodRunning(h.api, h.clock, p, true, 'n1');
  await h.drain(c);
}

async function setImage(image: string, extra: (s: SetObj) => void = () => undefined): Promise<void> {
  const cur = getSet();
  cur.spec!.template.spec!.containers[0].image = image;
  extra(cur);
  await h.api.update(STATEFUL_SETS, 'default', cur);
}

describe('StatefulSet pod identity', () => {
  test('name, hostname, subdomain, labels and claim volumes', () => {
    const set = { ...sts(), metadata: { name: 'web', namespace: 'default', uid: 'u1' } } as SetObj;
    const pod = newStatefulSetPod(set, 2, 'web-abc');
    assert.equal(pod.metadata?.name, 'web-2');
    assert.equal(pod.spec?.hostname, 'web-2');
    assert.equal(pod.spec?.subdomain, 'nginx');
    assert.equal(pod.metadata?.labels?.['statefulset.kubernetes.io/pod-name'], 'web-2');
    assert.equal(pod.metadata?.labels?.['apps.kubernetes.io/pod-index'], '2');
    assert.equal(pod.metadata?.labels?.['controller-revision-hash'], 'web-abc');
    assert.deepEqual(pod.spec?.volumes, [{ name: 'www', persistentVolumeClaim: { claimName: 'www-web-2' } }]);
    assert.equal(pod.metadata?.ownerReferences?.[0].kind, 'StatefulSet');
  });

  test('retention policy ownerReferences: whenDeleted → set, whenScaled → pod once scaled away', () => {
    const mk = (whenDeleted: string, whenScaled: string, replicas: number) =>
      ({ ...sts({ replicas, persistentVolumeClaimRetentionPolicy: { whenDeleted, whenScaled } }), metadata: { name: 'web', namespace: 'default', uid: 'set-uid' } }) as SetObj;
    const pod = { metadata: { name: 'web-2', uid: 'pod-uid' } } as PodObj;
    const claim = { metadata: { name: 'www-web-2' } } as KubeObject;
    const uids = (r: ReturnType<typeof claimOwnerRefs>) => r.refs.map((x) => x.uid).sort();
    assert.deepEqual(uids(claimOwnerRefs(claim, mk('Retain', 'Retain', 3), pod)), []);
    assert.deepEqual(uids(claimOwnerRefs(claim, mk('Delete', 'Retain', 3), pod)), ['set-uid']);
    assert.deepEqual(uids(claimOwnerRefs(claim, mk('Retain', 'Delete', 3), pod)), []);
    assert.deepEqual(uids(claimOwnerRefs(claim, mk('Retain', 'Delete', 2), pod)), ['pod-uid']);
    assert.deepEqual(uids(claimOwnerRefs(claim, mk('Delete', 'Delete', 2), pod)), ['pod-uid']);
    assert.deepEqual(uids(claimOwnerRefs(claim, mk('Delete', 'Delete', 3), pod)), ['set-uid']);
    const owned = { metadata: { name: 'www-web-2', ownerReferences: [{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'web', uid: 'set-uid' }] } } as KubeObject;
    const r = claimOwnerRefs(owned, mk('Retain', 'Retain', 3), pod);
    assert.equal(r.changed, true);
    assert.deepEqual(r.refs, []);
  });
});

describe('StatefulSetController', () => {
  test('OrderedReady: creates claims then pods one at a time, each after its predecessor is Ready', async () => {
    h = new Part2Harness();
    await h.seed(STATEFUL_SETS, sts());
    const c = new StatefulSetController(h.ctx);
    await h.start();
    await h.drain(c);
    assert.deepEqual(names(), ['web-0'], 'only web-0 until it is ready');
    assert.deepEqual(
      h.api.all<PvcObj>(PERSISTENT_VOLUME_CLAIMS, 'default').map((x) => x.metadata?.name),
      ['www-web-0'],
    );
    const pvcIdx = h.api.actions.findIndex((a) => a.resource === 'persistentvolumeclaims' && a.verb === 'create');
    const podIdx = h.api.actions.findIndex((a) => a.resource === 'pods' && a.verb === 'create');
    assert.ok(pvcIdx >= 0 && pvcIdx < podIdx, 'claim created before the pod');
    const claim = h.api.peek<PvcObj>(PERSISTENT_VOLUME_CLAIMS, 'default', 'www-web-0')!;
    assert.equal(claim.metadata?.labels?.app, 'nginx');
    assert.equal(claim.metadata?.ownerReferences, undefined, 'Retain/Retain: claim not owned');

    await runPending(c, false);
    assert.deepEqual(names(), ['web-0'], 'running but not ready still blocks web-1');
    await markAllReady(c);
    assert.deepEqual(names(), ['web-0', 'web-1']);
    await runPending(c);
    assert.deepEqual(names(), ['web-0', 'web-1', 'web-2']);
    await runPending(c);
    const st = getSet().status!;
    assert.equal(st.replicas, 3);
    assert.equal(st.readyReplicas, 3);
    assert.equal(st.availableReplicas, 3);
    assert.equal(st.currentReplicas, 3);
    assert.equal(st.updatedReplicas, 3);
    assert.equal(st.currentRevision, st.updateRevision);
    assert.equal(st.observedGeneration, 1);
    assert.equal(live()[0].metadata?.labels?.['controller-revision-hash'], st.updateRevision);
    assert.ok(h.events.some((e) => e.reason === 'SuccessfulCreate' && e.message === 'create Pod web-0 in StatefulSet web successful'));
    assert.ok(h.events.some((e) => e.reason === 'SuccessfulCreate' && e.message === 'create Claim www-web-1 Pod web-1 in StatefulSet web success'));
  });

  test('OrderedReady scale down removes the highest ordinal first, one at a time; claims stay', async () => {
    h = new Part2Harness();
    await h.seed(STATEFUL_SETS, sts());
    const c = new StatefulSetController(h.ctx);
    await h.start();
    for (let i = 0; i < 4; i++) await runPending(c);
    assert.deepEqual(names(), ['web-0', 'web-1', 'web-2']);
    // Keep deleted pods around as "terminating" so ordering is observable.
    for (const p of live()) await h.api.patch(PODS, 'default', p.metadata!.name!, 'merge', { metadata: { finalizers: ['test/hold'] } });
    await h.drain(c);
    const cur = getSet();
    cur.spec!.replicas = 1;
    await h.api.update(STATEFUL_SETS, 'default', cur);
    await h.drain(c);
    const terminating = () => h.api.all<PodObj>(PODS, 'default').filter((p) => p.metadata?.deletionTimestamp).map((p) => p.metadata!.name);
    assert.deepEqual(terminating(), ['web-2'], 'web-2 first');
    assert.deepEqual(names(), ['web-0', 'web-1'], 'web-1 waits while web-2 terminates');
    await h.api.patch(PODS, 'default', 'web-2', 'merge', { metadata: { finalizers: null } });
    await h.drain(c);
    assert.deepEqual(terminating(), ['web-1']);
    await h.api.patch(PODS, 'default', 'web-1', 'merge', { metadata: { finalizers: null } });
    await h.drain(c);
    assert.deepEqual(names(), ['web-0']);
    assert.equal(h.api.all(PERSISTENT_VOLUME_CLAIMS, 'default').length, 3, 'claims are retained');
    assert.ok(h.events.some((e) => e.message === 'delete Pod web-2 in StatefulSet web successful'));
  });

  test('Parallel creates every pod at once and scales down all at once', async () => {
    h = new Part2Harness();
    await h.seed(STATEFUL_SETS, sts({ podManagementPolicy: 'Parallel', replicas: 4 }));
    const c = new StatefulSetController(h.ctx);
    await h.start();
    await h.drain(c);
    assert.deepEqual(names(), ['web-0', 'web-1', 'web-2', 'web-3']);
    assert.equal(h.api.all(PERSISTENT_VOLUME_CLAIMS, 'default').length, 4);
    const cur = getSet();
    cur.spec!.replicas = 1;
    await h.api.update(STATEFUL_SETS, 'default', cur);
    await h.drain(c);
    assert.deepEqual(names(), ['web-0'], 'not-ready pods removed without waiting');
  });

  test('a failed pod is deleted and recreated with the same name', async () => {
    h = new Part2Harness();
    await h.seed(STATEFUL_SETS, sts({ replicas: 1 }));
    const c = new StatefulSetController(h.ctx);
    await h.start();
    await runPending(c);
    const before = live()[0];
    await h.api.updateStatus(PODS, 'default', { ...before, status: { phase: 'Failed' } });
    await h.drain(c);
    const after = live();
    assert.equal(after.length, 1);
    assert.equal(after[0].metadata?.name, 'web-0');
    assert.notEqual(after[0].metadata?.uid, before.metadata?.uid);
  });

  test('RollingUpdate with partition replaces ordinals >= partition in reverse order, waiting for readiness', async () => {
    h = new Part2Harness();
    await h.seed(STATEFUL_SETS, sts());
    const c = new StatefulSetController(h.ctx);
    await h.start();
    for (let i = 0; i < 4; i++) await runPending(c);
    const rev1 = getSet().status!.updateRevision!;
    await setImage('nginx:1.25', (s) => (s.spec!.updateStrategy = { type: 'RollingUpdate', rollingUpdate: { partition: 1 } }));
    await h.drain(c);
    const rev2 = getSet().status!.updateRevision!;
    assert.notEqual(rev1, rev2);
    assert.equal(getSet().status?.currentRevision, rev1);
    // web-2 deleted first; it comes back at the new revision.
    assert.deepEqual(names(), ['web-0', 'web-1', 'web-2']);
    const image = (n: string) => live().find((p) => p.metadata?.name === n)?.spec?.containers[0].image;
    assert.equal(image('web-2'), 'nginx:1.25');
    assert.equal(image('web-1'), 'nginx:1.24', 'web-1 waits until web-2 is ready');
    await runPending(c);
    assert.equal(image('web-1'), 'nginx:1.25');
    await runPending(c);
    assert.equal(image('web-0'), 'nginx:1.24', 'below the partition: untouched');
    let st = getSet().status!;
    assert.equal(st.updatedReplicas, 2);
    assert.equal(st.currentReplicas, 1);
    assert.equal(st.currentRevision, rev1);
    assert.equal(h.api.all(CONTROLLER_REVISIONS, 'default').length, 2);

    const cur = getSet();
    cur.spec!.updateStrategy = { type: 'RollingUpdate', rollingUpdate: { partition: 0 } };
    await h.api.update(STATEFUL_SETS, 'default', cur);
    await h.drain(c);
    await runPending(c);
    st = getSet().status!;
    assert.equal(image('web-0'), 'nginx:1.25');
    assert.equal(st.currentRevision, rev2, 'rollout complete: current = update');
    assert.equal(st.currentReplicas, 3);
    assert.equal(st.updatedReplicas, 3);
  });

  test('OnDelete leaves pods alone until they are deleted', async () => {
    h = new Part2Harness();
    await h.seed(STATEFUL_SETS, sts({ replicas: 2, updateStrategy: { type: 'OnDelete' } }));
    const c = new StatefulSetController(h.ctx);
    await h.start();
    for (let i = 0; i < 3; i++) await runPending(c);
    await setImage('nginx:1.25');
    await h.drain(c);
    assert.ok(live().every((p) => p.spec?.containers[0].image === 'nginx:1.24'));
    await h.api.delete(PODS, 'default', 'web-0');
    await h.drain(c);
    assert.equal(live().find((p) => p.metadata?.name === 'web-0')?.spec?.containers[0].image, 'nginx:1.25');
  });

  test('whenScaled=Delete gives scaled-away claims to their pod; whenDeleted=Delete to the set', async () => {
    h = new Part2Harness();
    await h.seed(STATEFUL_SETS, sts({ replicas: 2, podManagementPolicy: 'Parallel', persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Delete', whenScaled: 'Delete' } }));
    const c = new StatefulSetController(h.ctx);
    await h.start();
    await runPending(c);
    const setUid = getSet().metadata!.uid;
    const claim = (n: string) => h.api.peek<PvcObj>(PERSISTENT_VOLUME_CLAIMS, 'default', n)!;
    assert.deepEqual(claim('www-web-1').metadata?.ownerReferences?.map((r) => r.uid), [setUid]);
    // Hold web-1 while terminating, so the claim's owner switch is visible.
    await h.api.patch(PODS, 'default', 'web-1', 'merge', { metadata: { finalizers: ['test/hold'] } });
    const web1Uid = live()[1].metadata!.uid;
    const cur = getSet();
    cur.spec!.replicas = 1;
    await h.api.update(STATEFUL_SETS, 'default', cur);
    await h.drain(c);
    assert.deepEqual(claim('www-web-1').metadata?.ownerReferences?.map((r) => r.uid), [web1Uid], 'owned by the scaled-away pod');
    assert.deepEqual(claim('www-web-0').metadata?.ownerReferences?.map((r) => r.uid), [setUid]);
  });
});

import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, describe, test } from 'node:test';
import type { PersistentVolume, PersistentVolumeClaim, Pod } from 'kubernetes-types/core/v1.js';
import type { StorageClass } from 'kubernetes-types/storage/v1.js';
import type { KubeObject } from '../../client/api.js';
import type { Controller } from '../context.js';
import { PERSISTENT_VOLUME_CLAIMS, PERSISTENT_VOLUMES, STORAGE_CLASSES } from '../kinds.js';
import { PODS } from '../resource-types.js';
import { Part2Harness } from '../testing/part2-harness.js';
import { findBestMatch } from './claim-matching.js';
import { LocalPathProvisioner } from './local-path-provisioner.js';
import { PersistentVolumeBinder } from './pv-binder.js';
import { PvProtectionController } from './pv-protection.js';
import { PvcProtectionController } from './pvc-protection.js';

type PvObj = PersistentVolume & KubeObject;
type PvcObj = PersistentVolumeClaim & KubeObject;

const prefix = mkdtempSync(join(tmpdir(), 'skiff-local-path-'));
after(() => rmSync(prefix, { recursive: true, force: true }));

let h: Part2Harness;
let controllers: Controller[] = [];
afterEach(() => h?.stop());

function pv(name: string, o: { size?: string; sc?: string; modes?: string[]; labels?: Record<string, string>; reclaim?: string; claimRef?: { name: string; namespace: string } } = {}): KubeObject {
  return {
    metadata: { name, labels: o.labels },
    spec: {
      capacity: { storage: o.size ?? '10Gi' },
      accessModes: o.modes ?? ['ReadWriteOnce'],
      storageClassName: o.sc ?? 'manual',
      persistentVolumeReclaimPolicy: o.reclaim ?? 'Retain',
      hostPath: { path: `/tmp/${name}` },
      claimRef: o.claimRef,
    },
    status: { phase: 'Pending' },
  };
}

function pvc(name: string, o: { size?: string; sc?: string | null; modes?: string[]; selector?: Record<string, string>; volumeName?: string; annotations?: Record<string, string> } = {}): KubeObject {
  const spec: Record<string, unknown> = { accessModes: o.modes ?? ['ReadWriteOnce'], resources: { requests: { storage: o.size ?? '1Gi' } } };
  if (o.sc !== null) spec.storageClassName = o.sc ?? 'manual';
  if (o.selector) spec.selector = { matchLabels: o.selector };
  if (o.volumeName) spec.volumeName = o.volumeName;
  return { metadata: { name, namespace: 'default', annotations: o.annotations }, spec, status: { phase: 'Pending' } };
}

async function setup(objs: [typeof PERSISTENT_VOLUMES, KubeObject][] = [], opts: { classes?: KubeObject[] } = {}) {
  h = new Part2Harness();
  for (const c of opts.classes ?? []) await h.seed(STORAGE_CLASSES, c);
  for (const [rt, o] of objs) await h.seed(rt, o);
  controllers = [
    new PersistentVolumeBinder(h.ctx),
    new LocalPathProvisioner(h.ctx, { pathPrefix: prefix }),
    new PvcProtectionController(h.ctx),
    new PvProtectionController(h.ctx),
  ];
  await h.start();
  await drainAll();
}

async function drainAll(): Promise<void> {
  for (let round = 0; round < 20; round++) {
    let busy = false;
    for (const c of controllers) {
      if (c.queue.len() > 0) {
        busy = true;
        await h.drain(c);
      }
    }
    if (!busy) return;
  }
}

const getPv = (n: string) => h.api.peek<PvObj>(PERSISTENT_VOLUMES, undefined, n);
const getPvc = (n: string) => h.api.peek<PvcObj>(PERSISTENT_VOLUME_CLAIMS, 'default', n);

describe('claim matching', () => {
  const vols = [pv('big', { size: '100Gi' }), pv('small', { size: '2Gi' }), pv('tiny', { size: '500Mi' }), pv('rwx', { size: '1Gi', modes: ['ReadWriteMany'] }), pv('fast', { size: '1Gi', sc: 'fast' }), pv('labelled', { size: '5Gi', labels: { tier: 'gold' } })].map((v) => ({ ...v, status: { phase: 'Available' } }) as PersistentVolume);
  const best = (c: KubeObject, delay = false) => findBestMatch(c as PersistentVolumeClaim, vols, delay)?.metadata?.name;
  test('smallest volume of the class with enough capacity and every access mode', () => {
    assert.equal(best(pvc('a', { size: '1Gi' })), 'small');
    assert.equal(best(pvc('a', { size: '3Gi' })), 'labelled');
    assert.equal(best(pvc('a', { size: '1Gi', modes: ['ReadWriteMany'] })), 'rwx');
    assert.equal(best(pvc('a', { size: '1Gi', sc: 'fast' })), 'fast');
    assert.equal(best(pvc('a', { size: '1Ti' })), undefined);
    assert.equal(best(pvc('a', { size: '1Gi', selector: { tier: 'gold' } })), 'labelled');
  });
  test('pre-bound volumes win; delayed binding only takes pre-bound ones', () => {
    const claim = { ...pvc('mine'), metadata: { name: 'mine', namespace: 'default', uid: 'u1' } } as PersistentVolumeClaim;
    const pre = { ...pv('pre', { size: '50Gi', claimRef: { name: 'mine', namespace: 'default' } }), status: { phase: 'Available' } } as PersistentVolume;
    const other = { ...pv('other', { size: '50Gi', claimRef: { name: 'theirs', namespace: 'default' } }), status: { phase: 'Available' } } as PersistentVolume;
    assert.equal(findBestMatch(claim, [...vols, pre, other], false)?.metadata?.name, 'pre');
    assert.equal(findBestMatch(claim, vols, true), undefined);
    assert.equal(findBestMatch(claim, [...vols, pre], true)?.metadata?.name, 'pre');
  });
});

describe('PersistentVolumeBinder', () => {
  test('binds an Immediate claim to the best volume, both sides, with the binding annotations', async () => {
    await setup([
      [PERSISTENT_VOLUMES, pv('pv-big', { size: '20Gi' })],
      [PERSISTENT_VOLUMES, pv('pv-fit', { size: '2Gi' })],
      [PERSISTENT_VOLUME_CLAIMS, pvc('data')],
    ]);
    const claim = getPvc('data')!;
    const vol = getPv('pv-fit')!;
    assert.equal(claim.spec?.volumeName, 'pv-fit');
    assert.equal(claim.status?.phase, 'Bound');
    assert.equal(claim.status?.capacity?.storage, '2Gi');
    assert.deepEqual(claim.status?.accessModes, ['ReadWriteOnce']);
    assert.equal(claim.metadata?.annotations?.['pv.kubernetes.io/bind-completed'], 'yes');
    assert.equal(claim.metadata?.annotations?.['pv.kubernetes.io/bound-by-controller'], 'yes');
    assert.equal(vol.spec?.claimRef?.name, 'data');
    assert.equal(vol.spec?.claimRef?.uid, claim.metadata?.uid);
    assert.equal(vol.status?.phase, 'Bound');
    assert.ok(vol.status?.lastPhaseTransitionTime);
    assert.equal(vol.metadata?.annotations?.['pv.kubernetes.io/bound-by-controller'], 'yes');
    assert.equal(getPv('pv-big')?.status?.phase, 'Available');
    assert.ok(vol.metadata?.finalizers?.includes('kubernetes.io/pv-protection'));
    assert.ok(claim.metadata?.finalizers?.includes('kubernetes.io/pvc-protection'));
  });

  test('volumeName pre-binding, and claims with no match stay Pending with an event', async () => {
    await setup([
      [PERSISTENT_VOLUMES, pv('chosen', { size: '50Gi' })],
      [PERSISTENT_VOLUMES, pv('cheaper', { size: '1Gi' })],
      [PERSISTENT_VOLUME_CLAIMS, pvc('want', { volumeName: 'chosen' })],
      [PERSISTENT_VOLUME_CLAIMS, pvc('nothing', { sc: '' })],
    ]);
    assert.equal(getPv('chosen')?.spec?.claimRef?.name, 'want');
    assert.equal(getPvc('want')?.status?.phase, 'Bound');
    assert.equal(getPvc('want')?.metadata?.annotations?.['pv.kubernetes.io/bound-by-controller'], undefined, 'the user chose the volume');
    assert.equal(getPvc('nothing')?.status?.phase, 'Pending');
    assert.ok(h.events.some((e) => e.name === 'nothing' && e.reason === 'FailedBinding' && e.message === 'no persistent volumes available for this claim and no storage class is set'));
  });

  test('Retain: a deleted claim leaves its volume Released', async () => {
    await setup([
      [PERSISTENT_VOLUMES, pv('keep', { reclaim: 'Retain' })],
      [PERSISTENT_VOLUME_CLAIMS, pvc('c1')],
    ]);
    assert.equal(getPv('keep')?.status?.phase, 'Bound');
    await h.api.delete(PERSISTENT_VOLUME_CLAIMS, 'default', 'c1');
    await drainAll();
    assert.equal(getPvc('c1'), undefined, 'no pod used it: protection let it go');
    assert.equal(getPv('keep')?.status?.phase, 'Released');
    assert.equal(getPv('keep')?.spec?.claimRef?.name, 'c1', 'claimRef kept for the admin');
  });

  test('Delete on a static volume without a deleter: Failed with upstream message', async () => {
    await setup([
      [PERSISTENT_VOLUMES, pv('static', { reclaim: 'Delete' })],
      [PERSISTENT_VOLUME_CLAIMS, pvc('c2')],
    ]);
    await h.api.delete(PERSISTENT_VOLUME_CLAIMS, 'default', 'c2');
    await drainAll();
    assert.equal(getPv('static')?.status?.phase, 'Failed');
    assert.ok(h.events.some((e) => e.reason === 'VolumeFailedDelete' && /no deletable volume plugin matched/.test(e.message)));
  });
});

describe('local-path provisioning', () => {
  test('default class created; a class-less claim gets it, waits for a node, then is provisioned there and bound', async () => {
    await setup([[PERSISTENT_VOLUME_CLAIMS, pvc('www', { sc: null, size: '3Gi' })]]);
    const sc = h.api.peek<StorageClass & KubeObject>(STORAGE_CLASSES, undefined, 'local-path')!;
    assert.equal(sc.provisioner, 'skiff.dev/local-path');
    assert.equal(sc.volumeBindingMode, 'WaitForFirstConsumer');
    assert.equal(sc.reclaimPolicy, 'Delete');
    assert.equal(sc.metadata?.annotations?.['storageclass.kubernetes.io/is-default-class'], 'true');
    let claim = getPvc('www')!;
    assert.equal(claim.spec?.storageClassName, 'local-path', 'default class filled in');
    assert.equal(claim.spec?.volumeName, undefined);
    assert.equal(h.api.all(PERSISTENT_VOLUMES).length, 0, 'no node chosen yet');
    assert.ok(h.events.some((e) => e.reason === 'WaitForFirstConsumer' && e.message === 'waiting for first consumer to be created before binding'));

    // The scheduler picked node-a.
    await h.api.patch(PERSISTENT_VOLUME_CLAIMS, 'default', 'www', 'merge', { metadata: { annotations: { 'volume.kubernetes.io/selected-node': 'node-a' } } });
    await drainAll();
    claim = getPvc('www')!;
    const name = `pvc-${claim.metadata!.uid}`;
    const vol = getPv(name)!;
    assert.equal(vol.spec?.hostPath?.path, join(prefix, claim.metadata!.uid!));
    assert.deepEqual(vol.spec?.nodeAffinity?.required?.nodeSelectorTerms, [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: ['node-a'] }] }]);
    assert.equal(vol.spec?.capacity?.storage, '3Gi');
    assert.equal(vol.spec?.persistentVolumeReclaimPolicy, 'Delete');
    assert.equal(vol.metadata?.annotations?.['pv.kubernetes.io/provisioned-by'], 'skiff.dev/local-path');
    assert.equal(vol.status?.phase, 'Bound');
    assert.equal(claim.spec?.volumeName, name);
    assert.equal(claim.status?.phase, 'Bound');
    assert.ok(h.events.some((e) => e.reason === 'ProvisioningSucceeded' && e.message === `Successfully provisioned volume ${name}`));

    // Reclaim Delete: the claim goes, the directory and the volume follow.
    mkdirSync(vol.spec!.hostPath!.path, { recursive: true });
    await h.api.delete(PERSISTENT_VOLUME_CLAIMS, 'default', 'www');
    await drainAll();
    assert.equal(getPv(name), undefined, 'volume deleted');
    assert.equal(existsSync(vol.spec!.hostPath!.path), false, 'directory removed');
  });

  test('an existing default class is left alone', async () => {
    const custom = { metadata: { name: 'local-path', annotations: { custom: 'yes' } }, provisioner: 'skiff.dev/local-path', volumeBindingMode: 'Immediate' };
    await setup([], { classes: [custom as KubeObject] });
    assert.equal(h.api.peek<StorageClass & KubeObject>(STORAGE_CLASSES, undefined, 'local-path')?.metadata?.annotations?.custom, 'yes');
  });
});

describe('protection finalizers', () => {
  test('a claim used by a scheduled pod stays Terminating until the pod is gone; a Bound volume likewise', async () => {
    await setup([
      [PERSISTENT_VOLUMES, pv('vol', { reclaim: 'Retain' })],
      [PERSISTENT_VOLUME_CLAIMS, pvc('used')],
    ]);
    const pod: Pod = { metadata: { name: 'p', namespace: 'default' }, spec: { nodeName: 'n1', containers: [{ name: 'c', image: 'x' }], volumes: [{ name: 'd', persistentVolumeClaim: { claimName: 'used' } }] }, status: { phase: 'Running' } };
    await h.api.create(PODS, 'default', pod as KubeObject);
    await h.api.delete(PERSISTENT_VOLUMES, undefined, 'vol');
    await h.api.delete(PERSISTENT_VOLUME_CLAIMS, 'default', 'used');
    await drainAll();
    assert.ok(getPvc('used')?.metadata?.deletionTimestamp, 'claim Terminating while in use');
    assert.ok(getPv('vol')?.metadata?.deletionTimestamp, 'volume Terminating while Bound');
    assert.equal(getPv('vol')?.status?.phase, 'Bound');
    await h.api.delete(PODS, 'default', 'p');
    await drainAll();
    assert.equal(getPvc('used'), undefined, 'claim gone with its last user');
    assert.equal(getPv('vol'), undefined, 'Released volume let go');
  });
});

// A StatefulSet with volumeClaimTemplates and a headless Service on the real API server, with
// the controller manager (statefulset, volume binder, local-path provisioner, protection), the
// scheduler (volume binding) and hollow nodes (which create the volume directories on mount):
// web-0, web-1, web-2 come up in order with their claims Bound, the claims outlive the set, and a
// claim deleted by hand takes its volume (and directory) with it.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { StatefulSet } from 'kubernetes-types/apps/v1.js';
import type { PersistentVolume, PersistentVolumeClaim, Pod } from 'kubernetes-types/core/v1.js';
import type { StorageClass } from 'kubernetes-types/storage/v1.js';
import { findByKind } from '../../src/api/registry.js';
import type { WatchHandle } from '../../src/client/api.js';
import { LOCAL_PATH_PREFIX_ENV } from '../../src/controllers/volumes/local-path-provisioner.js';
import { type K, ensureNamespace, listItems, RT, startControlPlane, waitFor, type ControlPlane } from './controllers-harness.js';

const localPath = mkdtempSync(join(tmpdir(), 'skiff-sts-local-path-'));
process.env[LOCAL_PATH_PREFIX_ENV] = localPath;

const STS = findByKind('apps', 'StatefulSet')!;
const PVC = findByKind('', 'PersistentVolumeClaim')!;
const PV = findByKind('', 'PersistentVolume')!;
const SVC = findByKind('', 'Service')!;
const SC = findByKind('storage.k8s.io', 'StorageClass')!;
const NS = 'sts-it';

let cp: ControlPlane;
before(async () => {
  cp = await startControlPlane({ nodes: 3 });
  await ensureNamespace(cp.client, NS);
});
after(async () => {
  await cp?.stop();
  rmSync(localPath, { recursive: true, force: true });
});

const isReady = (p: Pod) => p.status?.phase === 'Running' && !!p.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');

test('StatefulSet with volumeClaimTemplates comes up in order with Bound claims that survive its deletion', async () => {
  const sc = await waitFor('default StorageClass', () => cp.client.get<K<StorageClass>>(SC, undefined, 'local-path').catch(() => undefined));
  assert.equal(sc.metadata?.annotations?.['storageclass.kubernetes.io/is-default-class'], 'true');

  // Record, for every pod creation, whether its predecessor was Ready at that moment.
  const latest = new Map<string, Pod>();
  const violations: string[] = [];
  const created: string[] = [];
  // Watch from a known resourceVersion so no pod creation can slip past before the watch starts.
  const { resourceVersion } = (await cp.client.list(RT.pods, NS)).metadata;
  const watch: WatchHandle = cp.client.watch<K<Pod>>(RT.pods, NS, { resourceVersion }, {
    onEvent: (ev) => {
      const p = ev.object;
      const name = p.metadata!.name!;
      if (ev.type === 'ADDED') {
        created.push(name);
        const ord = Number(name.split('-').pop());
        const prev = latest.get(`web-${ord - 1}`);
        if (ord > 0 && !(prev && isReady(prev))) violations.push(`${name} created before web-${ord - 1} was ready`);
      }
      if (ev.type === 'DELETED') latest.delete(name);
      else latest.set(name, p);
    },
    onClose: () => undefined,
  });

  await cp.client.create(SVC, NS, { apiVersion: 'v1', kind: 'Service', metadata: { name: 'nginx' }, spec: { clusterIP: 'None', selector: { app: 'nginx' }, ports: [{ name: 'web', port: 80 }] } });
  await cp.client.create(STS, NS, {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name: 'web' },
    spec: {
      serviceName: 'nginx',
      replicas: 3,
      selector: { matchLabels: { app: 'nginx' } },
      template: { metadata: { labels: { app: 'nginx' } }, spec: { terminationGracePeriodSeconds: 0, containers: [{ name: 'nginx', image: 'nginx:1.25', volumeMounts: [{ name: 'www', mountPath: '/usr/share/nginx/html' }] }] } },
      volumeClaimTemplates: [{ metadata: { name: 'www' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }],
    },
  });

  const set = await waitFor(
    'web 3/3 ready',
    async () => {
      const s = await cp.client.get<K<StatefulSet>>(STS, NS, 'web');
      return s.status?.readyReplicas === 3 && s.status.observedGeneration === s.metadata?.generation ? s : undefined;
    },
    30_000,
  );
  watch.stop();
  assert.deepEqual(created, ['web-0', 'web-1', 'web-2']);
  assert.deepEqual(violations, []);
  assert.equal(set.status?.currentRevision, set.status?.updateRevision);

  const pods = await listItems<Pod>(cp.client, RT.pods, NS, 'app=nginx');
  const claims = await listItems<PersistentVolumeClaim>(cp.client, PVC, NS);
  assert.deepEqual(claims.map((c) => c.metadata?.name).sort(), ['www-web-0', 'www-web-1', 'www-web-2']);
  for (const p of pods) {
    const name = p.metadata!.name!;
    assert.equal(p.spec?.hostname, name);
    assert.equal(p.spec?.subdomain, 'nginx');
    assert.equal(p.metadata?.labels?.['statefulset.kubernetes.io/pod-name'], name);
    const claim = claims.find((c) => c.metadata?.name === `www-${name}`)!;
    assert.equal(claim.status?.phase, 'Bound');
    assert.equal(claim.spec?.storageClassName, 'local-path');
    assert.equal(claim.metadata?.annotations?.['volume.kubernetes.io/selected-node'], p.spec?.nodeName);
    assert.ok(claim.metadata?.finalizers?.includes('kubernetes.io/pvc-protection'));
    const pv = await cp.client.get<K<PersistentVolume>>(PV, undefined, claim.spec!.volumeName!);
    assert.equal(pv.status?.phase, 'Bound');
    assert.deepEqual(pv.spec?.nodeAffinity?.required?.nodeSelectorTerms?.[0].matchExpressions?.[0].values, [p.spec?.nodeName]);
    assert.equal(pv.spec?.hostPath?.path, join(localPath, claim.metadata!.uid!));
    await waitFor(`volume directory of ${name}`, () => existsSync(pv.spec!.hostPath!.path));
  }

  // Deleting the set deletes its pods (garbage collector) but keeps the claims (Retain).
  await cp.client.delete(STS, NS, 'web');
  await waitFor('pods gone', async () => (await listItems<Pod>(cp.client, RT.pods, NS, 'app=nginx')).length === 0, 30_000);
  const kept = await listItems<PersistentVolumeClaim>(cp.client, PVC, NS);
  assert.deepEqual(kept.map((c) => c.metadata?.name).sort(), ['www-web-0', 'www-web-1', 'www-web-2']);
  assert.ok(kept.every((c) => c.status?.phase === 'Bound' && !c.metadata?.deletionTimestamp));

  // Deleting a claim by hand reclaims its volume (local-path class: reclaimPolicy Delete).
  const last = kept.find((c) => c.metadata?.name === 'www-web-2')!;
  const pvName = last.spec!.volumeName!;
  const dir = join(localPath, last.metadata!.uid!);
  await cp.client.delete(PVC, NS, 'www-web-2');
  await waitFor('volume reclaimed', () => cp.client.get(PV, undefined, pvName).then(() => false, () => true), 15_000);
  assert.equal(existsSync(dir), false, 'volume directory removed');
});

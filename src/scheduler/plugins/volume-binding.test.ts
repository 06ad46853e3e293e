import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { PersistentVolume, PersistentVolumeClaim } from 'kubernetes-types/core/v1.js';
import type { StorageClass } from 'kubernetes-types/storage/v1.js';
import type { KubeObject } from '../../client/api.js';
import { FakeClock } from '../../client/clock.js';
import { findByKind } from '../../api/registry.js';
import { Code, CycleState } from '../framework.js';
import { FakeApi } from '../testing/fake-api.js';
import { info, makeNode, makePod, nodeInfo } from '../testing/builders.js';
import { VolumeBinding } from './volume-binding.js';

const pvcType = findByKind('', 'PersistentVolumeClaim')!;
const pvType = findByKind('', 'PersistentVolume')!;

function pvc(name: string, o: { volumeName?: string; sc?: string } = {}): PersistentVolumeClaim {
  return {
    metadata: { name, namespace: 'default', uid: `uid-${name}` },
    spec: { storageClassName: o.sc ?? 'local', accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, volumeName: o.volumeName },
  };
}
function localPV(name: string, node: string, claim?: string): PersistentVolume {
  return {
    metadata: { name },
    spec: {
      storageClassName: 'local',
      capacity: { storage: '10Gi' },
      accessModes: ['ReadWriteOnce'],
      claimRef: claim ? { namespace: 'default', name: claim } : undefined,
      nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [node] }] }] } },
    },
    status: { phase: claim ? 'Bound' : 'Available' },
  };
}
const classes: Record<string, StorageClass> = {
  local: { metadata: { name: 'local' }, provisioner: 'kubernetes.io/no-provisioner', volumeBindingMode: 'WaitForFirstConsumer' },
  fast: { metadata: { name: 'fast' }, provisioner: 'csi.example.com', volumeBindingMode: 'WaitForFirstConsumer' },
  now: { metadata: { name: 'now' }, provisioner: 'csi.example.com', volumeBindingMode: 'Immediate' },
};

function setup(claims: PersistentVolumeClaim[], pvs: PersistentVolume[]) {
  const api = new FakeApi();
  const clock = new FakeClock();
  const claimMap = new Map(claims.map((c) => [c.metadata!.name!, c]));
  const pl = new VolumeBinding(
    { pvc: (_ns, n) => claimMap.get(n), pv: (n) => pvs.find((p) => p.metadata!.name === n), pvs: () => pvs, storageClass: (n) => classes[n] },
    api,
    clock,
  );
  return { api, pl, claimMap, clock };
}
const usePVC = (claim: string) => makePod('p', { spec: { volumes: [{ name: 'data', persistentVolumeClaim: { claimName: claim } }] } });
const nodes = () => [nodeInfo(makeNode('n1')), nodeInfo(makeNode('n2'))];

test('VolumeBinding: bound local PV pins the pod to its node', () => {
  const { pl } = setup([pvc('data', { volumeName: 'pv1' })], [localPV('pv1', 'n2', 'data')]);
  const s = new CycleState();
  const pod = info(usePVC('data'));
  assert.equal(pl.preFilter(s, pod), undefined);
  const [n1, n2] = nodes();
  assert.deepEqual(pl.filter(s, pod, n1)?.reasons, ['node(s) had volume node affinity conflict']);
  assert.equal(pl.filter(s, pod, n2), undefined);
});

test('VolumeBinding: missing and unbound immediate claims fail PreFilter', () => {
  const { pl } = setup([pvc('later', { sc: 'now' })], []);
  assert.deepEqual(pl.preFilter(new CycleState(), info(usePVC('nope')))?.reasons, ['persistentvolumeclaim "nope" not found']);
  const st = pl.preFilter(new CycleState(), info(usePVC('later')));
  assert.equal(st?.code, Code.UnschedulableAndUnresolvable);
  assert.deepEqual(st?.reasons, ['pod has unbound immediate PersistentVolumeClaims']);
  assert.equal(pl.preFilter(new CycleState(), info(makePod('novol')))?.code, Code.Skip);
});

test('VolumeBinding: WaitForFirstConsumer static PV claims the PV on the chosen node', async () => {
  const pv = localPV('pv2', 'n1');
  const { api, pl, claimMap, clock } = setup([pvc('wffc')], [pv]);
  await api.create(pvType, undefined, pv as unknown as KubeObject);
  const s = new CycleState();
  const pod = info(usePVC('wffc'));
  assert.equal(pl.preFilter(s, pod), undefined);
  const [n1, n2] = nodes();
  assert.equal(pl.filter(s, pod, n1), undefined);
  assert.deepEqual(pl.filter(s, pod, n2)?.reasons, ["node(s) didn't find available persistent volumes to bind"]);
  pl.reserve(s, pod, 'n1');
  const done = pl.preBind(s, pod, 'n1');
  await new Promise((r) => setImmediate(r));
  assert.equal(api.peek<PersistentVolume>(pvType, undefined, 'pv2')?.spec?.claimRef?.name, 'wffc');
  claimMap.set('wffc', pvc('wffc', { volumeName: 'pv2' })); // the PV controller finishes the bind
  clock.advance(100);
  assert.equal(await done, undefined);
});

test('VolumeBinding: WaitForFirstConsumer dynamic claim gets the selected-node annotation', async () => {
  const { api, pl, claimMap, clock } = setup([pvc('dyn', { sc: 'fast' })], []);
  await api.create(pvcType, 'default', pvc('dyn', { sc: 'fast' }) as unknown as KubeObject);
  const s = new CycleState();
  const pod = info(usePVC('dyn'));
  pl.preFilter(s, pod);
  const [, n2] = nodes();
  assert.equal(pl.filter(s, pod, n2), undefined);
  pl.reserve(s, pod, 'n2');
  const done = pl.preBind(s, pod, 'n2');
  await new Promise((r) => setImmediate(r));
  assert.equal(api.peek<PersistentVolumeClaim>(pvcType, 'default', 'dyn')?.metadata?.annotations?.['volume.kubernetes.io/selected-node'], 'n2');
  claimMap.set('dyn', pvc('dyn', { sc: 'fast', volumeName: 'pvc-123' }));
  clock.advance(100);
  assert.equal(await done, undefined);
});

// PersistentVolume, PersistentVolumeClaim and StorageClass validation (upstream core/storage).
/* eslint-disable @typescript-eslint/no-explicit-any */
import { type FieldError, forbiddenField, invalidValue, notSupported, required } from '../errors.js';
import { validateLabelSelector } from '../labels.js';
import { isDNS1123Subdomain, isQualifiedName, nameIsDNSSubdomain } from '../names.js';
import { validateObjectMeta, validateObjectMetaUpdate } from '../objectmeta.js';
import { compareQuantity, parseQuantity, validateQuantity } from '../quantity.js';
import { volumeSourceKeys } from '../defaults/pod.js';
import { invalidEach, jsonEqual } from './field.js';
import { validateVolumeSource } from './pod.js';

const ACCESS_MODES = ['ReadOnlyMany', 'ReadWriteMany', 'ReadWriteOnce', 'ReadWriteOncePod'];
const VOLUME_MODES = ['Block', 'Filesystem'];
const RECLAIM_POLICIES = ['Delete', 'Recycle', 'Retain'];
const PV_SOURCES = [
  'gcePersistentDisk', 'awsElasticBlockStore', 'hostPath', 'glusterfs', 'nfs', 'rbd', 'iscsi', 'cinder', 'cephfs', 'fc', 'flocker',
  'flexVolume', 'azureFile', 'vsphereVolume', 'quobyte', 'azureDisk', 'photonPersistentDisk', 'portworxVolume', 'scaleIO', 'local',
  'storageos', 'csi',
];

function positiveQuantity(field: string, v: unknown): FieldError[] {
  const errs = validateQuantity(field, v);
  if (errs.length) return errs;
  return parseQuantity(v as string).nanos <= 0n ? [invalidValue(field, String(v), 'must be greater than zero')] : [];
}

function validateAccessModes(modes: string[] | undefined, path: string, requiredMsg?: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!(modes ?? []).length) errs.push(required(path, requiredMsg));
  for (const m of modes ?? []) if (!ACCESS_MODES.includes(m)) errs.push(notSupported(path, m, ACCESS_MODES));
  if ((modes ?? []).includes('ReadWriteOncePod') && (modes ?? []).length > 1)
    errs.push(forbiddenField(path, 'may not use ReadWriteOncePod with other access modes'));
  return errs;
}

function validatePVCSpec(s: any, path: string): FieldError[] {
  const errs = validateAccessModes(s.accessModes, `${path}.accessModes`, 'at least 1 access mode is required');
  if (s.selector) errs.push(...validateLabelSelector(s.selector, `${path}.selector`));
  const storage = s.resources?.requests?.storage;
  if (storage === undefined) errs.push(required(`${path}.resources[storage]`));
  else errs.push(...positiveQuantity(`${path}.resources[storage]`, storage));
  if (s.storageClassName) errs.push(...invalidEach(`${path}.storageClassName`, s.storageClassName, isDNS1123Subdomain(s.storageClassName)));
  if (s.volumeMode != null && !VOLUME_MODES.includes(s.volumeMode)) errs.push(notSupported(`${path}.volumeMode`, s.volumeMode, VOLUME_MODES));
  return errs;
}

/** A PVC template (StatefulSet volumeClaimTemplates, ephemeral volumes). */
export function validatePVCTemplate(t: any, path: string): FieldError[] {
  return validatePVCSpec(t?.spec ?? {}, `${path}.spec`);
}

export function validatePVC(pvc: any): FieldError[] {
  return [...validateObjectMeta(pvc.metadata, true, nameIsDNSSubdomain), ...validatePVCSpec(pvc.spec ?? {}, 'spec')];
}

export function validatePVCUpdate(pvc: any, old: any): FieldError[] {
  const errs = [...validateObjectMetaUpdate(pvc.metadata, old.metadata), ...validatePVCSpec(pvc.spec ?? {}, 'spec')];
  const s = structuredClone(pvc.spec ?? {});
  const o = structuredClone(old.spec ?? {});
  const bound = old.status?.phase === 'Bound';
  // The binder fills volumeName once; bound claims may resize (grow only).
  if (!o.volumeName && s.volumeName) o.volumeName = s.volumeName;
  if (bound) {
    const newStorage = s.resources?.requests?.storage;
    const oldStorage = o.resources?.requests?.storage;
    if (newStorage !== undefined && oldStorage !== undefined && validateQuantity('', newStorage).length === 0 && compareQuantity(newStorage, oldStorage) < 0)
      errs.push(forbiddenField('spec.resources.requests.storage', 'field can not be less than status.capacity'));
    o.resources = { ...(o.resources ?? {}), requests: s.resources?.requests };
    o.volumeAttributesClassName = s.volumeAttributesClassName;
  }
  // Retroactive default StorageClass (GA in 1.28): a claim created with no class (nil, not "")
  // may be given one once, by the PV controller.
  const oldBetaClass = old.metadata?.annotations?.['volume.beta.kubernetes.io/storage-class'];
  if (o.storageClassName == null && oldBetaClass === undefined && typeof s.storageClassName === 'string' && s.storageClassName !== '') o.storageClassName = s.storageClassName;
  if (!jsonEqual(s, o))
    errs.push(forbiddenField('spec', 'spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims'));
  return errs;
}

function validatePVSpec(s: any): FieldError[] {
  const errs = validateAccessModes(s.accessModes, 'spec.accessModes');
  const cap = s.capacity ?? {};
  if (Object.keys(cap).length === 0) errs.push(required('spec.capacity'));
  else if (!('storage' in cap) || Object.keys(cap).length > 1) errs.push(notSupported('spec.capacity', cap, ['storage']));
  if (cap.storage !== undefined) errs.push(...positiveQuantity('spec.capacity[storage]', cap.storage));
  if (s.persistentVolumeReclaimPolicy && !RECLAIM_POLICIES.includes(s.persistentVolumeReclaimPolicy))
    errs.push(notSupported('spec.persistentVolumeReclaimPolicy', s.persistentVolumeReclaimPolicy, RECLAIM_POLICIES));
  if (s.storageClassName) errs.push(...invalidEach('spec.storageClassName', s.storageClassName, isDNS1123Subdomain(s.storageClassName)));
  if (s.volumeMode != null && !VOLUME_MODES.includes(s.volumeMode)) errs.push(notSupported('spec.volumeMode', s.volumeMode, VOLUME_MODES));
  if (volumeSourceKeys(s, PV_SOURCES).length === 0) errs.push(required('spec', 'must specify a volume type'));
  else {
    const forSource = Object.fromEntries(PV_SOURCES.filter((k) => s[k] != null).map((k) => [k, s[k]]));
    errs.push(...validateVolumeSource(forSource, 'spec', true).filter((e) => e.type !== 'FieldValueRequired' || e.field !== 'spec'));
    for (const k of volumeSourceKeys(s, PV_SOURCES).slice(1)) if (!errs.some((e) => e.field === `spec.${k}`)) errs.push(forbiddenField(`spec.${k}`, 'may not specify more than 1 volume type'));
  }
  if (s.local && !s.nodeAffinity) errs.push(required('spec.nodeAffinity', 'Local volume requires node affinity'));
  if (s.hostPath?.path && !String(s.hostPath.path).startsWith('/')) errs.push(invalidValue('spec.hostPath.path', s.hostPath.path, 'must be an absolute path'));
  return errs;
}

export function validatePV(pv: any): FieldError[] {
  return [...validateObjectMeta(pv.metadata, false, nameIsDNSSubdomain), ...validatePVSpec(pv.spec ?? {})];
}

export function validatePVUpdate(pv: any, old: any): FieldError[] {
  const errs = [...validateObjectMetaUpdate(pv.metadata, old.metadata), ...validatePVSpec(pv.spec ?? {})];
  const src = (s: any) => Object.fromEntries(PV_SOURCES.filter((k) => s?.[k] != null).map((k) => [k, s[k]]));
  if (!jsonEqual(src(pv.spec), src(old.spec))) errs.push(forbiddenField('spec.persistentvolumesource', 'spec.persistentvolumesource is forbidden.'));
  if ((pv.spec?.volumeMode ?? null) !== (old.spec?.volumeMode ?? null)) errs.push(invalidValue('spec.volumeMode', pv.spec?.volumeMode ?? null, 'field is immutable'));
  if (old.spec?.nodeAffinity && !jsonEqual(pv.spec?.nodeAffinity, old.spec.nodeAffinity))
    errs.push(invalidValue('spec.nodeAffinity', null, 'field is immutable'));
  return errs;
}

function validateStorageClassFields(sc: any): FieldError[] {
  const errs: FieldError[] = [];
  if (!sc.provisioner) errs.push(required('provisioner'));
  else errs.push(...invalidEach('provisioner', sc.provisioner, isQualifiedName(String(sc.provisioner).toLowerCase())));
  if (Object.keys(sc.parameters ?? {}).length > 512) errs.push({ type: 'FieldValueTooLong', field: 'parameters', detail: 'Too long: may not be more than 512 bytes' });
  if (sc.reclaimPolicy != null && !['Delete', 'Retain'].includes(sc.reclaimPolicy)) errs.push(notSupported('reclaimPolicy', sc.reclaimPolicy, ['Delete', 'Retain']));
  if (sc.volumeBindingMode == null) errs.push(required('volumeBindingMode'));
  else if (!['Immediate', 'WaitForFirstConsumer'].includes(sc.volumeBindingMode))
    errs.push(notSupported('volumeBindingMode', sc.volumeBindingMode, ['Immediate', 'WaitForFirstConsumer']));
  return errs;
}

export function validateStorageClass(sc: any): FieldError[] {
  return [...validateObjectMeta(sc.metadata, false, nameIsDNSSubdomain), ...validateStorageClassFields(sc)];
}

export function validateStorageClassUpdate(sc: any, old: any): FieldError[] {
  const errs = [...validateObjectMetaUpdate(sc.metadata, old.metadata), ...validateStorageClassFields(sc)];
  if (!jsonEqual(sc.parameters ?? {}, old.parameters ?? {})) errs.push(forbiddenField('parameters', 'updates to parameters are forbidden.'));
  if (sc.provisioner !== old.provisioner) errs.push(forbiddenField('provisioner', 'updates to provisioner are forbidden.'));
  if ((sc.reclaimPolicy ?? null) !== (old.reclaimPolicy ?? null)) errs.push(forbiddenField('reclaimPolicy', 'updates to reclaimPolicy are forbidden.'));
  if ((sc.volumeBindingMode ?? null) !== (old.volumeBindingMode ?? null)) errs.push(invalidValue('volumeBindingMode', sc.volumeBindingMode ?? null, 'field is immutable'));
  return errs;
}


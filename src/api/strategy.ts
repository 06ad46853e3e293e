// Per-kind REST strategy: the entry points the API server calls on every write —
// defaulting, create/update preparation (status reset, generation, generated fields)
// and validation — dispatched by kind, as upstream's registry strategies.
/* eslint-disable @typescript-eslint/no-explicit-any */
import type { FieldError } from './errors.js';
import { RESOURCES } from './registry.js';
import { nameIsDNSSubdomain } from './names.js';
import { validateObjectMeta, validateObjectMetaUpdate } from './objectmeta.js';
import { podQOSClass } from './qos.js';
import { defaultPod, defaultPodTemplate } from './defaults/pod.js';
import {
  defaultCronJob, defaultDaemonSet, defaultDeployment, defaultJob, defaultPodTemplateObject, defaultReplicaSet,
  defaultReplicationController, defaultStatefulSet,
} from './defaults/workloads.js';
import { defaultPV, defaultPVC, defaultStorageClass } from './defaults/storage.js';
import { defaultEndpointSlice, defaultEndpoints, defaultNetworkPolicy, defaultService } from './defaults/networking.js';
import {
  defaultHPA, defaultLimitRange, defaultNamespace, defaultNode, defaultPriorityClass, defaultRoleBinding, defaultSecret,
} from './defaults/cluster.js';
import { jsonEqual } from './validation/field.js';
import { validatePod, validatePodUpdate } from './validation/pod.js';
import * as wl from './validation/workloads.js';
import * as svc from './validation/service.js';
import * as cfg from './validation/config.js';
import * as net from './validation/networking.js';
import * as sto from './validation/storage.js';
import * as rbac from './validation/rbac.js';
import * as cl from './validation/cluster.js';
import * as certs from './validation/certificates.js';
import { prepareCsrForApprovalUpdate, prepareCsrForCreate, prepareCsrForStatusUpdate, prepareCsrForUpdate } from './csr.js';

export { podQOSClass } from './qos.js';

type Obj = any;

function defaultSecretWithStringData(secret: Obj): void {
  // stringData is a write-only convenience: merged into data (base64) on write, as upstream's conversion does.
  if (secret.stringData && typeof secret.stringData === 'object') {
    secret.data ??= {};
    for (const [k, v] of Object.entries(secret.stringData)) secret.data[k] = Buffer.from(String(v), 'utf8').toString('base64');
    delete secret.stringData;
  }
  defaultSecret(secret);
}

const DEFAULTERS: Record<string, (o: Obj) => void> = {
  Pod: defaultPod,
  PodTemplate: defaultPodTemplateObject,
  ReplicationController: defaultReplicationController,
  Deployment: defaultDeployment,
  ReplicaSet: defaultReplicaSet,
  DaemonSet: defaultDaemonSet,
  StatefulSet: defaultStatefulSet,
  Job: defaultJob,
  CronJob: defaultCronJob,
  Service: defaultService,
  Endpoints: defaultEndpoints,
  EndpointSlice: defaultEndpointSlice,
  NetworkPolicy: defaultNetworkPolicy,
  Secret: defaultSecretWithStringData,
  PersistentVolumeClaim: defaultPVC,
  PersistentVolume: defaultPV,
  StorageClass: defaultStorageClass,
  Namespace: defaultNamespace,
  Node: defaultNode,
  LimitRange: defaultLimitRange,
  PriorityClass: defaultPriorityClass,
  RoleBinding: defaultRoleBinding,
  ClusterRoleBinding: defaultRoleBinding,
  HorizontalPodAutoscaler: defaultHPA,
};

/** Apply upstream's defaults for `kind` (mutates `obj`). Safe to call repeatedly. */
export function applyDefaults(kind: string, obj: Obj): void {
  if (!obj || typeof obj !== 'object') return;
  DEFAULTERS[kind]?.(obj);
}

/** Default a bare PodTemplateSpec (used by controllers comparing templates). */
export { defaultPodTemplate };

/** Kinds whose metadata.generation tracks spec changes. */
const GENERATION_KINDS = new Set([
  'Deployment', 'ReplicaSet', 'ReplicationController', 'DaemonSet', 'StatefulSet', 'Job', 'CronJob', 'Ingress', 'NetworkPolicy',
  'PodDisruptionBudget', 'EndpointSlice', 'HorizontalPodAutoscaler',
]);

function hasStatusSubresource(kind: string): boolean {
  return RESOURCES.some((r) => r.kind === kind && r.subresources.includes('status'));
}

function isNamespaced(kind: string): boolean {
  return RESOURCES.find((r) => r.kind === kind)?.namespaced ?? true;
}

/** The part of an object whose change bumps metadata.generation. */
function generationSource(kind: string, o: Obj): unknown {
  switch (kind) {
    case 'Deployment':
      return [o.spec, o.metadata?.annotations ?? {}];
    case 'EndpointSlice':
      return [o.addressType, o.endpoints ?? [], o.ports ?? []];
    default:
      return o.spec;
  }
}

export const JOB_LABELS = {
  controllerUid: wl.JOB_CONTROLLER_UID_LABEL,
  legacyControllerUid: wl.JOB_LEGACY_CONTROLLER_UID_LABEL,
  jobName: wl.JOB_NAME_LABEL,
  legacyJobName: wl.JOB_LEGACY_NAME_LABEL,
};

function generateJobSelector(job: Obj): void {
  const s = (job.spec ??= {});
  if (s.manualSelector === true) return;
  const uid = job.metadata?.uid;
  const name = job.metadata?.name;
  if (!uid) return;
  s.template ??= {};
  s.template.metadata ??= {};
  const labels = (s.template.metadata.labels ??= {});
  labels[wl.JOB_CONTROLLER_UID_LABEL] ??= uid;
  labels[wl.JOB_LEGACY_CONTROLLER_UID_LABEL] ??= uid;
  if (name) {
    labels[wl.JOB_NAME_LABEL] ??= name;
    labels[wl.JOB_LEGACY_NAME_LABEL] ??= name;
  }
  s.selector ??= {};
  s.selector.matchLabels ??= {};
  s.selector.matchLabels[wl.JOB_CONTROLLER_UID_LABEL] ??= uid;
  // Upstream defaults job labels from the template on read; do it once here.
  job.metadata.labels = job.metadata.labels && Object.keys(job.metadata.labels).length ? job.metadata.labels : { ...labels };
}

/** Server-side preparation of a new object: reset status, set generation, generated fields. */
export function prepareForCreate(kind: string, obj: Obj): void {
  obj.metadata ??= {};
  if (GENERATION_KINDS.has(kind)) obj.metadata.generation = 1;
  else delete obj.metadata.generation;
  switch (kind) {
    case 'Pod':
      obj.status = { phase: 'Pending', qosClass: podQOSClass(obj) };
      return;
    case 'Namespace':
      obj.spec ??= {};
      obj.spec.finalizers ??= [];
      if (!obj.spec.finalizers.includes('kubernetes')) obj.spec.finalizers.push('kubernetes');
      obj.status = { phase: 'Active' };
      return;
    case 'Service':
      obj.status = { loadBalancer: {} };
      return;
    case 'PersistentVolumeClaim':
    case 'PersistentVolume':
      obj.status = { phase: 'Pending' };
      return;
    case 'Job':
      obj.status = {};
      generateJobSelector(obj);
      return;
    case 'Node':
      return; // nodes register with their status
    case 'CertificateSigningRequest':
      prepareCsrForCreate(obj);
      return;
  }
  if (hasStatusSubresource(kind)) obj.status = {};
}

/** Patch allocated Service values the client omitted (clusterIP, nodePorts), as upstream does on update. */
function patchServiceAllocations(s: Obj, o: Obj): void {
  if (!s || !o) return;
  if (s.type !== 'ExternalName' && o.type !== 'ExternalName') {
    // Defaulting ran before the allocated IP was patched back in: take the old families too.
    const patched = !s.clusterIP && !!o.clusterIP;
    if (patched) s.clusterIP = o.clusterIP;
    if ((patched || !(s.clusterIPs ?? []).length) && (o.clusterIPs ?? []).length) s.clusterIPs = [...o.clusterIPs];
    if ((patched || s.ipFamilyPolicy == null) && o.ipFamilyPolicy) s.ipFamilyPolicy = o.ipFamilyPolicy;
    if ((patched || !(s.ipFamilies ?? []).length) && (o.ipFamilies ?? []).length) s.ipFamilies = [...o.ipFamilies];
  }
  const needsNodePort = (x: Obj) => x.type === 'NodePort' || x.type === 'LoadBalancer';
  if (needsNodePort(s) && needsNodePort(o)) {
    const used = new Set((s.ports ?? []).map((p: Obj) => p?.nodePort).filter(Boolean));
    const byName = new Map<string, number>((o.ports ?? []).map((p: Obj) => [p?.name ?? '', p?.nodePort]));
    for (const p of s.ports ?? []) {
      if (!p || p.nodePort) continue;
      const old = byName.get(p.name ?? '');
      if (old && !used.has(old)) p.nodePort = old;
    }
  }
  if (!s.healthCheckNodePort && o.healthCheckNodePort && s.externalTrafficPolicy === 'Local' && s.type === 'LoadBalancer')
    s.healthCheckNodePort = o.healthCheckNodePort;
}

/** Main-resource update: keep status from old, bump generation when the spec changed. */
export function prepareForUpdate(kind: string, newObj: Obj, oldObj: Obj): void {
  newObj.metadata ??= {};
  if (hasStatusSubresource(kind)) {
    if (oldObj.status === undefined) delete newObj.status;
    else newObj.status = structuredClone(oldObj.status);
  }
  if (GENERATION_KINDS.has(kind)) {
    const oldGen = oldObj.metadata?.generation ?? 1;
    newObj.metadata.generation = jsonEqual(generationSource(kind, newObj), generationSource(kind, oldObj)) ? oldGen : oldGen + 1;
  } else delete newObj.metadata.generation;
  switch (kind) {
    case 'Namespace':
      // spec.finalizers only change through the finalize subresource
      newObj.spec = { ...(newObj.spec ?? {}), finalizers: [...(oldObj.spec?.finalizers ?? [])] };
      if (!oldObj.spec?.finalizers) delete newObj.spec.finalizers;
      break;
    case 'Service':
      patchServiceAllocations(newObj.spec, oldObj.spec);
      break;
    case 'Job': {
      // The generated selector and labels survive a client that omitted them.
      const s = newObj.spec ?? {};
      if (s.selector == null && oldObj.spec?.selector) s.selector = structuredClone(oldObj.spec.selector);
      break;
    }
    case 'CertificateSigningRequest':
      prepareCsrForUpdate(newObj, oldObj);
      break;
  }
}

/** Status update: everything but status comes from the old object. */
export function prepareForStatusUpdate(kind: string, newObj: Obj, oldObj: Obj): void {
  const status = newObj.status;
  const rv = newObj.metadata?.resourceVersion;
  const managedFields = newObj.metadata?.managedFields;
  for (const k of Object.keys(newObj)) delete newObj[k];
  Object.assign(newObj, structuredClone(oldObj));
  if (status === undefined) delete newObj.status;
  else newObj.status = status;
  if (rv !== undefined) newObj.metadata.resourceVersion = rv;
  if (managedFields !== undefined) newObj.metadata.managedFields = managedFields;
  if (kind === 'Pod' && newObj.status && !newObj.status.qosClass && oldObj.status?.qosClass) newObj.status.qosClass = oldObj.status.qosClass;
  if (kind === 'CertificateSigningRequest') prepareCsrForStatusUpdate(newObj, oldObj, new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'));
}

/** certificatesigningrequests/approval: only the approval conditions change (upstream's csrApprovalStrategy). */
export function prepareForApprovalUpdate(kind: string, newObj: Obj, oldObj: Obj): void {
  if (kind === 'CertificateSigningRequest') prepareCsrForApprovalUpdate(newObj, oldObj, new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'));
}

type Validator = (o: Obj) => FieldError[];
type UpdateValidator = (o: Obj, old: Obj) => FieldError[];

const VALIDATORS: Record<string, Validator> = {
  Pod: validatePod,
  PodTemplate: wl.validatePodTemplateObject,
  ReplicationController: wl.validateReplicationController,
  Deployment: wl.validateDeployment,
  ReplicaSet: wl.validateReplicaSet,
  DaemonSet: wl.validateDaemonSet,
  StatefulSet: wl.validateStatefulSet,
  ControllerRevision: wl.validateControllerRevision,
  Job: wl.validateJob,
  CronJob: wl.validateCronJob,
  Service: svc.validateService,
  Endpoints: svc.validateEndpoints,
  EndpointSlice: svc.validateEndpointSlice,
  ConfigMap: cfg.validateConfigMap,
  Secret: cfg.validateSecret,
  Ingress: net.validateIngress,
  IngressClass: net.validateIngressClass,
  NetworkPolicy: net.validateNetworkPolicy,
  PersistentVolumeClaim: sto.validatePVC,
  PersistentVolume: sto.validatePV,
  StorageClass: sto.validateStorageClass,
  Role: rbac.validateRole,
  ClusterRole: rbac.validateClusterRole,
  RoleBinding: rbac.validateRoleBinding,
  ClusterRoleBinding: rbac.validateClusterRoleBinding,
  Namespace: cl.validateNamespace,
  Node: cl.validateNode,
  ServiceAccount: cl.validateServiceAccount,
  Event: cl.validateEvent,
  Lease: cl.validateLease,
  PriorityClass: cl.validatePriorityClass,
  LimitRange: cl.validateLimitRange,
  ResourceQuota: cl.validateResourceQuota,
  PodDisruptionBudget: cl.validatePDB,
  HorizontalPodAutoscaler: cl.validateHPA,
  ComponentStatus: cl.validateComponentStatus,
  CertificateSigningRequest: certs.validateCertificateSigningRequest,
};

const UPDATE_VALIDATORS: Record<string, UpdateValidator> = {
  Pod: validatePodUpdate,
  Deployment: wl.validateDeploymentUpdate,
  ReplicaSet: wl.validateReplicaSetUpdate,
  DaemonSet: wl.validateDaemonSetUpdate,
  StatefulSet: wl.validateStatefulSetUpdate,
  ControllerRevision: wl.validateControllerRevisionUpdate,
  Job: wl.validateJobUpdate,
  CronJob: wl.validateCronJobUpdate,
  Service: svc.validateServiceUpdate,
  EndpointSlice: svc.validateEndpointSliceUpdate,
  ConfigMap: cfg.validateConfigMapUpdate,
  Secret: cfg.validateSecretUpdate,
  Ingress: net.validateIngressUpdate,
  IngressClass: net.validateIngressClassUpdate,
  NetworkPolicy: net.validateNetworkPolicyUpdate,
  PersistentVolumeClaim: sto.validatePVCUpdate,
  PersistentVolume: sto.validatePVUpdate,
  StorageClass: sto.validateStorageClassUpdate,
  Role: rbac.validateRoleUpdate,
  ClusterRole: rbac.validateClusterRoleUpdate,
  RoleBinding: rbac.validateRoleBindingUpdate,
  ClusterRoleBinding: rbac.validateClusterRoleBindingUpdate,
  Namespace: cl.validateNamespaceUpdate,
  Node: cl.validateNodeUpdate,
  Lease: cl.validateLeaseUpdate,
  PriorityClass: cl.validatePriorityClassUpdate,
  PodDisruptionBudget: cl.validatePDBUpdate,
  HorizontalPodAutoscaler: cl.validateHPAUpdate,
  CertificateSigningRequest: certs.validateCertificateSigningRequestUpdate,
};

/** Field errors for a new object of `kind` (empty = valid). Unknown kinds get metadata validation. */
export function validate(kind: string, obj: Obj): FieldError[] {
  const v = VALIDATORS[kind];
  return v ? v(obj ?? {}) : validateObjectMeta(obj?.metadata, isNamespaced(kind), nameIsDNSSubdomain);
}

/** Field errors for an update of `old` to `obj` (immutable fields included). */
export function validateUpdate(kind: string, obj: Obj, old: Obj): FieldError[] {
  const v = UPDATE_VALIDATORS[kind];
  if (v) return v(obj ?? {}, old ?? {});
  // Re-validate everything except the (immutable) identity, then the identity rules.
  return [
    ...validateObjectMetaUpdate(obj?.metadata, old?.metadata),
    ...validate(kind, obj).filter((e) => !e.field.startsWith('metadata.')),
  ];
}

// Validation for cluster and policy kinds: Namespace, Node, ServiceAccount, Event, Lease,
// PriorityClass, LimitRange, ResourceQuota, PodDisruptionBudget, HorizontalPodAutoscaler.
/* eslint-disable @typescript-eslint/no-explicit-any */
import { type FieldError, forbiddenField, invalidValue, notSupported, required } from '../errors.js';
import { validateLabelSelector } from '../labels.js';
import { isQualifiedName, isValidLabelValue, nameIsDNSLabel, nameIsDNSSubdomain, nameIsPathSegment } from '../names.js';
import { validateObjectMeta, validateObjectMetaUpdate } from '../objectmeta.js';
import { compareQuantity, formatQuantity, parseQuantity, validateQuantity } from '../quantity.js';
import { validateNotMoreThan100Percent, validatePositiveIntOrPercent } from '../intstr.js';
import { invalidEach, invalidRendered, isCIDR, jsonEqual, nonNegative } from './field.js';

const notMeta = (e: FieldError) => !e.field.startsWith('metadata.');

// ---- Namespace ----
function validateNamespaceFinalizers(fins: string[] | undefined): FieldError[] {
  const errs: FieldError[] = [];
  for (const f of fins ?? []) {
    const msgs = isQualifiedName(f);
    if (msgs.length) errs.push(...invalidEach('spec.finalizers', f, msgs));
    else if (!f.includes('/') && f !== 'kubernetes')
      errs.push(invalidValue('spec.finalizers', f, 'name is neither a standard finalizer name nor is it fully qualified'));
  }
  return errs;
}

export function validateNamespace(ns: any): FieldError[] {
  return [...validateObjectMeta(ns.metadata, false, nameIsDNSLabel), ...validateNamespaceFinalizers(ns.spec?.finalizers)];
}

export function validateNamespaceUpdate(ns: any, old: any): FieldError[] {
  return [...validateObjectMetaUpdate(ns.metadata, old.metadata), ...validateNamespaceFinalizers(ns.spec?.finalizers)];
}

// ---- Node ----
const TAINT_EFFECTS = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'];

function validateNodeSpec(s: any): FieldError[] {
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  (s.taints ?? []).forEach((t: any, i: number) => {
    const p = `spec.taints[${i}]`;
    if (!t?.key) errs.push(required(`${p}.key`));
    else errs.push(...invalidEach(`${p}.key`, t.key, isQualifiedName(t.key)));
    if (t?.value) errs.push(...invalidEach(`${p}.value`, t.value, isValidLabelValue(t.value)));
    if (!t?.effect) errs.push(required(`${p}.effect`));
    else if (!TAINT_EFFECTS.includes(t.effect)) errs.push(notSupported(`${p}.effect`, t.effect, TAINT_EFFECTS));
    const k = `${t?.key}:${t?.effect}`;
    if (seen.has(k)) errs.push({ type: 'FieldValueDuplicate', field: p, detail: `Duplicate value: ${JSON.stringify({ key: t.key, effect: t.effect })}` });
    seen.add(k);
  });
  (s.podCIDRs ?? (s.podCIDR ? [s.podCIDR] : [])).forEach((c: string, i: number) => {
    if (!isCIDR(c)) errs.push(invalidValue(`spec.podCIDRs[${i}]`, c, 'must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)'));
  });
  return errs;
}

export function validateNode(node: any): FieldError[] {
  return [...validateObjectMeta(node.metadata, false, nameIsDNSSubdomain), ...validateNodeSpec(node.spec ?? {})];
}

export function validateNodeUpdate(node: any, old: any): FieldError[] {
  const errs = [...validateObjectMetaUpdate(node.metadata, old.metadata), ...validateNodeSpec(node.spec ?? {})];
  const oldCIDRs = old.spec?.podCIDRs ?? [];
  if (oldCIDRs.length && !jsonEqual(node.spec?.podCIDRs ?? [], oldCIDRs))
    errs.push(forbiddenField('spec.podCIDRs', 'node updates may not change podCIDR except from "" to valid'));
  if (old.spec?.providerID && node.spec?.providerID !== old.spec.providerID)
    errs.push(forbiddenField('spec.providerID', 'node updates may not change providerID except from "" to valid'));
  return errs;
}

// ---- ServiceAccount / Event / Lease ----
export function validateServiceAccount(sa: any): FieldError[] {
  return validateObjectMeta(sa.metadata, true, nameIsDNSSubdomain);
}

export function validateEvent(ev: any): FieldError[] {
  const errs = validateObjectMeta(ev.metadata, true, nameIsDNSSubdomain);
  const ns = ev.metadata?.namespace ?? '';
  if (typeof ev.apiVersion === 'string' && ev.apiVersion.startsWith('events.k8s.io/')) {
    const rns = ev.regarding?.namespace ?? '';
    if (rns && rns !== ns) errs.push(invalidValue('regarding.namespace', rns, 'does not match event.namespace'));
    if (!ev.eventTime) errs.push(required('eventTime'));
    if (!ev.reportingController) errs.push(required('reportingController'));
    if (!ev.reportingInstance) errs.push(required('reportingInstance'));
    if (!ev.action) errs.push(required('action'));
    if (!ev.reason) errs.push(required('reason'));
    if (ev.type !== 'Normal' && ev.type !== 'Warning') errs.push(notSupported('type', ev.type ?? '', ['Normal', 'Warning']));
    return errs;
  }
  const ins = ev.involvedObject?.namespace ?? '';
  if (!ins) {
    if (ns && ns !== 'default') errs.push(invalidValue('involvedObject.namespace', ins, 'does not match event.namespace'));
  } else if (ns !== ins) errs.push(invalidValue('involvedObject.namespace', ins, 'does not match event.namespace'));
  return errs;
}

function validateLeaseSpec(s: any): FieldError[] {
  const errs: FieldError[] = [];
  if (s.leaseDurationSeconds != null && s.leaseDurationSeconds <= 0)
    errs.push(invalidValue('spec.leaseDurationSeconds', s.leaseDurationSeconds, 'must be greater than 0'));
  errs.push(...nonNegative('spec.leaseTransitions', s.leaseTransitions));
  return errs;
}

export function validateLease(lease: any): FieldError[] {
  return [...validateObjectMeta(lease.metadata, true, nameIsDNSSubdomain), ...validateLeaseSpec(lease.spec ?? {})];
}

export function validateLeaseUpdate(lease: any, old: any): FieldError[] {
  return [...validateObjectMetaUpdate(lease.metadata, old.metadata), ...validateLeaseSpec(lease.spec ?? {})];
}

// ---- PriorityClass ----
const SYSTEM_PRIORITY_CLASSES = ['system-node-critical', 'system-cluster-critical'];
export const HIGHEST_USER_PRIORITY = 1_000_000_000;

export function validatePriorityClass(pc: any): FieldError[] {
  const errs = validateObjectMeta(pc.metadata, false, nameIsDNSSubdomain);
  const name: string = pc.metadata?.name ?? '';
  if (SYSTEM_PRIORITY_CLASSES.includes(name)) {
    // built-in classes carry their fixed values
  } else {
    if (name.startsWith('system-')) errs.push(invalidValue('metadata.name', name, "priority class names with 'system-' prefix are reserved"));
    if (typeof pc.value === 'number' && pc.value > HIGHEST_USER_PRIORITY)
      errs.push(forbiddenField('value', `maximum allowed value of a user defined priority is ${HIGHEST_USER_PRIORITY}`));
  }
  if (pc.preemptionPolicy != null && !['Never', 'PreemptLowerPriority'].includes(pc.preemptionPolicy))
    errs.push(notSupported('preemptionPolicy', pc.preemptionPolicy, ['Never', 'PreemptLowerPriority']));
  return errs;
}

export function validatePriorityClassUpdate(pc: any, old: any): FieldError[] {
  const errs = [...validateObjectMetaUpdate(pc.metadata, old.metadata), ...validatePriorityClass(pc).filter(notMeta)];
  if (pc.value !== old.value) errs.push(forbiddenField('value', 'may not be changed in an update.'));
  if ((pc.preemptionPolicy ?? null) !== (old.preemptionPolicy ?? null)) errs.push(invalidValue('preemptionPolicy', pc.preemptionPolicy ?? null, 'field is immutable'));
  return errs;
}

// ---- LimitRange / ResourceQuota ----
const LIMIT_TYPES = ['Container', 'PersistentVolumeClaim', 'Pod'];

function quantityMap(m: Record<string, unknown> | undefined, path: string): FieldError[] {
  const errs: FieldError[] = [];
  for (const [k, v] of Object.entries(m ?? {})) {
    const p = `${path}[${k}]`;
    if (!k.includes('/') || k.includes('kubernetes.io/')) {
      /* standard name */
    } else errs.push(...invalidEach(p, k, isQualifiedName(k)));
    const q = validateQuantity(p, v);
    if (q.length) errs.push(...q);
    else if (parseQuantity(v as string).nanos < 0n) errs.push(invalidValue(p, String(v), 'must be greater than or equal to 0'));
  }
  return errs;
}

export function validateLimitRange(lr: any): FieldError[] {
  const errs = validateObjectMeta(lr.metadata, true, nameIsDNSSubdomain);
  (lr.spec?.limits ?? []).forEach((item: any, i: number) => {
    const p = `spec.limits[${i}]`;
    if (!LIMIT_TYPES.includes(item?.type)) errs.push(notSupported(`${p}.type`, item?.type ?? '', LIMIT_TYPES));
    for (const f of ['max', 'min', 'default', 'defaultRequest', 'maxLimitRequestRatio']) errs.push(...quantityMap(item?.[f], `${p}.${f}`));
    if (errs.length) return;
    const max = item?.max ?? {};
    const min = item?.min ?? {};
    const def = item?.default ?? {};
    for (const [k, mn] of Object.entries(min)) {
      if (max[k] !== undefined && compareQuantity(mn as string, max[k]) > 0)
        errs.push(invalidValue(`${p}.min[${k}]`, formatQuantity(mn as string), `min value ${formatQuantity(mn as string)} is greater than max value ${formatQuantity(max[k])}`));
      if (def[k] !== undefined && compareQuantity(mn as string, def[k]) > 0)
        errs.push(invalidValue(`${p}.default[${k}]`, formatQuantity(def[k]), `min value ${formatQuantity(mn as string)} is greater than default value ${formatQuantity(def[k])}`));
    }
    for (const [k, d] of Object.entries(def)) {
      if (max[k] !== undefined && compareQuantity(d as string, max[k]) > 0)
        errs.push(invalidValue(`${p}.default[${k}]`, formatQuantity(d as string), `default value ${formatQuantity(d as string)} is greater than max value ${formatQuantity(max[k])}`));
    }
  });
  return errs;
}

const QUOTA_SCOPES = ['BestEffort', 'CrossNamespacePodAffinity', 'NotBestEffort', 'NotTerminating', 'PriorityClass', 'Terminating'];

export function validateResourceQuota(rq: any): FieldError[] {
  const errs = [...validateObjectMeta(rq.metadata, true, nameIsDNSSubdomain), ...quantityMap(rq.spec?.hard, 'spec.hard')];
  (rq.spec?.scopes ?? []).forEach((s: string, i: number) => {
    if (!QUOTA_SCOPES.includes(s)) errs.push(notSupported(`spec.scopes[${i}]`, s, QUOTA_SCOPES));
  });
  return errs;
}

// ---- PodDisruptionBudget ----
function validatePDBSpec(s: any): FieldError[] {
  const errs: FieldError[] = [];
  if (s.minAvailable != null && s.maxUnavailable != null)
    errs.push(invalidRendered('spec', 'policy.PodDisruptionBudgetSpec{...}', 'minAvailable and maxUnavailable cannot be both set'));
  for (const f of ['minAvailable', 'maxUnavailable']) {
    if (s[f] == null) continue;
    errs.push(...validatePositiveIntOrPercent(s[f], `spec.${f}`));
    errs.push(...validateNotMoreThan100Percent(s[f], `spec.${f}`));
  }
  if (s.selector) errs.push(...validateLabelSelector(s.selector, 'spec.selector'));
  if (s.unhealthyPodEvictionPolicy != null && !['AlwaysAllow', 'IfHealthyBudget'].includes(s.unhealthyPodEvictionPolicy))
    errs.push(notSupported('spec.unhealthyPodEvictionPolicy', s.unhealthyPodEvictionPolicy, ['AlwaysAllow', 'IfHealthyBudget']));
  return errs;
}

export function validatePDB(pdb: any): FieldError[] {
  return [...validateObjectMeta(pdb.metadata, true, nameIsDNSSubdomain), ...validatePDBSpec(pdb.spec ?? {})];
}

export function validatePDBUpdate(pdb: any, old: any): FieldError[] {
  return [...validateObjectMetaUpdate(pdb.metadata, old.metadata), ...validatePDBSpec(pdb.spec ?? {})];
}

// ---- HorizontalPodAutoscaler (stored as autoscaling/v2) ----
const METRIC_TYPES = ['ContainerResource', 'External', 'Object', 'Pods', 'Resource'];
const TARGET_TYPES = ['AverageValue', 'Utilization', 'Value'];

function validateMetricTarget(t: any, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!t?.type) errs.push(required(`${path}.type`, 'must specify a metric target type'));
  else if (!TARGET_TYPES.includes(t.type)) errs.push(notSupported(`${path}.type`, t.type, TARGET_TYPES));
  if (t?.averageUtilization != null && t.averageUtilization <= 0)
    errs.push(invalidValue(`${path}.averageUtilization`, t.averageUtilization, 'must be greater than 0'));
  for (const f of ['value', 'averageValue']) if (t?.[f] != null) errs.push(...validateQuantity(`${path}.${f}`, t[f]));
  if (t?.type === 'Utilization' && t.averageUtilization == null) errs.push(required(`${path}.averageUtilization`, 'must set either a target raw value or a target utilization'));
  return errs;
}

function validateHPASpec(s: any): FieldError[] {
  const errs: FieldError[] = [];
  if (s.minReplicas != null && s.minReplicas < 1) errs.push(invalidValue('spec.minReplicas', s.minReplicas, 'must be greater than or equal to 1'));
  if (!(s.maxReplicas >= 1)) errs.push(invalidValue('spec.maxReplicas', s.maxReplicas ?? 0, 'must be greater than 0'));
  else if (s.minReplicas != null && s.maxReplicas < s.minReplicas)
    errs.push(invalidValue('spec.maxReplicas', s.maxReplicas, 'must be greater than or equal to `minReplicas`'));
  const ref = s.scaleTargetRef ?? {};
  if (!ref.kind) errs.push(required('spec.scaleTargetRef.kind'));
  else errs.push(...invalidEach('spec.scaleTargetRef.kind', ref.kind, nameIsPathSegment(ref.kind, false)));
  if (!ref.name) errs.push(required('spec.scaleTargetRef.name'));
  else errs.push(...invalidEach('spec.scaleTargetRef.name', ref.name, nameIsPathSegment(ref.name, false)));
  (s.metrics ?? []).forEach((m: any, i: number) => {
    const p = `spec.metrics[${i}]`;
    if (!m?.type) return errs.push(required(`${p}.type`, 'must specify a metric source type'));
    if (!METRIC_TYPES.includes(m.type)) return errs.push(notSupported(`${p}.type`, m.type, METRIC_TYPES));
    const key = m.type.charAt(0).toLowerCase() + m.type.slice(1);
    const src = m[key];
    if (!src) return errs.push(required(`${p}.${key}`, `must populate information for the given metric source`));
    if ((m.type === 'Resource' || m.type === 'ContainerResource') && !src.name) errs.push(required(`${p}.${key}.name`, 'must specify a resource name'));
    if (m.type === 'ContainerResource' && !src.container) errs.push(required(`${p}.${key}.container`, 'must specify a container'));
    if ((m.type === 'Pods' || m.type === 'Object' || m.type === 'External') && !src.metric?.name) errs.push(required(`${p}.${key}.metric.name`, 'must specify a metric name'));
    errs.push(...validateMetricTarget(src.target, `${p}.${key}.target`));
    return undefined;
  });
  for (const dir of ['scaleUp', 'scaleDown']) {
    const r = s.behavior?.[dir];
    if (!r) continue;
    const p = `spec.behavior.${dir}`;
    if (r.stabilizationWindowSeconds != null && (r.stabilizationWindowSeconds < 0 || r.stabilizationWindowSeconds > 3600))
      errs.push(invalidValue(`${p}.stabilizationWindowSeconds`, r.stabilizationWindowSeconds, 'must be less than or equal to 3600'));
    if (r.selectPolicy != null && !['Disabled', 'Max', 'Min'].includes(r.selectPolicy)) errs.push(notSupported(`${p}.selectPolicy`, r.selectPolicy, ['Disabled', 'Max', 'Min']));
    (r.policies ?? []).forEach((pol: any, j: number) => {
      const pp = `${p}.policies[${j}]`;
      if (!['Percent', 'Pods'].includes(pol?.type)) errs.push(notSupported(`${pp}.type`, pol?.type ?? '', ['Percent', 'Pods']));
      if (!(pol?.value > 0)) errs.push(invalidValue(`${pp}.value`, pol?.value ?? 0, 'must be greater than zero'));
      if (!(pol?.periodSeconds > 0) || pol.periodSeconds > 1800) errs.push(invalidValue(`${pp}.periodSeconds`, pol?.periodSeconds ?? 0, 'must be greater than zero and less than or equal to 1800'));
    });
  }
  return errs;
}

export function validateHPA(hpa: any): FieldError[] {
  return [...validateObjectMeta(hpa.metadata, true, nameIsDNSSubdomain), ...validateHPASpec(hpa.spec ?? {})];
}

export function validateHPAUpdate(hpa: any, old: any): FieldError[] {
  return [...validateObjectMetaUpdate(hpa.metadata, old.metadata), ...validateHPASpec(hpa.spec ?? {})];
}

export function validateComponentStatus(cs: any): FieldError[] {
  return validateObjectMeta(cs.metadata, false, nameIsDNSSubdomain);
}


// Defaults for cluster-level and configuration kinds: Namespace, Node, Secret, LimitRange,
// PriorityClass, RBAC bindings, HorizontalPodAutoscaler (upstream SetDefaults_*).
/* eslint-disable @typescript-eslint/no-explicit-any */

export const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';

export function defaultNamespace(ns: any): void {
  ns.metadata ??= {};
  // The immutable name label lets selectors pick namespaces by name (upstream since 1.21).
  if (ns.metadata.name) ns.metadata.labels = { ...(ns.metadata.labels ?? {}), [NAMESPACE_NAME_LABEL]: ns.metadata.name };
  ns.status ??= {};
  ns.status.phase ||= 'Active';
}

export function defaultNode(node: any): void {
  const st = node.status;
  if (st?.capacity && !st.allocatable) st.allocatable = { ...st.capacity };
}

export function defaultSecret(secret: any): void {
  secret.type ||= 'Opaque';
}

export function defaultLimitRange(lr: any): void {
  for (const item of lr.spec?.limits ?? []) {
    if (item?.type !== 'Container') continue;
    item.default ??= {};
    item.defaultRequest ??= {};
    for (const [k, v] of Object.entries(item.max ?? {})) item.default[k] ??= v;
    for (const [k, v] of Object.entries(item.default)) item.defaultRequest[k] ??= v;
    for (const [k, v] of Object.entries(item.min ?? {})) item.defaultRequest[k] ??= v;
  }
}

export function defaultPriorityClass(pc: any): void {
  pc.preemptionPolicy ||= 'PreemptLowerPriority';
}

const RBAC_GROUP = 'rbac.authorization.k8s.io';

export function defaultRoleBinding(rb: any): void {
  if (rb.roleRef && !rb.roleRef.apiGroup) rb.roleRef.apiGroup = RBAC_GROUP;
  for (const s of rb.subjects ?? []) {
    if (!s || s.apiGroup) continue;
    if (s.kind === 'User' || s.kind === 'Group') s.apiGroup = RBAC_GROUP;
    else if (s.kind === 'ServiceAccount') s.apiGroup = '';
  }
}

export function defaultHPA(hpa: any): void {
  const s = (hpa.spec ??= {});
  s.minReplicas ??= 1;
  if (s.metrics == null)
    s.metrics = [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } }];
  if (s.behavior) {
    s.behavior.scaleUp = scaleRules(s.behavior.scaleUp, 0, [
      { type: 'Pods', value: 4, periodSeconds: 15 },
      { type: 'Percent', value: 100, periodSeconds: 15 },
    ]);
    s.behavior.scaleDown = scaleRules(s.behavior.scaleDown, 300, [{ type: 'Percent', value: 100, periodSeconds: 15 }]);
  }
}

function scaleRules(r: any, window: number, policies: any[]): any {
  const out = { ...(r ?? {}) };
  out.stabilizationWindowSeconds ??= window;
  out.selectPolicy ||= 'Max';
  if (!out.policies || out.policies.length === 0) out.policies = policies;
  return out;
}

// The resource registry: every kind Skiff serves, with the names kubectl resolves
// (plural, singular, short names, categories) as upstream publishes them in discovery.

export type Verb = 'get' | 'list' | 'watch' | 'create' | 'update' | 'patch' | 'delete' | 'deletecollection';

export interface ResourceType {
  group: string; // '' for core
  /** The version objects are stored and served in. Older served versions are in `servedVersions`. */
  version: string;
  kind: string;
  plural: string;
  singular: string;
  shortNames: string[];
  namespaced: boolean;
  categories: string[];
  verbs: Verb[];
  /** Subresource names, e.g. 'status', 'scale', 'binding'. */
  subresources: string[];
  /** Extra versions accepted on the wire and converted to/from `version` (legacy forms). */
  servedVersions?: { version: string; deprecated?: boolean; warning?: string }[];
}

const ALL: Verb[] = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];
const NO_COLLECTION: Verb[] = ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'];

function r(
  group: string,
  version: string,
  kind: string,
  plural: string,
  namespaced: boolean,
  extra: Partial<Omit<ResourceType, 'group' | 'version' | 'kind' | 'plural' | 'namespaced'>> = {},
): ResourceType {
  return {
    group,
    version,
    kind,
    plural,
    singular: kind.toLowerCase(),
    shortNames: [],
    namespaced,
    categories: [],
    verbs: ALL,
    subresources: [],
    ...extra,
  };
}

const allCat = ['all'];

export const RESOURCES: ResourceType[] = [
  // core/v1
  r('', 'v1', 'Pod', 'pods', true, {
    shortNames: ['po'],
    categories: allCat,
    subresources: ['status', 'binding', 'eviction', 'log', 'exec', 'attach', 'portforward', 'proxy', 'ephemeralcontainers'],
  }),
  r('', 'v1', 'Service', 'services', true, { shortNames: ['svc'], categories: allCat, subresources: ['status', 'proxy'], verbs: NO_COLLECTION.concat('deletecollection') }),
  r('', 'v1', 'Endpoints', 'endpoints', true, { shortNames: ['ep'], singular: 'endpoints' }),
  r('', 'v1', 'ConfigMap', 'configmaps', true, { shortNames: ['cm'] }),
  r('', 'v1', 'Secret', 'secrets', true),
  r('', 'v1', 'Namespace', 'namespaces', false, { shortNames: ['ns'], subresources: ['status', 'finalize'], verbs: NO_COLLECTION }),
  r('', 'v1', 'Node', 'nodes', false, { shortNames: ['no'], subresources: ['status', 'proxy'] }),
  r('', 'v1', 'Event', 'events', true, { shortNames: ['ev'] }),
  r('', 'v1', 'ServiceAccount', 'serviceaccounts', true, { shortNames: ['sa'], subresources: ['token'] }),
  r('', 'v1', 'PersistentVolume', 'persistentvolumes', false, { shortNames: ['pv'], subresources: ['status'] }),
  r('', 'v1', 'PersistentVolumeClaim', 'persistentvolumeclaims', true, { shortNames: ['pvc'], subresources: ['status'] }),
  r('', 'v1', 'LimitRange', 'limitranges', true, { shortNames: ['limits'] }),
  r('', 'v1', 'ResourceQuota', 'resourcequotas', true, { shortNames: ['quota'], subresources: ['status'] }),
  r('', 'v1', 'ReplicationController', 'replicationcontrollers', true, { shortNames: ['rc'], categories: allCat, subresources: ['status', 'scale'] }),
  r('', 'v1', 'PodTemplate', 'podtemplates', true),
  r('', 'v1', 'ComponentStatus', 'componentstatuses', false, { shortNames: ['cs'], verbs: ['get', 'list'] }),
  // apps/v1
  r('apps', 'v1', 'Deployment', 'deployments', true, { shortNames: ['deploy'], categories: allCat, subresources: ['status', 'scale'] }),
  r('apps', 'v1', 'ReplicaSet', 'replicasets', true, { shortNames: ['rs'], categories: allCat, subresources: ['status', 'scale'] }),
  r('apps', 'v1', 'DaemonSet', 'daemonsets', true, { shortNames: ['ds'], categories: allCat, subresources: ['status'] }),
  r('apps', 'v1', 'StatefulSet', 'statefulsets', true, { shortNames: ['sts'], categories: allCat, subresources: ['status', 'scale'] }),
  r('apps', 'v1', 'ControllerRevision', 'controllerrevisions', true),
  // batch/v1
  r('batch', 'v1', 'Job', 'jobs', true, { categories: allCat, subresources: ['status'] }),
  r('batch', 'v1', 'CronJob', 'cronjobs', true, {
    shortNames: ['cj'],
    categories: allCat,
    subresources: ['status'],
    servedVersions: [{ version: 'v1beta1', deprecated: true, warning: 'batch/v1beta1 CronJob is deprecated in v1.21+, unavailable in v1.25+; use batch/v1 CronJob' }],
  }),
  // autoscaling
  r('autoscaling', 'v2', 'HorizontalPodAutoscaler', 'horizontalpodautoscalers', true, {
    shortNames: ['hpa'],
    categories: allCat,
    subresources: ['status'],
    servedVersions: [
      { version: 'v1' },
      { version: 'v2beta2', deprecated: true, warning: 'autoscaling/v2beta2 HorizontalPodAutoscaler is deprecated in v1.23+, unavailable in v1.26+; use autoscaling/v2 HorizontalPodAutoscaler' },
    ],
  }),
  // networking.k8s.io/v1
  r('networking.k8s.io', 'v1', 'Ingress', 'ingresses', true, {
    shortNames: ['ing'],
    subresources: ['status'],
    servedVersions: [
      { version: 'v1beta1', deprecated: true, warning: 'networking.k8s.io/v1beta1 Ingress is deprecated in v1.19+, unavailable in v1.22+; use networking.k8s.io/v1 Ingress' },
    ],
  }),
  r('networking.k8s.io', 'v1', 'IngressClass', 'ingressclasses', false),
  r('networking.k8s.io', 'v1', 'NetworkPolicy', 'networkpolicies', true, { shortNames: ['netpol'] }),
  // discovery.k8s.io/v1
  r('discovery.k8s.io', 'v1', 'EndpointSlice', 'endpointslices', true),
  // rbac
  r('rbac.authorization.k8s.io', 'v1', 'Role', 'roles', true),
  r('rbac.authorization.k8s.io', 'v1', 'ClusterRole', 'clusterroles', false),
  r('rbac.authorization.k8s.io', 'v1', 'RoleBinding', 'rolebindings', true),
  r('rbac.authorization.k8s.io', 'v1', 'ClusterRoleBinding', 'clusterrolebindings', false),
  // storage
  r('storage.k8s.io', 'v1', 'StorageClass', 'storageclasses', false, { shortNames: ['sc'] }),
  // coordination
  r('coordination.k8s.io', 'v1', 'Lease', 'leases', true),
  // policy
  r('policy', 'v1', 'PodDisruptionBudget', 'poddisruptionbudgets', true, { shortNames: ['pdb'], subresources: ['status'] }),
  // scheduling
  r('scheduling.k8s.io', 'v1', 'PriorityClass', 'priorityclasses', false, { shortNames: ['pc'] }),
  // events.k8s.io
  r('events.k8s.io', 'v1', 'Event', 'events', true, { shortNames: ['ev'] }),
  // certificates.k8s.io
  r('certificates.k8s.io', 'v1', 'CertificateSigningRequest', 'certificatesigningrequests', false, { shortNames: ['csr'], subresources: ['status', 'approval'] }),
];

/**
 * Legacy group/versions that only exist as aliases of a stored kind in another group
 * (extensions/v1beta1 Ingress is stored as networking.k8s.io/v1 Ingress).
 */
export const LEGACY_ALIASES: { group: string; version: string; kind: string; plural: string; target: ResourceType; warning: string }[] = [
  {
    group: 'extensions',
    version: 'v1beta1',
    kind: 'Ingress',
    plural: 'ingresses',
    target: RESOURCES.find((x) => x.group === 'networking.k8s.io' && x.kind === 'Ingress')!,
    warning: 'extensions/v1beta1 Ingress is deprecated in v1.14+, unavailable in v1.22+; use networking.k8s.io/v1 Ingress',
  },
];

export function groupVersion(group: string, version: string): string {
  return group ? `${group}/${version}` : version;
}

export function apiVersionOf(rt: ResourceType): string {
  return groupVersion(rt.group, rt.version);
}

/** Split "apps/v1" → {group:'apps', version:'v1'}; "v1" → {group:'', version:'v1'}. */
export function parseApiVersion(apiVersion: string): { group: string; version: string } {
  const i = apiVersion.indexOf('/');
  return i < 0 ? { group: '', version: apiVersion } : { group: apiVersion.slice(0, i), version: apiVersion.slice(i + 1) };
}

export interface ResolvedType {
  /** The stored type. */
  type: ResourceType;
  /** The version the client spoke (may be a legacy served version). */
  group: string;
  version: string;
  /** Deprecation warning to send, if any. */
  warning?: string;
}

const byGroupPlural = new Map<string, ResourceType>();
for (const t of RESOURCES) byGroupPlural.set(`${t.group}/${t.plural}`, t);

/** Find the type behind an API path's group/version/plural, including legacy served versions. */
export function resolveResource(group: string, version: string, plural: string): ResolvedType | undefined {
  const t = byGroupPlural.get(`${group}/${plural}`);
  if (t) {
    if (t.version === version) return { type: t, group, version };
    const sv = t.servedVersions?.find((s) => s.version === version);
    if (sv) return { type: t, group, version, warning: sv.warning };
  }
  const alias = LEGACY_ALIASES.find((a) => a.group === group && a.version === version && a.plural === plural);
  if (alias) return { type: alias.target, group, version, warning: alias.warning };
  return undefined;
}

/** Find the type for a manifest's apiVersion + kind. */
export function resolveKind(apiVersion: string, kind: string): ResolvedType | undefined {
  const { group, version } = parseApiVersion(apiVersion);
  const t = RESOURCES.find((x) => x.group === group && x.kind === kind);
  if (t) {
    if (t.version === version) return { type: t, group, version };
    const sv = t.servedVersions?.find((s) => s.version === version);
    if (sv) return { type: t, group, version, warning: sv.warning };
  }
  const alias = LEGACY_ALIASES.find((a) => a.group === group && a.version === version && a.kind === kind);
  if (alias) return { type: alias.target, group, version, warning: alias.warning };
  return undefined;
}

export function findByKind(group: string, kind: string): ResourceType | undefined {
  return RESOURCES.find((x) => x.group === group && x.kind === kind);
}

/** All group/versions served, in discovery order (core first). */
export function servedGroupVersions(): { group: string; versions: string[]; preferred: string }[] {
  const groups = new Map<string, Set<string>>();
  const preferred = new Map<string, string>();
  for (const t of RESOURCES) {
    if (!groups.has(t.group)) groups.set(t.group, new Set());
    groups.get(t.group)!.add(t.version);
    preferred.set(t.group, t.version);
    for (const sv of t.servedVersions ?? []) groups.get(t.group)!.add(sv.version);
  }
  for (const a of LEGACY_ALIASES) {
    if (!groups.has(a.group)) groups.set(a.group, new Set());
    groups.get(a.group)!.add(a.version);
    if (!preferred.has(a.group)) preferred.set(a.group, a.version);
  }
  return [...groups.entries()].map(([group, vs]) => ({ group, versions: [...vs], preferred: preferred.get(group)! }));
}

/** Resources served at one group/version (stored types and legacy served versions). */
export function resourcesIn(group: string, version: string): ResourceType[] {
  const out: ResourceType[] = [];
  for (const t of RESOURCES) {
    if (t.group !== group) continue;
    if (t.version === version || t.servedVersions?.some((s) => s.version === version)) out.push(t);
  }
  for (const a of LEGACY_ALIASES) {
    if (a.group === group && a.version === version) out.push({ ...a.target, group: a.group, version: a.version });
  }
  return out;
}

/** Storage key for an object: /registry/<group>/<plural>/<ns>/<name> (core group is "core"). */
export function storageKey(t: ResourceType, namespace: string | undefined, name: string): string {
  return `${storagePrefix(t, namespace)}${name}`;
}

/** Key prefix for listing: all namespaces when namespace is undefined. */
export function storagePrefix(t: ResourceType, namespace?: string): string {
  const g = t.group || 'core';
  if (!t.namespaced) return `/registry/${g}/${t.plural}/`;
  return namespace ? `/registry/${g}/${t.plural}/${namespace}/` : `/registry/${g}/${t.plural}/`;
}

/** Parse a storage key back into type/namespace/name. */
export function parseStorageKey(key: string): { type: ResourceType; namespace?: string; name: string } | undefined {
  const parts = key.split('/'); // ['', 'registry', group, plural, ns?, name]
  if (parts.length < 5 || parts[1] !== 'registry') return undefined;
  const group = parts[2] === 'core' ? '' : parts[2];
  const t = byGroupPlural.get(`${group}/${parts[3]}`);
  if (!t) return undefined;
  if (t.namespaced) return parts.length === 6 ? { type: t, namespace: parts[4], name: parts[5] } : undefined;
  return parts.length === 5 ? { type: t, name: parts[4] } : undefined;
}

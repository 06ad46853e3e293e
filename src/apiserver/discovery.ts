// Discovery documents: /api, /apis, /api/v1, /apis/<group>/<version>, and aggregated
// discovery (apidiscovery.k8s.io v2 and v2beta1), all derived from the resource registry.
import { servedGroupVersions, resourcesIn, groupVersion, type ResourceType } from '../api/registry.js';

export const KUBE_VERSION = { major: '1', minor: '32', patch: '0' };
export const SKIFF_VERSION = '0.1.0';

export function versionInfo(): object {
  return {
    major: KUBE_VERSION.major,
    minor: KUBE_VERSION.minor,
    gitVersion: `v${KUBE_VERSION.major}.${KUBE_VERSION.minor}.${KUBE_VERSION.patch}+skiff.${SKIFF_VERSION}`,
    gitCommit: 'skiff',
    gitTreeState: 'clean',
    buildDate: '2026-11-22T00:00:00Z',
    goVersion: `node${process.versions.node}`,
    compiler: 'skiff',
    platform: `${process.platform}/${process.arch === 'x64' ? 'amd64' : process.arch}`,
  };
}

interface SubresourceDesc {
  kind: string;
  group?: string;
  version?: string;
  verbs: string[];
}

const SUBRESOURCES: Record<string, SubresourceDesc> = {
  status: { kind: '', verbs: ['get', 'patch', 'update'] },
  scale: { kind: 'Scale', group: 'autoscaling', version: 'v1', verbs: ['get', 'patch', 'update'] },
  binding: { kind: 'Binding', verbs: ['create'] },
  eviction: { kind: 'Eviction', group: 'policy', version: 'v1', verbs: ['create'] },
  log: { kind: 'Pod', verbs: ['get'] },
  exec: { kind: 'PodExecOptions', verbs: ['create', 'get'] },
  attach: { kind: 'PodAttachOptions', verbs: ['create', 'get'] },
  portforward: { kind: 'PodPortForwardOptions', verbs: ['create', 'get'] },
  proxy: { kind: '', verbs: ['create', 'delete', 'get', 'patch', 'update'] },
  ephemeralcontainers: { kind: 'Pod', verbs: ['get', 'patch', 'update'] },
  finalize: { kind: 'Namespace', verbs: ['update'] },
  token: { kind: 'TokenRequest', group: 'authentication.k8s.io', version: 'v1', verbs: ['create'] },
};

function subKind(rt: ResourceType, sub: string): string {
  const d = SUBRESOURCES[sub];
  if (!d || d.kind === '') return sub === 'proxy' ? `${rt.kind}ProxyOptions` : rt.kind;
  return d.kind;
}

export function apiVersions(serverAddress: string): object {
  return {
    kind: 'APIVersions',
    versions: ['v1'],
    serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }],
  };
}

function namedGroups() {
  return servedGroupVersions().filter((g) => g.group !== '');
}

function orderedVersions(g: { versions: string[]; preferred: string }): string[] {
  return [g.preferred, ...g.versions.filter((v) => v !== g.preferred)];
}

export function apiGroupList(): object {
  return {
    kind: 'APIGroupList',
    apiVersion: 'v1',
    groups: namedGroups().map((g) => ({
      name: g.group,
      versions: orderedVersions(g).map((v) => ({ groupVersion: `${g.group}/${v}`, version: v })),
      preferredVersion: { groupVersion: `${g.group}/${g.preferred}`, version: g.preferred },
    })),
  };
}

export function apiGroup(group: string): object | undefined {
  const g = namedGroups().find((x) => x.group === group);
  if (!g) return undefined;
  return {
    kind: 'APIGroup',
    apiVersion: 'v1',
    name: g.group,
    versions: orderedVersions(g).map((v) => ({ groupVersion: `${g.group}/${v}`, version: v })),
    preferredVersion: { groupVersion: `${g.group}/${g.preferred}`, version: g.preferred },
  };
}

export function apiResourceList(group: string, version: string): object | undefined {
  const types = resourcesIn(group, version);
  if (types.length === 0) return undefined;
  const resources: object[] = [];
  for (const rt of types) {
    const r: Record<string, unknown> = {
      name: rt.plural,
      singularName: rt.singular,
      namespaced: rt.namespaced,
      kind: rt.kind,
      verbs: rt.verbs,
    };
    if (rt.shortNames.length) r.shortNames = rt.shortNames;
    if (rt.categories.length) r.categories = rt.categories;
    resources.push(r);
    for (const sub of rt.subresources) {
      const d = SUBRESOURCES[sub];
      const s: Record<string, unknown> = { name: `${rt.plural}/${sub}`, singularName: '', namespaced: rt.namespaced, kind: subKind(rt, sub), verbs: d?.verbs ?? ['get'] };
      if (d?.group !== undefined) {
        s.group = d.group;
        s.version = d.version;
      }
      resources.push(s);
    }
  }
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: groupVersion(group, version), resources };
}

/** Aggregated discovery: core (`/api`) or every named group (`/apis`). */
export function aggregatedDiscovery(core: boolean, apiVersion: 'apidiscovery.k8s.io/v2' | 'apidiscovery.k8s.io/v2beta1'): object {
  const groups = servedGroupVersions().filter((g) => (core ? g.group === '' : g.group !== ''));
  return {
    kind: 'APIGroupDiscoveryList',
    apiVersion,
    metadata: {},
    items: groups.map((g) => ({
      metadata: { name: g.group, creationTimestamp: null },
      versions: orderedVersions(g).map((v) => ({
        version: v,
        freshness: 'Current',
        resources: resourcesIn(g.group, v).map((rt) => {
          const r: Record<string, unknown> = {
            resource: rt.plural,
            responseKind: { group: g.group, version: v, kind: rt.kind },
            scope: rt.namespaced ? 'Namespaced' : 'Cluster',
            singularResource: rt.singular,
            verbs: rt.verbs,
          };
          if (rt.shortNames.length) r.shortNames = rt.shortNames;
          if (rt.categories.length) r.categories = rt.categories;
          if (rt.subresources.length) {
            r.subresources = rt.subresources.map((sub) => {
              const d = SUBRESOURCES[sub];
              return {
                subresource: sub,
                responseKind: { group: d?.group ?? g.group, version: d?.version ?? v, kind: subKind(rt, sub) },
                verbs: d?.verbs ?? ['get'],
              };
            });
          }
          return r;
        }),
      })),
    })),
  };
}

/** Which aggregated discovery version the client asked for, if any. */
export function wantsAggregated(accept: string | undefined): 'apidiscovery.k8s.io/v2' | 'apidiscovery.k8s.io/v2beta1' | undefined {
  if (!accept) return undefined;
  for (const clause of accept.split(',')) {
    const c = clause.replace(/\s+/g, '');
    if (!c.includes('as=APIGroupDiscoveryList') || !c.includes('g=apidiscovery.k8s.io')) {
      if (c.startsWith('application/json') && !c.includes('as=')) return undefined;
      continue;
    }
    if (c.includes('v=v2beta1')) return 'apidiscovery.k8s.io/v2beta1';
    if (c.includes('v=v2')) return 'apidiscovery.k8s.io/v2';
  }
  return undefined;
}

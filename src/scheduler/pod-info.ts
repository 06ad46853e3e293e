// PodInfo: a pod plus everything the plugins derive from it, computed once per pod version
// (requests, host ports, parsed affinity terms) instead of once per node per cycle.
import type { Pod, PodAffinityTerm } from 'kubernetes-types/core/v1.js';
import { podRequests, type Resource } from './resources.js';
import { labelSelectorMatcher, type LabelMatcher, type Labels } from './selectors.js';

export interface HostPort {
  ip: string;
  protocol: string;
  port: number;
}

export interface AffinityTerm {
  topologyKey: string;
  selector: LabelMatcher;
  /** Explicit namespaces (the owning pod's namespace when neither list nor selector is given). */
  namespaces: Set<string>;
  namespaceSelector?: LabelMatcher;
  weight: number;
  /** Identity of (namespaces, selector) for grouping identical terms; unset with a namespaceSelector. */
  sig?: string;
  /** A matchLabels pair every matching pod carries (index lookup); unset with a namespaceSelector. */
  first?: readonly [string, string];
}

/** Looks up a namespace's labels (namespaceSelector support). */
export type NamespaceLabels = (namespace: string) => Labels;

export interface PodInfo {
  pod: Pod;
  /** uid, or ns/name when the pod has no uid (hand-built test pods). */
  key: string;
  namespace: string;
  priority: number;
  requests: Resource;
  nonZeroRequests: Resource;
  hostPorts: HostPort[];
  requiredAffinity: AffinityTerm[];
  requiredAntiAffinity: AffinityTerm[];
  preferredAffinity: AffinityTerm[];
  preferredAntiAffinity: AffinityTerm[];
}

export function podKey(pod: Pod): string {
  return pod.metadata?.uid ?? `${pod.metadata?.namespace ?? ''}/${pod.metadata?.name ?? ''}`;
}

export function podFullName(pod: Pod): string {
  return `${pod.metadata?.namespace ?? ''}/${pod.metadata?.name ?? ''}`;
}

function toTerm(pod: Pod, t: PodAffinityTerm, weight: number): AffinityTerm {
  let selector = labelSelectorMatcher(t.labelSelector);
  // matchLabelKeys / mismatchLabelKeys: extra requirements taken from the pod's own labels.
  const own = pod.metadata?.labels ?? {};
  const eq = (t.matchLabelKeys ?? []).filter((k) => k in own).map((k) => [k, own[k]] as const);
  const ne = (t.mismatchLabelKeys ?? []).filter((k) => k in own).map((k) => [k, own[k]] as const);
  if (t.labelSelector && (eq.length || ne.length)) {
    const base = selector;
    selector = (l) => base(l) && eq.every(([k, v]) => l?.[k] === v) && ne.every(([k, v]) => l?.[k] !== v);
  }
  const namespaces = new Set(t.namespaces ?? []);
  const nsSel = t.namespaceSelector ? labelSelectorMatcher(t.namespaceSelector) : undefined;
  if (namespaces.size === 0 && !nsSel) namespaces.add(pod.metadata?.namespace ?? 'default');
  const sig = nsSel ? undefined : `term|${[...namespaces].sort().join(',')}|${JSON.stringify(t.labelSelector ?? null)}|${JSON.stringify(eq)}|${JSON.stringify(ne)}`;
  const ml = Object.entries(t.labelSelector?.matchLabels ?? {});
  const first = !nsSel && ml.length ? ([ml[0][0], ml[0][1]] as const) : undefined;
  return { topologyKey: t.topologyKey, selector, namespaces, namespaceSelector: nsSel, weight, sig, first };
}

function hostPortsOf(pod: Pod): HostPort[] {
  const out: HostPort[] = [];
  const spec = pod.spec;
  if (!spec) return out;
  for (const list of [spec.initContainers, spec.containers])
    for (const c of list ?? [])
      for (const p of c.ports ?? [])
        if (p.hostPort && p.hostPort > 0) out.push({ ip: p.hostIP || '0.0.0.0', protocol: p.protocol || 'TCP', port: p.hostPort });
  return out;
}

/** Builds the PodInfo; `priority` overrides spec.priority (resolved from the PriorityClass). */
export function newPodInfo(pod: Pod, priority?: number): PodInfo {
  const aff = pod.spec?.affinity;
  return {
    pod,
    key: podKey(pod),
    namespace: pod.metadata?.namespace ?? 'default',
    priority: priority ?? pod.spec?.priority ?? 0,
    requests: podRequests(pod, false),
    nonZeroRequests: podRequests(pod, true),
    hostPorts: hostPortsOf(pod),
    requiredAffinity: (aff?.podAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? []).map((t) => toTerm(pod, t, 1)),
    requiredAntiAffinity: (aff?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? []).map((t) => toTerm(pod, t, 1)),
    preferredAffinity: (aff?.podAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? []).map((w) => toTerm(pod, w.podAffinityTerm, w.weight)),
    preferredAntiAffinity: (aff?.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? []).map((w) =>
      toTerm(pod, w.podAffinityTerm, w.weight),
    ),
  };
}

export function hasAffinity(pi: PodInfo): boolean {
  return pi.requiredAffinity.length + pi.requiredAntiAffinity.length + pi.preferredAffinity.length + pi.preferredAntiAffinity.length > 0;
}

/** Does `target` fall under this term (namespace and labels)? */
export function termMatchesPod(term: AffinityTerm, target: Pod, nsLabels: NamespaceLabels): boolean {
  const ns = target.metadata?.namespace ?? 'default';
  if (!term.namespaces.has(ns) && !(term.namespaceSelector && term.namespaceSelector(nsLabels(ns)))) return false;
  return term.selector(target.metadata?.labels);
}

export function isTerminating(pod: Pod): boolean {
  return !!pod.metadata?.deletionTimestamp;
}

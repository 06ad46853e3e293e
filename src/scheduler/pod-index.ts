// Cluster-wide indexes over placed pods, kept by the cache next to the node infos, so the
// affinity and spread plugins touch only the pods that can match instead of every pod on every
// node each cycle: pods by (namespace, label=value), and existing pods' affinity terms grouped
// by identical term (selector + namespaces + topology key + kind + weight) with per-node counts.
import type { AffinityTerm, PodInfo } from './pod-info.js';

export interface IndexedPod {
  pi: PodInfo;
  node: string;
}

export type TermKind = 'requiredAffinity' | 'requiredAntiAffinity' | 'preferredAffinity' | 'preferredAntiAffinity';

export interface TermGroup {
  kind: TermKind;
  term: AffinityTerm;
  /** node name -> number of placed pods carrying this term there */
  nodes: Map<string, number>;
}

const KINDS: TermKind[] = ['requiredAffinity', 'requiredAntiAffinity', 'preferredAffinity', 'preferredAntiAffinity'];

export class PodIndex {
  private byLabel = new Map<string, Map<string, IndexedPod>>();
  private groups = new Map<string, TermGroup>();
  /** groups per kind, for quick iteration */
  private readonly kindGroups = new Map<TermKind, Set<TermGroup>>(KINDS.map((k) => [k, new Set()]));

  static labelKey(namespace: string, k: string, v: string): string {
    return `${namespace}\0${k}=${v}`;
  }

  private groupKey(pi: PodInfo, kind: TermKind, t: AffinityTerm, i: number): string {
    // Terms without a stable identity (namespaceSelector) get a group of their own.
    return t.sig ? `${kind}|${t.weight}|${t.topologyKey}|${t.sig}` : `${kind}|${pi.key}|${i}`;
  }

  add(pi: PodInfo, node: string): void {
    const labels = pi.pod.metadata?.labels;
    if (labels)
      for (const k in labels) {
        const lk = PodIndex.labelKey(pi.namespace, k, labels[k]);
        let m = this.byLabel.get(lk);
        if (!m) this.byLabel.set(lk, (m = new Map()));
        m.set(pi.key, { pi, node });
      }
    for (const kind of KINDS) {
      const terms = pi[kind];
      for (let i = 0; i < terms.length; i++) {
        const gk = this.groupKey(pi, kind, terms[i], i);
        let g = this.groups.get(gk);
        if (!g) {
          g = { kind, term: terms[i], nodes: new Map() };
          this.groups.set(gk, g);
          this.kindGroups.get(kind)!.add(g);
        }
        g.nodes.set(node, (g.nodes.get(node) ?? 0) + 1);
      }
    }
  }

  remove(pi: PodInfo, node: string): void {
    const labels = pi.pod.metadata?.labels;
    if (labels)
      for (const k in labels) {
        const lk = PodIndex.labelKey(pi.namespace, k, labels[k]);
        const m = this.byLabel.get(lk);
        if (!m) continue;
        m.delete(pi.key);
        if (m.size === 0) this.byLabel.delete(lk);
      }
    for (const kind of KINDS) {
      const terms = pi[kind];
      for (let i = 0; i < terms.length; i++) {
        const gk = this.groupKey(pi, kind, terms[i], i);
        const g = this.groups.get(gk);
        if (!g) continue;
        const n = (g.nodes.get(node) ?? 0) - 1;
        if (n > 0) g.nodes.set(node, n);
        else g.nodes.delete(node);
        if (g.nodes.size === 0) {
          this.groups.delete(gk);
          this.kindGroups.get(kind)!.delete(g);
        }
      }
    }
  }

  /** Placed pods in `namespace` labelled k=v. */
  withLabel(namespace: string, k: string, v: string): Iterable<IndexedPod> {
    return this.byLabel.get(PodIndex.labelKey(namespace, k, v))?.values() ?? [];
  }

  termGroups(kind: TermKind): Iterable<TermGroup> {
    return this.kindGroups.get(kind)!;
  }
}

/**
 * Candidate pods for a selector that requires `first` (a matchLabels pair) in the given
 * namespaces; undefined when the selector cannot be narrowed this way (callers then scan).
 */
export function candidates(index: PodIndex, namespaces: Iterable<string>, first: readonly [string, string] | undefined): IndexedPod[] | undefined {
  if (!first) return undefined;
  const out: IndexedPod[] = [];
  for (const ns of namespaces) for (const c of index.withLabel(ns, first[0], first[1])) out.push(c);
  return out;
}

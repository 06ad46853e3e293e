// InterPodAffinity: required pod affinity/anti-affinity of the incoming pod and required
// anti-affinity of pods already placed (Filter), preferred terms both ways plus existing pods'
// required affinity at hardPodAffinityWeight (Score). Topology pairs are "key\0value".
import {
  Code,
  Status,
  MAX_NODE_SCORE,
  type ClusterEvent,
  type CycleState,
  type FilterPlugin,
  type Handle,
  type MaybeStatus,
  type NodeScore,
  type PreFilterPlugin,
  type ScorePlugin,
} from '../framework.js';
import type { Snapshot } from '../cache.js';
import type { NodeInfo } from '../node-info.js';
import { candidates, type TermKind } from '../pod-index.js';
import { termMatchesPod, type AffinityTerm, type NamespaceLabels, type PodInfo } from '../pod-info.js';
import { InterPodAffinityName } from './names.js';

export const ErrReasonExistingAntiAffinityRulesNotMatch = "node(s) didn't satisfy existing pods anti-affinity rules";
export const ErrReasonAffinityRulesNotMatch = "node(s) didn't match pod affinity rules";
export const ErrReasonAntiAffinityRulesNotMatch = "node(s) didn't match pod anti-affinity rules";
const HARD_POD_AFFINITY_WEIGHT = 1;

const pair = (k: string, v: string) => `${k}\0${v}`;
type Counts = Map<string, number>;
const bump = (m: Counts, k: string, d: number) => m.set(k, (m.get(k) ?? 0) + d);

class FilterState {
  constructor(
    readonly existingAnti: Counts,
    readonly affinity: Counts,
    readonly anti: Counts,
  ) {}
  clone(): FilterState {
    return new FilterState(new Map(this.existingAnti), new Map(this.affinity), new Map(this.anti));
  }
}

function allTermsMatch(terms: AffinityTerm[], target: PodInfo, ns: NamespaceLabels): boolean {
  for (const t of terms) if (!termMatchesPod(t, target.pod, ns)) return false;
  return terms.length > 0;
}

const FILTER_KEY = 'PreFilter' + InterPodAffinityName;
const SCORE_KEY = 'PreScore' + InterPodAffinityName;

export class InterPodAffinity implements PreFilterPlugin, FilterPlugin, ScorePlugin {
  readonly name = InterPodAffinityName;
  constructor(private readonly handle: Pick<Handle, 'namespaceLabels'>) {}

  events(): ClusterEvent[] {
    return [
      { resource: 'AssignedPod', action: 'Add' },
      { resource: 'AssignedPod', action: 'Update' },
      { resource: 'AssignedPod', action: 'Delete' },
      { resource: 'Node', action: 'Add' },
      { resource: 'Node', action: 'Update' },
      { resource: 'Namespace', action: 'Update' },
    ];
  }

  private nsLabels: NamespaceLabels = (ns) => this.handle.namespaceLabels(ns);

  /**
   * Calls fn(pod, node) for every live placed pod the term may match (index lookup when the
   * term has a matchLabels pair, else a scan of every node) — callers still check the term.
   */
  private forCandidates(snap: Snapshot, t: AffinityTerm, fn: (o: PodInfo, node: NodeInfo) => void): void {
    const cands = candidates(snap.podIndex, t.namespaces, t.first);
    if (cands) {
      for (const c of cands) {
        const node = snap.get(c.node);
        if (node && !c.pi.pod.metadata?.deletionTimestamp) fn(c.pi, node);
      }
      return;
    }
    for (const node of snap.nodeInfoList) for (const o of node.pods) if (!o.pod.metadata?.deletionTimestamp) fn(o, node);
  }

  /** Adds `weight` per existing pod's term of `kind` that matches the incoming pod, per topology pair. */
  private existingTerms(snap: Snapshot, pod: PodInfo, kind: TermKind, into: Counts, weight: (t: AffinityTerm) => number): void {
    for (const g of snap.podIndex.termGroups(kind)) {
      if (!termMatchesPod(g.term, pod.pod, this.nsLabels)) continue;
      const w = weight(g.term);
      for (const [name, n] of g.nodes) {
        const v = snap.get(name)?.node?.metadata?.labels?.[g.term.topologyKey];
        if (v !== undefined) bump(into, pair(g.term.topologyKey, v), n * w);
      }
    }
  }

  private addIncoming(st: FilterState, pod: PodInfo, other: PodInfo, node: NodeInfo, delta: number): void {
    const labels = node.node?.metadata?.labels;
    if (!labels || other.pod.metadata?.deletionTimestamp) return;
    if (allTermsMatch(pod.requiredAffinity, other, this.nsLabels))
      for (const t of pod.requiredAffinity) if (t.topologyKey in labels) bump(st.affinity, pair(t.topologyKey, labels[t.topologyKey]), delta);
    for (const t of pod.requiredAntiAffinity)
      if (t.topologyKey in labels && termMatchesPod(t, other.pod, this.nsLabels)) bump(st.anti, pair(t.topologyKey, labels[t.topologyKey]), delta);
  }

  preFilter(state: CycleState, pod: PodInfo, snap: Snapshot): MaybeStatus {
    const st = new FilterState(new Map(), new Map(), new Map());
    this.existingTerms(snap, pod, 'requiredAntiAffinity', st.existingAnti, () => 1);
    const req = pod.requiredAffinity;
    const anti = pod.requiredAntiAffinity;
    if (st.existingAnti.size === 0 && req.length === 0 && anti.length === 0) return new Status(Code.Skip);
    if (req.length) {
      // A pod counts for affinity only when it matches every term.
      this.forCandidates(snap, req[0], (o, node) => {
        const labels = node.node?.metadata?.labels;
        if (!labels || !allTermsMatch(req, o, this.nsLabels)) return;
        for (const t of req) if (t.topologyKey in labels) bump(st.affinity, pair(t.topologyKey, labels[t.topologyKey]), 1);
      });
    }
    for (const t of anti) {
      this.forCandidates(snap, t, (o, node) => {
        const v = node.node?.metadata?.labels?.[t.topologyKey];
        if (v !== undefined && termMatchesPod(t, o.pod, this.nsLabels)) bump(st.anti, pair(t.topologyKey, v), 1);
      });
    }
    state.write(FILTER_KEY, st);
    return undefined;
  }

  addPod(state: CycleState, pod: PodInfo, toAdd: PodInfo, node: NodeInfo): void {
    this.update(state, pod, toAdd, node, 1);
  }

  removePod(state: CycleState, pod: PodInfo, toRemove: PodInfo, node: NodeInfo): void {
    this.update(state, pod, toRemove, node, -1);
  }

  private update(state: CycleState, pod: PodInfo, other: PodInfo, node: NodeInfo, delta: number): void {
    const st = state.read<FilterState>(FILTER_KEY);
    if (!st) return;
    const labels = node.node?.metadata?.labels ?? {};
    for (const t of other.requiredAntiAffinity)
      if (t.topologyKey in labels && termMatchesPod(t, pod.pod, this.nsLabels)) bump(st.existingAnti, pair(t.topologyKey, labels[t.topologyKey]), delta);
    this.addIncoming(st, pod, other, node, delta);
  }

  filter(state: CycleState, pod: PodInfo, node: NodeInfo): MaybeStatus {
    const st = state.read<FilterState>(FILTER_KEY);
    if (!st) return undefined;
    const labels = node.node?.metadata?.labels ?? {};
    // Required affinity: every term's topology must exist and hold a matching pod, unless no pod
    // matches anywhere and the pod matches its own terms (first pod of a self-affine group).
    if (pod.requiredAffinity.length) {
      let podsExist = true;
      for (const t of pod.requiredAffinity) {
        if (!(t.topologyKey in labels)) return Status.unresolvable(ErrReasonAffinityRulesNotMatch);
        if ((st.affinity.get(pair(t.topologyKey, labels[t.topologyKey])) ?? 0) <= 0) podsExist = false;
      }
      if (!podsExist) {
        let zero = true;
        for (const v of st.affinity.values()) if (v > 0) zero = false;
        if (!(zero && allTermsMatch(pod.requiredAffinity, pod, this.nsLabels))) return Status.unresolvable(ErrReasonAffinityRulesNotMatch);
      }
    }
    for (const t of pod.requiredAntiAffinity) {
      if (t.topologyKey in labels && (st.anti.get(pair(t.topologyKey, labels[t.topologyKey])) ?? 0) > 0)
        return Status.unschedulable(ErrReasonAntiAffinityRulesNotMatch);
    }
    if (st.existingAnti.size) {
      for (const k in labels) if ((st.existingAnti.get(pair(k, labels[k])) ?? 0) > 0) return Status.unschedulable(ErrReasonExistingAntiAffinityRulesNotMatch);
    }
    return undefined;
  }

  preScore(state: CycleState, pod: PodInfo, _nodes: NodeInfo[], snap: Snapshot): MaybeStatus {
    const scores: Counts = new Map();
    // The incoming pod's preferred terms against placed pods.
    for (const [terms, sign] of [[pod.preferredAffinity, 1], [pod.preferredAntiAffinity, -1]] as const)
      for (const t of terms)
        this.forCandidates(snap, t, (o, node) => {
          const v = node.node?.metadata?.labels?.[t.topologyKey];
          if (v !== undefined && termMatchesPod(t, o.pod, this.nsLabels)) bump(scores, pair(t.topologyKey, v), t.weight * sign);
        });
    // Placed pods' terms against the incoming pod: required affinity at the hard weight, preferred both ways.
    this.existingTerms(snap, pod, 'requiredAffinity', scores, () => HARD_POD_AFFINITY_WEIGHT);
    this.existingTerms(snap, pod, 'preferredAffinity', scores, (t) => t.weight);
    this.existingTerms(snap, pod, 'preferredAntiAffinity', scores, (t) => -t.weight);
    if (scores.size === 0) return new Status(Code.Skip);
    const keys = new Set<string>();
    for (const p of scores.keys()) keys.add(p.slice(0, p.indexOf('\0')));
    state.write(SCORE_KEY, { scores, keys: [...keys] });
    return undefined;
  }

  score(state: CycleState, _pod: PodInfo, node: NodeInfo): number {
    const s = state.read<{ scores: Counts; keys: string[] }>(SCORE_KEY);
    if (!s) return 0;
    const labels = node.node?.metadata?.labels ?? {};
    let total = 0;
    for (const k of s.keys) if (k in labels) total += s.scores.get(pair(k, labels[k])) ?? 0;
    return total;
  }

  normalizeScore(_s: CycleState, _p: PodInfo, scores: NodeScore[]): void {
    let min = Infinity;
    let max = -Infinity;
    for (const s of scores) {
      if (s.score < min) min = s.score;
      if (s.score > max) max = s.score;
    }
    const diff = max - min;
    for (const s of scores) s.score = diff > 0 ? Math.trunc((MAX_NODE_SCORE * (s.score - min)) / diff) : 0;
  }
}

// PodTopologySpread: hard constraints (DoNotSchedule) filter nodes whose domain would exceed
// maxSkew over the global minimum (minDomains respected); soft ones (ScheduleAnyway) score
// emptier domains higher. Matching pods come from the label index, not a scan of every pod.
import type { Pod, TopologySpreadConstraint } from 'kubernetes-types/core/v1.js';
import {
  Code,
  Status,
  MAX_NODE_SCORE,
  type ClusterEvent,
  type CycleState,
  type FilterPlugin,
  type MaybeStatus,
  type NodeScore,
  type PreFilterPlugin,
  type ScorePlugin,
} from '../framework.js';
import type { Snapshot } from '../cache.js';
import type { NodeInfo } from '../node-info.js';
import { candidates } from '../pod-index.js';
import type { PodInfo } from '../pod-info.js';
import { labelSelectorMatcher, tolerationsTolerateTaint, type LabelMatcher } from '../selectors.js';
import { podMatchesNodeSelectorAndAffinity } from './node-affinity.js';
import { PodTopologySpreadName } from './names.js';
import { nodeTaints } from './taint-toleration.js';

export const ErrReasonConstraintsNotMatch = "node(s) didn't match pod topology spread constraints";
export const ErrReasonNodeLabelNotMatch = ErrReasonConstraintsNotMatch + ' (missing required label)';
const HOSTNAME = 'kubernetes.io/hostname';

interface Constraint {
  maxSkew: number;
  topologyKey: string;
  selector: LabelMatcher;
  /** a matchLabels pair every matching pod carries (index lookup) */
  first?: readonly [string, string];
  minDomains: number;
  honorAffinity: boolean;
  honorTaints: boolean;
}

function buildConstraints(pod: Pod, when: 'DoNotSchedule' | 'ScheduleAnyway'): Constraint[] {
  const own = pod.metadata?.labels ?? {};
  return (pod.spec?.topologySpreadConstraints ?? [])
    .filter((c: TopologySpreadConstraint) => c.whenUnsatisfiable === when)
    .map((c) => {
      let selector = labelSelectorMatcher(c.labelSelector);
      const extra = (c.matchLabelKeys ?? []).filter((k) => k in own).map((k) => [k, own[k]] as const);
      if (c.labelSelector && extra.length) {
        const base = selector;
        selector = (l) => base(l) && extra.every(([k, v]) => l?.[k] === v);
      }
      return {
        maxSkew: c.maxSkew,
        topologyKey: c.topologyKey,
        selector,
        first: Object.entries(c.labelSelector?.matchLabels ?? {}).map(([k, v]) => [k, v] as const)[0],
        minDomains: c.minDomains ?? 1,
        honorAffinity: (c.nodeAffinityPolicy ?? 'Honor') === 'Honor',
        honorTaints: c.nodeTaintsPolicy === 'Honor',
      };
    });
}

/** Calls fn(node) once per live pod in `ns` matching the constraint's selector. */
function forMatching(snap: Snapshot, ns: string, c: Constraint, fn: (node: NodeInfo) => void): void {
  const matches = (o: PodInfo) => !o.pod.metadata?.deletionTimestamp && o.namespace === ns && c.selector(o.pod.metadata?.labels);
  const cands = candidates(snap.podIndex, [ns], c.first);
  if (cands) {
    for (const x of cands) {
      if (!matches(x.pi)) continue;
      const node = snap.get(x.node);
      if (node) fn(node);
    }
    return;
  }
  for (const node of snap.nodeInfoList) for (const o of node.pods) if (matches(o)) fn(node);
}

function nodeHasAllKeys(node: NodeInfo, cs: Constraint[]): boolean {
  const labels = node.node?.metadata?.labels;
  if (!labels) return cs.length === 0;
  for (const c of cs) if (!(c.topologyKey in labels)) return false;
  return true;
}

function nodeIncluded(pod: PodInfo, node: NodeInfo, c: Constraint): boolean {
  if (c.honorAffinity && !podMatchesNodeSelectorAndAffinity(pod, node)) return false;
  if (c.honorTaints && node.node) {
    for (const t of nodeTaints(node))
      if ((t.effect === 'NoSchedule' || t.effect === 'NoExecute') && !tolerationsTolerateTaint(pod.pod.spec?.tolerations, t)) return false;
  }
  return true;
}

class FilterState {
  constructor(
    readonly constraints: Constraint[],
    /** per constraint: topology value -> matching pod count */
    readonly counts: Map<string, number>[],
  ) {}
  clone(): FilterState {
    return new FilterState(
      this.constraints,
      this.counts.map((m) => new Map(m)),
    );
  }
  minMatch(i: number): number {
    const m = this.counts[i];
    if (m.size < this.constraints[i].minDomains) return 0;
    let min = Infinity;
    for (const v of m.values()) if (v < min) min = v;
    return min === Infinity ? 0 : min;
  }
  update(pod: PodInfo, other: PodInfo, node: NodeInfo, delta: number): void {
    if (other.namespace !== pod.namespace || other.pod.metadata?.deletionTimestamp) return;
    if (!nodeHasAllKeys(node, this.constraints)) return;
    const labels = node.node!.metadata!.labels!;
    this.constraints.forEach((c, i) => {
      if (!nodeIncluded(pod, node, c) || !c.selector(other.pod.metadata?.labels)) return;
      const v = labels[c.topologyKey];
      this.counts[i].set(v, (this.counts[i].get(v) ?? 0) + delta);
    });
  }
}

interface ScoreState {
  constraints: Constraint[];
  ignored: Set<NodeInfo>;
  /** per constraint (non-hostname): topology value -> count */
  counts: Map<string, number>[];
  /** per constraint (hostname): node name -> count */
  perNode: Map<string, number>[];
  weights: number[];
}

const FILTER_KEY = 'PreFilter' + PodTopologySpreadName;
const SCORE_KEY = 'PreScore' + PodTopologySpreadName;

export class PodTopologySpread implements PreFilterPlugin, FilterPlugin, ScorePlugin {
  readonly name = PodTopologySpreadName;
  events(): ClusterEvent[] {
    return [
      { resource: 'AssignedPod', action: 'Add' },
      { resource: 'AssignedPod', action: 'Update' },
      { resource: 'AssignedPod', action: 'Delete' },
      { resource: 'Node', action: 'Add' },
      { resource: 'Node', action: 'Update' },
      { resource: 'Node', action: 'Delete' },
    ];
  }

  preFilter(state: CycleState, pod: PodInfo, snap: Snapshot): MaybeStatus {
    const cs = buildConstraints(pod.pod, 'DoNotSchedule');
    if (cs.length === 0) return new Status(Code.Skip);
    const counts = cs.map(() => new Map<string, number>());
    // Every eligible domain exists with count 0 (it can be the minimum); then count matching pods.
    const eligible = cs.map(() => new Set<NodeInfo>());
    for (const node of snap.nodeInfoList) {
      if (!nodeHasAllKeys(node, cs)) continue;
      const labels = node.node!.metadata!.labels!;
      cs.forEach((c, i) => {
        if (!nodeIncluded(pod, node, c)) return;
        eligible[i].add(node);
        if (!counts[i].has(labels[c.topologyKey])) counts[i].set(labels[c.topologyKey], 0);
      });
    }
    cs.forEach((c, i) =>
      forMatching(snap, pod.namespace, c, (node) => {
        if (!eligible[i].has(node)) return;
        const v = node.node!.metadata!.labels![c.topologyKey];
        counts[i].set(v, counts[i].get(v)! + 1);
      }),
    );
    state.write(FILTER_KEY, new FilterState(cs, counts));
    return undefined;
  }

  addPod(state: CycleState, pod: PodInfo, toAdd: PodInfo, node: NodeInfo): void {
    state.read<FilterState>(FILTER_KEY)?.update(pod, toAdd, node, 1);
  }

  removePod(state: CycleState, pod: PodInfo, toRemove: PodInfo, node: NodeInfo): void {
    state.read<FilterState>(FILTER_KEY)?.update(pod, toRemove, node, -1);
  }

  filter(state: CycleState, pod: PodInfo, node: NodeInfo): MaybeStatus {
    const s = state.read<FilterState>(FILTER_KEY);
    if (!s) return undefined;
    const labels = node.node?.metadata?.labels ?? {};
    const podLabels = pod.pod.metadata?.labels;
    for (let i = 0; i < s.constraints.length; i++) {
      const c = s.constraints[i];
      if (!(c.topologyKey in labels)) return Status.unresolvable(ErrReasonNodeLabelNotMatch);
      const self = c.selector(podLabels) ? 1 : 0;
      const matched = s.counts[i].get(labels[c.topologyKey]) ?? 0;
      if (matched + self - s.minMatch(i) > c.maxSkew) return Status.unschedulable(ErrReasonConstraintsNotMatch);
    }
    return undefined;
  }

  preScore(state: CycleState, pod: PodInfo, nodes: NodeInfo[], snap: Snapshot): MaybeStatus {
    const cs = buildConstraints(pod.pod, 'ScheduleAnyway');
    if (cs.length === 0) return new Status(Code.Skip);
    const ignored = new Set<NodeInfo>();
    const counts = cs.map(() => new Map<string, number>());
    const perNode = cs.map(() => new Map<string, number>());
    const domains = cs.map(() => new Set<string>());
    for (const n of nodes) {
      if (!nodeHasAllKeys(n, cs)) {
        ignored.add(n);
        continue;
      }
      const labels = n.node!.metadata!.labels!;
      cs.forEach((c, i) => {
        domains[i].add(labels[c.topologyKey]);
        if (c.topologyKey !== HOSTNAME) counts[i].set(labels[c.topologyKey], 0);
      });
    }
    const weights = cs.map((c, i) => Math.log((c.topologyKey === HOSTNAME ? nodes.length - ignored.size : domains[i].size) + 2));
    cs.forEach((c, i) =>
      forMatching(snap, pod.namespace, c, (node) => {
        if (c.topologyKey === HOSTNAME) {
          perNode[i].set(node.name, (perNode[i].get(node.name) ?? 0) + 1);
          return;
        }
        if (!nodeHasAllKeys(node, cs) || !nodeIncluded(pod, node, c)) return;
        const v = node.node!.metadata!.labels![c.topologyKey];
        const cur = counts[i].get(v);
        if (cur !== undefined) counts[i].set(v, cur + 1);
      }),
    );
    state.write(SCORE_KEY, { constraints: cs, ignored, counts, perNode, weights } satisfies ScoreState);
    return undefined;
  }

  score(state: CycleState, _pod: PodInfo, node: NodeInfo): number {
    const s = state.read<ScoreState>(SCORE_KEY);
    if (!s || s.ignored.has(node)) return 0;
    const labels = node.node?.metadata?.labels ?? {};
    let score = 0;
    s.constraints.forEach((c, i) => {
      const v = labels[c.topologyKey];
      if (v === undefined) return;
      const cnt = c.topologyKey === HOSTNAME ? (s.perNode[i].get(node.name) ?? 0) : (s.counts[i].get(v) ?? 0);
      score += cnt * s.weights[i] + (c.maxSkew - 1);
    });
    return Math.round(score);
  }

  normalizeScore(state: CycleState, _pod: PodInfo, scores: NodeScore[]): void {
    const s = state.read<ScoreState>(SCORE_KEY);
    if (!s) return;
    let min = Infinity;
    let max = 0;
    for (const sc of scores) {
      if (s.ignored.has(sc.node)) continue;
      if (sc.score < min) min = sc.score;
      if (sc.score > max) max = sc.score;
    }
    for (const sc of scores) {
      if (s.ignored.has(sc.node)) sc.score = 0;
      else if (max === 0) sc.score = MAX_NODE_SCORE;
      else sc.score = Math.trunc((MAX_NODE_SCORE * (max + min - sc.score)) / max);
    }
  }
}

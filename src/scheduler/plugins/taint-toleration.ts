// TaintToleration: NoSchedule/NoExecute taints must be tolerated (Filter); untolerated
// PreferNoSchedule taints lower the score (reverse-normalised, as upstream).
import type { Node, Taint, Toleration } from 'kubernetes-types/core/v1.js';
import {
  Status,
  defaultNormalizeScore,
  type ClusterEvent,
  type CycleState,
  type FilterPlugin,
  type MaybeStatus,
  type NodeScore,
  type ScorePlugin,
} from '../framework.js';
import type { NodeInfo } from '../node-info.js';
import type { PodInfo } from '../pod-info.js';
import { tolerationsTolerateTaint } from '../selectors.js';
import { TaintTolerationName } from './names.js';

const effective = new WeakMap<Node, Taint[]>();

/**
 * The node's taints, plus not-ready/unreachable NoSchedule taints for a node whose Ready
 * condition is False/Unknown but which the node lifecycle controller has not tainted yet.
 */
export function effectiveTaints(node: Node): Taint[] {
  let t = effective.get(node);
  if (t) return t;
  t = node.spec?.taints ?? [];
  const ready = node.status?.conditions?.find((c) => c.type === 'Ready');
  if (ready && ready.status !== 'True') {
    const key = ready.status === 'False' ? 'node.kubernetes.io/not-ready' : 'node.kubernetes.io/unreachable';
    if (!t.some((x) => x.key === key && x.effect === 'NoSchedule')) t = [...t, { key, effect: 'NoSchedule' }];
  }
  effective.set(node, t);
  return t;
}

/** effectiveTaints of a NodeInfo's node, cached on the NodeInfo (hot path: every pod × node). */
export function nodeTaints(ni: NodeInfo): Taint[] {
  const n = ni.node;
  if (!n) return [];
  if (ni.taintsOf !== n) {
    ni.taints = effectiveTaints(n);
    ni.taintsOf = n;
  }
  return ni.taints;
}

export function untoleratedTaintMessage(taint: Taint): string {
  return `node(s) had untolerated taint {${taint.key}: ${taint.value ?? ''}}`;
}

const PRE_SCORE_KEY = 'PreScore' + TaintTolerationName;

export class TaintToleration implements FilterPlugin, ScorePlugin {
  readonly name = TaintTolerationName;
  events(): ClusterEvent[] {
    return [{ resource: 'Node', action: 'Add' }, { resource: 'Node', action: 'Update' }];
  }
  filter(_s: CycleState, pod: PodInfo, node: NodeInfo): MaybeStatus {
    if (!node.node) return undefined;
    const taints = nodeTaints(node);
    if (taints.length === 0) return undefined;
    const tols = pod.pod.spec?.tolerations;
    for (const taint of taints) {
      if (taint.effect !== 'NoSchedule' && taint.effect !== 'NoExecute') continue;
      if (!tolerationsTolerateTaint(tols, taint)) return Status.unresolvable(untoleratedTaintMessage(taint));
    }
    return undefined;
  }
  preScore(state: CycleState, pod: PodInfo): MaybeStatus {
    const tols: Toleration[] = (pod.pod.spec?.tolerations ?? []).filter((t) => !t.effect || t.effect === 'PreferNoSchedule');
    state.write(PRE_SCORE_KEY, tols);
    return undefined;
  }
  score(state: CycleState, _pod: PodInfo, node: NodeInfo): number {
    const taints = nodeTaints(node);
    if (taints.length === 0) return 0;
    const tols = state.read<Toleration[]>(PRE_SCORE_KEY) ?? [];
    let n = 0;
    for (const taint of taints) if (taint.effect === 'PreferNoSchedule' && !tolerationsTolerateTaint(tols, taint)) n++;
    return n;
  }
  normalizeScore(_s: CycleState, _p: PodInfo, scores: NodeScore[]): void {
    defaultNormalizeScore(scores, true);
  }
}


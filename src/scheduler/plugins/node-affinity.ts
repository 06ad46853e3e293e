// NodeAffinity: spec.nodeSelector and required node affinity must match (Filter); preferred
// terms add their weights (Score, normalised to the best node).
import type { NodeSelectorTerm } from 'kubernetes-types/core/v1.js';
import {
  Code,
  Status,
  defaultNormalizeScore,
  type ClusterEvent,
  type CycleState,
  type FilterPlugin,
  type MaybeStatus,
  type NodeScore,
  type PreFilterPlugin,
  type ScorePlugin,
} from '../framework.js';
import type { NodeInfo } from '../node-info.js';
import type { PodInfo } from '../pod-info.js';
import { mapSelectorMatches, nodeSelectorMatches, nodeSelectorTermMatches } from '../selectors.js';
import { NodeAffinityName } from './names.js';

export const ErrReasonPod = "node(s) didn't match Pod's node affinity/selector";

/** Does the node satisfy the pod's nodeSelector and required node affinity? */
export function podMatchesNodeSelectorAndAffinity(pod: PodInfo, node: NodeInfo): boolean {
  const n = node.node;
  if (!n) return false;
  const spec = pod.pod.spec;
  if (!mapSelectorMatches(spec?.nodeSelector, n.metadata?.labels)) return false;
  const req = spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  if (req && !nodeSelectorMatches(req, n)) return false;
  return true;
}

const PRE_SCORE_KEY = 'PreScore' + NodeAffinityName;

export class NodeAffinity implements PreFilterPlugin, FilterPlugin, ScorePlugin {
  readonly name = NodeAffinityName;
  events(): ClusterEvent[] {
    return [{ resource: 'Node', action: 'Add' }, { resource: 'Node', action: 'Update' }];
  }
  preFilter(_s: CycleState, pod: PodInfo): MaybeStatus {
    const spec = pod.pod.spec;
    const hasSel = spec?.nodeSelector && Object.keys(spec.nodeSelector).length > 0;
    if (!hasSel && !spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution) return new Status(Code.Skip);
    return undefined;
  }
  filter(_s: CycleState, pod: PodInfo, node: NodeInfo): MaybeStatus {
    return podMatchesNodeSelectorAndAffinity(pod, node) ? undefined : Status.unresolvable(ErrReasonPod);
  }
  preScore(state: CycleState, pod: PodInfo): MaybeStatus {
    const pref = pod.pod.spec?.affinity?.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? [];
    const terms = pref.filter((p) => p.weight !== 0).map((p) => ({ weight: p.weight, term: p.preference as NodeSelectorTerm }));
    if (terms.length === 0) return new Status(Code.Skip);
    state.write(PRE_SCORE_KEY, terms);
    return undefined;
  }
  score(state: CycleState, _pod: PodInfo, node: NodeInfo): number {
    const terms = state.read<{ weight: number; term: NodeSelectorTerm }[]>(PRE_SCORE_KEY) ?? [];
    let s = 0;
    if (node.node) for (const t of terms) if (nodeSelectorTermMatches(t.term, node.node)) s += t.weight;
    return s;
  }
  normalizeScore(_s: CycleState, _p: PodInfo, scores: NodeScore[]): void {
    defaultNormalizeScore(scores, false);
  }
}

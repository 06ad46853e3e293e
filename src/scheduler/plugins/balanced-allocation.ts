// NodeResourcesBalancedAllocation: favours nodes whose cpu and memory utilisation (after
// placing the pod) are close to each other: score = (1 - std(fractions)) * 100.
import { Code, Status, type ClusterEvent, type CycleState, type MaybeStatus, type ScorePlugin, MAX_NODE_SCORE } from '../framework.js';
import type { NodeInfo } from '../node-info.js';
import type { PodInfo } from '../pod-info.js';
import { BalancedAllocationName } from './names.js';

export function balancedScore(fractions: number[]): number {
  let std = 0;
  if (fractions.length === 2) std = Math.abs((fractions[0] - fractions[1]) / 2);
  else if (fractions.length > 2) {
    const mean = fractions.reduce((a, b) => a + b, 0) / fractions.length;
    std = Math.sqrt(fractions.reduce((a, f) => a + (f - mean) * (f - mean), 0) / fractions.length);
  }
  return Math.trunc((1 - std) * MAX_NODE_SCORE);
}

export class BalancedAllocation implements ScorePlugin {
  readonly name = BalancedAllocationName;
  events(): ClusterEvent[] {
    return [{ resource: 'AssignedPod', action: 'Delete' }, { resource: 'Node', action: 'Add' }, { resource: 'Node', action: 'Update' }];
  }
  preScore(_s: CycleState, pod: PodInfo): MaybeStatus {
    // Best-effort pods are not scored, so they don't all pile onto one balanced node (upstream #129138).
    if (pod.requests.milliCPU === 0 && pod.requests.memory === 0) return new Status(Code.Skip);
    return undefined;
  }
  score(_s: CycleState, pod: PodInfo, node: NodeInfo): number {
    const fr: number[] = [];
    const add = (req: number, cap: number) => {
      if (cap > 0) fr.push(Math.min(1, req / cap));
    };
    add(node.requested.milliCPU + pod.requests.milliCPU, node.allocatable.milliCPU);
    add(node.requested.memory + pod.requests.memory, node.allocatable.memory);
    return balancedScore(fr);
  }
}

// NodeResourcesFit: the pod's requests must fit in allocatable minus what is already requested
// (cpu, memory, ephemeral-storage, extended resources, pod count). Scores with LeastAllocated
// (default) or MostAllocated over cpu and memory, weight 1 each, as upstream.
import { Status, type ClusterEvent, type CycleState, type FilterPlugin, type MaybeStatus, type ScorePlugin, MAX_NODE_SCORE } from '../framework.js';
import type { NodeInfo } from '../node-info.js';
import type { PodInfo } from '../pod-info.js';
import { NodeResourcesFitName } from './names.js';

export interface InsufficientResource {
  resourceName: string;
  reason: string;
  requested: number;
  used: number;
  capacity: number;
  /** The request exceeds the node's whole allocatable: preemption cannot help. */
  unresolvable: boolean;
}

/** Allocation-free check for the common case (runs for every pod × node). */
function fits(pod: PodInfo, node: NodeInfo): boolean {
  if (node.pods.length + 1 > node.allowedPods) return false;
  const r = pod.requests;
  if (r.scalar) return false; // rare: take the detailed path
  const a = node.allocatable;
  const u = node.requested;
  return !(r.milliCPU > 0 && r.milliCPU > a.milliCPU - u.milliCPU) && !(r.memory > 0 && r.memory > a.memory - u.memory) && !(r.ephemeralStorage > 0 && r.ephemeralStorage > a.ephemeralStorage - u.ephemeralStorage);
}

/** upstream's fitsRequest: every resource the pod is short of on this node. */
export function insufficientResources(pod: PodInfo, node: NodeInfo): InsufficientResource[] {
  if (fits(pod, node)) return [];
  const out: InsufficientResource[] = [];
  if (node.pods.length + 1 > node.allowedPods)
    out.push({ resourceName: 'pods', reason: 'Too many pods', requested: 1, used: node.pods.length, capacity: node.allowedPods, unresolvable: false });
  const r = pod.requests;
  const a = node.allocatable;
  const u = node.requested;
  if (r.milliCPU === 0 && r.memory === 0 && r.ephemeralStorage === 0 && !r.scalar) return out;
  const check = (name: string, req: number, alloc: number, used: number) => {
    if (req > 0 && req > alloc - used)
      out.push({ resourceName: name, reason: `Insufficient ${name}`, requested: req, used, capacity: alloc, unresolvable: req > alloc });
  };
  check('cpu', r.milliCPU, a.milliCPU, u.milliCPU);
  check('memory', r.memory, a.memory, u.memory);
  check('ephemeral-storage', r.ephemeralStorage, a.ephemeralStorage, u.ephemeralStorage);
  if (r.scalar) for (const name in r.scalar) check(name, r.scalar[name], a.scalar?.[name] ?? 0, u.scalar?.[name] ?? 0);
  return out;
}

export type ScoringStrategy = 'LeastAllocated' | 'MostAllocated';

function leastRequested(requested: number, capacity: number): number {
  if (capacity === 0 || requested > capacity) return 0;
  return Math.floor(((capacity - requested) * MAX_NODE_SCORE) / capacity);
}

function mostRequested(requested: number, capacity: number): number {
  if (capacity === 0) return 0;
  return Math.floor((Math.min(requested, capacity) * MAX_NODE_SCORE) / capacity);
}

export class NodeResourcesFit implements FilterPlugin, ScorePlugin {
  readonly name = NodeResourcesFitName;
  constructor(private readonly strategy: ScoringStrategy = 'LeastAllocated') {}
  events(): ClusterEvent[] {
    return [{ resource: 'AssignedPod', action: 'Delete' }, { resource: 'Node', action: 'Add' }, { resource: 'Node', action: 'Update' }];
  }
  filter(_s: CycleState, pod: PodInfo, node: NodeInfo): MaybeStatus {
    const ins = insufficientResources(pod, node);
    if (ins.length === 0) return undefined;
    const st = ins.some((i) => i.unresolvable) ? Status.unresolvable(...ins.map((i) => i.reason)) : Status.unschedulable(...ins.map((i) => i.reason));
    return st;
  }
  score(_s: CycleState, pod: PodInfo, node: NodeInfo): number {
    // Scoring uses non-zero requests so best-effort pods still spread out.
    const f = this.strategy === 'MostAllocated' ? mostRequested : leastRequested;
    const cpuCap = node.allocatable.milliCPU;
    const memCap = node.allocatable.memory;
    let sum = 0;
    let weights = 0;
    if (cpuCap > 0) {
      sum += f(node.nonZeroRequested.milliCPU + pod.nonZeroRequests.milliCPU, cpuCap);
      weights++;
    }
    if (memCap > 0) {
      sum += f(node.nonZeroRequested.memory + pod.nonZeroRequests.memory, memCap);
      weights++;
    }
    return weights === 0 ? 0 : Math.floor(sum / weights);
  }
}

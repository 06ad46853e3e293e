// Scheduling failure messages in upstream's exact shape (FitError.Error()):
//   "0/3 nodes are available: 1 Insufficient cpu, 2 node(s) didn't match Pod's node
//    affinity/selector. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling."
import type { NodeToStatus } from './framework.js';

export const NO_NODE_AVAILABLE = (n: number) => `0/${n} nodes are available`;
export const ErrNoNodesAvailable = 'no nodes available to schedule pods';

export interface Diagnosis {
  nodeToStatus: NodeToStatus;
  /** Plugins that rejected the pod (drives re-queueing on cluster events). */
  unschedulablePlugins: Set<string>;
  /** Set when a PreFilter plugin rejected the pod outright (then no per-node histogram). */
  preFilterMsg?: string;
  /** Message of the PostFilter (preemption) attempt, already prefixed "preemption: ". */
  postFilterMsg?: string;
}

/** "N reason" entries counted over nodes and sorted as strings, as upstream does. */
export function reasonHistogram(statuses: NodeToStatus): string[] {
  const counts = new Map<string, number>();
  for (const st of statuses.values()) for (const r of st.reasons) counts.set(r, (counts.get(r) ?? 0) + 1);
  const out = [...counts].map(([r, n]) => `${n} ${r}`);
  // Go's sort.Strings: byte-wise ordering.
  return out.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

export function fitErrorMessage(numAllNodes: number, d: Diagnosis): string {
  let msg = NO_NODE_AVAILABLE(numAllNodes) + ':';
  if (d.preFilterMsg) msg += ` ${d.preFilterMsg}.`;
  else {
    const h = reasonHistogram(d.nodeToStatus);
    if (h.length) msg += ` ${h.join(', ')}.`;
  }
  // The PostFilter message carries its own final period.
  if (d.postFilterMsg) msg += ` ${d.postFilterMsg}`;
  return msg;
}

/** Events carry at most 1024 characters of note (events.k8s.io); upstream truncates likewise. */
export function truncateMessage(msg: string, max = 1024): string {
  if (msg.length <= max) return msg;
  const suffix = ' ...';
  return msg.slice(0, max - suffix.length) + suffix;
}

// Which pods a ReplicaSet deletes first when it has too many (upstream ActivePodsWithRanks):
//  1. unscheduled < scheduled          2. Pending < Unknown < Running
//  3. not ready < ready                4. lower controller.kubernetes.io/pod-deletion-cost first
//  5. more co-located related pods on the same node first ("doubled up")
//  6. ready for a shorter time first   7. more container restarts first
//  8. created more recently first
// Times in 6 and 8 are compared on a log2 scale of their age (LogarithmicScaleDown, on by default
// upstream) so equally old pods are picked pseudo-randomly by uid rather than always the same one.
import type { Pod } from 'kubernetes-types/core/v1.js';
import { isPodActive, isPodReady, maxContainerRestarts, podReadySince } from './pod-readiness.js';
import { parseTime } from './timestamps.js';

export const POD_DELETION_COST = 'controller.kubernetes.io/pod-deletion-cost';

const PHASE_ORDINAL: Record<string, number> = { Pending: 0, Unknown: 1, Running: 2 };

/** The pod-deletion-cost annotation as an int32; invalid or missing values count as 0. */
export function deletionCost(pod: Pod): number {
  const v = pod.metadata?.annotations?.[POD_DELETION_COST];
  if (v === undefined || !/^[-+]?\d+$/.test(v.trim())) return 0;
  const n = Number(v.trim());
  return n >= -2147483648 && n <= 2147483647 ? n : 0;
}

function logRank(t: number, now: number): number {
  const d = now - t;
  // Upstream measures nanoseconds; the bucket boundaries only need to be consistent.
  return d > 0 ? Math.floor(Math.log2(d * 1e6)) : -1;
}

/** Compare two timestamps where "more recent or missing" should come first; 0 when equal. */
function compareRecentFirst(a: number | undefined, b: number | undefined, uidA: string, uidB: string, now?: number): number {
  if (a === b) return 0;
  if (a === undefined || b === undefined) return a === undefined ? -1 : 1;
  if (now === undefined) return a > b ? -1 : 1;
  const diff = logRank(a, now) - logRank(b, now);
  if (diff === 0) return uidA < uidB ? -1 : uidA > uidB ? 1 : 0;
  return diff < 0 ? -1 : 1;
}

interface Ranked {
  pod: Pod;
  rank: number;
}

function compare(x: Ranked, y: Ranked, now?: number): number {
  const a = x.pod;
  const b = y.pod;
  const na = a.spec?.nodeName ?? '';
  const nb = b.spec?.nodeName ?? '';
  if (na !== nb && (na === '' || nb === '')) return na === '' ? -1 : 1;
  const pa = PHASE_ORDINAL[a.status?.phase ?? ''] ?? 0;
  const pb = PHASE_ORDINAL[b.status?.phase ?? ''] ?? 0;
  if (pa !== pb) return pa - pb;
  const ra = isPodReady(a);
  const rb = isPodReady(b);
  if (ra !== rb) return ra ? 1 : -1;
  const ca = deletionCost(a);
  const cb = deletionCost(b);
  if (ca !== cb) return ca - cb;
  if (x.rank !== y.rank) return y.rank - x.rank;
  const uidA = a.metadata?.uid ?? '';
  const uidB = b.metadata?.uid ?? '';
  if (ra && rb) {
    const c = compareRecentFirst(podReadySince(a), podReadySince(b), uidA, uidB, now);
    if (c !== 0) return c;
  }
  const rsa = maxContainerRestarts(a);
  const rsb = maxContainerRestarts(b);
  if (rsa !== rsb) return rsb - rsa;
  return compareRecentFirst(parseTime(a.metadata?.creationTimestamp), parseTime(b.metadata?.creationTimestamp), uidA, uidB, now);
}

/**
 * Sort pods so the ones to delete first come first. relatedPods (the pods of every ReplicaSet of
 * the same owner) give each pod its rank: the number of active related pods on its node.
 */
export function rankPodsForDeletion(pods: Pod[], relatedPods: Pod[], nowMs?: number): Pod[] {
  const onNode = new Map<string, number>();
  for (const p of relatedPods) {
    if (!isPodActive(p)) continue;
    const n = p.spec?.nodeName ?? '';
    onNode.set(n, (onNode.get(n) ?? 0) + 1);
  }
  const ranked: Ranked[] = pods.map((pod) => ({ pod, rank: onNode.get(pod.spec?.nodeName ?? '') ?? 0 }));
  ranked.sort((x, y) => compare(x, y, nowMs));
  return ranked.map((r) => r.pod);
}

/** The diff pods to delete out of filteredPods. */
export function podsToDelete(filteredPods: Pod[], relatedPods: Pod[], diff: number, nowMs?: number): Pod[] {
  if (diff >= filteredPods.length) return filteredPods.slice();
  return rankPodsForDeletion(filteredPods, relatedPods, nowMs).slice(0, diff);
}

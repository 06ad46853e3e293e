// Pod state predicates shared by the workload controllers (upstream podutil / controller_utils).
import type { Pod } from 'kubernetes-types/core/v1.js';
import { parseTime } from './timestamps.js';

export function podReadyCondition(pod: Pod) {
  return pod.status?.conditions?.find((c) => c.type === 'Ready');
}

export function isPodReady(pod: Pod): boolean {
  return podReadyCondition(pod)?.status === 'True';
}

/** Counts toward a controller's replicas: not finished and not being deleted. */
export function isPodActive(pod: Pod): boolean {
  const phase = pod.status?.phase;
  return phase !== 'Succeeded' && phase !== 'Failed' && !pod.metadata?.deletionTimestamp;
}

/** Ready for at least minReadySeconds (strictly longer, as upstream compares with Before). */
export function isPodAvailable(pod: Pod, minReadySeconds: number, nowMs: number): boolean {
  if (!isPodReady(pod)) return false;
  if (!minReadySeconds) return true;
  const since = parseTime(podReadyCondition(pod)?.lastTransitionTime);
  return since !== undefined && since + minReadySeconds * 1000 < nowMs;
}

/** When the pod turned ready, or undefined when it is not ready. */
export function podReadySince(pod: Pod): number | undefined {
  return isPodReady(pod) ? parseTime(podReadyCondition(pod)?.lastTransitionTime) : undefined;
}

export function maxContainerRestarts(pod: Pod): number {
  let max = 0;
  for (const c of pod.status?.containerStatuses ?? []) max = Math.max(max, c.restartCount ?? 0);
  return max;
}

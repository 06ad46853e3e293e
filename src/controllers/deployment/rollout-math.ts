// Rollout arithmetic of the Deployment controller (upstream deployment/util): pure functions over
// a Deployment and its ReplicaSets. Fields the API server defaults (replicas, strategy, …) are
// read with their defaults so the controller also behaves on objects that skipped defaulting.
import type { Deployment, ReplicaSet } from 'kubernetes-types/apps/v1.js';
import { scaledValue } from '../../api/intstr.js';
import { parseTime } from '../timestamps.js';

export const DEFAULT_SURGE = '25%';
export const DEFAULT_UNAVAILABLE = '25%';

export function replicasOf(d: Deployment): number {
  return d.spec?.replicas ?? 1;
}

export function rsReplicas(rs: ReplicaSet | undefined): number {
  return rs?.spec?.replicas ?? 0;
}

export function strategyType(d: Deployment): 'RollingUpdate' | 'Recreate' | string {
  return d.spec?.strategy?.type ?? 'RollingUpdate';
}

export function isRollingUpdate(d: Deployment): boolean {
  return strategyType(d) === 'RollingUpdate';
}

/**
 * maxSurge rounds up, maxUnavailable rounds down; both resolving to 0 would deadlock a rollout,
 * so unavailable becomes 1 then (upstream ResolveFenceposts).
 */
export function resolveFenceposts(
  maxSurge: number | string | undefined,
  maxUnavailable: number | string | undefined,
  desired: number,
): { surge: number; unavailable: number } {
  const surge = scaledValue(maxSurge ?? 0, desired, true);
  let unavailable = scaledValue(maxUnavailable ?? 0, desired, false);
  if (surge === 0 && unavailable === 0) unavailable = 1;
  return { surge, unavailable };
}

function rollingParams(d: Deployment): { surge: number | string; unavailable: number | string } {
  const ru = d.spec?.strategy?.rollingUpdate;
  return { surge: ru?.maxSurge ?? DEFAULT_SURGE, unavailable: ru?.maxUnavailable ?? DEFAULT_UNAVAILABLE };
}

export function maxSurge(d: Deployment): number {
  if (!isRollingUpdate(d)) return 0;
  const p = rollingParams(d);
  return resolveFenceposts(p.surge, p.unavailable, replicasOf(d)).surge;
}

export function maxUnavailable(d: Deployment): number {
  const replicas = replicasOf(d);
  if (!isRollingUpdate(d) || replicas === 0) return 0;
  const p = rollingParams(d);
  const u = resolveFenceposts(p.surge, p.unavailable, replicas).unavailable;
  return Math.min(u, replicas);
}

export function minAvailable(d: Deployment): number {
  return isRollingUpdate(d) ? replicasOf(d) - maxUnavailable(d) : 0;
}

export function sumSpecReplicas(rss: (ReplicaSet | undefined)[]): number {
  return rss.reduce((n, rs) => n + rsReplicas(rs), 0);
}
export function sumStatusReplicas(rss: (ReplicaSet | undefined)[]): number {
  return rss.reduce((n, rs) => n + (rs?.status?.replicas ?? 0), 0);
}
export function sumReadyReplicas(rss: (ReplicaSet | undefined)[]): number {
  return rss.reduce((n, rs) => n + (rs?.status?.readyReplicas ?? 0), 0);
}
export function sumAvailableReplicas(rss: (ReplicaSet | undefined)[]): number {
  return rss.reduce((n, rs) => n + (rs?.status?.availableReplicas ?? 0), 0);
}

/** ReplicaSets with spec.replicas > 0. */
export function activeReplicaSets(rss: (ReplicaSet | undefined)[]): ReplicaSet[] {
  return rss.filter((rs): rs is ReplicaSet => !!rs && rsReplicas(rs) > 0);
}

/** How many replicas the new ReplicaSet should have at this step of a rollout. */
export function newRSNewReplicas(d: Deployment, allRSs: (ReplicaSet | undefined)[], newRS: ReplicaSet): number {
  const replicas = replicasOf(d);
  switch (strategyType(d)) {
    case 'RollingUpdate': {
      const surge = scaledValue(rollingParams(d).surge, replicas, true);
      const current = sumSpecReplicas(allRSs);
      const maxTotal = replicas + surge;
      if (current >= maxTotal) return rsReplicas(newRS);
      const scaleUp = Math.min(maxTotal - current, replicas - rsReplicas(newRS));
      return rsReplicas(newRS) + scaleUp;
    }
    case 'Recreate':
      return replicas;
    default:
      throw new Error(`deployment type ${strategyType(d)} isn't supported`);
  }
}

/** The new RS has all the replicas and all of them are available. */
export function isSaturated(d: Deployment, rs: ReplicaSet | undefined): boolean {
  if (!rs) return false;
  const desired = intAnnotation(rs, 'deployment.kubernetes.io/desired-replicas');
  const replicas = replicasOf(d);
  return rsReplicas(rs) === replicas && desired === replicas && (rs.status?.availableReplicas ?? 0) === replicas;
}

export function intAnnotation(rs: ReplicaSet, key: string): number | undefined {
  const v = rs.metadata?.annotations?.[key];
  if (v === undefined || !/^-?\d+$/.test(v)) return undefined;
  return Number(v);
}

/** Go's math.Round: half away from zero. */
function roundHalfAway(x: number): number {
  return x < 0 ? -Math.round(-x) : Math.round(x);
}

function replicaSetFraction(rs: ReplicaSet, d: Deployment): number {
  const replicas = replicasOf(d);
  if (replicas === 0) return -rsReplicas(rs);
  const deploymentReplicas = replicas + maxSurge(d);
  const annotated = intAnnotation(rs, 'deployment.kubernetes.io/max-replicas') ?? d.status?.replicas ?? 0;
  if (annotated === 0) return 0;
  const newSize = (rsReplicas(rs) * deploymentReplicas) / annotated;
  return roundHalfAway(newSize) - rsReplicas(rs);
}

/** The share of a scaling event (toAdd, of which added is already handed out) this RS takes. */
export function getProportion(rs: ReplicaSet | undefined, d: Deployment, toAdd: number, added: number): number {
  if (!rs || rsReplicas(rs) === 0 || toAdd === 0 || toAdd === added) return 0;
  const fraction = replicaSetFraction(rs, d);
  const allowed = toAdd - added;
  return toAdd > 0 ? Math.min(fraction, allowed) : Math.max(fraction, allowed);
}

function created(rs: ReplicaSet): number {
  return parseTime(rs.metadata?.creationTimestamp) ?? 0;
}

/** Oldest first; ties by name (upstream ReplicaSetsByCreationTimestamp). */
export function byCreationTimestamp(a: ReplicaSet, b: ReplicaSet): number {
  const d = created(a) - created(b);
  if (d !== 0) return d;
  return (a.metadata?.name ?? '') < (b.metadata?.name ?? '') ? -1 : 1;
}

/** Larger first; equal sizes newer first (scaling up). */
export function bySizeNewer(a: ReplicaSet, b: ReplicaSet): number {
  if (rsReplicas(a) === rsReplicas(b)) return -byCreationTimestamp(a, b);
  return rsReplicas(b) - rsReplicas(a);
}

/** Larger first; equal sizes older first (scaling down). */
export function bySizeOlder(a: ReplicaSet, b: ReplicaSet): number {
  if (rsReplicas(a) === rsReplicas(b)) return byCreationTimestamp(a, b);
  return rsReplicas(b) - rsReplicas(a);
}

/** The only active RS, or the newest one when none is active; undefined when several are active. */
export function findActiveOrLatest(newRS: ReplicaSet | undefined, oldRSs: ReplicaSet[]): ReplicaSet | undefined {
  if (!newRS && oldRSs.length === 0) return undefined;
  const newestFirst = oldRSs.slice().sort((a, b) => -byCreationTimestamp(a, b));
  const active = activeReplicaSets([...newestFirst, newRS]);
  if (active.length === 0) return newRS ?? newestFirst[0];
  if (active.length === 1) return active[0];
  return undefined;
}

/**
 * How each ReplicaSet's size changes when a RollingUpdate deployment is scaled mid-rollout
 * (upstream DeploymentController.scale, proportional branch). Returns the target size per RS name
 * and the scaling direction.
 */
export function proportionalScale(d: Deployment, newRS: ReplicaSet | undefined, oldRSs: ReplicaSet[]): { sizes: Map<string, number>; order: ReplicaSet[]; operation: 'up' | 'down' | '' } {
  const all = activeReplicaSets([...oldRSs, newRS]);
  const allReplicas = sumSpecReplicas(all);
  const replicas = replicasOf(d);
  const allowed = replicas > 0 ? replicas + maxSurge(d) : 0;
  const toAdd = allowed - allReplicas;
  let operation: 'up' | 'down' | '' = '';
  if (toAdd > 0) {
    all.sort(bySizeNewer);
    operation = 'up';
  } else if (toAdd < 0) {
    all.sort(bySizeOlder);
    operation = 'down';
  }
  const sizes = new Map<string, number>();
  let added = 0;
  for (const rs of all) {
    if (toAdd !== 0) {
      const p = getProportion(rs, d, toAdd, added);
      sizes.set(rs.metadata!.name!, rsReplicas(rs) + p);
      added += p;
    } else {
      sizes.set(rs.metadata!.name!, rsReplicas(rs));
    }
  }
  if (all.length > 0 && toAdd !== 0) {
    // Leftovers go to the largest replica set.
    const first = all[0].metadata!.name!;
    sizes.set(first, Math.max(0, sizes.get(first)! + toAdd - added));
  }
  return { sizes, order: all, operation };
}

/** How far old RSs may be scaled down in one rolling-update step (upstream reconcileOldReplicaSets). */
export function maxScaledDown(d: Deployment, allRSs: ReplicaSet[], newRS: ReplicaSet): number {
  const allPods = sumSpecReplicas(allRSs);
  const minAvail = replicasOf(d) - maxUnavailable(d);
  const newRSUnavailable = rsReplicas(newRS) - (newRS.status?.availableReplicas ?? 0);
  return allPods - minAvail - newRSUnavailable;
}

// Deployment status and conditions (upstream calculateStatus, syncRolloutStatus and the
// progress predicates): pure functions of the deployment, its ReplicaSets and the time.
import type { Deployment, DeploymentCondition, DeploymentStatus, ReplicaSet } from 'kubernetes-types/apps/v1.js';
import { getCondition, removeCondition, setCondition } from '../conditions.js';
import { parseTime, rfc3339 } from '../timestamps.js';
import { maxUnavailable, replicasOf, sumAvailableReplicas, sumReadyReplicas, sumSpecReplicas, sumStatusReplicas } from './rollout-math.js';

export const PROGRESSING = 'Progressing';
export const AVAILABLE = 'Available';
export const REPLICA_FAILURE = 'ReplicaFailure';

// Condition reasons (upstream deployment/util).
export const REASON_RS_UPDATED = 'ReplicaSetUpdated';
export const REASON_FAILED_RS_CREATE = 'ReplicaSetCreateError';
export const REASON_NEW_RS_CREATED = 'NewReplicaSetCreated';
export const REASON_FOUND_NEW_RS = 'FoundNewReplicaSet';
export const REASON_NEW_RS_AVAILABLE = 'NewReplicaSetAvailable';
export const REASON_TIMED_OUT = 'ProgressDeadlineExceeded';
export const REASON_PAUSED = 'DeploymentPaused';
export const REASON_RESUMED = 'DeploymentResumed';
export const REASON_MIN_AVAILABLE = 'MinimumReplicasAvailable';
export const REASON_MIN_UNAVAILABLE = 'MinimumReplicasUnavailable';

const MAX_INT32 = 2147483647;

/** The API server defaults progressDeadlineSeconds to 600; MaxInt32 means "no deadline". */
export function progressDeadlineSeconds(d: Deployment): number | undefined {
  const v = d.spec?.progressDeadlineSeconds ?? 600;
  return v === MAX_INT32 ? undefined : v;
}

export function hasProgressDeadline(d: Deployment): boolean {
  return progressDeadlineSeconds(d) !== undefined;
}

export function revisionHistoryLimit(d: Deployment): number | undefined {
  const v = d.spec?.revisionHistoryLimit ?? 10;
  return v === MAX_INT32 ? undefined : v;
}

export function newDeploymentCondition(type: string, status: string, reason: string, message: string, nowMs: number): DeploymentCondition {
  const t = rfc3339(nowMs);
  return { type, status, lastUpdateTime: t, lastTransitionTime: t, reason, message };
}

/** Status as the sum of the ReplicaSets, plus the Available condition. */
export function calculateStatus(allRSs: (ReplicaSet | undefined)[], newRS: ReplicaSet | undefined, d: Deployment, nowMs: number): DeploymentStatus {
  const available = sumAvailableReplicas(allRSs);
  const total = sumSpecReplicas(allRSs);
  const unavailable = Math.max(0, total - available);
  const status: DeploymentStatus = {};
  const generation = d.metadata?.generation;
  if (generation) status.observedGeneration = generation;
  // Zero counts are omitted on the wire (omitempty), as upstream serializes them.
  const replicas = sumStatusReplicas(allRSs);
  const updated = sumStatusReplicas([newRS]);
  const ready = sumReadyReplicas(allRSs);
  if (replicas) status.replicas = replicas;
  if (updated) status.updatedReplicas = updated;
  if (ready) status.readyReplicas = ready;
  if (available) status.availableReplicas = available;
  if (unavailable) status.unavailableReplicas = unavailable;
  if (d.status?.collisionCount !== undefined) status.collisionCount = d.status.collisionCount;
  let conds = (d.status?.conditions ?? []).map((c) => ({ ...c }));
  if (available >= replicasOf(d) - maxUnavailable(d)) {
    conds = setCondition(conds, newDeploymentCondition(AVAILABLE, 'True', REASON_MIN_AVAILABLE, 'Deployment has minimum availability.', nowMs));
  } else {
    conds = setCondition(conds, newDeploymentCondition(AVAILABLE, 'False', REASON_MIN_UNAVAILABLE, 'Deployment does not have minimum availability.', nowMs));
  }
  if (conds.length) status.conditions = conds;
  return status;
}

/** All replicas updated and available, and the latest generation observed. */
export function deploymentComplete(d: Deployment, s: DeploymentStatus): boolean {
  const r = replicasOf(d);
  return (s.updatedReplicas ?? 0) === r && (s.replicas ?? 0) === r && (s.availableReplicas ?? 0) === r && (s.observedGeneration ?? 0) >= (d.metadata?.generation ?? 0);
}

/** Something moved forward since the last recorded status. */
export function deploymentProgressing(d: Deployment, s: DeploymentStatus): boolean {
  const old = d.status ?? {};
  const oldOld = (old.replicas ?? 0) - (old.updatedReplicas ?? 0);
  const newOld = (s.replicas ?? 0) - (s.updatedReplicas ?? 0);
  return (
    (s.updatedReplicas ?? 0) > (old.updatedReplicas ?? 0) ||
    newOld < oldOld ||
    (s.readyReplicas ?? 0) > (old.readyReplicas ?? 0) ||
    (s.availableReplicas ?? 0) > (old.availableReplicas ?? 0)
  );
}

export function deploymentTimedOut(d: Deployment, s: DeploymentStatus, nowMs: number): boolean {
  const deadline = progressDeadlineSeconds(d);
  if (deadline === undefined) return false;
  const cond = getCondition(s.conditions, PROGRESSING);
  if (!cond) return false;
  if (cond.reason === REASON_NEW_RS_AVAILABLE) return false;
  if (cond.reason === REASON_TIMED_OUT) return true;
  const from = parseTime(cond.lastUpdateTime);
  if (from === undefined) return false;
  return from + deadline * 1000 < nowMs;
}

function replicaFailures(allRSs: (ReplicaSet | undefined)[], newRS: ReplicaSet | undefined): DeploymentCondition[] {
  const toDeployment = (c: { type: string; status: string; reason?: string; message?: string; lastTransitionTime?: string }): DeploymentCondition => ({
    type: c.type,
    status: c.status,
    lastTransitionTime: c.lastTransitionTime,
    lastUpdateTime: c.lastTransitionTime,
    reason: c.reason,
    message: c.message,
  });
  const fromNew = (newRS?.status?.conditions ?? []).filter((c) => c.type === REPLICA_FAILURE).map(toDeployment);
  if (fromNew.length) return fromNew;
  const out: DeploymentCondition[] = [];
  for (const rs of allRSs) for (const c of rs?.status?.conditions ?? []) if (c.type === REPLICA_FAILURE) out.push(toDeployment(c));
  return out;
}

/**
 * The status after a rollout step, with the Progressing condition advanced (upstream
 * syncRolloutStatus minus the write).
 */
export function rolloutStatus(allRSs: (ReplicaSet | undefined)[], newRS: ReplicaSet | undefined, d: Deployment, nowMs: number): DeploymentStatus {
  const s = calculateStatus(allRSs, newRS, d, nowMs);
  if (!hasProgressDeadline(d)) s.conditions = removeCondition(s.conditions, PROGRESSING);
  const current = getCondition(d.status?.conditions, PROGRESSING);
  const isComplete = (s.replicas ?? 0) === (s.updatedReplicas ?? 0) && current?.reason === REASON_NEW_RS_AVAILABLE;
  if (hasProgressDeadline(d) && !isComplete) {
    const name = d.metadata?.name;
    if (deploymentComplete(d, s)) {
      const msg = newRS ? `ReplicaSet "${newRS.metadata?.name}" has successfully progressed.` : `Deployment "${name}" has successfully progressed.`;
      s.conditions = setCondition(s.conditions, newDeploymentCondition(PROGRESSING, 'True', REASON_NEW_RS_AVAILABLE, msg, nowMs));
    } else if (deploymentProgressing(d, s)) {
      const msg = newRS ? `ReplicaSet "${newRS.metadata?.name}" is progressing.` : `Deployment "${name}" is progressing.`;
      const cond = newDeploymentCondition(PROGRESSING, 'True', REASON_RS_UPDATED, msg, nowMs);
      // Progress refreshes lastUpdateTime even with an unchanged reason; the transition time
      // is kept while the condition stays True.
      if (current) {
        if (current.status === 'True') cond.lastTransitionTime = current.lastTransitionTime;
        s.conditions = removeCondition(s.conditions, PROGRESSING);
      }
      s.conditions = setCondition(s.conditions, cond);
    } else if (deploymentTimedOut(d, s, nowMs)) {
      const msg = newRS ? `ReplicaSet "${newRS.metadata?.name}" has timed out progressing.` : `Deployment "${name}" has timed out progressing.`;
      s.conditions = setCondition(s.conditions, newDeploymentCondition(PROGRESSING, 'False', REASON_TIMED_OUT, msg, nowMs));
    }
  }
  const failures = replicaFailures(allRSs, newRS);
  s.conditions = failures.length ? setCondition(s.conditions, failures[0]) : removeCondition(s.conditions, REPLICA_FAILURE);
  if (s.conditions && s.conditions.length === 0) delete s.conditions;
  return s;
}

/**
 * When to look at a stuck rollout again so ProgressDeadlineExceeded is reported on time, in ms;
 * undefined when no check is needed (upstream requeueStuckDeployment).
 */
export function stuckRequeueAfter(d: Deployment, s: DeploymentStatus, nowMs: number): number | undefined {
  const deadline = progressDeadlineSeconds(d);
  const cond = getCondition(d.status?.conditions, PROGRESSING);
  if (deadline === undefined || !cond) return undefined;
  if (deploymentComplete(d, s) || cond.reason === REASON_TIMED_OUT) return undefined;
  const from = parseTime(cond.lastUpdateTime) ?? nowMs;
  const after = from + deadline * 1000 - nowMs;
  // Upstream re-queues (rate limited) right away when less than a second is left; one second
  // past the deadline guarantees the strict "after the deadline" check then holds.
  return Math.max(after, 0) + 1000;
}

/** Status equality ignoring omitted-vs-zero differences. */
export function sameDeploymentStatus(a: DeploymentStatus | undefined, b: DeploymentStatus | undefined): boolean {
  const norm = (s: DeploymentStatus | undefined) =>
    JSON.stringify({
      o: s?.observedGeneration ?? 0,
      r: s?.replicas ?? 0,
      u: s?.updatedReplicas ?? 0,
      rd: s?.readyReplicas ?? 0,
      a: s?.availableReplicas ?? 0,
      un: s?.unavailableReplicas ?? 0,
      c: s?.collisionCount ?? null,
      cs: (s?.conditions ?? []).map((c) => [c.type, c.status, c.reason ?? '', c.message ?? '', c.lastUpdateTime ?? '', c.lastTransitionTime ?? '']),
    });
  return norm(a) === norm(b);
}

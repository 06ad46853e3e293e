// The annotations through which the Deployment controller records revisions and sizes on its
// ReplicaSets (upstream deployment/util). kubectl reads them for rollout history/undo.
import type { Deployment, ReplicaSet } from 'kubernetes-types/apps/v1.js';
import { maxSurge, replicasOf } from './rollout-math.js';

export const REVISION = 'deployment.kubernetes.io/revision';
export const REVISION_HISTORY = 'deployment.kubernetes.io/revision-history';
export const DESIRED_REPLICAS = 'deployment.kubernetes.io/desired-replicas';
export const MAX_REPLICAS = 'deployment.kubernetes.io/max-replicas';
export const CHANGE_CAUSE = 'kubernetes.io/change-cause';
export const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';
export const DEPRECATED_ROLLBACK_TO = 'deprecated.deployment.rollback.to';

/** Upstream keeps revision-history under ~2000 characters. */
export const MAX_REVISION_HISTORY_CHARS = 2000;

/** Deployment annotations that are not copied onto its ReplicaSets. */
const SKIPPED = new Set([LAST_APPLIED, REVISION, REVISION_HISTORY, DESIRED_REPLICAS, MAX_REPLICAS, DEPRECATED_ROLLBACK_TO]);

export function skipCopyAnnotation(key: string): boolean {
  return SKIPPED.has(key);
}

/** The object's revision number; 0 when absent, undefined when unparseable. */
export function revisionOf(obj: { metadata?: { annotations?: Record<string, string> } } | undefined): number | undefined {
  const v = obj?.metadata?.annotations?.[REVISION];
  if (v === undefined) return 0;
  return /^\d+$/.test(v) ? Number(v) : undefined;
}

export function maxRevision(rss: ReplicaSet[]): number {
  let max = 0;
  for (const rs of rss) {
    const v = revisionOf(rs);
    if (v !== undefined && v > max) max = v;
  }
  return max;
}

function annotationsOf(obj: { metadata?: { annotations?: Record<string, string> } }): Record<string, string> {
  obj.metadata ??= {};
  obj.metadata.annotations ??= {};
  return obj.metadata.annotations;
}

/** Copy the deployment's annotations (except the controller's own) onto the RS. True if changed. */
export function copyDeploymentAnnotations(d: Deployment, rs: ReplicaSet): boolean {
  const target = annotationsOf(rs);
  let changed = false;
  for (const [k, v] of Object.entries(d.metadata?.annotations ?? {})) {
    if (skipCopyAnnotation(k) || target[k] === v) continue;
    target[k] = v;
    changed = true;
  }
  return changed;
}

export function setReplicasAnnotations(rs: ReplicaSet, desired: number, max: number): boolean {
  const a = annotationsOf(rs);
  let changed = false;
  if (a[DESIRED_REPLICAS] !== String(desired)) {
    a[DESIRED_REPLICAS] = String(desired);
    changed = true;
  }
  if (a[MAX_REPLICAS] !== String(max)) {
    a[MAX_REPLICAS] = String(max);
    changed = true;
  }
  return changed;
}

export function replicasAnnotationsNeedUpdate(rs: ReplicaSet, desired: number, max: number): boolean {
  const a = rs.metadata?.annotations ?? {};
  return a[DESIRED_REPLICAS] !== String(desired) || a[MAX_REPLICAS] !== String(max);
}

export function setDeploymentReplicasAnnotations(d: Deployment, rs: ReplicaSet): boolean {
  return setReplicasAnnotations(rs, replicasOf(d), replicasOf(d) + maxSurge(d));
}

/**
 * Bring the new RS's annotations up to date: copied deployment annotations, the revision (only
 * ever raised — this is how a re-used RS gets a fresh number on rollback, 3 → 5), the history of
 * revisions it held before, and for a freshly built RS the desired/max replica annotations.
 * Returns true when anything changed.
 */
export function setNewReplicaSetAnnotations(d: Deployment, rs: ReplicaSet, newRevision: number, exists: boolean): boolean {
  let changed = copyDeploymentAnnotations(d, rs);
  const a = annotationsOf(rs);
  const oldRevision = a[REVISION];
  const hadRevision = oldRevision !== undefined;
  let oldInt = 0;
  if (hadRevision) {
    if (!/^\d+$/.test(oldRevision)) return false;
    oldInt = Number(oldRevision);
  }
  if (oldInt < newRevision) {
    a[REVISION] = String(newRevision);
    changed = true;
  }
  // Upstream appends the previous revision whenever anything changed on a revisioned RS.
  if (hadRevision && changed && oldInt < newRevision) {
    const history = a[REVISION_HISTORY] ? a[REVISION_HISTORY].split(',') : [];
    history.push(oldRevision);
    while (history.length > 1 && history.join(',').length > MAX_REVISION_HISTORY_CHARS) history.shift();
    a[REVISION_HISTORY] = history.join(',');
  }
  if (!exists && setDeploymentReplicasAnnotations(d, rs)) changed = true;
  return changed;
}

/** Set deployment.kubernetes.io/revision on the deployment. True if changed. */
export function setDeploymentRevision(d: Deployment, revision: string): boolean {
  const a = annotationsOf(d);
  if (a[REVISION] === revision) return false;
  a[REVISION] = revision;
  return true;
}

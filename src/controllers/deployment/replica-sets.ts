// Which of a Deployment's ReplicaSets is "new" (its template equals the deployment's, ignoring
// pod-template-hash) and which are old (upstream FindNewReplicaSet / FindOldReplicaSets).
import type { Deployment, ReplicaSet } from 'kubernetes-types/apps/v1.js';
import type { PodTemplateSpec } from 'kubernetes-types/core/v1.js';
import { byCreationTimestamp, rsReplicas } from './rollout-math.js';
import { POD_TEMPLATE_HASH_LABEL } from './template-hash.js';

/**
 * Semantic deep equality as apimachinery's equality.Semantic: a missing field, null, an empty
 * list and an empty map are all the same.
 */
export function semanticEqual(a: unknown, b: unknown): boolean {
  const emptyish = (v: unknown) =>
    v === undefined || v === null || (Array.isArray(v) && v.length === 0) || (typeof v === 'object' && !Array.isArray(v) && Object.keys(v as object).length === 0);
  if (emptyish(a) && emptyish(b)) {
    // [] vs {} are different types upstream but never appear in the same field.
    return true;
  }
  if (a === b) return true;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    return a.length === bb.length && a.every((x, i) => semanticEqual(x, bb[i]));
  }
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  const keys = new Set([...Object.keys(ao), ...Object.keys(bo)]);
  for (const k of keys) if (!semanticEqual(ao[k], bo[k])) return false;
  return true;
}

function withoutHash(t: PodTemplateSpec | undefined): PodTemplateSpec {
  const copy: PodTemplateSpec = { ...(t ?? {}) };
  if (t?.metadata?.labels && POD_TEMPLATE_HASH_LABEL in t.metadata.labels) {
    const labels = { ...t.metadata.labels };
    delete labels[POD_TEMPLATE_HASH_LABEL];
    copy.metadata = { ...t.metadata, labels };
  }
  return copy;
}

export function equalIgnoreHash(a: PodTemplateSpec | undefined, b: PodTemplateSpec | undefined): boolean {
  return semanticEqual(withoutHash(a), withoutHash(b));
}

/** The oldest RS whose template matches the deployment's. */
export function findNewReplicaSet(d: Deployment, rsList: ReplicaSet[]): ReplicaSet | undefined {
  const sorted = rsList.slice().sort(byCreationTimestamp);
  return sorted.find((rs) => equalIgnoreHash(rs.spec?.template, d.spec?.template));
}

/** Old RSs: all but the new one; `withPods` only those with spec.replicas > 0. */
export function findOldReplicaSets(d: Deployment, rsList: ReplicaSet[]): { withPods: ReplicaSet[]; all: ReplicaSet[] } {
  const newRS = findNewReplicaSet(d, rsList);
  const all = rsList.filter((rs) => !newRS || rs.metadata?.uid !== newRS.metadata?.uid);
  return { withPods: all.filter((rs) => rsReplicas(rs) !== 0), all };
}

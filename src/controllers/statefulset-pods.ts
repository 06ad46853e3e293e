// A StatefulSet pod's stable identity (upstream stateful_set_utils): name "<set>-<ordinal>",
// hostname = name, subdomain = serviceName, the pod-name / pod-index labels, and one claim per
// volumeClaimTemplate named "<template>-<set>-<ordinal>"; plus the ownerReferences a claim
// carries under persistentVolumeClaimRetentionPolicy (whenDeleted / whenScaled).
import type { StatefulSet } from 'kubernetes-types/apps/v1.js';
import type { PersistentVolumeClaim, Pod } from 'kubernetes-types/core/v1.js';
import type { OwnerReference } from 'kubernetes-types/meta/v1.js';
import type { KubeObject } from '../client/api.js';
import { clone } from '../client/informer.js';
import { newControllerRef } from './controller-ref.js';
import { CONTROLLER_REVISION_HASH_LABEL } from './controllerrevision.js';

export const POD_NAME_LABEL = 'statefulset.kubernetes.io/pod-name';
export const POD_INDEX_LABEL = 'apps.kubernetes.io/pod-index';

/** The ordinal of a pod named "<parent>-<n>", or -1 when the name has no ordinal. */
export function ordinalOf(pod: { metadata?: { name?: string } }): number {
  const m = /^(.*)-(\d+)$/.exec(pod.metadata?.name ?? '');
  if (!m) return -1;
  const n = Number(m[2]);
  return Number.isSafeInteger(n) ? n : -1;
}

function parentOf(pod: { metadata?: { name?: string } }): string | undefined {
  return /^(.*)-(\d+)$/.exec(pod.metadata?.name ?? '')?.[1];
}

/** A pod is a member of the set when its name is "<set>-<ordinal>". */
export function isMemberOf(set: StatefulSet, pod: Pod): boolean {
  return parentOf(pod) === set.metadata?.name;
}

export function startOrdinal(set: StatefulSet): number {
  return set.spec?.ordinals?.start ?? 0;
}

/** Last ordinal of the desired range (start + replicas - 1). */
export function endOrdinal(set: StatefulSet): number {
  return startOrdinal(set) + (set.spec?.replicas ?? 1) - 1;
}

export function inOrdinalRange(set: StatefulSet, pod: Pod): boolean {
  const o = ordinalOf(pod);
  return o >= startOrdinal(set) && o <= endOrdinal(set);
}

export function podName(set: StatefulSet, ordinal: number): string {
  return `${set.metadata!.name}-${ordinal}`;
}

export function claimName(set: StatefulSet, templateName: string, ordinal: number): string {
  return `${templateName}-${set.metadata!.name}-${ordinal}`;
}

export function revisionOf(pod: Pod): string | undefined {
  return pod.metadata?.labels?.[CONTROLLER_REVISION_HASH_LABEL];
}

/** The claims a pod of the set should have, keyed by template (= volume) name. */
export function claimsFor(set: StatefulSet, ordinal: number): Map<string, PersistentVolumeClaim> {
  const out = new Map<string, PersistentVolumeClaim>();
  const selectorLabels = set.spec?.selector?.matchLabels ?? {};
  for (const t of set.spec?.volumeClaimTemplates ?? []) {
    const tplName = t.metadata?.name ?? '';
    const claim = clone(t);
    const { status: _s, ...rest } = claim;
    const metadata: PersistentVolumeClaim['metadata'] = {
      ...(claim.metadata ?? {}),
      name: claimName(set, tplName, ordinal),
      namespace: set.metadata?.namespace,
      labels: { ...(claim.metadata?.labels ?? {}), ...selectorLabels },
    };
    out.set(tplName, { ...rest, apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata });
  }
  return out;
}

/** Pod volumes: one persistentVolumeClaim volume per template, replacing same-named template volumes. */
function withStorage(set: StatefulSet, pod: Pod, ordinal: number): void {
  const claims = claimsFor(set, ordinal);
  const volumes = [...claims.entries()].map(([name, c]) => ({ name, persistentVolumeClaim: { claimName: c.metadata!.name! } }));
  for (const v of pod.spec?.volumes ?? []) if (!claims.has(v.name)) volumes.push(v as (typeof volumes)[number]);
  pod.spec!.volumes = volumes;
}

function withIdentity(set: StatefulSet, pod: Pod, ordinal: number): void {
  const name = podName(set, ordinal);
  pod.metadata!.name = name;
  pod.metadata!.labels = { ...(pod.metadata!.labels ?? {}), [POD_NAME_LABEL]: name, [POD_INDEX_LABEL]: String(ordinal) };
  pod.spec!.hostname = name;
  pod.spec!.subdomain = set.spec?.serviceName;
}

/** The pod for `ordinal` from `set`'s template (which may be a revision's template), at `revision`. */
export function newStatefulSetPod(set: StatefulSet, ordinal: number, revision: string): Pod {
  const t = set.spec?.template ?? {};
  const pod: Pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      namespace: set.metadata?.namespace,
      labels: { ...(t.metadata?.labels ?? {}), [CONTROLLER_REVISION_HASH_LABEL]: revision },
      ownerReferences: [newControllerRef(set as KubeObject, 'apps/v1', 'StatefulSet')],
    },
    spec: clone(t.spec ?? { containers: [] }),
  };
  if (t.metadata?.annotations) pod.metadata!.annotations = { ...t.metadata.annotations };
  if (t.metadata?.finalizers) pod.metadata!.finalizers = [...t.metadata.finalizers];
  withIdentity(set, pod, ordinal);
  withStorage(set, pod, ordinal);
  return pod;
}

export function identityMatches(set: StatefulSet, pod: Pod): boolean {
  const o = ordinalOf(pod);
  const name = podName(set, o);
  return (
    o >= 0 &&
    pod.metadata?.name === name &&
    pod.metadata?.namespace === set.metadata?.namespace &&
    pod.metadata?.labels?.[POD_NAME_LABEL] === name &&
    pod.metadata?.labels?.[POD_INDEX_LABEL] === String(o) &&
    pod.spec?.hostname === name &&
    (pod.spec?.subdomain ?? '') === (set.spec?.serviceName ?? '')
  );
}

/** Labels the controller may restore on a running pod (spec fields are immutable). */
export function identityLabelPatch(set: StatefulSet, pod: Pod): Record<string, string> | undefined {
  const o = ordinalOf(pod);
  const name = podName(set, o);
  const want: Record<string, string> = { [POD_NAME_LABEL]: name, [POD_INDEX_LABEL]: String(o) };
  const missing = Object.entries(want).filter(([k, v]) => pod.metadata?.labels?.[k] !== v);
  return missing.length ? Object.fromEntries(missing) : undefined;
}

// ---- claim ownership under the retention policy ----

function hasOwnerRef(obj: KubeObject, uid: string | undefined): boolean {
  return (obj.metadata?.ownerReferences ?? []).some((r) => r.uid === uid);
}

export interface ClaimOwnerRefs {
  /** The desired ownerReferences of the claim. */
  refs: OwnerReference[];
  changed: boolean;
}

/**
 * The ownerReferences a claim should carry (upstream updateClaimOwnerRefForSetAndPod):
 * whenDeleted=Delete → owned by the set (deleted with it); whenScaled=Delete → owned by its pod
 * once the pod is scaled away (deleted with the pod). Retain/Retain → neither.
 */
export function claimOwnerRefs(claim: KubeObject, set: StatefulSet & KubeObject, pod: Pod & KubeObject): ClaimOwnerRefs {
  const policy = set.spec?.persistentVolumeClaimRetentionPolicy ?? {};
  const whenDeleted = policy.whenDeleted ?? 'Retain';
  const whenScaled = policy.whenScaled ?? 'Retain';
  const scaledDown = !inOrdinalRange(set, pod);
  const wantSet = whenDeleted === 'Delete' && !(whenScaled === 'Delete' && scaledDown);
  const wantPod = whenScaled === 'Delete' && scaledDown;
  const setUid = set.metadata?.uid;
  const podUid = pod.metadata?.uid;
  let refs = [...(claim.metadata?.ownerReferences ?? [])];
  let changed = false;
  const ensure = (want: boolean, uid: string | undefined, ref: () => OwnerReference) => {
    if (!uid) return;
    const has = hasOwnerRef(claim, uid);
    if (want && !has) {
      refs.push(ref());
      changed = true;
    } else if (!want && has) {
      refs = refs.filter((r) => r.uid !== uid);
      changed = true;
    }
  };
  ensure(wantSet, setUid, () => ({ apiVersion: 'apps/v1', kind: 'StatefulSet', name: set.metadata!.name!, uid: setUid! }));
  ensure(wantPod, podUid, () => ({ apiVersion: 'v1', kind: 'Pod', name: pod.metadata!.name!, uid: podUid! }));
  return { refs, changed };
}

/**
 * A claim is stale for a pod about to be created when it is owned by an earlier pod of the same
 * name (scaled away with whenScaled=Delete): the garbage collector is about to delete it.
 */
export function claimIsStale(claim: KubeObject | undefined, podUid: string | undefined): boolean {
  if (!claim) return false;
  return (claim.metadata?.ownerReferences ?? []).some((r) => r.kind === 'Pod' && r.uid !== podUid);
}

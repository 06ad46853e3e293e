// Which PersistentVolume a claim may bind to (upstream pv controller findBestMatchForClaim):
// a volume pre-bound to the claim wins outright; otherwise the smallest Available volume with
// the claim's class, volume mode, every requested access mode, at least the requested capacity
// and labels matching the claim's selector. Unbound volumes of a WaitForFirstConsumer class are
// left to the scheduler, which knows the node.
import type { PersistentVolume, PersistentVolumeClaim } from 'kubernetes-types/core/v1.js';
import type { StorageClass } from 'kubernetes-types/storage/v1.js';
import { compareQuantity, tryParseQuantity } from '../../api/quantity.js';
import { labelSelectorMatcher } from '../label-selector.js';

export const BETA_STORAGE_CLASS_ANNOTATION = 'volume.beta.kubernetes.io/storage-class';
export const DEFAULT_CLASS_ANNOTATION = 'storageclass.kubernetes.io/is-default-class';
const BETA_DEFAULT_CLASS_ANNOTATION = 'storageclass.beta.kubernetes.io/is-default-class';

/** The claim's class: the legacy annotation wins over spec.storageClassName, as upstream. */
export function claimClass(pvc: PersistentVolumeClaim): string {
  return pvc.metadata?.annotations?.[BETA_STORAGE_CLASS_ANNOTATION] ?? pvc.spec?.storageClassName ?? '';
}

/** True when the claim names no class at all (nil, not ""): the default class may be filled in. */
export function claimHasNoClass(pvc: PersistentVolumeClaim): boolean {
  return pvc.spec?.storageClassName == null && pvc.metadata?.annotations?.[BETA_STORAGE_CLASS_ANNOTATION] === undefined;
}

export function volumeClass(pv: PersistentVolume): string {
  return pv.metadata?.annotations?.[BETA_STORAGE_CLASS_ANNOTATION] ?? pv.spec?.storageClassName ?? '';
}

export function isDefaultClass(sc: StorageClass): boolean {
  const a = sc.metadata?.annotations ?? {};
  return a[DEFAULT_CLASS_ANNOTATION] === 'true' || a[BETA_DEFAULT_CLASS_ANNOTATION] === 'true';
}

/** The newest default class (upstream picks the most recently created when several are marked). */
export function defaultClass(classes: StorageClass[]): StorageClass | undefined {
  const defaults = classes.filter(isDefaultClass);
  defaults.sort((a, b) => (b.metadata?.creationTimestamp ?? '').localeCompare(a.metadata?.creationTimestamp ?? '') || (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''));
  return defaults[0];
}

/** The volume's claimRef names this claim (and, when the ref carries a uid, this very claim). */
export function isVolumeBoundToClaim(pv: PersistentVolume, pvc: PersistentVolumeClaim): boolean {
  const ref = pv.spec?.claimRef;
  if (!ref) return false;
  if (ref.name !== pvc.metadata?.name || ref.namespace !== pvc.metadata?.namespace) return false;
  return !ref.uid || ref.uid === pvc.metadata?.uid;
}

function capacityOf(pv: PersistentVolume) {
  return tryParseQuantity(pv.spec?.capacity?.storage);
}

/** Why `pv` cannot serve `pvc` regardless of binding state, or undefined when it can. */
export function volumeMismatch(pv: PersistentVolume, pvc: PersistentVolumeClaim): string | undefined {
  if (volumeClass(pv) !== claimClass(pvc)) return 'storage class mismatch';
  if ((pv.spec?.volumeMode ?? 'Filesystem') !== (pvc.spec?.volumeMode ?? 'Filesystem')) return 'volume mode mismatch';
  const modes = pv.spec?.accessModes ?? [];
  if (!(pvc.spec?.accessModes ?? []).every((m) => modes.includes(m))) return 'access modes mismatch';
  const want = tryParseQuantity(pvc.spec?.resources?.requests?.storage);
  const have = capacityOf(pv);
  if (want && (!have || compareQuantity(have, want) < 0)) return 'insufficient capacity';
  return undefined;
}

export function findBestMatch(pvc: PersistentVolumeClaim, pvs: PersistentVolume[], delayBinding: boolean): PersistentVolume | undefined {
  const selector = pvc.spec?.selector ? labelSelectorMatcher(pvc.spec.selector) : undefined;
  let best: PersistentVolume | undefined;
  for (const pv of pvs) {
    if (pv.metadata?.deletionTimestamp) continue;
    if (pv.spec?.claimRef && !isVolumeBoundToClaim(pv, pvc)) continue;
    if (volumeMismatch(pv, pvc)) continue;
    // Pre-bound (by the user or the scheduler): take it, whatever else holds.
    if (isVolumeBoundToClaim(pv, pvc)) return pv;
    if (delayBinding) continue;
    if ((pv.status?.phase ?? 'Available') !== 'Available') continue;
    if (selector && !selector.matches(pv.metadata?.labels)) continue;
    if (!best || compareQuantity(capacityOf(pv) ?? 0, capacityOf(best) ?? 0) < 0) best = pv;
  }
  return best;
}

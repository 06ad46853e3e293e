// ControllerRef management (upstream ControllerRefManager): a controller claims the objects that
// match its selector — keeping those it owns, adopting matching orphans and releasing owned
// objects whose labels no longer match — by patching metadata.ownerReferences.
import type { OwnerReference } from 'kubernetes-types/meta/v1.js';
import type { ResourceType } from '../api/registry.js';
import { isNotFound, ApiError, type ApiClient, type KubeObject } from '../client/api.js';

export interface LabelMatcher {
  matches(labels: Record<string, string> | undefined): boolean;
}

export function controllerRefOf(obj: KubeObject | undefined): OwnerReference | undefined {
  return obj?.metadata?.ownerReferences?.find((r) => r.controller === true);
}

/**
 * Informer index of objects by the uid of their controller (upstream PodControllerUIDIndex), so a
 * controller's sync looks at its own objects and the namespace's orphans instead of scanning
 * every object in the namespace — which made syncs O(namespace size) and big rollouts quadratic.
 */
export const CONTROLLER_UID_INDEX = 'controllerUid';

/** Index value of objects without a controller: one bucket per namespace. */
function orphanIndexValue(namespace: string | undefined): string {
  return `orphan:${namespace ?? ''}`;
}

export function controllerUidIndexFunc(obj: KubeObject): string[] {
  const ref = controllerRefOf(obj);
  return [ref?.uid ? ref.uid : orphanIndexValue(obj.metadata?.namespace)];
}

/** Reads an informer's index (SharedInformer satisfies this). */
export interface IndexedCache<T> {
  byIndex(index: string, value: string): T[];
}

/**
 * Claim candidates for an owner: the objects it controls plus the orphans of its namespace
 * (needs CONTROLLER_UID_INDEX on the informer).
 */
export function ownedAndOrphans<T extends KubeObject>(cache: IndexedCache<T>, namespace: string | undefined, ownerUid: string | undefined): T[] {
  const orphans = cache.byIndex(CONTROLLER_UID_INDEX, orphanIndexValue(namespace));
  if (!ownerUid) return orphans;
  const owned = cache.byIndex(CONTROLLER_UID_INDEX, ownerUid);
  const out: T[] = [];
  // A uid names one owner, but a reference from another namespace must not count.
  for (const o of owned) if ((o.metadata?.namespace ?? '') === (namespace ?? '')) out.push(o);
  for (const o of orphans) out.push(o);
  return out;
}

export function newControllerRef(owner: KubeObject, apiVersion: string, kind: string): OwnerReference {
  return { apiVersion, kind, name: owner.metadata!.name!, uid: owner.metadata!.uid!, controller: true, blockOwnerDeletion: true };
}

export interface ClaimOptions<T extends KubeObject> {
  client: ApiClient;
  /** Type of the claimed objects. */
  rt: ResourceType;
  owner: KubeObject;
  ownerApiVersion: string;
  ownerKind: string;
  selector: LabelMatcher;
  objects: T[];
  /**
   * Confirms adoption is allowed (upstream re-reads the owner from the API server: same uid and
   * not being deleted). Throws to refuse. Called at most once per claim.
   */
  canAdopt: () => Promise<void>;
}

/** The objects the owner controls after adoption and release. */
export async function claimObjects<T extends KubeObject>(o: ClaimOptions<T>): Promise<T[]> {
  const ownerUid = o.owner.metadata?.uid;
  const ownerDeleting = !!o.owner.metadata?.deletionTimestamp;
  let adoptCheck: Promise<void> | undefined;
  const claimed: T[] = [];
  const errors: unknown[] = [];
  for (const obj of o.objects) {
    const ref = controllerRefOf(obj);
    const matches = o.selector.matches(obj.metadata?.labels);
    try {
      if (ref) {
        if (ref.uid !== ownerUid) continue; // someone else's
        if (matches) {
          claimed.push(obj);
          continue;
        }
        if (ownerDeleting) continue; // the garbage collector takes care of it
        await release(o, obj);
        continue;
      }
      if (ownerDeleting || !matches || obj.metadata?.deletionTimestamp) continue;
      adoptCheck ??= o.canAdopt();
      await adoptCheck;
      const adopted = await adopt(o, obj);
      if (adopted) claimed.push(adopted);
    } catch (e) {
      errors.push(e);
    }
  }
  if (errors.length > 0) throw errors[0];
  return claimed;
}

async function adopt<T extends KubeObject>(o: ClaimOptions<T>, obj: T): Promise<T | undefined> {
  const ref = newControllerRef(o.owner, o.ownerApiVersion, o.ownerKind);
  const patch = { metadata: { ownerReferences: [ref], uid: obj.metadata!.uid } };
  try {
    return await o.client.patch<T>(o.rt, obj.metadata!.namespace, obj.metadata!.name!, 'strategic', patch);
  } catch (e) {
    if (isNotFound(e)) return undefined; // deleted meanwhile: nothing to adopt
    throw e;
  }
}

async function release(o: ClaimOptions<KubeObject>, obj: KubeObject): Promise<void> {
  const patch = { metadata: { ownerReferences: [{ $patch: 'delete', uid: o.owner.metadata!.uid }], uid: obj.metadata!.uid } };
  try {
    await o.client.patch(o.rt, obj.metadata!.namespace, obj.metadata!.name!, 'strategic', patch);
  } catch (e) {
    // Gone, or replaced by a new object with another uid: nothing left to release.
    if (isNotFound(e) || (e instanceof ApiError && e.code === 422)) return;
    throw e;
  }
}

/**
 * Standard canAdopt: re-read the owner (the cache may be stale) and refuse when it was replaced
 * or is being deleted.
 */
export function recheckOwner(client: ApiClient, rt: ResourceType, owner: KubeObject): () => Promise<void> {
  return async () => {
    const fresh = await client.get(rt, owner.metadata?.namespace, owner.metadata!.name!);
    if (fresh.metadata?.uid !== owner.metadata?.uid) {
      throw new Error(`original ${rt.kind} ${owner.metadata?.namespace}/${owner.metadata?.name} is gone: got uid ${fresh.metadata?.uid}, wanted ${owner.metadata?.uid}`);
    }
    if (fresh.metadata?.deletionTimestamp) {
      throw new Error(`${rt.kind} ${owner.metadata?.namespace}/${owner.metadata?.name} has just been deleted at ${fresh.metadata.deletionTimestamp}`);
    }
  };
}

// Adding and removing one metadata.finalizers entry with a merge patch that carries the
// resourceVersion it was computed from, so a concurrent change makes the write fail with 409 and
// is retried against the fresh object instead of clobbering someone else's finalizer.
import type { ResourceType } from '../api/registry.js';
import { isConflict, isNotFound, type ApiClient, type KubeObject } from '../client/api.js';

async function rewrite(client: ApiClient, rt: ResourceType, obj: KubeObject, edit: (f: string[]) => string[] | undefined): Promise<KubeObject | undefined> {
  let cur: KubeObject = obj;
  for (let attempt = 0; ; attempt++) {
    const next = edit([...(cur.metadata?.finalizers ?? [])]);
    if (!next) return cur;
    const patch = { metadata: { finalizers: next.length ? next : null, resourceVersion: cur.metadata?.resourceVersion } };
    try {
      return await client.patch(rt, cur.metadata?.namespace, cur.metadata!.name!, 'merge', patch);
    } catch (e) {
      if (isNotFound(e)) return undefined;
      if (!isConflict(e) || attempt >= 4) throw e;
      try {
        cur = await client.get(rt, cur.metadata?.namespace, cur.metadata!.name!);
      } catch (g) {
        if (isNotFound(g)) return undefined;
        throw g;
      }
      if (cur.metadata?.uid !== obj.metadata?.uid) return undefined; // replaced by a new object
    }
  }
}

/** Removes `finalizer`; returns the updated object, or undefined when it is gone. */
export function removeFinalizer(client: ApiClient, rt: ResourceType, obj: KubeObject, finalizer: string): Promise<KubeObject | undefined> {
  return rewrite(client, rt, obj, (f) => (f.includes(finalizer) ? f.filter((x) => x !== finalizer) : undefined));
}

/** Adds `finalizer` unless present; returns the updated object, or undefined when it is gone. */
export function addFinalizer(client: ApiClient, rt: ResourceType, obj: KubeObject, finalizer: string): Promise<KubeObject | undefined> {
  return rewrite(client, rt, obj, (f) => (f.includes(finalizer) ? undefined : [...f, finalizer]));
}

export function hasFinalizer(obj: KubeObject | undefined, finalizer: string): boolean {
  return (obj?.metadata?.finalizers ?? []).includes(finalizer);
}

/**
 * Removes `finalizer` from a built-in object the way upstream's job controller does: a strategic
 * merge patch with $deleteFromPrimitiveList, so the server drops just that entry and a concurrent
 * writer (the node agent updating pod status) causes no 409 and no retry. Not for custom
 * resources, which have no strategic merge patch. Returns undefined when the object is gone.
 */
export async function removeFinalizerStrategic(client: ApiClient, rt: ResourceType, obj: KubeObject, finalizer: string): Promise<KubeObject | undefined> {
  try {
    return await client.patch(rt, obj.metadata?.namespace, obj.metadata!.name!, 'strategic', { metadata: { '$deleteFromPrimitiveList/finalizers': [finalizer] } });
  } catch (e) {
    if (isNotFound(e)) return undefined;
    throw e;
  }
}

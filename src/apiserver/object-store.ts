// Objects on top of the key-value Store: encodes/decodes, maps store errors to API Status
// errors, and reads current state from the watch cache.
import {
  type Store,
  KeyExistsError,
  KeyNotFoundError,
  ConflictError,
  type KeyValue,
} from '../storage/store.js';
import { type ResourceType, storageKey } from '../api/registry.js';
import { alreadyExists, conflict, notFound, StatusError } from '../api/errors.js';
import type { KubeObject } from '../client/api.js';
import { type WatchCache, decodeKeyValue } from './watch-cache.js';

export function nsOf(rt: ResourceType, ns: string | undefined): string | undefined {
  return rt.namespaced ? ns : undefined;
}

/** Serialize for storage: resourceVersion is the store's revision, never stored in the value. */
export function encodeForStore(obj: KubeObject): string {
  const meta = obj.metadata ?? {};
  const { resourceVersion: _rv, selfLink: _sl, ...rest } = meta;
  return JSON.stringify({ ...obj, metadata: rest });
}

export class ObjectStore {
  constructor(
    readonly store: Store,
    readonly cache: WatchCache,
  ) {}

  /** Current object (consistent: waits for the cache to catch up with the store). */
  async get<T extends KubeObject>(rt: ResourceType, ns: string | undefined, name: string): Promise<T | undefined> {
    await this.cache.sync();
    return this.cache.get(rt, nsOf(rt, ns), name)?.obj as T | undefined;
  }

  async mustGet<T extends KubeObject>(rt: ResourceType, ns: string | undefined, name: string): Promise<T> {
    const o = await this.get<T>(rt, ns, name);
    if (!o) throw notFound(rt.plural, rt.group, name);
    return o;
  }

  async create<T extends KubeObject>(rt: ResourceType, obj: T): Promise<T> {
    const key = storageKey(rt, nsOf(rt, obj.metadata?.namespace), obj.metadata!.name!);
    try {
      const kv = await this.store.create(key, encodeForStore(obj));
      return withRevision(obj, kv);
    } catch (e) {
      if (e instanceof KeyExistsError) throw alreadyExists(rt.plural, rt.group, obj.metadata!.name!);
      throw e;
    }
  }

  /** Write `obj` if the stored revision still equals `expectedRev`. */
  async update<T extends KubeObject>(rt: ResourceType, obj: T, expectedRev: number | undefined): Promise<T> {
    const name = obj.metadata!.name!;
    const key = storageKey(rt, nsOf(rt, obj.metadata?.namespace), name);
    try {
      const kv = await this.store.update(key, encodeForStore(obj), expectedRev);
      return withRevision(obj, kv);
    } catch (e) {
      if (e instanceof KeyNotFoundError) throw notFound(rt.plural, rt.group, name);
      if (e instanceof ConflictError) throw conflict(rt.plural, rt.group, name, 'the object has been modified; please apply your changes to the latest version and try again');
      throw e;
    }
  }

  async delete<T extends KubeObject>(rt: ResourceType, ns: string | undefined, name: string, expectedRev?: number): Promise<T> {
    const key = storageKey(rt, nsOf(rt, ns), name);
    try {
      const kv = await this.store.delete(key, expectedRev);
      const co = decodeKeyValue(kv);
      return (co ? structuredClone(co.obj) : JSON.parse(kv.value)) as T;
    } catch (e) {
      if (e instanceof KeyNotFoundError) throw notFound(rt.plural, rt.group, name);
      if (e instanceof ConflictError) throw conflict(rt.plural, rt.group, name, 'the object has been modified; please apply your changes to the latest version and try again');
      throw e;
    }
  }

  /**
   * Read-modify-write with retries on conflict, for server-internal changes (binding, scale,
   * finalizer bookkeeping). `mutate` gets a private copy; returning undefined skips the write.
   */
  async guaranteedUpdate<T extends KubeObject>(
    rt: ResourceType,
    ns: string | undefined,
    name: string,
    mutate: (cur: T) => T | undefined | Promise<T | undefined>,
  ): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      await this.cache.sync();
      const cached = this.cache.get(rt, nsOf(rt, ns), name);
      if (!cached) throw notFound(rt.plural, rt.group, name);
      const cur = cached.obj as T;
      // The cached JSON text parses into a private copy faster than structuredClone copies.
      const next = await mutate(JSON.parse(cached.json) as T);
      if (!next) return cur;
      try {
        return await this.update(rt, next, Number(cur.metadata!.resourceVersion));
      } catch (e) {
        if (e instanceof StatusError && e.reason === 'Conflict' && attempt < 10) continue;
        throw e;
      }
    }
  }
}

function withRevision<T extends KubeObject>(_obj: T, kv: KeyValue): T {
  // kv.value is the object as just encoded: parsing it is a cheaper private copy than structuredClone.
  const out = JSON.parse(kv.value) as T;
  out.metadata = { ...(out.metadata ?? {}), resourceVersion: String(kv.modRevision) };
  return out;
}

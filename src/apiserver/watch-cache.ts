// The API server's watch cache: every object of every kind held in memory, kept current by a
// single store watch, so lists and watches of large collections never touch the store.
// Each object is serialized once per revision; lists and watch events reuse that text.
import type { Store, WatchEvent as StoreEvent, KeyValue } from '../storage/store.js';
import { CompactedError } from '../storage/store.js';
import { parseStorageKey, type ResourceType, storagePrefix } from '../api/registry.js';
import type { KubeObject } from '../client/api.js';

export interface CachedObject {
  key: string;
  namespace?: string;
  name: string;
  rev: number;
  /** Parsed object with metadata.resourceVersion set. Frozen: never mutate. */
  obj: KubeObject;
  /** JSON text of obj (stored version). */
  json: string;
}

export type CacheEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface CacheEvent {
  type: CacheEventType;
  rev: number;
  object: CachedObject;
  prev?: CachedObject;
}

export type ObjectFilter = (obj: KubeObject) => boolean;

export interface CacheWatcher {
  namespace?: string;
  filter?: ObjectFilter;
  /** Called with events in revision order (already filtered and transformed for the watcher). */
  send(events: { type: CacheEventType; object: CachedObject }[]): void;
}

/** Thrown when a watch or list asks for a revision older than the cache keeps. */
export class TooOldError extends Error {
  constructor(readonly requested: number, readonly oldest: number) {
    super(`too old resource version: ${requested} (${oldest})`);
  }
}

const EVENT_RING_CAPACITY = 20_000;

class TypeCache {
  readonly objects = new Map<string, CachedObject>();
  private sorted: CachedObject[] | null = null;
  readonly events: CacheEvent[] = [];
  /** Events with rev > this are all in `events`. */
  oldestRev: number;
  readonly watchers = new Set<CacheWatcher>();

  constructor(startRev: number) {
    this.oldestRev = startRev;
  }

  list(): CachedObject[] {
    if (!this.sorted) this.sorted = [...this.objects.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    return this.sorted;
  }

  apply(ev: CacheEvent): void {
    if (ev.type === 'DELETED') this.objects.delete(ev.object.key);
    else this.objects.set(ev.object.key, ev.object);
    if (ev.type !== 'MODIFIED') this.sorted = null;
    else if (this.sorted) {
      // Same key set: replace in place to keep the order without re-sorting.
      const i = binarySearch(this.sorted, ev.object.key);
      if (i >= 0) this.sorted[i] = ev.object;
      else this.sorted = null;
    }
    this.events.push(ev);
    if (this.events.length > EVENT_RING_CAPACITY) {
      const drop = this.events.length - EVENT_RING_CAPACITY;
      this.oldestRev = this.events[drop - 1].rev;
      this.events.splice(0, drop);
    }
  }
}

function binarySearch(arr: CachedObject[], key: string): number {
  let lo = 0;
  let hi = arr.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const k = arr[mid].key;
    if (k === key) return mid;
    if (k < key) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

export function decodeKeyValue(kv: KeyValue): CachedObject | undefined {
  const parsed = parseStorageKey(kv.key);
  if (!parsed) return undefined;
  const obj = JSON.parse(kv.value) as KubeObject;
  obj.metadata = obj.metadata ?? {};
  obj.metadata.resourceVersion = String(kv.modRevision);
  deepFreeze(obj);
  return { key: kv.key, namespace: parsed.namespace, name: parsed.name, rev: kv.modRevision, obj, json: JSON.stringify(obj) };
}

function deepFreeze(o: unknown): void {
  if (o && typeof o === 'object' && !Object.isFrozen(o)) {
    Object.freeze(o);
    for (const v of Object.values(o as Record<string, unknown>)) deepFreeze(v);
  }
}

export class WatchCache {
  private readonly types = new Map<string, TypeCache>();
  private rev = 0;
  private waiters: { rev: number; resolve: () => void }[] = [];
  private cancel?: () => void;
  private startRev = 0;
  private failed?: Error;

  constructor(private readonly store: Store) {}

  get revision(): number {
    return this.rev;
  }

  async start(): Promise<void> {
    // Page through the whole registry at one revision, then watch from it.
    let startAfter: string | undefined;
    let revision: number | undefined;
    const items: KeyValue[] = [];
    for (;;) {
      const page = await this.store.list('/registry/', { limit: 5000, startAfter, revision });
      revision = page.revision;
      items.push(...page.items);
      if (!page.more || page.items.length === 0) break;
      startAfter = page.items[page.items.length - 1].key;
    }
    this.startRev = revision ?? 0;
    this.rev = this.startRev;
    for (const kv of items) {
      const co = decodeKeyValue(kv);
      if (!co) continue;
      const tc = this.typeCacheForKey(kv.key);
      tc?.objects.set(co.key, co);
    }
    const w = this.store.watch('/registry/', {
      fromRevision: this.startRev,
      onEvent: (evs) => this.onStoreEvents(evs),
      onError: (err) => {
        this.failed = err;
      },
    });
    this.cancel = () => w.cancel();
  }

  stop(): void {
    this.cancel?.();
  }

  private typeCacheForKey(key: string): TypeCache | undefined {
    // /registry/<group>/<plural>/...
    const i = key.indexOf('/', 10);
    const j = key.indexOf('/', i + 1);
    if (i < 0 || j < 0) return undefined;
    const prefix = key.slice(0, j + 1);
    let tc = this.types.get(prefix);
    if (!tc) {
      tc = new TypeCache(this.startRev);
      this.types.set(prefix, tc);
    }
    return tc;
  }

  private typeCache(rt: ResourceType): TypeCache {
    const prefix = storagePrefix(rt);
    let tc = this.types.get(prefix);
    if (!tc) {
      tc = new TypeCache(this.startRev);
      this.types.set(prefix, tc);
    }
    return tc;
  }

  private onStoreEvents(evs: StoreEvent[]): void {
    const touched = new Map<TypeCache, CacheEvent[]>();
    for (const e of evs) {
      const tc = this.typeCacheForKey(e.kv.key);
      if (!tc) continue;
      const co = decodeKeyValue(e.kv);
      if (!co) continue;
      const prev = tc.objects.get(e.kv.key);
      const ce: CacheEvent = { type: e.type === 'DELETE' ? 'DELETED' : prev ? 'MODIFIED' : 'ADDED', rev: e.kv.modRevision, object: co, prev };
      tc.apply(ce);
      if (!touched.has(tc)) touched.set(tc, []);
      touched.get(tc)!.push(ce);
      this.rev = Math.max(this.rev, e.kv.modRevision);
    }
    for (const [tc, ces] of touched) {
      for (const w of tc.watchers) dispatch(w, ces);
    }
    if (this.waiters.length) {
      const ready = this.waiters.filter((x) => x.rev <= this.rev);
      this.waiters = this.waiters.filter((x) => x.rev > this.rev);
      for (const x of ready) x.resolve();
    }
  }

  /** Resolve once the cache has applied every write up to `rev`. */
  async waitFor(rev: number, timeoutMs = 3000): Promise<void> {
    if (this.failed) throw this.failed;
    if (rev <= this.rev) return;
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`watch cache did not reach revision ${rev} in ${timeoutMs}ms`)), timeoutMs);
      this.waiters.push({
        rev,
        resolve: () => {
          clearTimeout(t);
          resolve();
        },
      });
    });
  }

  /** Wait until the cache is as fresh as the store (consistent reads from cache). */
  async sync(): Promise<void> {
    await this.waitFor(await this.store.currentRevision());
  }

  get(rt: ResourceType, namespace: string | undefined, name: string): CachedObject | undefined {
    return this.typeCache(rt).objects.get(storagePrefix(rt, rt.namespaced ? namespace : undefined) + name);
  }

  /** Current objects in key order, optionally within one namespace. */
  list(rt: ResourceType, namespace?: string): CachedObject[] {
    const all = this.typeCache(rt).list();
    if (!rt.namespaced || !namespace) return all;
    const prefix = storagePrefix(rt, namespace);
    return all.filter((o) => o.key.startsWith(prefix));
  }

  count(rt: ResourceType): number {
    return this.typeCache(rt).objects.size;
  }

  /**
   * Watch a type. fromRev undefined → initial ADDED events for current objects, then live.
   * fromRev = N → every event after N (TooOldError if the ring no longer has them).
   * Returns a cancel function.
   */
  watch(rt: ResourceType, fromRev: number | undefined, w: CacheWatcher): () => void {
    const tc = this.typeCache(rt);
    if (fromRev === undefined) {
      const initial = this.list(rt, w.namespace)
        .filter((o) => !w.filter || w.filter(o.obj))
        .map((o) => ({ type: 'ADDED' as const, object: o }));
      if (initial.length) w.send(initial);
    } else {
      if (fromRev < tc.oldestRev) throw new TooOldError(fromRev, tc.oldestRev);
      const replay = tc.events.filter((e) => e.rev > fromRev);
      if (replay.length) dispatch(w, replay);
    }
    tc.watchers.add(w);
    return () => tc.watchers.delete(w);
  }

  /** The oldest revision a watch on this type may resume from. */
  oldestWatchRevision(rt: ResourceType): number {
    return this.typeCache(rt).oldestRev;
  }
}

/** Deliver events through a watcher's namespace and filter, turning filter transitions into ADDED/DELETED as upstream. */
function dispatch(w: CacheWatcher, evs: CacheEvent[]): void {
  const out: { type: CacheEventType; object: CachedObject }[] = [];
  for (const e of evs) {
    if (w.namespace && e.object.namespace !== w.namespace) continue;
    if (!w.filter) {
      out.push({ type: e.type, object: e.object });
      continue;
    }
    const cur = e.type !== 'DELETED' && w.filter(e.object.obj);
    const before = e.type === 'DELETED' ? w.filter(e.object.obj) : e.prev ? w.filter(e.prev.obj) : false;
    if (e.type === 'DELETED') {
      if (before) out.push({ type: 'DELETED', object: e.object });
    } else if (cur && before) out.push({ type: 'MODIFIED', object: e.object });
    else if (cur && !before) out.push({ type: 'ADDED', object: e.object });
    else if (!cur && before) out.push({ type: 'DELETED', object: e.object });
  }
  if (out.length) w.send(out);
}

export { CompactedError };

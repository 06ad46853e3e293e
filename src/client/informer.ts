// Shared informers: list+watch one resource type into a local, indexed, read-only cache and fan
// the changes out to event handlers (client-go's SharedIndexInformer shape). A lost or expired
// watch (410 Gone, timeout, transport failure) leads to a fresh list, whose differences from the
// cache are delivered as add/update/delete events, so handlers never miss a final state.
import type { ResourceType } from '../api/registry.js';
import { apiVersionOf } from '../api/registry.js';
import { ApiError, type ApiClient, type KubeObject, type WatchEvent, type WatchHandle } from './api.js';
import { realClock, type Clock } from './clock.js';
import type { KubeObjectShape } from './object-shape.js';
import { clientLogger } from './log.js';

export interface EventHandler<T> {
  onAdd?(obj: T): void;
  onUpdate?(oldObj: T, newObj: T): void;
  onDelete?(obj: T): void;
}

export type IndexFunc<T> = (obj: T) => string[];

/** Built into every informer: objects by metadata.namespace. */
export const namespaceIndex = 'namespace';

/** UIDs of an object's ownerReferences (find dependents of an owner). */
export function ownerUidIndexFunc(obj: KubeObjectShape): string[] {
  return (obj.metadata?.ownerReferences ?? []).map((r) => r.uid).filter((u): u is string => !!u);
}

/** A pod's spec.nodeName (pods bound to a node). */
export function nodeNameIndexFunc(obj: KubeObjectShape): string[] {
  const nodeName = (obj as { spec?: { nodeName?: string } }).spec?.nodeName;
  return nodeName ? [nodeName] : [];
}

/** "ns/name" for namespaced objects, "name" for cluster-scoped ones. */
export function keyOf(obj: KubeObjectShape): string {
  const m = obj.metadata ?? {};
  return m.namespace ? `${m.namespace}/${m.name ?? ''}` : (m.name ?? '');
}

export function splitKey(key: string): { namespace?: string; name: string } {
  const i = key.indexOf('/');
  return i < 0 ? { name: key } : { namespace: key.slice(0, i), name: key.slice(i + 1) };
}

/** Cached objects are frozen: clone before mutating. */
export function clone<T>(o: T): T {
  return structuredClone(o);
}

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object' && !Object.isFrozen(o)) {
    Object.freeze(o);
    for (const v of Object.values(o as object)) deepFreeze(v);
  }
  return o;
}

export interface InformerOptions<T> {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  /** Periodically replay every cached object to onUpdate(obj, obj); 0/undefined = never. */
  resyncMs?: number;
  indexers?: Record<string, IndexFunc<T>>;
  /** Timers for back-off and resync (tests may pass a FakeClock). */
  clock?: Clock;
}

const LIST_PAGE_SIZE = 500;
const BACKOFF_BASE_MS = 200;
const BACKOFF_MAX_MS = 30_000;
/** A watch that lived at least this long counts as healthy (resets the back-off). */
const HEALTHY_WATCH_MS = 1_000;

const log = clientLogger.child({ component: 'informer' });

export class SharedInformer<T extends KubeObjectShape> {
  private readonly items = new Map<string, T>();
  private readonly indexers = new Map<string, IndexFunc<T>>();
  /** index name → index value → keys */
  private readonly indices = new Map<string, Map<string, Set<string>>>();
  private readonly handlers: EventHandler<T>[] = [];
  private readonly clock: Clock;
  private readonly what: string;
  private startPromise?: Promise<void>;
  private resolveStart?: () => void;
  private synced = false;
  private stopped = false;
  private lastRV = '';
  private watchHandle?: WatchHandle;
  private relistTimer?: unknown;
  private resyncTimer?: unknown;
  private failures = 0;

  constructor(
    private readonly client: ApiClient,
    readonly rt: ResourceType,
    private readonly opts: InformerOptions<T> = {},
  ) {
    this.clock = opts.clock ?? realClock;
    this.what = `${rt.plural}${rt.group ? '.' + rt.group : ''}${opts.namespace ? ` in ${opts.namespace}` : ''}`;
    this.addIndexer(namespaceIndex, (o) => (o.metadata?.namespace ? [o.metadata.namespace] : []));
    for (const [name, fn] of Object.entries(opts.indexers ?? {})) this.addIndexer(name, fn);
  }

  /** Handlers added after the initial sync first get onAdd for every cached object. */
  addEventHandler(h: EventHandler<T>): void {
    this.handlers.push(h);
    if (this.synced) for (const obj of this.items.values()) this.call(h, 'onAdd', obj);
  }

  addIndexer(name: string, fn: IndexFunc<T>): void {
    this.indexers.set(name, fn);
    this.indices.set(name, new Map());
    for (const [key, obj] of this.items) this.indexOne(name, fn, key, obj);
  }

  /** List, then watch from the list's resourceVersion. Resolves once the cache is synced (or stop()). */
  start(): Promise<void> {
    if (!this.startPromise) {
      this.startPromise = new Promise((resolve) => (this.resolveStart = resolve));
      void this.listAndWatch();
      if (this.opts.resyncMs && this.opts.resyncMs > 0) this.scheduleResync(this.opts.resyncMs);
    }
    return this.startPromise;
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.watchHandle?.stop();
    this.watchHandle = undefined;
    if (this.relistTimer !== undefined) this.clock.clearTimeout(this.relistTimer);
    if (this.resyncTimer !== undefined) this.clock.clearTimeout(this.resyncTimer);
    this.resolveStart?.();
  }

  hasSynced(): boolean {
    return this.synced;
  }

  /** resourceVersion of the last list, watch event or bookmark seen. */
  lastSyncResourceVersion(): string {
    return this.lastRV;
  }

  get(namespace: string | undefined, name: string): T | undefined {
    return this.items.get(this.rt.namespaced && namespace ? `${namespace}/${name}` : name);
  }

  list(): T[] {
    return [...this.items.values()];
  }

  byIndex(index: string, value: string): T[] {
    const idx = this.indices.get(index);
    if (!idx) throw new Error(`informer for ${this.what} has no index "${index}"`);
    const keys = idx.get(value);
    if (!keys) return [];
    const out: T[] = [];
    for (const k of keys) {
      const o = this.items.get(k);
      if (o) out.push(o);
    }
    return out;
  }

  // ---- list & watch ----

  private async listAndWatch(): Promise<void> {
    this.relistTimer = undefined;
    if (this.stopped) return;
    let items: T[] = [];
    let rv = '';
    try {
      let cont: string | undefined;
      do {
        const page = await this.client.list<KubeObject>(this.rt, this.opts.namespace, {
          labelSelector: this.opts.labelSelector,
          fieldSelector: this.opts.fieldSelector,
          limit: LIST_PAGE_SIZE,
          continue: cont,
        });
        items = items.concat(page.items as unknown as T[]);
        rv = page.metadata?.resourceVersion ?? rv;
        cont = page.metadata?.continue || undefined;
      } while (cont && !this.stopped);
    } catch (e) {
      if (this.stopped) return;
      log.warn({ err: errText(e), resource: this.what }, 'list failed; retrying');
      this.scheduleRelist();
      return;
    }
    if (this.stopped) return;
    this.replace(items);
    this.lastRV = rv;
    if (!this.synced) {
      this.synced = true;
      this.resolveStart?.();
    }
    this.startWatch();
  }

  private startWatch(): void {
    const startedAt = this.clock.now();
    let ended = false;
    const end = (why: string, err?: unknown) => {
      if (ended) return;
      ended = true;
      this.watchHandle?.stop();
      this.watchHandle = undefined;
      if (this.stopped) return;
      if (this.clock.now() - startedAt >= HEALTHY_WATCH_MS) this.failures = 0;
      if (err) log.info({ err: errText(err), resource: this.what }, `${why}; re-listing`);
      this.scheduleRelist();
    };
    // client-go picks a random timeout between 5 and 10 minutes so watches don't expire together.
    const timeoutSeconds = 300 + Math.floor(Math.random() * 300);
    const handle = this.client.watch<KubeObject>(
      this.rt,
      this.opts.namespace,
      {
        labelSelector: this.opts.labelSelector,
        fieldSelector: this.opts.fieldSelector,
        resourceVersion: this.lastRV,
        allowWatchBookmarks: true,
        timeoutSeconds,
      },
      {
        onEvent: (ev) => {
          if (ended || this.stopped) return;
          if (ev.type === 'ERROR') {
            const st = ev.object as { code?: number; message?: string };
            end(st.code === 410 ? 'watch expired (410 Gone)' : 'watch error', st.message ?? `code ${st.code}`);
            return;
          }
          this.applyEvent({ type: ev.type, object: ev.object as unknown as T });
        },
        onClose: (err) => end(err instanceof ApiError && err.code === 410 ? 'watch expired (410 Gone)' : 'watch ended', err),
      },
    );
    // A watch may already have ended while being set up.
    if (ended) handle.stop();
    else this.watchHandle = handle;
  }

  private scheduleRelist(): void {
    if (this.stopped || this.relistTimer !== undefined) return;
    const delay = this.failures === 0 ? 0 : Math.min(BACKOFF_BASE_MS * 2 ** (this.failures - 1), BACKOFF_MAX_MS);
    this.failures++;
    this.relistTimer = this.clock.setTimeout(() => void this.listAndWatch(), delay);
  }

  private scheduleResync(ms: number): void {
    this.resyncTimer = this.clock.setTimeout(() => {
      if (this.stopped) return;
      if (this.synced) for (const obj of this.items.values()) this.dispatch('onUpdate', obj, obj);
      this.scheduleResync(ms);
    }, ms);
  }

  private applyEvent(ev: { type: WatchEvent['type']; object: T }): void {
    const obj = ev.object;
    const rv = obj?.metadata?.resourceVersion;
    if (ev.type === 'BOOKMARK') {
      if (rv) this.lastRV = rv;
      return;
    }
    if (!obj?.metadata?.name) return;
    this.prepare(obj);
    const key = keyOf(obj);
    if (ev.type === 'ADDED' || ev.type === 'MODIFIED') {
      const old = this.items.get(key);
      this.store(key, obj);
      if (old) this.dispatch('onUpdate', old, obj);
      else this.dispatch('onAdd', obj);
    } else if (ev.type === 'DELETED') {
      this.remove(key);
      // The event carries the final state; deliver it even if the cache never held the object.
      this.dispatch('onDelete', obj);
    }
    if (rv) this.lastRV = rv;
  }

  /** Make the cache equal to a fresh list, telling handlers what changed. */
  private replace(items: T[]): void {
    const fresh = new Map<string, T>();
    for (const obj of items) {
      this.prepare(obj);
      fresh.set(keyOf(obj), obj);
    }
    for (const [key, old] of [...this.items]) {
      if (!fresh.has(key)) {
        this.remove(key);
        this.dispatch('onDelete', old);
      }
    }
    for (const [key, obj] of fresh) {
      const old = this.items.get(key);
      if (!old) {
        this.store(key, obj);
        this.dispatch('onAdd', obj);
      } else if (old.metadata?.resourceVersion !== obj.metadata?.resourceVersion) {
        this.store(key, obj);
        this.dispatch('onUpdate', old, obj);
      }
    }
  }

  /** Watch events carry apiVersion/kind but list items may not; freeze so readers can't mutate. */
  private prepare(obj: T): void {
    if (!obj.apiVersion) obj.apiVersion = apiVersionOf(this.rt);
    if (!obj.kind) obj.kind = this.rt.kind;
    deepFreeze(obj);
  }

  // ---- cache & indices ----

  private store(key: string, obj: T): void {
    const old = this.items.get(key);
    if (old) this.unindex(key, old);
    this.items.set(key, obj);
    for (const [name, fn] of this.indexers) this.indexOne(name, fn, key, obj);
  }

  private remove(key: string): void {
    const old = this.items.get(key);
    if (!old) return;
    this.unindex(key, old);
    this.items.delete(key);
  }

  private indexOne(name: string, fn: IndexFunc<T>, key: string, obj: T): void {
    const idx = this.indices.get(name)!;
    let values: string[];
    try {
      values = fn(obj);
    } catch (e) {
      log.error({ err: errText(e), index: name, key }, 'index function threw');
      return;
    }
    for (const v of values) {
      let set = idx.get(v);
      if (!set) idx.set(v, (set = new Set()));
      set.add(key);
    }
  }

  private unindex(key: string, obj: T): void {
    for (const [name, fn] of this.indexers) {
      const idx = this.indices.get(name)!;
      let values: string[];
      try {
        values = fn(obj);
      } catch {
        continue;
      }
      for (const v of values) {
        const set = idx.get(v);
        if (!set) continue;
        set.delete(key);
        if (set.size === 0) idx.delete(v);
      }
    }
  }

  // ---- handlers ----

  private dispatch(kind: 'onAdd' | 'onDelete', obj: T): void;
  private dispatch(kind: 'onUpdate', oldObj: T, newObj: T): void;
  private dispatch(kind: keyof EventHandler<T>, a: T, b?: T): void {
    for (const h of this.handlers) this.call(h, kind, a, b);
  }

  private call(h: EventHandler<T>, kind: keyof EventHandler<T>, a: T, b?: T): void {
    try {
      if (kind === 'onUpdate') h.onUpdate?.(a, b!);
      else h[kind]?.(a);
    } catch (e) {
      // One faulty handler must not stop the informer or the other handlers.
      log.error({ err: errText(e), resource: this.what, event: kind }, 'event handler threw');
    }
  }
}

function errText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** One shared informer per resource type and namespace, so controllers share caches and watches. */
export class InformerFactory {
  private readonly informers = new Map<string, SharedInformer<KubeObject>>();

  constructor(
    private readonly client: ApiClient,
    private readonly defaults: { clock?: Clock; resyncMs?: number } = {},
  ) {}

  informerFor<T extends KubeObjectShape>(rt: ResourceType, opts: { namespace?: string } = {}): SharedInformer<T> {
    const key = `${rt.group}/${rt.version}/${rt.plural}/${opts.namespace ?? ''}`;
    let inf = this.informers.get(key);
    if (!inf) {
      inf = new SharedInformer<KubeObject>(this.client, rt, { namespace: opts.namespace, ...this.defaults });
      this.informers.set(key, inf);
    }
    return inf as unknown as SharedInformer<T>;
  }

  /** Start every informer created so far; resolves when all are synced. */
  async start(): Promise<void> {
    await Promise.all([...this.informers.values()].map((i) => i.start()));
  }

  stop(): void {
    for (const i of this.informers.values()) i.stop();
  }
}

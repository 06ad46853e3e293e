// A minimal in-memory ApiClient for controller tests: objects in a Map, one monotonically
// increasing resourceVersion, list, watch (with replay from a resourceVersion) via callbacks,
// create with generateName, update/updateStatus with optimistic concurrency, patch (json, merge
// and a "strategic-lite" that merges object lists by uid/name/type and honours $patch: delete),
// and delete (immediate, or setting deletionTimestamp while finalizers remain).
// It is deliberately small: no validation, defaulting, selectors or garbage collection.
import { randomUUID } from 'node:crypto';
import type { Status } from 'kubernetes-types/meta/v1.js';
import jsonpatch from 'fast-json-patch';
import { apiVersionOf, type ResourceType } from '../../api/registry.js';
import {
  ApiError,
  type ApiClient,
  type DeleteOptions,
  type KubeList,
  type KubeObject,
  type ListOptions,
  type PatchOptions,
  type PatchType,
  type WatchCallbacks,
  type WatchEvent,
  type WatchHandle,
  type WatchOptions,
  type WriteOptions,
} from '../../client/api.js';
import { realClock, type Clock } from '../../client/clock.js';
import { rfc3339 } from '../timestamps.js';

const NAME_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

function statusError(code: number, reason: string, message: string): ApiError {
  const st: Status = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code };
  return new ApiError(code, st);
}

function qualified(rt: ResourceType): string {
  return rt.group ? `${rt.plural}.${rt.group}` : rt.plural;
}

function copy<T>(o: T): T {
  return structuredClone(o);
}

interface Watcher {
  rt: ResourceType;
  namespace?: string;
  cb: WatchCallbacks<KubeObject>;
  stopped: boolean;
}

interface HistoryEntry {
  rt: ResourceType;
  rv: number;
  ev: WatchEvent<KubeObject>;
}

/** Merge keys "strategic-lite" uses for lists of objects. */
function mergeKeyFor(field: string, items: unknown[]): string | undefined {
  if (field === 'ownerReferences') return 'uid';
  const sample = items.find((x) => x && typeof x === 'object') as Record<string, unknown> | undefined;
  if (!sample) return undefined;
  if (field === 'conditions' || field === 'addresses') return 'type';
  if ('name' in sample) return 'name';
  return undefined;
}

export function strategicLiteMerge(target: unknown, patch: unknown, field = ''): unknown {
  if (Array.isArray(patch)) {
    const key = mergeKeyFor(field, patch);
    if (!key || !Array.isArray(target)) return patch.filter((p) => !(p && typeof p === 'object' && (p as Record<string, unknown>).$patch === 'delete'));
    const out = copy(target) as Record<string, unknown>[];
    for (const p of patch as Record<string, unknown>[]) {
      const i = out.findIndex((x) => x && x[key] === p[key]);
      if (p.$patch === 'delete') {
        if (i >= 0) out.splice(i, 1);
      } else if (i >= 0) {
        out[i] = strategicLiteMerge(out[i], p) as Record<string, unknown>;
      } else {
        out.push(p);
      }
    }
    return out;
  }
  if (patch === null || typeof patch !== 'object') return patch;
  const base: Record<string, unknown> = target && typeof target === 'object' && !Array.isArray(target) ? copy(target as Record<string, unknown>) : {};
  for (const [k, v] of Object.entries(patch as Record<string, unknown>)) {
    if (k === '$patch') continue;
    if (k.startsWith('$deleteFromPrimitiveList/')) {
      // Drop the listed values from a list of scalars (e.g. metadata.finalizers); an emptied list goes.
      const f = k.slice('$deleteFromPrimitiveList/'.length);
      const drop = new Set(v as unknown[]);
      const kept = Array.isArray(base[f]) ? (base[f] as unknown[]).filter((x) => !drop.has(x)) : base[f];
      if (Array.isArray(kept) && kept.length === 0) delete base[f];
      else if (kept !== undefined) base[f] = kept;
      continue;
    }
    if (v === null) delete base[k];
    else base[k] = strategicLiteMerge(base[k], v, k);
  }
  return base;
}

export function mergePatch(target: unknown, patch: unknown): unknown {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return patch;
  const base: Record<string, unknown> = target && typeof target === 'object' && !Array.isArray(target) ? copy(target as Record<string, unknown>) : {};
  for (const [k, v] of Object.entries(patch as Record<string, unknown>)) {
    if (v === null) delete base[k];
    else base[k] = mergePatch(base[k], v);
  }
  return base;
}

export interface RecordedAction {
  verb: 'create' | 'update' | 'updateStatus' | 'patch' | 'delete';
  resource: string;
  namespace?: string;
  name: string;
}

export class FakeApiClient implements ApiClient {
  private readonly objects = new Map<string, KubeObject>();
  private readonly watchers = new Set<Watcher>();
  private readonly history: HistoryEntry[] = [];
  private rv = 100;
  /** Every write, in order (for assertions). */
  readonly actions: RecordedAction[] = [];
  /** While true, watch events are buffered (an informer that lags behind the server). */
  private holding = false;
  private held: (() => void)[] = [];
  /** Inject failures: return an ApiError to fail that request, undefined to let it through. */
  reactor?: (verb: RecordedAction['verb'] | 'get' | 'list', rt: ResourceType, namespace: string | undefined, name: string | undefined, obj?: KubeObject) => ApiError | undefined;

  constructor(private readonly clock: Clock = realClock) {}

  // ---- helpers for tests ----

  /** Objects of a type (clones), optionally in one namespace. */
  all<T extends KubeObject>(rt: ResourceType, namespace?: string): T[] {
    const prefix = this.prefix(rt, namespace);
    return [...this.objects.entries()].filter(([k]) => k.startsWith(prefix)).map(([, o]) => copy(o) as T);
  }

  peek<T extends KubeObject>(rt: ResourceType, namespace: string | undefined, name: string): T | undefined {
    const o = this.objects.get(this.key(rt, namespace, name));
    return o ? (copy(o) as T) : undefined;
  }

  resourceVersion(): string {
    return String(this.rv);
  }

  /** Buffer watch events until releaseWatchEvents(). */
  holdWatchEvents(): void {
    this.holding = true;
  }

  releaseWatchEvents(): void {
    this.holding = false;
    const held = this.held;
    this.held = [];
    for (const f of held) queueMicrotask(f);
  }

  // ---- ApiClient ----

  async get<T extends KubeObject>(rt: ResourceType, namespace: string | undefined, name: string): Promise<T> {
    this.react('get', rt, namespace, name);
    const o = this.objects.get(this.key(rt, namespace, name));
    if (!o) throw this.notFound(rt, name);
    return copy(o) as T;
  }

  async list<T extends KubeObject>(rt: ResourceType, namespace?: string, _opts?: ListOptions): Promise<KubeList<T>> {
    this.react('list', rt, namespace, undefined);
    return { apiVersion: apiVersionOf(rt), kind: `${rt.kind}List`, metadata: { resourceVersion: String(this.rv) }, items: this.all<T>(rt, namespace) };
  }

  watch<T extends KubeObject>(rt: ResourceType, namespace: string | undefined, opts: WatchOptions, cb: WatchCallbacks<T>): WatchHandle {
    const w: Watcher = { rt, namespace: rt.namespaced ? namespace : undefined, cb: cb as unknown as WatchCallbacks<KubeObject>, stopped: false };
    const from = opts.resourceVersion ? Number(opts.resourceVersion) : this.rv;
    const replay = this.history.filter((h) => h.rv > from && this.watches(w, h.rt, h.ev.object));
    this.watchers.add(w);
    for (const h of replay) this.deliver(w, h.ev);
    return {
      stop: () => {
        if (w.stopped) return;
        w.stopped = true;
        this.watchers.delete(w);
      },
    };
  }

  async create<T extends KubeObject>(rt: ResourceType, namespace: string | undefined, obj: T, _opts?: WriteOptions): Promise<T> {
    const o = copy(obj) as KubeObject;
    o.metadata ??= {};
    if (rt.namespaced) o.metadata.namespace = namespace ?? o.metadata.namespace ?? 'default';
    else delete o.metadata.namespace;
    if (!o.metadata.name) {
      if (!o.metadata.generateName) throw statusError(422, 'Invalid', `${rt.kind} "" is invalid: metadata.name: Required value: name or generateName is required`);
      do {
        let suffix = '';
        for (let i = 0; i < 5; i++) suffix += NAME_ALPHABET[Math.floor(Math.random() * NAME_ALPHABET.length)];
        o.metadata.name = o.metadata.generateName + suffix;
      } while (this.objects.has(this.key(rt, o.metadata.namespace, o.metadata.name)));
    }
    this.react('create', rt, o.metadata.namespace, o.metadata.name, o);
    const key = this.key(rt, o.metadata.namespace, o.metadata.name);
    if (this.objects.has(key)) throw statusError(409, 'AlreadyExists', `${qualified(rt)} "${o.metadata.name}" already exists`);
    o.apiVersion = apiVersionOf(rt);
    o.kind = rt.kind;
    o.metadata.uid = randomUUID();
    o.metadata.creationTimestamp = rfc3339(this.clock.now());
    if ('spec' in o || rt.subresources.includes('status')) o.metadata.generation = 1;
    delete o.metadata.deletionTimestamp;
    return this.write('create', rt, key, o, 'ADDED') as T;
  }

  async update<T extends KubeObject>(rt: ResourceType, namespace: string | undefined, obj: T, _opts?: WriteOptions): Promise<T> {
    const { key, cur } = this.current(rt, namespace, obj.metadata?.name ?? '', obj);
    this.react('update', rt, cur.metadata?.namespace, cur.metadata!.name!, obj);
    const next = copy(obj) as KubeObject;
    this.keepSystemFields(cur, next);
    if (rt.subresources.includes('status')) {
      if (cur.status === undefined) delete next.status;
      else next.status = copy(cur.status);
    }
    return this.commitUpdate('update', rt, key, cur, next) as T;
  }

  async updateStatus<T extends KubeObject>(rt: ResourceType, namespace: string | undefined, obj: T, _opts?: WriteOptions): Promise<T> {
    const { key, cur } = this.current(rt, namespace, obj.metadata?.name ?? '', obj);
    this.react('updateStatus', rt, cur.metadata?.namespace, cur.metadata!.name!, obj);
    const next = copy(cur);
    next.status = copy(obj.status);
    return this.commitUpdate('updateStatus', rt, key, cur, next) as T;
  }

  async patch<T extends KubeObject>(rt: ResourceType, namespace: string | undefined, name: string, type: PatchType, patch: unknown, opts?: PatchOptions & { subresource?: string }): Promise<T> {
    const { key, cur } = this.current(rt, namespace, name);
    this.react('patch', rt, cur.metadata?.namespace, name);
    let next: KubeObject;
    const body = typeof patch === 'string' ? JSON.parse(patch) : patch;
    if (type === 'json') next = jsonpatch.applyPatch(copy(cur), body as jsonpatch.Operation[], false, false).newDocument;
    else if (type === 'merge') next = mergePatch(cur, body) as KubeObject;
    else if (type === 'strategic') next = strategicLiteMerge(cur, body) as KubeObject;
    else throw statusError(415, 'UnsupportedMediaType', 'apply patches are not supported by the fake client');
    if (next.metadata?.uid !== cur.metadata?.uid) {
      throw statusError(409, 'Conflict', `Operation cannot be fulfilled on ${qualified(rt)} "${name}": Precondition failed: UID in precondition: ${next.metadata?.uid}, UID in object meta: ${cur.metadata?.uid}`);
    }
    const rvWanted = (body as KubeObject)?.metadata?.resourceVersion;
    if (rvWanted && rvWanted !== cur.metadata?.resourceVersion) throw this.conflict(rt, name);
    this.keepSystemFields(cur, next);
    if (rt.subresources.includes('status')) {
      if (opts?.subresource === 'status') next = { ...copy(cur), status: next.status };
      else if (cur.status === undefined) delete next.status;
      else next.status = copy(cur.status);
    }
    return this.commitUpdate('patch', rt, key, cur, next) as T;
  }

  async delete(rt: ResourceType, namespace: string | undefined, name: string, opts?: DeleteOptions): Promise<KubeObject | Status> {
    const key = this.key(rt, namespace, name);
    const cur = this.objects.get(key);
    if (!cur) throw this.notFound(rt, name);
    this.react('delete', rt, cur.metadata?.namespace, name);
    if (opts?.preconditions?.uid && opts.preconditions.uid !== cur.metadata?.uid) {
      throw statusError(409, 'Conflict', `Operation cannot be fulfilled on ${qualified(rt)} "${name}": Precondition failed: UID in precondition: ${opts.preconditions.uid}, UID in object meta: ${cur.metadata?.uid}`);
    }
    if ((cur.metadata?.finalizers ?? []).length > 0) {
      if (cur.metadata?.deletionTimestamp) return copy(cur);
      const next = copy(cur);
      next.metadata!.deletionTimestamp = rfc3339(this.clock.now());
      next.metadata!.deletionGracePeriodSeconds = 0;
      return this.write('delete', rt, key, next, 'MODIFIED');
    }
    this.objects.delete(key);
    this.actions.push({ verb: 'delete', resource: rt.plural, namespace: cur.metadata?.namespace, name });
    const gone = copy(cur);
    gone.metadata!.resourceVersion = String(++this.rv);
    this.emit(rt, { type: 'DELETED', object: gone });
    return copy(gone);
  }

  async createSubresource<T extends KubeObject>(rt: ResourceType, namespace: string | undefined, name: string, subresource: string, body: KubeObject): Promise<T> {
    if (rt.kind === 'Pod' && subresource === 'binding') {
      const target = (body as { target?: { name?: string } }).target?.name;
      const { key, cur } = this.current(rt, namespace, name);
      const next = copy(cur);
      (next as { spec: { nodeName?: string } }).spec.nodeName = target;
      return this.commitUpdate('update', rt, key, cur, next) as T;
    }
    throw statusError(404, 'NotFound', `the server could not find the requested resource (post ${rt.plural} ${subresource})`);
  }

  // ---- internals ----

  private react(verb: Parameters<NonNullable<FakeApiClient['reactor']>>[0], rt: ResourceType, ns: string | undefined, name: string | undefined, obj?: KubeObject): void {
    const err = this.reactor?.(verb, rt, ns, name, obj);
    if (err) throw err;
  }

  private prefix(rt: ResourceType, namespace?: string): string {
    return rt.namespaced && namespace ? `${rt.group}/${rt.plural}/${namespace}/` : `${rt.group}/${rt.plural}/`;
  }

  private key(rt: ResourceType, namespace: string | undefined, name: string): string {
    return rt.namespaced ? `${rt.group}/${rt.plural}/${namespace ?? 'default'}/${name}` : `${rt.group}/${rt.plural}/${name}`;
  }

  private notFound(rt: ResourceType, name: string): ApiError {
    return statusError(404, 'NotFound', `${qualified(rt)} "${name}" not found`);
  }

  private conflict(rt: ResourceType, name: string): ApiError {
    return statusError(409, 'Conflict', `Operation cannot be fulfilled on ${qualified(rt)} "${name}": the object has been modified; please apply your changes to the latest version and try again`);
  }

  private current(rt: ResourceType, namespace: string | undefined, name: string, body?: KubeObject): { key: string; cur: KubeObject } {
    const key = this.key(rt, namespace ?? body?.metadata?.namespace, name);
    const cur = this.objects.get(key);
    if (!cur) throw this.notFound(rt, name);
    const want = body?.metadata?.resourceVersion;
    if (want && want !== cur.metadata?.resourceVersion) throw this.conflict(rt, name);
    if (body?.metadata?.uid && body.metadata.uid !== cur.metadata?.uid) {
      throw statusError(409, 'Conflict', `Operation cannot be fulfilled on ${qualified(rt)} "${name}": Precondition failed: UID in precondition: ${body.metadata.uid}, UID in object meta: ${cur.metadata?.uid}`);
    }
    return { key, cur };
  }

  /** Fields clients cannot change through update/patch. */
  private keepSystemFields(cur: KubeObject, next: KubeObject): void {
    next.metadata ??= {};
    for (const f of ['uid', 'creationTimestamp', 'generation', 'namespace', 'name', 'deletionTimestamp', 'deletionGracePeriodSeconds'] as const) {
      if (cur.metadata?.[f] === undefined) delete next.metadata[f];
      else (next.metadata as Record<string, unknown>)[f] = cur.metadata[f];
    }
    next.apiVersion = cur.apiVersion;
    next.kind = cur.kind;
  }

  private commitUpdate(verb: RecordedAction['verb'], rt: ResourceType, key: string, cur: KubeObject, next: KubeObject): KubeObject {
    if (cur.metadata?.generation !== undefined && JSON.stringify(cur.spec ?? null) !== JSON.stringify(next.spec ?? null)) {
      next.metadata!.generation = cur.metadata.generation + 1;
    }
    // Removing the last finalizer of an object being deleted completes its deletion.
    if (next.metadata?.deletionTimestamp && (next.metadata.finalizers ?? []).length === 0) {
      this.objects.delete(key);
      this.actions.push({ verb, resource: rt.plural, namespace: next.metadata.namespace, name: next.metadata.name! });
      next.metadata.resourceVersion = String(++this.rv);
      this.emit(rt, { type: 'DELETED', object: copy(next) });
      return copy(next);
    }
    // A no-op write does not bump resourceVersion (as the real API server).
    const { resourceVersion: _a, ...curMeta } = cur.metadata ?? {};
    const { resourceVersion: _b, ...nextMeta } = next.metadata ?? {};
    if (JSON.stringify({ ...cur, metadata: curMeta }) === JSON.stringify({ ...next, metadata: nextMeta })) {
      this.actions.push({ verb, resource: rt.plural, namespace: next.metadata?.namespace, name: next.metadata!.name! });
      return copy(cur);
    }
    return this.write(verb, rt, key, next, 'MODIFIED');
  }

  private write(verb: RecordedAction['verb'], rt: ResourceType, key: string, obj: KubeObject, type: 'ADDED' | 'MODIFIED'): KubeObject {
    obj.metadata!.resourceVersion = String(++this.rv);
    this.objects.set(key, obj);
    this.actions.push({ verb, resource: rt.plural, namespace: obj.metadata?.namespace, name: obj.metadata!.name! });
    this.emit(rt, { type, object: copy(obj) });
    return copy(obj);
  }

  private watches(w: Watcher, rt: ResourceType, obj: KubeObject): boolean {
    return w.rt.group === rt.group && w.rt.plural === rt.plural && (!w.namespace || obj.metadata?.namespace === w.namespace);
  }

  private emit(rt: ResourceType, ev: WatchEvent<KubeObject>): void {
    this.history.push({ rt, rv: this.rv, ev });
    if (this.history.length > 10_000) this.history.splice(0, this.history.length - 10_000);
    for (const w of this.watchers) if (this.watches(w, rt, ev.object)) this.deliver(w, ev);
  }

  /** Watch events arrive asynchronously, in order, as they would over a connection. */
  private deliver(w: Watcher, ev: WatchEvent<KubeObject>): void {
    const obj = copy(ev.object);
    const send = () => {
      if (!w.stopped) w.cb.onEvent({ type: ev.type, object: obj });
    };
    if (this.holding) this.held.push(send);
    else queueMicrotask(send);
  }
}

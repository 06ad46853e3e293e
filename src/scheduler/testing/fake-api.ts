// A minimal in-memory ApiClient for scheduler tests: objects per resource type with
// resourceVersions, list + watch (history replay, asynchronous delivery like a real stream),
// create/update/patch/delete, pods/binding, and hooks to delay or fail bindings.
import { randomUUID } from 'node:crypto';
import fastJsonPatch from 'fast-json-patch';
import type { Status } from 'kubernetes-types/meta/v1.js';
import type { ResourceType } from '../../api/registry.js';
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

interface Change {
  rv: number;
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  rtKey: string;
  namespace?: string;
  obj: KubeObject;
}

interface Watcher {
  rtKey: string;
  namespace?: string;
  cb: WatchCallbacks<KubeObject>;
  pending: WatchEvent[];
  scheduled: boolean;
  stopped: boolean;
}

export interface RecordedCall {
  verb: string;
  resource: string;
  namespace?: string;
  name?: string;
  subresource?: string;
  body?: unknown;
}

function fail(code: number, reason: string, message: string): ApiError {
  const s: Status = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code };
  return new ApiError(code, s);
}

const rtKeyOf = (rt: ResourceType) => `${rt.group}/${rt.plural}`;

function mergePatch(target: unknown, patch: unknown, strategic: boolean): unknown {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return patch;
  const out: Record<string, unknown> = target && typeof target === 'object' && !Array.isArray(target) ? { ...(target as Record<string, unknown>) } : {};
  for (const [k, v] of Object.entries(patch as Record<string, unknown>)) {
    if (v === null) delete out[k];
    else if (strategic && k === 'conditions' && Array.isArray(v) && Array.isArray(out[k])) {
      // Strategic merge of conditions: keyed by type.
      const list = [...(out[k] as { type: string }[])];
      for (const c of v as { type: string }[]) {
        const i = list.findIndex((x) => x.type === c.type);
        if (i >= 0) list[i] = mergePatch(list[i], c, true) as { type: string };
        else list.push(mergePatch(undefined, c, true) as { type: string });
      }
      out[k] = list;
    } else out[k] = mergePatch(out[k], v, strategic);
  }
  return out;
}

export class FakeApi implements ApiClient {
  private readonly objects = new Map<string, Map<string, KubeObject>>();
  private readonly history: Change[] = [];
  private readonly watchers = new Set<Watcher>();
  private rv = 0;
  readonly calls: RecordedCall[] = [];
  /** Runs before a binding is applied; may await or throw (an ApiError) to fail it. */
  bindHook?: (namespace: string, name: string, node: string) => void | Promise<void>;
  /** Record calls (off for big tests to save memory). */
  recordCalls = true;

  private store(rt: ResourceType): Map<string, KubeObject> {
    const k = rtKeyOf(rt);
    let m = this.objects.get(k);
    if (!m) this.objects.set(k, (m = new Map()));
    return m;
  }

  private key(rt: ResourceType, ns: string | undefined, name: string): string {
    return rt.namespaced ? `${ns ?? 'default'}/${name}` : name;
  }

  private record(c: RecordedCall): void {
    if (this.recordCalls) this.calls.push(c);
  }

  private emit(rt: ResourceType, type: Change['type'], obj: KubeObject): void {
    const ch: Change = { rv: this.rv, type, rtKey: rtKeyOf(rt), namespace: obj.metadata?.namespace, obj: structuredClone(obj) };
    this.history.push(ch);
    for (const w of this.watchers) this.deliver(w, ch);
  }

  private deliver(w: Watcher, ch: Change): void {
    if (w.stopped || w.rtKey !== ch.rtKey || (w.namespace && w.namespace !== ch.namespace)) return;
    w.pending.push({ type: ch.type, object: structuredClone(ch.obj) });
    if (!w.scheduled) {
      w.scheduled = true;
      setImmediate(() => {
        w.scheduled = false;
        const evs = w.pending.splice(0);
        for (const ev of evs) if (!w.stopped) w.cb.onEvent(ev);
      });
    }
  }

  private write(rt: ResourceType, obj: KubeObject, type: Change['type']): KubeObject {
    this.rv++;
    obj.metadata = { ...obj.metadata, resourceVersion: String(this.rv) };
    const ns = rt.namespaced ? obj.metadata.namespace : undefined;
    if (type === 'DELETED') this.store(rt).delete(this.key(rt, ns, obj.metadata.name!));
    else this.store(rt).set(this.key(rt, ns, obj.metadata.name!), obj);
    this.emit(rt, type, obj);
    return structuredClone(obj);
  }

  /** Direct read for assertions. */
  peek<T = KubeObject>(rt: ResourceType, namespace: string | undefined, name: string): T | undefined {
    const o = this.store(rt).get(this.key(rt, namespace, name));
    return o ? (structuredClone(o) as unknown as T) : undefined;
  }

  all<T = KubeObject>(rt: ResourceType): T[] {
    return [...this.store(rt).values()].map((o) => structuredClone(o) as unknown as T);
  }

  async get<T extends KubeObject>(rt: ResourceType, namespace: string | undefined, name: string): Promise<T> {
    const o = this.peek<T>(rt, namespace, name);
    if (o === undefined) throw fail(404, 'NotFound', `${rt.plural} "${name}" not found`);
    return o;
  }

  async list<T extends KubeObject>(rt: ResourceType, namespace?: string, _opts?: ListOptions): Promise<KubeList<T>> {
    const items = [...this.store(rt).values()].filter((o) => !namespace || !rt.namespaced || o.metadata?.namespace === namespace);
    return { apiVersion: 'v1', kind: `${rt.kind}List`, metadata: { resourceVersion: String(this.rv) }, items: items.map((o) => structuredClone(o) as T) };
  }

  watch<T extends KubeObject>(rt: ResourceType, namespace: string | undefined, opts: WatchOptions, cb: WatchCallbacks<T>): WatchHandle {
    const w: Watcher = { rtKey: rtKeyOf(rt), namespace: rt.namespaced ? namespace : undefined, cb: cb as WatchCallbacks<KubeObject>, pending: [], scheduled: false, stopped: false };
    const from = Number(opts.resourceVersion ?? this.rv);
    for (const ch of this.history) if (ch.rv > from) this.deliver(w, ch);
    this.watchers.add(w);
    return {
      stop: () => {
        if (w.stopped) return;
        w.stopped = true;
        this.watchers.delete(w);
        setImmediate(() => cb.onClose());
      },
    };
  }

  async create<T extends KubeObject>(rt: ResourceType, namespace: string | undefined, obj: T, _opts?: WriteOptions): Promise<T> {
    const o = structuredClone(obj) as KubeObject;
    o.metadata = { ...o.metadata };
    if (!o.metadata.name && o.metadata.generateName) o.metadata.name = o.metadata.generateName + randomUUID().slice(0, 5);
    if (rt.namespaced) o.metadata.namespace = namespace ?? o.metadata.namespace ?? 'default';
    this.record({ verb: 'create', resource: rt.plural, namespace: o.metadata.namespace, name: o.metadata.name, body: obj });
    if (this.store(rt).has(this.key(rt, o.metadata.namespace, o.metadata.name!)))
      throw fail(409, 'AlreadyExists', `${rt.plural} "${o.metadata.name}" already exists`);
    o.metadata.uid ??= randomUUID();
    o.metadata.creationTimestamp ??= new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
    o.apiVersion ??= rt.group ? `${rt.group}/${rt.version}` : rt.version;
    o.kind ??= rt.kind;
    return this.write(rt, o, 'ADDED') as T;
  }

  private existing(rt: ResourceType, namespace: string | undefined, name: string): KubeObject {
    const o = this.store(rt).get(this.key(rt, namespace, name));
    if (!o) throw fail(404, 'NotFound', `${rt.plural} "${name}" not found`);
    return o;
  }

  async update<T extends KubeObject>(rt: ResourceType, namespace: string | undefined, obj: T): Promise<T> {
    const cur = this.existing(rt, namespace, obj.metadata!.name!);
    this.record({ verb: 'update', resource: rt.plural, namespace, name: obj.metadata?.name, body: obj });
    if (obj.metadata?.resourceVersion && obj.metadata.resourceVersion !== cur.metadata?.resourceVersion)
      throw fail(409, 'Conflict', `Operation cannot be fulfilled on ${rt.plural} "${obj.metadata.name}": the object has been modified; please apply your changes to the latest version and try again`);
    const o = structuredClone(obj) as KubeObject;
    o.metadata = { ...cur.metadata, ...o.metadata };
    return this.write(rt, o, 'MODIFIED') as T;
  }

  async updateStatus<T extends KubeObject>(rt: ResourceType, namespace: string | undefined, obj: T): Promise<T> {
    return this.update(rt, namespace, obj);
  }

  async patch<T extends KubeObject>(
    rt: ResourceType,
    namespace: string | undefined,
    name: string,
    type: PatchType,
    patch: unknown,
    opts?: PatchOptions & { subresource?: string },
  ): Promise<T> {
    this.record({ verb: 'patch', resource: rt.plural, namespace, name, subresource: opts?.subresource, body: patch });
    const cur = this.existing(rt, namespace, name);
    let next: KubeObject;
    if (type === 'json') next = fastJsonPatch.applyPatch(structuredClone(cur), patch as fastJsonPatch.Operation[]).newDocument;
    else next = mergePatch(structuredClone(cur), patch, type === 'strategic') as KubeObject;
    return this.write(rt, next, 'MODIFIED') as T;
  }

  async delete(rt: ResourceType, namespace: string | undefined, name: string, opts?: DeleteOptions): Promise<KubeObject> {
    this.record({ verb: 'delete', resource: rt.plural, namespace, name, body: opts });
    const cur = this.existing(rt, namespace, name);
    if (opts?.preconditions?.uid && opts.preconditions.uid !== cur.metadata?.uid)
      throw fail(409, 'Conflict', `Precondition failed: UID in precondition: ${opts.preconditions.uid}, UID in object meta: ${cur.metadata?.uid}`);
    return this.write(rt, structuredClone(cur), 'DELETED');
  }

  async createSubresource<T extends KubeObject>(rt: ResourceType, namespace: string | undefined, name: string, subresource: string, body: KubeObject): Promise<T> {
    this.record({ verb: 'create', resource: rt.plural, namespace, name, subresource, body });
    if (rt.kind !== 'Pod' || subresource !== 'binding') throw fail(404, 'NotFound', `subresource ${subresource} not supported by the fake`);
    const node = (body as { target?: { name?: string } }).target?.name ?? '';
    if (this.bindHook) await this.bindHook(namespace ?? 'default', name, node);
    const pod = this.existing(rt, namespace, name) as KubeObject & { spec?: { nodeName?: string }; status?: { conditions?: unknown[] } };
    if (pod.spec?.nodeName)
      throw fail(409, 'Conflict', `Operation cannot be fulfilled on pods/binding "${name}": pod ${name} is already assigned to node "${pod.spec.nodeName}"`);
    const next = structuredClone(pod);
    next.spec = { ...next.spec, nodeName: node };
    const conds = (next.status?.conditions ?? []).filter((c) => (c as { type: string }).type !== 'PodScheduled');
    next.status = { ...next.status, conditions: [...conds, { type: 'PodScheduled', status: 'True', lastTransitionTime: new Date().toISOString() }] };
    this.write(rt, next, 'MODIFIED');
    return { apiVersion: 'v1', kind: 'Status', status: 'Success', metadata: {} } as unknown as T;
  }
}

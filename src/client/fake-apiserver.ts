// A small in-memory fake of the Kubernetes API for client-side tests (this package and
// controllers/scheduler tests that want a server without storage): CRUD with resourceVersion,
// optimistic concurrency, 404/409 Status answers, lists with limit/continue, and watches that
// replay history, send bookmarks and can be expired (410) or ended on demand. It is a
// RequestHandler, so it runs behind InProcessTransport or a node:http server alike.
import { randomUUID } from 'node:crypto';
import fastJsonPatch from 'fast-json-patch';
import type { Status } from 'kubernetes-types/meta/v1.js';
import { resolveResource, type ResourceType } from '../api/registry.js';
import type { KubeObject } from './api.js';
import type { HandlerRequest, RequestHandler, ResponseSink } from './transport.js';

interface Change {
  rv: number;
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  rt: ResourceType;
  obj: KubeObject;
}

interface ActiveWatch {
  rt: ResourceType;
  namespace?: string;
  labelSelector?: string;
  res: ResponseSink;
  timer?: NodeJS.Timeout;
}

export interface RecordedRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: string;
}

function status(code: number, reason: string, message: string, details?: Status['details']): Status {
  const s: Status = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code };
  if (details) s.details = details;
  return s;
}

function qualified(rt: ResourceType): string {
  return rt.group ? `${rt.plural}.${rt.group}` : rt.plural;
}

function matchesLabels(obj: KubeObject, selector: string | undefined): boolean {
  if (!selector) return true;
  const labels = obj.metadata?.labels ?? {};
  return selector.split(',').every((term) => {
    const [k, v] = term.split(/!?=+/);
    const neg = term.includes('!=');
    return neg ? labels[k!.trim()] !== v?.trim() : labels[k!.trim()] === v?.trim();
  });
}

/** RFC 7386 JSON merge patch. */
function mergePatch(target: unknown, patch: unknown): unknown {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return patch;
  const out: Record<string, unknown> = target && typeof target === 'object' && !Array.isArray(target) ? { ...(target as Record<string, unknown>) } : {};
  for (const [k, v] of Object.entries(patch as Record<string, unknown>)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

export class FakeApiServer {
  private readonly objects = new Map<string, { rt: ResourceType; obj: KubeObject }>();
  private readonly history: Change[] = [];
  private readonly watches = new Set<ActiveWatch>();
  private rv = 100;
  /** Watches from a resourceVersion at or below this get 410 Gone. */
  private compactedRV = 0;
  private failures: { match: (r: HandlerRequest) => boolean; code: number; reason: string }[] = [];
  readonly requests: RecordedRequest[] = [];
  /** Total watch requests answered (to see re-watches). */
  watchRequests = 0;
  /** Total list requests answered (to see re-lists). */
  listRequests = 0;
  /** Send a BOOKMARK after each event batch to watches that allow them. */
  sendBookmarks = true;

  readonly handler: RequestHandler = (req, res) => this.handle(req, res);

  /** The next request matching `match` fails with this code (once). */
  failNext(match: (r: HandlerRequest) => boolean, code: number, reason = 'InternalError'): void {
    this.failures.push({ match, code, reason });
  }

  /** Forget history up to now: older watches get 410 Gone ("too old resource version"). */
  compact(): void {
    this.compactedRV = this.rv;
    this.history.length = 0;
  }

  /** Send an ERROR event with a 410 Status to every open watch, then end them (like an expired watch). */
  expireWatches(): void {
    for (const w of [...this.watches]) {
      this.writeEvent(w, 'ERROR', status(410, 'Expired', 'too old resource version: 1 (2)'));
      this.closeWatch(w);
    }
  }

  /** End every open watch cleanly (as a server-side timeout does). */
  endWatches(): void {
    for (const w of [...this.watches]) this.closeWatch(w);
  }

  openWatches(): number {
    return this.watches.size;
  }

  /** Put an object directly (as another client would), notifying watchers. */
  put(rt: ResourceType, obj: KubeObject): KubeObject {
    const ns = rt.namespaced ? (obj.metadata?.namespace ?? 'default') : undefined;
    const key = this.key(rt, ns, obj.metadata!.name!);
    const existing = this.objects.get(key);
    const stored = this.stamp(rt, structuredClone(obj), ns, existing?.obj);
    this.objects.set(key, { rt, obj: stored });
    this.publish(existing ? 'MODIFIED' : 'ADDED', rt, stored);
    return structuredClone(stored);
  }

  /** Remove an object directly, notifying watchers. */
  remove(rt: ResourceType, namespace: string | undefined, name: string): void {
    const key = this.key(rt, rt.namespaced ? namespace : undefined, name);
    const existing = this.objects.get(key);
    if (!existing) return;
    this.objects.delete(key);
    const deleted = structuredClone(existing.obj);
    deleted.metadata!.resourceVersion = String(++this.rv);
    this.publish('DELETED', rt, deleted);
  }

  read(rt: ResourceType, namespace: string | undefined, name: string): KubeObject | undefined {
    const o = this.objects.get(this.key(rt, rt.namespaced ? namespace : undefined, name));
    return o ? structuredClone(o.obj) : undefined;
  }

  all(rt: ResourceType): KubeObject[] {
    return [...this.objects.values()].filter((o) => o.rt === rt).map((o) => structuredClone(o.obj));
  }

  // ---- request handling ----

  private key(rt: ResourceType, ns: string | undefined, name: string): string {
    return `${rt.group}/${rt.plural}/${ns ?? ''}/${name}`;
  }

  private send(res: ResponseSink, code: number, body: unknown): void {
    res.writeHead(code, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  }

  private fail(res: ResponseSink, s: Status): void {
    this.send(res, s.code!, s);
  }

  private handle(req: HandlerRequest, res: ResponseSink): void {
    this.requests.push({ method: req.method, url: req.url, headers: { ...req.headers }, body: req.body.toString('utf8') });
    const inj = this.failures.findIndex((f) => f.match(req));
    if (inj >= 0) {
      const [f] = this.failures.splice(inj, 1);
      this.fail(res, status(f!.code, f!.reason, `injected failure ${f!.code}`));
      return;
    }
    const u = new URL(req.url, 'http://fake');
    const parts = u.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    let group = '';
    let version: string;
    let rest: string[];
    if (parts[0] === 'api') {
      version = parts[1]!;
      rest = parts.slice(2);
    } else if (parts[0] === 'apis') {
      group = parts[1]!;
      version = parts[2]!;
      rest = parts.slice(3);
    } else {
      this.fail(res, status(404, 'NotFound', 'the server could not find the requested resource'));
      return;
    }
    let namespace: string | undefined;
    if (rest[0] === 'namespaces' && rest.length >= 3) {
      namespace = rest[1];
      rest = rest.slice(2);
    }
    const resolved = resolveResource(group, version ?? '', rest[0] ?? '');
    if (!resolved) {
      this.fail(res, status(404, 'NotFound', 'the server could not find the requested resource'));
      return;
    }
    const rt = resolved.type;
    const name = rest[1];
    const sub = rest[2];
    const q = u.searchParams;
    try {
      if (req.method === 'GET' && !name) {
        if (q.get('watch') === '1' || q.get('watch') === 'true') this.watch(rt, namespace, q, res);
        else this.list(rt, namespace, q, res);
        return;
      }
      if (!name && req.method === 'POST') return this.create(rt, namespace, req, res);
      if (!name) return this.fail(res, status(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource'));
      const key = this.key(rt, rt.namespaced ? namespace : undefined, name);
      const existing = this.objects.get(key);
      if (req.method === 'POST' && sub) {
        if (!existing) return this.fail(res, this.notFound(rt, name));
        return this.send(res, 201, JSON.parse(req.body.toString('utf8')));
      }
      if (!existing) return this.fail(res, this.notFound(rt, name));
      switch (req.method) {
        case 'GET':
          return this.send(res, 200, existing.obj);
        case 'PUT':
          return this.update(rt, namespace, name, existing.obj, JSON.parse(req.body.toString('utf8')) as KubeObject, res);
        case 'PATCH':
          return this.patch(rt, namespace, name, existing.obj, req, res);
        case 'DELETE': {
          this.remove(rt, namespace, name);
          return this.send(res, 200, { ...existing.obj });
        }
      }
      this.fail(res, status(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource'));
    } catch (e) {
      this.fail(res, status(400, 'BadRequest', (e as Error).message));
    }
  }

  private notFound(rt: ResourceType, name: string): Status {
    return status(404, 'NotFound', `${qualified(rt)} "${name}" not found`, { name, group: rt.group || undefined, kind: rt.plural });
  }

  private stamp(rt: ResourceType, obj: KubeObject, ns: string | undefined, prev?: KubeObject): KubeObject {
    obj.apiVersion = rt.group ? `${rt.group}/${rt.version}` : rt.version;
    obj.kind = rt.kind;
    obj.metadata ??= {};
    if (ns) obj.metadata.namespace = ns;
    obj.metadata.uid = prev?.metadata?.uid ?? obj.metadata.uid ?? randomUUID();
    obj.metadata.creationTimestamp = prev?.metadata?.creationTimestamp ?? new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
    obj.metadata.resourceVersion = String(++this.rv);
    return obj;
  }

  private list(rt: ResourceType, namespace: string | undefined, q: URLSearchParams, res: ResponseSink): void {
    this.listRequests++;
    let items = [...this.objects.values()]
      .filter((o) => o.rt === rt && (!namespace || !rt.namespaced || o.obj.metadata?.namespace === namespace))
      .map((o) => o.obj)
      .filter((o) => matchesLabels(o, q.get('labelSelector') ?? undefined))
      .sort((a, b) => (a.metadata!.namespace ?? '').localeCompare(b.metadata!.namespace ?? '') || a.metadata!.name!.localeCompare(b.metadata!.name!));
    const start = Number(q.get('continue') ?? 0);
    const limit = Number(q.get('limit') ?? 0);
    let cont: string | undefined;
    items = items.slice(start);
    if (limit > 0 && items.length > limit) {
      items = items.slice(0, limit);
      cont = String(start + limit);
    }
    // Items on the wire carry no apiVersion/kind, as from kube-apiserver.
    const wireItems = items.map(({ apiVersion: _a, kind: _k, ...rest }) => rest);
    this.send(res, 200, {
      apiVersion: rt.group ? `${rt.group}/${rt.version}` : rt.version,
      kind: `${rt.kind}List`,
      metadata: cont ? { resourceVersion: String(this.rv), continue: cont } : { resourceVersion: String(this.rv) },
      items: wireItems,
    });
  }

  private watch(rt: ResourceType, namespace: string | undefined, q: URLSearchParams, res: ResponseSink): void {
    this.watchRequests++;
    const w: ActiveWatch = { rt, namespace: rt.namespaced ? namespace : undefined, labelSelector: q.get('labelSelector') ?? undefined, res };
    res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
    const fromRaw = q.get('resourceVersion');
    const from = fromRaw ? Number(fromRaw) : undefined;
    if (from !== undefined && from !== 0 && from < this.compactedRV) {
      this.writeEvent(w, 'ERROR', status(410, 'Expired', `too old resource version: ${from} (${this.compactedRV})`));
      res.end();
      return;
    }
    this.watches.add(w);
    res.onClose(() => this.closeWatch(w));
    if (from === undefined || from === 0) {
      for (const o of this.objects.values()) if (this.matches(w, o.rt, o.obj)) this.writeEvent(w, 'ADDED', o.obj);
    } else {
      for (const c of this.history) if (c.rv > from && this.matches(w, c.rt, c.obj)) this.writeEvent(w, c.type, c.obj);
    }
    const timeout = Number(q.get('timeoutSeconds') ?? 0);
    if (timeout > 0) {
      w.timer = setTimeout(() => this.closeWatch(w), timeout * 1000);
      w.timer.unref();
    }
  }

  private closeWatch(w: ActiveWatch): void {
    if (!this.watches.delete(w)) return;
    if (w.timer) clearTimeout(w.timer);
    w.res.end();
  }

  private matches(w: ActiveWatch, rt: ResourceType, obj: KubeObject): boolean {
    return w.rt === rt && (!w.namespace || obj.metadata?.namespace === w.namespace) && matchesLabels(obj, w.labelSelector);
  }

  private writeEvent(w: ActiveWatch, type: string, object: unknown): void {
    w.res.write(JSON.stringify({ type, object }) + '\n');
  }

  private publish(type: Change['type'], rt: ResourceType, obj: KubeObject): void {
    const rv = Number(obj.metadata!.resourceVersion);
    this.history.push({ rv, type, rt, obj: structuredClone(obj) });
    for (const w of this.watches) {
      if (!this.matches(w, rt, obj)) continue;
      this.writeEvent(w, type, obj);
      if (this.sendBookmarks) this.writeEvent(w, 'BOOKMARK', { kind: rt.kind, apiVersion: obj.apiVersion, metadata: { resourceVersion: String(this.rv) } });
    }
  }

  private create(rt: ResourceType, namespace: string | undefined, req: HandlerRequest, res: ResponseSink): void {
    const obj = JSON.parse(req.body.toString('utf8')) as KubeObject;
    const name = obj.metadata?.name;
    if (!name) return this.fail(res, status(422, 'Invalid', `${rt.kind} "" is invalid: metadata.name: Required value: name is required`));
    const ns = rt.namespaced ? (namespace ?? obj.metadata?.namespace ?? 'default') : undefined;
    const key = this.key(rt, ns, name);
    if (this.objects.has(key)) {
      return this.fail(res, status(409, 'AlreadyExists', `${qualified(rt)} "${name}" already exists`, { name, group: rt.group || undefined, kind: rt.plural }));
    }
    const stored = this.stamp(rt, obj, ns);
    this.objects.set(key, { rt, obj: stored });
    this.publish('ADDED', rt, stored);
    this.send(res, 201, stored);
  }

  private update(rt: ResourceType, namespace: string | undefined, name: string, current: KubeObject, obj: KubeObject, res: ResponseSink): void {
    const want = obj.metadata?.resourceVersion;
    if (want && want !== current.metadata?.resourceVersion) {
      return this.fail(
        res,
        status(409, 'Conflict', `Operation cannot be fulfilled on ${qualified(rt)} "${name}": the object has been modified; please apply your changes to the latest version and try again`, {
          name,
          group: rt.group || undefined,
          kind: rt.plural,
        }),
      );
    }
    const ns = rt.namespaced ? namespace : undefined;
    const stored = this.stamp(rt, obj, ns, current);
    this.objects.set(this.key(rt, ns, name), { rt, obj: stored });
    this.publish('MODIFIED', rt, stored);
    this.send(res, 200, stored);
  }

  private patch(rt: ResourceType, namespace: string | undefined, name: string, current: KubeObject, req: HandlerRequest, res: ResponseSink): void {
    const ct = req.headers['content-type'] ?? '';
    const body = JSON.parse(req.body.toString('utf8')) as unknown;
    let next: KubeObject;
    if (ct === 'application/json-patch+json') {
      next = fastJsonPatch.applyPatch(structuredClone(current), body as fastJsonPatch.Operation[], true, false).newDocument;
    } else if (ct === 'application/merge-patch+json' || ct === 'application/strategic-merge-patch+json' || ct === 'application/apply-patch+yaml') {
      next = mergePatch(structuredClone(current), body) as KubeObject;
    } else {
      return this.fail(res, status(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml`));
    }
    next.metadata!.resourceVersion = current.metadata?.resourceVersion;
    this.update(rt, namespace, name, current, next, res);
  }
}

// REST handlers for resource requests: get, list, watch, create, update, patch, delete,
// deletecollection, and the status/scale subresources. Storage-facing work goes through
// ObjectStore; reads are served from the watch cache.
import { randomUUID } from 'node:crypto';
import type { ResourceType } from '../api/registry.js';
import { apiVersionOf, groupVersion, storagePrefix } from '../api/registry.js';
import { StatusError, badRequest, conflict, gone, invalid, methodNotAllowed, notFound, qualifiedResource } from '../api/errors.js';
import type { KubeObject } from '../client/api.js';
import type { HandlerRequest, ResponseSink, UserInfo } from '../client/transport.js';
import { applyDefaults, prepareForApprovalUpdate, prepareForCreate, prepareForUpdate, prepareForStatusUpdate, validate, validateUpdate } from '../api/strategy.js';
import { convertFromStored, convertToStored } from '../api/conversion.js';
import { parseSelector } from '../api/labels.js';
import { parseFieldSelector, fieldsOf } from '../api/fields.js';
import { applyJsonPatch, applyMergePatch, applyStrategicMergePatch } from '../api/patch/index.js';
import { serverSideApply, trackUpdate } from '../api/patch/apply.js';
import { findUnknownFields } from '../api/schema/index.js';
import { findTypeError } from '../api/schema/type-check.js';
import { buildTable } from '../api/tables/index.js';
import type { ResolvedType } from '../api/registry.js';
import type { RequestInfo } from './request-info.js';
import { decodeBody, mediaType, parseAccept, sendJson, successStatus, checkWriteContentType } from './http-util.js';
import type { AdmissionChain } from './admission.js';
import { ObjectStore, nsOf } from './object-store.js';
import { sameStoredContent } from './json-equal.js';
import { TooOldError, type WatchCache, type CachedObject, type ObjectFilter } from './watch-cache.js';
import type { Store } from '../storage/store.js';
import type { PodStreamingProxy } from './pod-streaming.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { CompactedError, FutureRevisionError } from '../storage/store.js';

export interface RestDeps {
  store: Store;
  cache: WatchCache;
  objects: ObjectStore;
  admission: AdmissionChain;
  now: () => Date;
  /** Hook for kinds with server-side side effects (service IP allocation, …). */
  hooks?: ResourceHooks[];
  podStreaming?: () => PodStreamingProxy | undefined;
}

/** Per-kind server behaviour beyond strategy: allocation on create, release on delete. */
export interface ResourceHooks {
  kinds: string[];
  beforeCreate?(obj: KubeObject, dryRun: boolean): Promise<void>;
  beforeUpdate?(obj: KubeObject, old: KubeObject, dryRun: boolean): Promise<void>;
  afterDelete?(obj: KubeObject): Promise<void>;
}

interface Ctx {
  req: HandlerRequest;
  res: ResponseSink;
  info: RequestInfo;
  resolved: ResolvedType;
  rt: ResourceType;
  query: URLSearchParams;
  user?: UserInfo;
  warnings: string[];
}

const NAME_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';
function randomSuffix(n = 5): string {
  let s = '';
  for (let i = 0; i < n; i++) s += NAME_ALPHABET[Math.floor(Math.random() * NAME_ALPHABET.length)];
  return s;
}

function isDryRun(q: URLSearchParams): boolean {
  const d = q.getAll('dryRun');
  if (d.length === 0) return false;
  for (const v of d) if (v !== 'All') throw badRequest(`Invalid dryRun value: ${v}; the only supported value is All`);
  return true;
}

/** fieldManager query param, or the User-Agent's program name as upstream derives it. */
function fieldManagerOf(ctx: Ctx): string {
  const fm = ctx.query.get('fieldManager');
  if (fm) {
    if (fm.length > 128) throw badRequest(`fieldManager: Too long: may not be more than 128 bytes`);
    return fm;
  }
  const ua = ctx.req.headers['user-agent'] ?? 'unknown';
  return ua.split('/')[0] || 'unknown';
}

export class RestHandler {
  constructor(private readonly d: RestDeps) {}

  private hooksFor(kind: string): ResourceHooks[] {
    return (this.d.hooks ?? []).filter((h) => h.kinds.includes(kind));
  }

  async handle(req: HandlerRequest, res: ResponseSink, info: RequestInfo, resolved: ResolvedType, query: URLSearchParams): Promise<void> {
    const rt = resolved.type;
    const ctx: Ctx = { req, res, info, resolved, rt, query, user: req.user, warnings: resolved.warning ? [resolved.warning] : [] };
    const ns = rt.namespaced ? info.namespace : undefined;
    if (rt.namespaced && !ns && info.name && rt.kind !== 'Namespace') throw notFound(rt.plural, rt.group, info.name);
    const sub = info.subresource;
    if (sub && !rt.subresources.includes(sub)) throw notFound(rt.plural, rt.group, info.name);
    switch (info.verb) {
      case 'get':
        if (sub === 'scale') return this.getScale(ctx, ns);
        if (rt.kind === 'Pod' && sub === 'log') return this.podLog(ctx, ns);
        if (rt.kind === 'Pod' && (sub === 'exec' || sub === 'attach' || sub === 'portforward')) {
          throw badRequest(`Upgrade request required`);
        }
        if (sub && sub !== 'status' && sub !== 'approval') throw methodNotAllowed(`the server does not allow this method on the requested resource`);
        return this.get(ctx, ns);
      case 'list':
        return this.list(ctx, ns);
      case 'watch':
        return this.watch(ctx, ns);
      case 'create':
        if (info.name && !sub) throw methodNotAllowed('the server does not allow this method on the requested resource');
        return this.create(ctx, ns);
      case 'update':
        if (sub === 'scale') return this.updateScale(ctx, ns, undefined);
        if (sub === 'finalize') return this.finalizeNamespace(ctx);
        return this.update(ctx, ns);
      case 'patch':
        if (sub === 'scale') return this.patchScale(ctx, ns);
        return this.patch(ctx, ns);
      case 'delete':
        return this.delete(ctx, ns);
      case 'deletecollection':
        return this.deleteCollection(ctx, ns);
    }
    throw methodNotAllowed(`the server does not allow this method on the requested resource`);
  }

  // ---- output -----------------------------------------------------------------------------

  private headers(ctx: Ctx): Record<string, string> {
    const h: Record<string, string> = {};
    if (ctx.warnings.length) h['warning'] = ctx.warnings.map((w) => `299 - ${JSON.stringify(w)}`).join(', ');
    return h;
  }

  /** Convert a stored object to the version the client spoke. */
  private out(ctx: Ctx, obj: KubeObject): KubeObject {
    const av = groupVersion(ctx.resolved.group, ctx.resolved.version);
    if (av === apiVersionOf(ctx.rt)) return obj;
    return convertFromStored(av, ctx.rt.kind, structuredClone(obj)) as KubeObject;
  }

  private sendObject(ctx: Ctx, code: number, obj: KubeObject): void {
    const accept = parseAccept(ctx.req.headers['accept']);
    const o = this.out(ctx, obj);
    if (accept.as === 'Table') {
      const t = buildTable(ctx.rt.kind, ctx.rt.group, [o], { now: this.d.now(), includeObject: includeObjectOf(ctx.query) });
      return sendJson(ctx.res, code, t, this.headers(ctx));
    }
    if (accept.as === 'PartialObjectMetadata') return sendJson(ctx.res, code, partialMeta(o), this.headers(ctx));
    sendJson(ctx.res, code, o, this.headers(ctx));
  }

  // ---- reads ------------------------------------------------------------------------------

  private async get(ctx: Ctx, ns: string | undefined): Promise<void> {
    const obj = await this.d.objects.mustGet(ctx.rt, ns, ctx.info.name);
    this.sendObject(ctx, 200, obj);
  }

  private async podLog(ctx: Ctx, ns: string | undefined): Promise<void> {
    const pod = (await this.d.objects.mustGet(ctx.rt, ns, ctx.info.name)) as Pod;
    const container = ctx.query.get('container');
    const names = [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? []), ...(pod.spec?.ephemeralContainers ?? [])].map((c) => c.name);
    if (container && !names.includes(container)) throw badRequest(`container ${container} is not valid for pod ${ctx.info.name}`);
    if (!container && (pod.spec?.containers ?? []).length > 1) {
      throw badRequest(`a container name must be specified for pod ${ctx.info.name}, choose one of: [${(pod.spec?.containers ?? []).map((c) => c.name).join(' ')}]`);
    }
    if (!pod.spec?.nodeName) throw badRequest(`pod ${ctx.info.name} does not have a host assigned`);
    const proxy = this.d.podStreaming?.();
    if (!proxy) throw new StatusError(503, 'ServiceUnavailable', `no node agent is reachable for node "${pod.spec.nodeName}"`);
    await proxy.log(pod, ctx.query, ctx.res);
  }

  private buildFilter(ctx: Ctx): ObjectFilter | undefined {
    const ls = ctx.query.get('labelSelector');
    const fs = ctx.query.get('fieldSelector');
    const labelSel = ls ? parseSelector(ls) : undefined;
    const fieldSel = fs ? parseFieldSelector(fs) : undefined;
    if (fieldSel) {
      // Reject unsupported fields up front (400), as upstream does.
      fieldSel.validate?.(ctx.rt.kind);
    }
    if (!labelSel && !fieldSel) return undefined;
    const kind = ctx.rt.kind;
    return (o: KubeObject) => {
      if (labelSel && !labelSel.matches(o.metadata?.labels ?? {})) return false;
      if (fieldSel && !fieldSel.matches(fieldsOf(kind, o))) return false;
      return true;
    };
  }

  private async list(ctx: Ctx, ns: string | undefined): Promise<void> {
    const q = ctx.query;
    const filter = this.buildFilter(ctx);
    const limit = q.get('limit') ? Number(q.get('limit')) : 0;
    if (!Number.isInteger(limit) || limit < 0) throw badRequest(`invalid limit: ${q.get('limit')}`);
    const cont = q.get('continue');
    const rv = q.get('resourceVersion') ?? '';
    const rvMatch = q.get('resourceVersionMatch') ?? '';
    if (rvMatch && !['Exact', 'NotOlderThan'].includes(rvMatch)) throw badRequest(`resourceVersionMatch: Unsupported value: "${rvMatch}"`);
    if (rvMatch && !rv) throw badRequest('resourceVersionMatch is forbidden unless resourceVersion is provided');
    if (cont && rv && rv !== '0') throw badRequest('specifying resource version is not allowed when using continue');

    let items: CachedObject[] | KubeObject[];
    let listRev: number;
    let nextContinue: string | undefined;
    let remaining: number | undefined;

    if (cont || rvMatch === 'Exact') {
      // Historical/paged reads go to the store at a fixed revision.
      let revision: number;
      let startAfter: string | undefined;
      if (cont) {
        const tok = decodeContinue(cont);
        revision = tok.rv;
        startAfter = tok.start;
      } else revision = parseRv(rv);
      const r = await this.storeList(ctx, ns, revision, startAfter, limit, filter);
      items = r.items;
      listRev = revision;
      nextContinue = r.next;
      remaining = r.remaining;
    } else {
      if (rv !== '0') await this.d.cache.sync();
      if (rv && rv !== '0') {
        const want = parseRv(rv);
        if (want > this.d.cache.revision) await this.d.cache.waitFor(want).catch(() => {
          throw new StatusError(504, 'Timeout', `Too large resource version: ${want}, current: ${this.d.cache.revision}`);
        });
      }
      listRev = this.d.cache.revision;
      let all = this.d.cache.list(ctx.rt, ns);
      if (filter) all = all.filter((o) => filter(o.obj));
      if (limit > 0 && all.length > limit) {
        items = all.slice(0, limit);
        nextContinue = encodeContinue(listRev, all[limit - 1].key);
        if (!filter) remaining = all.length - limit;
      } else items = all;
    }
    this.sendList(ctx, items, listRev, nextContinue, remaining);
  }

  private async storeList(
    ctx: Ctx,
    ns: string | undefined,
    revision: number,
    startAfter: string | undefined,
    limit: number,
    filter: ObjectFilter | undefined,
  ): Promise<{ items: KubeObject[]; next?: string; remaining?: number }> {
    const prefix = storagePrefix(ctx.rt, ns);
    const out: KubeObject[] = [];
    let after = startAfter;
    let remaining: number | undefined;
    try {
      for (;;) {
        const page = await this.d.store.list(prefix, { revision, startAfter: after, limit: limit > 0 ? Math.max(limit - out.length, 1) : 0 });
        for (const kv of page.items) {
          const o = JSON.parse(kv.value) as KubeObject;
          o.metadata = { ...(o.metadata ?? {}), resourceVersion: String(kv.modRevision) };
          after = kv.key;
          if (!filter || filter(o)) out.push(o);
        }
        remaining = filter ? undefined : page.remaining;
        if (!page.more) return { items: out };
        if (limit > 0 && out.length >= limit) return { items: out, next: encodeContinue(revision, after!), remaining };
      }
    } catch (e) {
      if (e instanceof CompactedError) {
        throw gone(
          `The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.`,
        );
      }
      if (e instanceof FutureRevisionError) throw new StatusError(504, 'Timeout', `Too large resource version: ${revision}, current: ${e.current}`);
      throw e;
    }
  }

  private sendList(ctx: Ctx, items: (CachedObject | KubeObject)[], rev: number, cont?: string, remaining?: number): void {
    const accept = parseAccept(ctx.req.headers['accept']);
    const listMeta: Record<string, unknown> = { resourceVersion: String(rev) };
    if (cont) listMeta.continue = cont;
    if (remaining !== undefined && cont) listMeta.remainingItemCount = remaining;
    const objs = () => items.map((i) => this.out(ctx, isCached(i) ? i.obj : i));
    if (accept.as === 'Table') {
      const t = buildTable(ctx.rt.kind, ctx.rt.group, objs(), { now: this.d.now(), includeObject: includeObjectOf(ctx.query), listMeta });
      return sendJson(ctx.res, 200, t, this.headers(ctx));
    }
    if (accept.as === 'PartialObjectMetadataList') {
      return sendJson(ctx.res, 200, { kind: 'PartialObjectMetadataList', apiVersion: 'meta.k8s.io/v1', metadata: listMeta, items: objs().map(partialMeta) }, this.headers(ctx));
    }
    const apiVersion = groupVersion(ctx.resolved.group, ctx.resolved.version);
    const converted = apiVersion !== apiVersionOf(ctx.rt);
    // Fast path: splice cached JSON texts into the list body without re-serializing.
    const parts = items.map((i) => (isCached(i) && !converted ? i.json : JSON.stringify(this.out(ctx, isCached(i) ? i.obj : i))));
    const body = `{"kind":${JSON.stringify(ctx.rt.kind + 'List')},"apiVersion":${JSON.stringify(apiVersion)},"metadata":${JSON.stringify(listMeta)},"items":[${parts.join(',')}]}`;
    sendJson(ctx.res, 200, body, this.headers(ctx));
  }

  private async watch(ctx: Ctx, ns: string | undefined): Promise<void> {
    const q = ctx.query;
    const filter = this.buildFilter(ctx);
    const rv = q.get('resourceVersion') ?? '';
    const bookmarks = q.get('allowWatchBookmarks') === 'true' || q.get('allowWatchBookmarks') === '1';
    const sendInitial = q.get('sendInitialEvents') === 'true';
    let timeoutS = q.get('timeoutSeconds') ? Number(q.get('timeoutSeconds')) : 1800 + Math.floor(Math.random() * 1800);
    if (!Number.isFinite(timeoutS) || timeoutS < 0) throw badRequest(`invalid timeoutSeconds`);
    if (timeoutS === 0) timeoutS = 1800;
    const nameFilter = ctx.info.name; // /watch/namespaces/x/pods/name (legacy single-object watch)
    const fullFilter: ObjectFilter | undefined = nameFilter
      ? (o) => o.metadata?.name === nameFilter && (!filter || filter(o))
      : filter;

    if (rv !== '0' && rv !== '') await this.d.cache.waitFor(parseRv(rv)).catch(() => undefined);
    else await this.d.cache.sync();

    const apiVersion = groupVersion(ctx.resolved.group, ctx.resolved.version);
    const converted = apiVersion !== apiVersionOf(ctx.rt);
    const res = ctx.res;
    let closed = false;
    let cancelWatch: (() => void) | undefined;
    const timers: NodeJS.Timeout[] = [];
    const finish = () => {
      if (closed) return;
      closed = true;
      cancelWatch?.();
      timers.forEach((t) => clearTimeout(t));
      try {
        res.end();
      } catch {
        /* client gone */
      }
    };
    res.onClose(finish);
    res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked', 'cache-control': 'no-cache, private', ...this.headers(ctx) });

    const send = (evs: { type: string; object: CachedObject }[]) => {
      if (closed) return;
      let chunk = '';
      for (const e of evs) {
        const json = converted ? JSON.stringify(this.out(ctx, e.object.obj)) : e.object.json;
        chunk += `{"type":"${e.type}","object":${json}}\n`;
      }
      res.write(chunk);
    };
    const bookmark = (extra?: Record<string, string>) => {
      if (closed) return;
      const b = {
        type: 'BOOKMARK',
        object: { kind: ctx.rt.kind, apiVersion, metadata: { resourceVersion: String(this.d.cache.revision), ...(extra ? { annotations: extra } : {}) } },
      };
      res.write(JSON.stringify(b) + '\n');
    };

    try {
      const fromRev = rv === '' || rv === '0' || sendInitial ? undefined : parseRv(rv);
      cancelWatch = this.d.cache.watch(ctx.rt, fromRev, { namespace: ns, filter: fullFilter, send });
      if (sendInitial && bookmarks) bookmark({ 'k8s.io/initial-events-end': 'true' });
    } catch (e) {
      if (e instanceof TooOldError) {
        const st = gone(`too old resource version: ${e.requested} (${e.oldest})`).toStatus();
        res.write(JSON.stringify({ type: 'ERROR', object: st }) + '\n');
        finish();
        return;
      }
      throw e;
    }
    timers.push(setTimeout(finish, timeoutS * 1000));
    if (bookmarks) {
      const tick = () => {
        bookmark();
        if (!closed) timers.push(setTimeout(tick, 60_000));
      };
      timers.push(setTimeout(tick, 60_000));
    }
  }

  // ---- writes -----------------------------------------------------------------------------

  /** Decode a write body, check kind/apiVersion, field validation, and convert to the stored version. */
  private decodeObject(ctx: Ctx, body: unknown): KubeObject {
    if (!body || typeof body !== 'object' || Array.isArray(body)) throw badRequest('the body must be a JSON or YAML object');
    const obj = body as KubeObject;
    const spokenAv = groupVersion(ctx.resolved.group, ctx.resolved.version);
    const isScale = ctx.info.subresource === 'scale';
    if (!isScale) {
      if (obj.kind !== undefined && obj.kind !== ctx.rt.kind) {
        throw badRequest(`the kind in the data (${obj.kind}) does not match the expected kind (${ctx.rt.kind}) for ${spokenAv}, ${ctx.rt.plural}`);
      }
      if (obj.apiVersion !== undefined && obj.apiVersion !== spokenAv) {
        throw badRequest(`the API version in the data (${obj.apiVersion}) does not match the expected API version (${spokenAv})`);
      }
    }
    this.fieldValidation(ctx, obj, spokenAv);
    const kindForSchema = isScale ? 'Scale' : ctx.rt.kind;
    const te = findTypeError(isScale ? 'autoscaling' : ctx.resolved.group, isScale ? 'v1' : ctx.resolved.version, kindForSchema, obj);
    if (te) {
      throw badRequest(`${kindForSchema} in version "${isScale ? 'v1' : ctx.resolved.version}" cannot be handled as a ${kindForSchema}: ${te.message}`, [
        { reason: 'FieldValueInvalid', message: te.message, field: te.path },
      ]);
    }
    let stored = obj;
    if (!isScale && spokenAv !== apiVersionOf(ctx.rt)) stored = convertToStored(spokenAv, ctx.rt.kind, obj) as KubeObject;
    stored.apiVersion = apiVersionOf(ctx.rt);
    stored.kind = ctx.rt.kind;
    if (!stored.metadata || typeof stored.metadata !== 'object') stored.metadata = {};
    return stored;
  }

  private fieldValidation(ctx: Ctx, obj: KubeObject, apiVersion: string): void {
    const mode = ctx.query.get('fieldValidation') ?? 'Warn';
    if (!['Strict', 'Warn', 'Ignore'].includes(mode)) throw badRequest(`fieldValidation: Unsupported value: "${mode}": supported values: "Ignore", "Strict", "Warn"`);
    if (mode === 'Ignore') return;
    const kind = ctx.info.subresource === 'scale' ? 'Scale' : ctx.rt.kind;
    const group = ctx.info.subresource === 'scale' ? 'autoscaling' : ctx.resolved.group;
    const version = ctx.info.subresource === 'scale' ? 'v1' : ctx.resolved.version;
    void apiVersion;
    const unknown = findUnknownFields(group, version, kind, obj);
    if (unknown.length === 0) return;
    if (mode === 'Strict') {
      const msgs = unknown.map((f: string) => `unknown field "${f}"`);
      throw new StatusError(400, 'BadRequest', `strict decoding error: ${msgs.join(', ')}`, {
        causes: unknown.map((f: string) => ({ reason: 'FieldValueInvalid', message: `unknown field "${f}"`, field: f })),
      });
    }
    for (const f of unknown) ctx.warnings.push(`unknown field "${f}"`);
  }

  private validateOrThrow(ctx: Ctx, obj: KubeObject, old?: KubeObject): void {
    const errs = old ? validateUpdate(ctx.rt.kind, obj, old) : validate(ctx.rt.kind, obj);
    if (errs.length) throw invalid(ctx.rt.kind, ctx.rt.group, obj.metadata?.name ?? '', errs);
  }

  private async create(ctx: Ctx, ns: string | undefined): Promise<void> {
    checkWriteContentType(ctx.req.headers['content-type']);
    const dryRun = isDryRun(ctx.query);
    if (ctx.info.subresource) return this.createSubresource(ctx, ns, dryRun);
    const obj = this.decodeObject(ctx, decodeBody(ctx.req.body, ctx.req.headers['content-type']));
    const created = await this.createObject(ctx, ns, obj, dryRun, fieldManagerOf(ctx));
    this.sendObject(ctx, 201, created);
  }

  /** Shared by POST and by apply-create. `obj` is in the stored version. */
  private async createObject(ctx: Ctx, ns: string | undefined, obj: KubeObject, dryRun: boolean, manager: string, applied?: { force: boolean; raw: KubeObject }): Promise<KubeObject> {
    const meta = obj.metadata!;
    if (ctx.rt.namespaced) {
      if (meta.namespace && ns && meta.namespace !== ns) {
        throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
      }
      meta.namespace = ns ?? meta.namespace;
      if (!meta.namespace) throw badRequest('the namespace of the object must be set');
    } else delete meta.namespace;
    if (!meta.name && meta.generateName) meta.name = `${meta.generateName}${randomSuffix()}`.slice(0, 253);
    meta.uid = randomUUID();
    meta.creationTimestamp = rfc3339(this.d.now());
    delete meta.deletionTimestamp;
    delete meta.deletionGracePeriodSeconds;
    delete meta.resourceVersion;
    delete meta.selfLink;
    applyDefaults(ctx.rt.kind, obj);
    prepareForCreate(ctx.rt.kind, obj);
    dropEmptyMetadata(obj);
    if (!meta.name) {
      throw invalid(ctx.rt.kind, ctx.rt.group, '', [{ type: 'FieldValueRequired', field: 'metadata.name', detail: 'Required value: name or generateName is required' }]);
    }
    await this.d.admission.run({ operation: 'CREATE', rt: ctx.rt, subresource: '', namespace: meta.namespace, name: meta.name, object: obj, user: ctx.user, dryRun });
    this.validateOrThrow(ctx, obj);
    const now = rfc3339(this.d.now());
    const apiVersion = groupVersion(ctx.resolved.group, ctx.resolved.version);
    let final = obj;
    if (applied) {
      final = serverSideApply(ctx.rt.kind, undefined, applied.raw, { manager, force: applied.force, now, apiVersion }) as KubeObject;
      // Server-set metadata from create wins over the apply result.
      final.metadata = { ...final.metadata, uid: meta.uid, creationTimestamp: meta.creationTimestamp, name: meta.name, namespace: meta.namespace };
    } else {
      final = trackUpdate(ctx.rt.kind, undefined, obj, manager, 'Update', apiVersion, now) as KubeObject;
    }
    for (const h of this.hooksFor(ctx.rt.kind)) await h.beforeCreate?.(final, dryRun);
    if (dryRun) {
      await this.d.cache.sync();
      if (this.d.cache.get(ctx.rt, nsOf(ctx.rt, meta.namespace), meta.name)) {
        throw new StatusError(409, 'AlreadyExists', `${qualifiedResource(ctx.rt.plural, ctx.rt.group)} "${meta.name}" already exists`, { name: meta.name, group: ctx.rt.group || undefined, kind: ctx.rt.plural });
      }
      return final;
    }
    return this.d.objects.create(ctx.rt, final);
  }

  private async update(ctx: Ctx, ns: string | undefined): Promise<void> {
    checkWriteContentType(ctx.req.headers['content-type']);
    const dryRun = isDryRun(ctx.query);
    const obj = this.decodeObject(ctx, decodeBody(ctx.req.body, ctx.req.headers['content-type']));
    const name = ctx.info.name;
    if (obj.metadata!.name && obj.metadata!.name !== name) {
      throw badRequest(`the name of the object (${obj.metadata!.name}) does not match the name on the URL (${name})`);
    }
    obj.metadata!.name = name;
    if (ctx.rt.namespaced) {
      if (obj.metadata!.namespace && obj.metadata!.namespace !== ns) throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
      obj.metadata!.namespace = ns;
    }
    const old = await this.d.objects.get(ctx.rt, ns, name);
    if (!old) {
      if (ctx.info.subresource === '' && ALLOW_CREATE_ON_UPDATE.has(ctx.rt.kind)) {
        const created = await this.createObject(ctx, ns, obj, dryRun, fieldManagerOf(ctx));
        return this.sendObject(ctx, 201, created);
      }
      throw notFound(ctx.rt.plural, ctx.rt.group, name);
    }
    const rv = obj.metadata!.resourceVersion;
    if (rv && rv !== old.metadata!.resourceVersion) {
      throw conflict(ctx.rt.plural, ctx.rt.group, name, 'the object has been modified; please apply your changes to the latest version and try again');
    }
    const saved = await this.updateObject(ctx, old, obj, dryRun, fieldManagerOf(ctx), 'Update');
    this.sendObject(ctx, 200, saved);
  }

  /**
   * The common tail of PUT and PATCH: strategy (status vs main resource), admission,
   * validation, managed fields, finalizer-driven deletion, and the conditional write.
   */
  private async updateObject(ctx: Ctx, old: KubeObject, obj: KubeObject, dryRun: boolean, manager: string, op: 'Update' | 'Apply', applyOpts?: { force: boolean; raw: KubeObject }): Promise<KubeObject> {
    const kind = ctx.rt.kind;
    const sub = ctx.info.subresource;
    const oldMeta = old.metadata!;
    // Immutable server-owned metadata.
    obj.metadata = { ...obj.metadata, uid: oldMeta.uid, creationTimestamp: oldMeta.creationTimestamp, deletionTimestamp: oldMeta.deletionTimestamp, deletionGracePeriodSeconds: oldMeta.deletionGracePeriodSeconds };
    if (!obj.metadata.deletionTimestamp) delete obj.metadata.deletionTimestamp;
    if (obj.metadata.deletionGracePeriodSeconds === undefined) delete obj.metadata.deletionGracePeriodSeconds;
    if (oldMeta.generation !== undefined) obj.metadata.generation = oldMeta.generation;
    if (sub === 'status') prepareForStatusUpdate(kind, obj, old);
    else if (sub === 'approval') prepareForApprovalUpdate(kind, obj, old);
    else if (sub === 'finalize') {
      // namespaces/finalize changes spec.finalizers and nothing else (the main resource's
      // update strategy would keep the old finalizers).
      const finalizers = (obj as { spec?: { finalizers?: string[] } }).spec?.finalizers;
      const spec: { finalizers?: string[] } = { ...structuredClone((old as { spec?: object }).spec ?? {}), finalizers };
      if (!finalizers?.length) delete spec.finalizers;
      obj.spec = spec;
      obj.status = structuredClone(old.status);
    } else {
      applyDefaults(kind, obj);
      prepareForUpdate(kind, obj, old);
    }
    dropEmptyMetadata(obj);
    await this.d.admission.run({ operation: 'UPDATE', rt: ctx.rt, subresource: sub, namespace: obj.metadata.namespace, name: obj.metadata.name!, object: obj, oldObject: old, user: ctx.user, dryRun });
    this.validateOrThrow(ctx, obj, old);
    const now = rfc3339(this.d.now());
    const apiVersion = groupVersion(ctx.resolved.group, ctx.resolved.version);
    let final: KubeObject;
    if (op === 'Apply' && applyOpts) {
      final = obj; // serverSideApply already merged and tracked ownership
    } else final = trackUpdate(kind, old, obj, manager, 'Update', apiVersion, now, sub || undefined) as KubeObject;
    for (const h of this.hooksFor(kind)) await h.beforeUpdate?.(final, old, dryRun);
    if (dryRun) return { ...final, metadata: { ...final.metadata, resourceVersion: oldMeta.resourceVersion } };
    // A deleting object whose last finalizer was just removed goes away now.
    const nsFinalizers = kind === 'Namespace' ? ((final as { spec?: { finalizers?: string[] } }).spec?.finalizers ?? []) : [];
    if (final.metadata?.deletionTimestamp && (final.metadata.finalizers ?? []).length === 0 && nsFinalizers.length === 0 && !(kind === 'Pod' && (final.metadata.deletionGracePeriodSeconds ?? 0) > 0)) {
      const deleted = await this.d.objects.delete(ctx.rt, final.metadata.namespace, final.metadata.name!, Number(oldMeta.resourceVersion));
      for (const h of this.hooksFor(kind)) await h.afterDelete?.(deleted);
      return final;
    }
    if (!oldMeta.resourceVersion || sameStoredContent(final, old)) {
      // No-op writes don't bump the revision, as upstream.
      return old;
    }
    return this.d.objects.update(ctx.rt, final, Number(oldMeta.resourceVersion));
  }

  private async patch(ctx: Ctx, ns: string | undefined): Promise<void> {
    const dryRun = isDryRun(ctx.query);
    const ct = mediaType(ctx.req.headers['content-type']);
    const name = ctx.info.name;
    const manager = fieldManagerOf(ctx);
    const force = ctx.query.get('force') === 'true';
    const spokenAv = groupVersion(ctx.resolved.group, ctx.resolved.version);
    const converted = spokenAv !== apiVersionOf(ctx.rt);
    const old = await this.d.objects.get(ctx.rt, ns, name);

    if (ct === 'application/apply-patch+yaml' || ct === 'application/apply-patch+cbor') {
      if (!ctx.query.get('fieldManager')) throw badRequest('PATCH, application/apply-patch+yaml requires fieldManager to be specified');
      if (ctx.query.get('force') && !['true', 'false'].includes(ctx.query.get('force')!)) throw badRequest('Invalid value for force');
      const raw = this.decodeObject(ctx, decodeBody(ctx.req.body, 'application/yaml'));
      if (raw.metadata?.name && raw.metadata.name !== name) throw badRequest(`the name of the object (${raw.metadata.name}) does not match the name on the URL (${name})`);
      raw.metadata = { ...raw.metadata, name };
      if (ctx.rt.namespaced) raw.metadata.namespace = ns;
      if (!old) {
        const created = await this.createObject(ctx, ns, structuredClone(raw), dryRun, manager, { force, raw });
        return this.sendObject(ctx, 201, created);
      }
      const now = rfc3339(this.d.now());
      const merged = serverSideApply(ctx.rt.kind, copyOfCached(old), raw, { manager, force, now, apiVersion: spokenAv, subresource: ctx.info.subresource || undefined }) as KubeObject;
      const saved = await this.updateObject(ctx, old, merged, dryRun, manager, 'Apply', { force, raw });
      return this.sendObject(ctx, 200, saved);
    }
    if (!old) throw notFound(ctx.rt.plural, ctx.rt.group, name);
    const body = decodeBody(ctx.req.body, 'application/json');
    // Patches apply to the object in the version the client spoke.
    // The patch functions work on their own copy, so the cached (frozen) object can be the base.
    const base = converted ? (convertFromStored(spokenAv, ctx.rt.kind, copyOfCached(old)) as KubeObject) : old;
    let patched: unknown;
    if (ct === 'application/json-patch+json') patched = applyJsonPatch(base, body);
    else if (ct === 'application/merge-patch+json') patched = applyMergePatch(base, body);
    else if (ct === 'application/strategic-merge-patch+json') patched = applyStrategicMergePatch(ctx.rt.kind, base, body);
    else {
      throw new StatusError(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, application/strategic-merge-patch+json`);
    }
    const obj = this.decodeObject(ctx, patched);
    if (obj.metadata!.name !== name) throw badRequest(`metadata.name: Invalid value: "${obj.metadata!.name}": field is immutable`);
    if (ctx.rt.namespaced) obj.metadata!.namespace = ns;
    // A resourceVersion inside the patch is a precondition.
    const rv = obj.metadata!.resourceVersion;
    if (rv && rv !== old.metadata!.resourceVersion) throw conflict(ctx.rt.plural, ctx.rt.group, name, 'the object has been modified; please apply your changes to the latest version and try again');
    const saved = await this.updateObject(ctx, old, obj, dryRun, manager, 'Update');
    this.sendObject(ctx, 200, saved);
  }

  /** PUT namespaces/{name}/finalize: the namespace controller hands back spec.finalizers. */
  private async finalizeNamespace(ctx: Ctx): Promise<void> {
    const dryRun = isDryRun(ctx.query);
    const body = decodeBody(ctx.req.body, ctx.req.headers['content-type']) as { spec?: { finalizers?: string[] }; metadata?: { resourceVersion?: string } };
    const old = await this.d.objects.mustGet(ctx.rt, undefined, ctx.info.name);
    const rv = body.metadata?.resourceVersion;
    if (rv && rv !== old.metadata?.resourceVersion) throw conflict(ctx.rt.plural, ctx.rt.group, ctx.info.name, 'the object has been modified; please apply your changes to the latest version and try again');
    const next = structuredClone(old) as KubeObject & { spec?: { finalizers?: string[] } };
    next.spec = { ...(next.spec ?? {}), finalizers: body.spec?.finalizers ?? [] };
    if (next.spec.finalizers!.length === 0) delete next.spec.finalizers;
    const mainCtx = { ...ctx, info: { ...ctx.info, subresource: 'finalize' } };
    const saved = await this.updateObject(mainCtx, old, next, dryRun, fieldManagerOf(ctx), 'Update');
    this.sendObject(ctx, 200, saved);
  }

  private async delete(ctx: Ctx, ns: string | undefined): Promise<void> {
    if (ctx.info.subresource) throw methodNotAllowed('the server does not allow this method on the requested resource');
    const opts = deleteOptionsOf(ctx);
    const result = await this.deleteObject(ctx, ns, ctx.info.name, opts);
    this.sendObject(ctx, 200, result);
  }

  private async deleteObject(ctx: Ctx, ns: string | undefined, name: string, opts: DeleteOpts): Promise<KubeObject> {
    const rt = ctx.rt;
    const old = await this.d.objects.mustGet(rt, ns, name);
    const meta = old.metadata!;
    if (opts.preconditions?.uid && opts.preconditions.uid !== meta.uid) {
      throw conflict(rt.plural, rt.group, name, `Precondition failed: UID in precondition: ${opts.preconditions.uid}, UID in object meta: ${meta.uid}`);
    }
    if (opts.preconditions?.resourceVersion && opts.preconditions.resourceVersion !== meta.resourceVersion) {
      throw conflict(rt.plural, rt.group, name, `Precondition failed: ResourceVersion in precondition: ${opts.preconditions.resourceVersion}, ResourceVersion in object meta: ${meta.resourceVersion}`);
    }
    await this.d.admission.run({ operation: 'DELETE', rt, subresource: '', namespace: meta.namespace, name, oldObject: old, user: ctx.user, dryRun: opts.dryRun });

    const finalizers = new Set(meta.finalizers ?? []);
    const policy = opts.propagationPolicy;
    if (policy === 'Orphan') finalizers.add('orphan');
    if (policy === 'Foreground') finalizers.add('foregroundDeletion');
    if (policy === 'Background' || policy === 'Foreground') finalizers.delete('orphan');
    if (policy === 'Background' || policy === 'Orphan') finalizers.delete('foregroundDeletion');

    // Pods bound to a node wait for their node agent to stop them (graceful deletion).
    let grace = 0;
    if (rt.kind === 'Pod' && rt.group === '') {
      const pod = old as { spec?: { nodeName?: string; terminationGracePeriodSeconds?: number }; status?: { phase?: string } };
      const phase = pod.status?.phase;
      const def = pod.spec?.terminationGracePeriodSeconds ?? 30;
      grace = opts.gracePeriodSeconds ?? def;
      if (!pod.spec?.nodeName || phase === 'Succeeded' || phase === 'Failed') grace = 0;
      if (meta.deletionTimestamp && meta.deletionGracePeriodSeconds !== undefined && grace > meta.deletionGracePeriodSeconds) grace = meta.deletionGracePeriodSeconds;
    }
    const isNamespace = rt.kind === 'Namespace' && rt.group === '';
    const nsFinalizers = isNamespace ? ((old as { spec?: { finalizers?: string[] } }).spec?.finalizers ?? []) : [];

    if (finalizers.size > 0 || grace > 0 || nsFinalizers.length > 0) {
      if (opts.dryRun) return old;
      const updated = await this.d.objects.guaranteedUpdate(rt, ns, name, (cur) => {
        const m = cur.metadata!;
        let changed = false;
        if (!m.deletionTimestamp) {
          m.deletionTimestamp = rfc3339(new Date(this.d.now().getTime() + grace * 1000));
          changed = true;
        }
        if (rt.kind === 'Pod' && m.deletionGracePeriodSeconds !== grace) {
          m.deletionGracePeriodSeconds = grace;
          changed = true;
        }
        const want = [...finalizers];
        if (JSON.stringify(m.finalizers ?? []) !== JSON.stringify(want)) {
          m.finalizers = want.length ? want : undefined;
          if (!m.finalizers) delete m.finalizers;
          changed = true;
        }
        if (isNamespace) {
          const st = ((cur as { status?: { phase?: string } }).status ??= {});
          if (st.phase !== 'Terminating') {
            st.phase = 'Terminating';
            changed = true;
          }
        }
        return changed ? cur : undefined;
      });
      const stillBlocked = (updated.metadata?.finalizers ?? []).length > 0 || nsFinalizers.length > 0 || (rt.kind === 'Pod' && grace > 0);
      if (stillBlocked) return updated;
    }
    if (opts.dryRun) return old;
    const deleted = await this.d.objects.delete(rt, ns, name);
    for (const h of this.hooksFor(rt.kind)) await h.afterDelete?.(deleted);
    return deleted;
  }

  private async deleteCollection(ctx: Ctx, ns: string | undefined): Promise<void> {
    const filter = this.buildFilter(ctx);
    const opts = deleteOptionsOf(ctx);
    await this.d.cache.sync();
    const targets = this.d.cache.list(ctx.rt, ns).filter((o) => !filter || filter(o.obj));
    const items: KubeObject[] = [];
    for (const t of targets) {
      try {
        items.push(await this.deleteObject(ctx, t.namespace, t.name, opts));
      } catch (e) {
        if (!(e instanceof StatusError && e.code === 404)) throw e;
      }
    }
    this.sendList(ctx, items, this.d.cache.revision);
  }

  // ---- subresources -----------------------------------------------------------------------

  private async createSubresource(ctx: Ctx, ns: string | undefined, dryRun: boolean): Promise<void> {
    const sub = ctx.info.subresource;
    const body = decodeBody(ctx.req.body, ctx.req.headers['content-type']) as KubeObject;
    if (ctx.rt.kind === 'Pod' && sub === 'binding') return this.bind(ctx, ns, body, dryRun);
    if (ctx.rt.kind === 'Pod' && sub === 'eviction') return this.evict(ctx, ns, body, dryRun);
    throw methodNotAllowed(`the server does not allow this method on the requested resource`);
  }

  private async bind(ctx: Ctx, ns: string | undefined, body: KubeObject, dryRun: boolean): Promise<void> {
    const target = (body as { target?: { name?: string; kind?: string } }).target;
    if (!target?.name) throw invalid('Binding', '', ctx.info.name, [{ type: 'FieldValueRequired', field: 'target.name', detail: 'Required value' }]);
    const name = ctx.info.name;
    if (dryRun) return sendJson(ctx.res, 201, successStatus(), this.headers(ctx));
    await this.d.objects.guaranteedUpdate(ctx.rt, ns, name, (pod) => {
      const p = pod as KubeObject & { spec: { nodeName?: string }; status?: { conditions?: { type: string; status: string; lastTransitionTime?: string; lastProbeTime?: null }[] } };
      if (p.metadata?.deletionTimestamp) throw conflict('pods', '', name, 'pod is being deleted, cannot be assigned to a host');
      if (p.spec.nodeName) throw conflict('pods', '', name, `pod ${name} is already assigned to node "${p.spec.nodeName}"`);
      p.spec.nodeName = target.name;
      const st = (p.status ??= {});
      const conds = (st.conditions ??= []).filter((c) => c.type !== 'PodScheduled');
      conds.push({ type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: rfc3339(this.d.now()) });
      st.conditions = conds;
      return p;
    });
    sendJson(ctx.res, 201, successStatus(), this.headers(ctx));
  }

  /**
   * POST pods/{name}/eviction (upstream EvictionREST): pods that are not running need no budget;
   * otherwise the pod's single PodDisruptionBudget must allow a disruption, which is consumed
   * (disruptionsAllowed--, the pod recorded in status.disruptedPods) before the pod is deleted.
   */
  private async evict(ctx: Ctx, ns: string | undefined, body: KubeObject, dryRun: boolean): Promise<void> {
    const name = ctx.info.name;
    const pod = (await this.d.objects.mustGet(ctx.rt, ns, name)) as KubeObject & Pod;
    const opts: Partial<DeleteOpts> = (body as { deleteOptions?: Partial<DeleteOpts> }).deleteOptions ?? {};
    const isDryRun = dryRun || opts.dryRun === true;
    const evictNow = async () => {
      await this.deleteObject(ctx, ns, name, { ...opts, dryRun: isDryRun });
      sendJson(ctx.res, 201, successStatus(), this.headers(ctx));
    };
    const phase = pod.status?.phase;
    if (phase === 'Succeeded' || phase === 'Failed' || phase === 'Pending' || pod.metadata?.deletionTimestamp) return evictNow();

    type Pdb = KubeObject & {
      spec?: { selector?: unknown; unhealthyPodEvictionPolicy?: string };
      status?: { disruptionsAllowed?: number; currentHealthy?: number; desiredHealthy?: number; observedGeneration?: number; disruptedPods?: Record<string, string>; conditions?: { type: string; status: string; reason?: string; message?: string; lastTransitionTime?: string; observedGeneration?: number }[] };
    };
    const pdbType = { ...ctx.rt, group: 'policy', version: 'v1', kind: 'PodDisruptionBudget', plural: 'poddisruptionbudgets' } as ResourceType;
    await this.d.cache.sync();
    const labels = pod.metadata?.labels ?? {};
    const { selectorFromLabelSelector } = await import('../api/labels.js');
    const matching = this.d.cache
      .list(pdbType, ns)
      .map((c) => c.obj as Pdb)
      .filter((p) => {
        const sel = p.spec?.selector as { matchLabels?: Record<string, string>; matchExpressions?: unknown[] } | undefined;
        // A nil or empty selector matches nothing here, not everything (as upstream's eviction).
        if (!sel || (Object.keys(sel.matchLabels ?? {}).length === 0 && (sel.matchExpressions ?? []).length === 0)) return false;
        try {
          return selectorFromLabelSelector(sel as never).matches(labels);
        } catch {
          return false;
        }
      });
    if (matching.length > 1) throw new StatusError(500, 'InternalError', 'This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.');
    if (matching.length === 0) return evictNow();

    const budget = matching[0];
    const ready = !!pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
    if (!ready) {
      // Unhealthy pods do not reduce availability further (unhealthyPodEvictionPolicy).
      const policy = budget.spec?.unhealthyPodEvictionPolicy ?? 'IfHealthyBudget';
      const st = budget.status ?? {};
      if (policy === 'AlwaysAllow') return evictNow();
      if ((st.currentHealthy ?? 0) >= (st.desiredHealthy ?? 0) && (st.desiredHealthy ?? 0) > 0) return evictNow();
    }
    const pdbName = budget.metadata!.name!;
    const checkAndDecrement = (p: Pdb): Pdb => {
      const st = (p.status ??= {});
      if ((st.observedGeneration ?? 0) < (p.metadata?.generation ?? 0)) {
        throw new StatusError(429, 'TooManyRequests', "Cannot evict pod as it would violate the pod's disruption budget.", {
          causes: [{ reason: 'DisruptionBudget', message: `The disruption budget ${pdbName} is still being processed by the server.` }],
          retryAfterSeconds: 10,
        });
      }
      if ((st.disruptionsAllowed ?? 0) < 0) {
        throw new StatusError(403, 'Forbidden', `poddisruptionbudget.policy "${pdbName}" is forbidden: pdb disruptions allowed is negative`, { name: pdbName, group: 'policy', kind: 'poddisruptionbudget' });
      }
      if (Object.keys(st.disruptedPods ?? {}).length > 2000) {
        throw new StatusError(403, 'Forbidden', `poddisruptionbudget.policy "${pdbName}" is forbidden: DisruptedPods map too big - too many evictions not confirmed by PDB controller`, { name: pdbName, group: 'policy', kind: 'poddisruptionbudget' });
      }
      if ((st.disruptionsAllowed ?? 0) === 0) {
        throw new StatusError(429, 'TooManyRequests', "Cannot evict pod as it would violate the pod's disruption budget.", {
          causes: [{ reason: 'DisruptionBudget', message: `The disruption budget ${pdbName} needs ${st.desiredHealthy ?? 0} healthy pods and has ${st.currentHealthy ?? 0} currently` }],
        });
      }
      st.disruptionsAllowed = (st.disruptionsAllowed ?? 0) - 1;
      if (st.disruptionsAllowed === 0) {
        const conds = (st.conditions ??= []);
        const i = conds.findIndex((c) => c.type === 'DisruptionAllowed');
        const prev = i >= 0 ? conds[i] : undefined;
        const next = { type: 'DisruptionAllowed', status: 'False', reason: 'InsufficientPods', message: '', observedGeneration: st.observedGeneration, lastTransitionTime: prev?.status === 'False' ? prev.lastTransitionTime : rfc3339(this.d.now()) };
        if (i >= 0) conds[i] = next;
        else conds.push(next);
      }
      // Tell the disruption controller this pod is about to go, so it is not counted as healthy.
      st.disruptedPods = { ...(st.disruptedPods ?? {}), [name]: rfc3339(this.d.now()) };
      return p;
    };
    if (isDryRun) checkAndDecrement(JSON.parse(JSON.stringify(budget)) as Pdb);
    else await this.d.objects.guaranteedUpdate<Pdb>(pdbType, ns, pdbName, (p) => checkAndDecrement(p));
    return evictNow();
  }

  private scaleOf(obj: KubeObject): KubeObject {
    const o = obj as KubeObject & { spec?: { replicas?: number; selector?: unknown }; status?: { replicas?: number; selector?: string } };
    let selector = '';
    const sel = o.spec?.selector as { matchLabels?: Record<string, string>; matchExpressions?: { key: string; operator: string; values?: string[] }[] } | undefined;
    if (sel) {
      const parts = Object.entries(sel.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`);
      for (const e of sel.matchExpressions ?? []) {
        if (e.operator === 'In') parts.push(`${e.key} in (${(e.values ?? []).join(',')})`);
        else if (e.operator === 'NotIn') parts.push(`${e.key} notin (${(e.values ?? []).join(',')})`);
        else if (e.operator === 'Exists') parts.push(e.key);
        else if (e.operator === 'DoesNotExist') parts.push(`!${e.key}`);
      }
      selector = parts.join(',');
    }
    return {
      kind: 'Scale',
      apiVersion: 'autoscaling/v1',
      metadata: {
        name: obj.metadata?.name,
        namespace: obj.metadata?.namespace,
        uid: obj.metadata?.uid,
        resourceVersion: obj.metadata?.resourceVersion,
        creationTimestamp: obj.metadata?.creationTimestamp,
      },
      spec: { replicas: o.spec?.replicas ?? 0 },
      status: { replicas: o.status?.replicas ?? 0, ...(selector ? { selector } : {}) },
    };
  }

  private async getScale(ctx: Ctx, ns: string | undefined): Promise<void> {
    const obj = await this.d.objects.mustGet(ctx.rt, ns, ctx.info.name);
    sendJson(ctx.res, 200, this.scaleOf(obj), this.headers(ctx));
  }

  private async patchScale(ctx: Ctx, ns: string | undefined): Promise<void> {
    const cur = this.scaleOf(await this.d.objects.mustGet(ctx.rt, ns, ctx.info.name));
    const ct = mediaType(ctx.req.headers['content-type']);
    const body = decodeBody(ctx.req.body, 'application/json');
    let patched: unknown;
    if (ct === 'application/json-patch+json') patched = applyJsonPatch(cur, body);
    else if (ct === 'application/merge-patch+json' || ct === 'application/strategic-merge-patch+json') patched = applyMergePatch(cur, body);
    else throw new StatusError(415, 'UnsupportedMediaType', `the body of the request was in an unknown format`);
    return this.updateScale(ctx, ns, patched as KubeObject);
  }

  private async updateScale(ctx: Ctx, ns: string | undefined, given: KubeObject | undefined): Promise<void> {
    const dryRun = isDryRun(ctx.query);
    const scale = given ?? (decodeBody(ctx.req.body, ctx.req.headers['content-type']) as KubeObject);
    const replicas = (scale as { spec?: { replicas?: unknown } }).spec?.replicas;
    if (typeof replicas !== 'number' || !Number.isInteger(replicas) || replicas < 0) {
      throw invalid('Scale', 'autoscaling', ctx.info.name, [{ type: 'FieldValueInvalid', field: 'spec.replicas', detail: `Invalid value: ${JSON.stringify(replicas)}: must be greater than or equal to 0` }]);
    }
    const rv = scale.metadata?.resourceVersion;
    const old = await this.d.objects.mustGet(ctx.rt, ns, ctx.info.name);
    if (rv && rv !== old.metadata?.resourceVersion) throw conflict(ctx.rt.plural, ctx.rt.group, ctx.info.name, 'the object has been modified; please apply your changes to the latest version and try again');
    const next = structuredClone(old) as KubeObject & { spec: { replicas?: number } };
    next.spec.replicas = replicas;
    const mainCtx = { ...ctx, info: { ...ctx.info, subresource: '' } };
    const saved = await this.updateObject(mainCtx, old, next, dryRun, fieldManagerOf(ctx), 'Update');
    sendJson(ctx.res, 200, this.scaleOf(saved), this.headers(ctx));
  }
}

/** Kinds whose PUT creates a missing object, as upstream allows. */
const ALLOW_CREATE_ON_UPDATE = new Set(['Lease', 'Endpoints', 'Event', 'EndpointSlice', 'LimitRange', 'ResourceQuota', 'PriorityClass']);

interface DeleteOpts {
  gracePeriodSeconds?: number;
  propagationPolicy?: 'Foreground' | 'Background' | 'Orphan';
  orphanDependents?: boolean;
  preconditions?: { uid?: string; resourceVersion?: string };
  dryRun: boolean;
}

function deleteOptionsOf(ctx: Ctx): DeleteOpts {
  let body: Record<string, unknown> = {};
  if (ctx.req.body.length > 0 && ctx.req.body.toString().trim()) {
    const b = decodeBody(ctx.req.body, ctx.req.headers['content-type']);
    if (b && typeof b === 'object') body = b as Record<string, unknown>;
  }
  const q = ctx.query;
  const grace = q.get('gracePeriodSeconds') ?? body.gracePeriodSeconds;
  let policy = (q.get('propagationPolicy') ?? body.propagationPolicy) as DeleteOpts['propagationPolicy'] | undefined;
  const orphan = q.get('orphanDependents') ?? body.orphanDependents;
  if (!policy && orphan !== undefined) policy = String(orphan) === 'true' ? 'Orphan' : 'Background';
  if (policy && !['Foreground', 'Background', 'Orphan'].includes(policy)) {
    throw invalid('DeleteOptions', '', '', [{ type: 'FieldValueNotSupported', field: 'propagationPolicy', detail: `Unsupported value: "${policy}": supported values: "Foreground", "Background", "Orphan"` }]);
  }
  const dry = q.getAll('dryRun').length > 0 ? isDryRun(q) : Array.isArray(body.dryRun) && (body.dryRun as string[]).includes('All');
  const g = grace === undefined || grace === null ? undefined : Number(grace);
  if (g !== undefined && (!Number.isInteger(g) || g < 0)) throw badRequest(`invalid gracePeriodSeconds: ${grace}`);
  return { gracePeriodSeconds: g, propagationPolicy: policy, preconditions: body.preconditions as DeleteOpts['preconditions'], dryRun: dry };
}

function includeObjectOf(q: URLSearchParams): 'None' | 'Metadata' | 'Object' {
  const v = q.get('includeObject');
  return v === 'None' || v === 'Object' ? v : 'Metadata';
}

function partialMeta(o: KubeObject): KubeObject {
  return { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: o.metadata };
}

function isCached(x: CachedObject | KubeObject): x is CachedObject {
  return typeof (x as CachedObject).json === 'string' && (x as CachedObject).obj !== undefined;
}

export function rfc3339(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function parseRv(rv: string): number {
  const n = Number(rv);
  if (!Number.isInteger(n) || n < 0) throw badRequest(`invalid resource version: "${rv}"`);
  return n;
}

function encodeContinue(rv: number, start: string): string {
  return Buffer.from(JSON.stringify({ v: 'skiff.continue/v1', rv, start })).toString('base64url');
}

function decodeContinue(tok: string): { rv: number; start: string } {
  try {
    const o = JSON.parse(Buffer.from(tok, 'base64url').toString());
    if (o.v !== 'skiff.continue/v1' || typeof o.rv !== 'number' || typeof o.start !== 'string') throw new Error('bad');
    return o;
  } catch {
    throw badRequest('continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)');
  }
}

/**
 * A private, mutable copy of an object read from the watch cache. Cached objects are parsed
 * JSON, so a JSON round trip copies them exactly, at a fraction of structuredClone's cost.
 */
function copyOfCached<T extends KubeObject>(o: T): T {
  return JSON.parse(JSON.stringify(o)) as T;
}

/**
 * ObjectMeta's lists and maps are `omitempty` upstream: an emptied ownerReferences (e.g. after the
 * garbage collector orphans a dependent) or finalizers list is absent, not [] on the wire.
 */
function dropEmptyMetadata(obj: KubeObject): void {
  const m = obj.metadata as Record<string, unknown> | undefined;
  if (!m) return;
  for (const k of ['ownerReferences', 'finalizers', 'labels', 'annotations']) {
    const v = m[k];
    if (v === null || (Array.isArray(v) && v.length === 0) || (v && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length === 0)) delete m[k];
  }
}

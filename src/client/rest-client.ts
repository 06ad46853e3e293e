// The ApiClient over any Transport: builds Kubernetes REST paths from the resource registry,
// speaks JSON, turns non-2xx answers into ApiError with the server's Status, and decodes watch
// streams.
import type { KubeObjectShape } from './object-shape.js';
import type { Status } from 'kubernetes-types/meta/v1.js';
import type { ResourceType } from '../api/registry.js';
import { apiVersionOf } from '../api/registry.js';
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
} from './api.js';
import type { StreamHandle, Transport, TransportRequest, TransportResponse } from './transport.js';
import { WatchDecoder } from './watch-decoder.js';

export interface RestClientOptions {
  /** Sent as User-Agent, e.g. 'skiff-controller-manager'. */
  userAgent?: string;
  /** Default fieldManager for writes that don't name one (required by server-side apply). */
  fieldManager?: string;
}

const PATCH_CONTENT_TYPES: Record<PatchType, string> = {
  json: 'application/json-patch+json',
  merge: 'application/merge-patch+json',
  strategic: 'application/strategic-merge-patch+json',
  apply: 'application/apply-patch+yaml',
};

const REASON_BY_CODE: Record<number, string> = {
  400: 'BadRequest',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  405: 'MethodNotAllowed',
  406: 'NotAcceptable',
  409: 'Conflict',
  410: 'Gone',
  413: 'RequestEntityTooLarge',
  415: 'UnsupportedMediaType',
  422: 'Invalid',
  429: 'TooManyRequests',
  500: 'InternalError',
  503: 'ServiceUnavailable',
  504: 'Timeout',
};

type Query = Record<string, string | undefined>;

/** The Status behind a failed answer; synthesised when the body isn't one (e.g. a proxy's HTML). */
export function statusFromBody(code: number, body: Buffer | string): Status {
  const text = typeof body === 'string' ? body : body.toString('utf8');
  try {
    const parsed = JSON.parse(text) as Status;
    if (parsed && typeof parsed === 'object' && parsed.kind === 'Status') return parsed;
  } catch {
    // not JSON: fall through
  }
  const trimmed = text.trim();
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: trimmed ? `the server responded with status ${code}: ${trimmed.slice(0, 500)}` : `the server responded with status ${code}`,
    reason: REASON_BY_CODE[code] ?? 'Unknown',
    code,
  };
}

/** REST path of a collection, object or subresource. */
export function resourcePath(rt: ResourceType, namespace: string | undefined, name?: string, subresource?: string): string {
  let p = rt.group ? `/apis/${rt.group}/${rt.version}` : `/api/${rt.version}`;
  if (rt.namespaced && namespace) p += `/namespaces/${encodeURIComponent(namespace)}`;
  p += `/${rt.plural}`;
  if (name !== undefined) {
    if (name === '') throw new Error(`a resource name is required to address ${rt.plural}`);
    p += `/${encodeURIComponent(name)}`;
    if (subresource) p += `/${subresource}`;
  }
  return p;
}

function listQuery(opts: ListOptions | undefined): Query {
  if (!opts) return {};
  return {
    labelSelector: opts.labelSelector || undefined,
    fieldSelector: opts.fieldSelector || undefined,
    limit: opts.limit !== undefined ? String(opts.limit) : undefined,
    continue: opts.continue || undefined,
    resourceVersion: opts.resourceVersion || undefined,
    resourceVersionMatch: opts.resourceVersionMatch,
  };
}

export class RestClient implements ApiClient {
  private readonly userAgent: string;
  private readonly fieldManager?: string;

  constructor(
    private readonly transport: Transport,
    opts: RestClientOptions = {},
  ) {
    this.userAgent = opts.userAgent ?? 'skiff';
    this.fieldManager = opts.fieldManager;
  }

  private headers(contentType?: string): Record<string, string> {
    const h: Record<string, string> = { accept: 'application/json', 'user-agent': this.userAgent };
    if (contentType) h['content-type'] = contentType;
    return h;
  }

  private writeQuery(opts: WriteOptions | undefined): Query {
    return {
      dryRun: opts?.dryRun ? 'All' : undefined,
      fieldManager: opts?.fieldManager ?? this.fieldManager,
      fieldValidation: opts?.fieldValidation,
    };
  }

  private async call<T>(req: TransportRequest): Promise<T> {
    const res: TransportResponse = await this.transport.request(req);
    if (res.status < 200 || res.status > 299) throw new ApiError(res.status, statusFromBody(res.status, res.body));
    if (res.body.length === 0) return {} as T;
    try {
      return JSON.parse(res.body.toString('utf8')) as T;
    } catch {
      throw new Error(`${req.method} ${req.path}: the server answered ${res.status} with a body that is not JSON`);
    }
  }

  get<T extends KubeObject>(rt: ResourceType, namespace: string | undefined, name: string): Promise<T> {
    return this.call<T>({ method: 'GET', path: resourcePath(rt, namespace, name), headers: this.headers() });
  }

  async list<T extends KubeObject>(rt: ResourceType, namespace?: string, opts?: ListOptions): Promise<KubeList<T>> {
    const list = await this.call<KubeList<T>>({ method: 'GET', path: resourcePath(rt, namespace), query: listQuery(opts), headers: this.headers() });
    list.metadata ??= {};
    list.items ??= [];
    // List items arrive without apiVersion/kind on the wire; fill them in so every object a
    // consumer sees is self-describing (event recorders, owner references).
    const apiVersion = apiVersionOf(rt);
    for (const item of list.items) {
      if (!item.apiVersion) item.apiVersion = apiVersion;
      if (!item.kind) item.kind = rt.kind;
    }
    return list;
  }

  watch<T extends KubeObject>(rt: ResourceType, namespace: string | undefined, opts: WatchOptions, cb: WatchCallbacks<T>): WatchHandle {
    const query: Query = {
      ...listQuery(opts),
      watch: '1',
      allowWatchBookmarks: opts.allowWatchBookmarks ? 'true' : undefined,
      timeoutSeconds: opts.timeoutSeconds !== undefined ? String(opts.timeoutSeconds) : undefined,
    };
    let stopped = false;
    let failedStatus: number | undefined;
    const errorBody: Buffer[] = [];
    const decoder = new WatchDecoder();
    // A transport may report before stream() returns, so the handle can still be unset here.
    let handle: StreamHandle | undefined;
    const close = (err?: Error) => {
      if (stopped) return;
      stopped = true;
      handle?.close();
      cb.onClose(err);
    };
    const emit = (values: unknown[]) => {
      for (const v of values) {
        if (stopped) return;
        const ev = v as WatchEvent<T>;
        if (!ev || typeof ev.type !== 'string' || typeof ev.object !== 'object') {
          close(new Error(`malformed watch event: ${JSON.stringify(v).slice(0, 200)}`));
          return;
        }
        cb.onEvent(ev);
      }
    };
    handle = this.transport.stream(
      { method: 'GET', path: resourcePath(rt, namespace), query, headers: this.headers() },
      {
        onResponse(status) {
          if (status < 200 || status > 299) failedStatus = status;
        },
        onData(chunk) {
          if (stopped) return;
          if (failedStatus !== undefined) {
            errorBody.push(chunk);
            return;
          }
          try {
            emit(decoder.push(chunk));
          } catch (e) {
            close(new Error(`cannot decode watch stream: ${(e as Error).message}`));
          }
        },
        onEnd(err) {
          if (stopped) return;
          if (failedStatus !== undefined) {
            close(new ApiError(failedStatus, statusFromBody(failedStatus, Buffer.concat(errorBody))));
            return;
          }
          if (!err) {
            try {
              emit(decoder.end());
            } catch (e) {
              close(new Error(`cannot decode watch stream: ${(e as Error).message}`));
              return;
            }
          }
          close(err);
        },
      },
    );
    if (stopped) handle.close();
    const h = handle;
    return {
      stop() {
        // After stop() the consumer hears nothing more (no onClose).
        if (stopped) return;
        stopped = true;
        h.close();
      },
    };
  }

  create<T extends KubeObject>(rt: ResourceType, namespace: string | undefined, obj: T, opts?: WriteOptions): Promise<T> {
    const ns = namespace ?? obj.metadata?.namespace;
    return this.call<T>({
      method: 'POST',
      path: resourcePath(rt, ns),
      query: this.writeQuery(opts),
      headers: this.headers('application/json'),
      body: JSON.stringify(obj),
    });
  }

  private put<T extends KubeObject>(rt: ResourceType, namespace: string | undefined, obj: T, opts: WriteOptions | undefined, sub?: string): Promise<T> {
    const name = obj.metadata?.name;
    if (!name) return Promise.reject(new Error(`cannot update ${rt.plural}: metadata.name is empty`));
    const ns = namespace ?? obj.metadata?.namespace;
    return this.call<T>({
      method: 'PUT',
      path: resourcePath(rt, ns, name, sub),
      query: this.writeQuery(opts),
      headers: this.headers('application/json'),
      body: JSON.stringify(obj),
    });
  }

  update<T extends KubeObject>(rt: ResourceType, namespace: string | undefined, obj: T, opts?: WriteOptions): Promise<T> {
    return this.put(rt, namespace, obj, opts);
  }

  updateStatus<T extends KubeObject>(rt: ResourceType, namespace: string | undefined, obj: T, opts?: WriteOptions): Promise<T> {
    return this.put(rt, namespace, obj, opts, 'status');
  }

  patch<T extends KubeObject>(
    rt: ResourceType,
    namespace: string | undefined,
    name: string,
    type: PatchType,
    patch: unknown,
    opts?: PatchOptions & { subresource?: string },
  ): Promise<T> {
    const query = this.writeQuery(opts);
    if (type === 'apply') {
      query.fieldManager ??= this.userAgent;
      if (opts?.force) query.force = 'true';
    }
    return this.call<T>({
      method: 'PATCH',
      path: resourcePath(rt, namespace, name, opts?.subresource),
      query,
      headers: this.headers(PATCH_CONTENT_TYPES[type]),
      // JSON is valid YAML, so an apply patch can be sent as JSON too.
      body: typeof patch === 'string' ? patch : JSON.stringify(patch),
    });
  }

  delete(rt: ResourceType, namespace: string | undefined, name: string, opts?: DeleteOptions): Promise<KubeObject | Status> {
    const body: Record<string, unknown> = { kind: 'DeleteOptions', apiVersion: 'v1' };
    if (opts?.gracePeriodSeconds !== undefined) body.gracePeriodSeconds = opts.gracePeriodSeconds;
    if (opts?.propagationPolicy) body.propagationPolicy = opts.propagationPolicy;
    if (opts?.preconditions) body.preconditions = opts.preconditions;
    if (opts?.dryRun) body.dryRun = ['All'];
    return this.call<KubeObject | Status>({
      method: 'DELETE',
      path: resourcePath(rt, namespace, name),
      headers: this.headers('application/json'),
      body: JSON.stringify(body),
    });
  }

  createSubresource<T extends KubeObject>(rt: ResourceType, namespace: string | undefined, name: string, subresource: string, body: KubeObject): Promise<T> {
    return this.call<T>({
      method: 'POST',
      path: resourcePath(rt, namespace, name, subresource),
      headers: this.headers('application/json'),
      body: JSON.stringify(body),
    });
  }
}

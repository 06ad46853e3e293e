// The API server: authn -> authz -> routing (discovery, OpenAPI, health, resources) -> REST
// handlers with admission. Serves HTTPS sockets and in-process requests through one handler.
import https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Store } from '../storage/store.js';
import { StatusError, internalError, notFound } from '../api/errors.js';
import { resolveResource, findByKind } from '../api/registry.js';
import type { HandlerRequest, RequestHandler, ResponseSink, UserInfo } from '../client/transport.js';
import type { KubeObject } from '../client/api.js';
import { parseRequestInfo } from './request-info.js';
import { sendJson, sendStatusError } from './http-util.js';
import { WatchCache } from './watch-cache.js';
import { ObjectStore } from './object-store.js';
import { RestHandler, rfc3339, type ResourceHooks } from './rest.js';
import { AdmissionChain, type AdmissionPlugin } from './admission.js';
import { CertificateSigningRequestRequester } from './csr-requester.js';
import { NamespaceLifecycle, SYSTEM_NAMESPACES } from './namespace-lifecycle.js';
import { authenticate, isAnonymous, type TokenAuthenticator } from './authn.js';
import { AuthenticatedAllowed, type Authorizer } from './authz.js';
import { aggregatedDiscovery, apiGroup, apiGroupList, apiResourceList, apiVersions, versionInfo, wantsAggregated } from './discovery.js';
// openapi.js (and the schema modules behind it) loads on the first /openapi request, not at start-up.
type OpenApiModule = typeof import('./openapi.js');
let openApiModule: Promise<OpenApiModule> | undefined;
const openApi = (): Promise<OpenApiModule> => (openApiModule ??= import('./openapi.js'));
import { applyDefaults, prepareForCreate } from '../api/strategy.js';
import type { PodStreamingProxy } from './pod-streaming.js';
import type { Duplex } from 'node:stream';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { ServiceAllocator, DEFAULT_SERVICE_NETWORK, nthAddress, type ServiceNetworkConfig } from './service-allocator.js';

export const MAX_BODY_BYTES = 3 * 1024 * 1024;

export interface ApiServerOptions {
  store: Store;
  logger: Logger;
  /** TLS material; without it the server only serves in-process requests. */
  tls?: { cert: string; key: string; ca: string };
  host?: string;
  port?: number;
  tokenAuthenticators?: TokenAuthenticator[];
  authorizer?: Authorizer;
  admission?: AdmissionPlugin[];
  hooks?: ResourceHooks[];
  now?: () => Date;
  /** How long events live (default 1 h). */
  eventTtlMs?: number;
  serviceNetwork?: ServiceNetworkConfig;
  /** Proxy for pods/log|exec|attach|portforward to node agents. */
  podStreaming?: PodStreamingProxy;
  /** Address (and port) in-cluster clients use for the `kubernetes` Service's endpoints. */
  advertise?: { ip: string; port: number };
}

export class ApiServer {
  readonly cache: WatchCache;
  readonly objects: ObjectStore;
  private readonly rest: RestHandler;
  private readonly admission: AdmissionChain;
  private readonly authorizer: Authorizer;
  private server?: https.Server;
  private ready = false;
  private timers: NodeJS.Timeout[] = [];
  private readonly now: () => Date;
  private readonly log: Logger;
  readonly serviceNetwork: ServiceNetworkConfig;
  /** Settable after construction: the node-agent proxy needs the server's PKI and client. */
  podStreaming?: PodStreamingProxy;

  constructor(private readonly opts: ApiServerOptions) {
    this.log = opts.logger.child({ component: 'apiserver' });
    this.now = opts.now ?? (() => new Date());
    this.cache = new WatchCache(opts.store);
    this.objects = new ObjectStore(opts.store, this.cache);
    this.admission = new AdmissionChain([new NamespaceLifecycle(this.objects), new CertificateSigningRequestRequester(), ...(opts.admission ?? [])]);
    this.authorizer = opts.authorizer ?? new AuthenticatedAllowed();
    this.serviceNetwork = opts.serviceNetwork ?? DEFAULT_SERVICE_NETWORK;
    const hooks = [new ServiceAllocator(this.cache, this.serviceNetwork), ...(opts.hooks ?? [])];
    this.rest = new RestHandler({ store: opts.store, cache: this.cache, objects: this.objects, admission: this.admission, now: this.now, hooks, podStreaming: () => this.podStreaming });
    this.podStreaming = opts.podStreaming;
  }

  /** The socketless entry point (in-process transport) — same pipeline as HTTPS minus authn. */
  readonly handler: RequestHandler = (req, res) => {
    // In-process callers are trusted components: their identity counts as authenticated.
    const user = req.user ? { ...req.user, groups: [...new Set([...req.user.groups, 'system:authenticated'])] } : undefined;
    void this.serve({ ...req, user }, res);
  };

  async start(): Promise<void> {
    await this.cache.start();
    if (this.opts.tls) {
      this.server = https.createServer(
        { cert: this.opts.tls.cert, key: this.opts.tls.key, ca: this.opts.tls.ca, requestCert: true, rejectUnauthorized: false, keepAlive: true },
        (req, res) => this.onHttp(req, res),
      );
      this.server.keepAliveTimeout = 65_000;
      this.server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => void this.onUpgrade(req, socket, head));
      await new Promise<void>((resolve, reject) => {
        this.server!.once('error', reject);
        this.server!.listen(this.opts.port ?? 6443, this.opts.host ?? '127.0.0.1', () => resolve());
      });
    }
    await this.bootstrap();
    this.startHousekeeping();
    this.ready = true;
  }

  address(): { host: string; port: number } | undefined {
    const a = this.server?.address() as AddressInfo | null;
    return a ? { host: a.address, port: a.port } : undefined;
  }

  async stop(): Promise<void> {
    this.ready = false;
    this.timers.forEach((t) => clearInterval(t));
    this.cache.stop();
    if (this.server) {
      const s = this.server;
      await new Promise<void>((resolve) => {
        s.close(() => resolve());
        s.closeAllConnections();
      });
    }
  }

  /** The namespaces every cluster has. */
  private async bootstrap(): Promise<void> {
    const nsType = findByKind('', 'Namespace')!;
    for (const name of SYSTEM_NAMESPACES) {
      if (await this.objects.get(nsType, undefined, name)) continue;
      const ns: KubeObject = { apiVersion: 'v1', kind: 'Namespace', metadata: { name, uid: randomUUID(), creationTimestamp: rfc3339(this.now()), labels: { 'kubernetes.io/metadata.name': name } } };
      applyDefaults('Namespace', ns);
      prepareForCreate('Namespace', ns);
      await this.objects.create(nsType, ns).catch(ignoreExists);
    }
    await this.bootstrapKubernetesService();
  }

  /** The `kubernetes` Service in `default` at the first service address, pointing at this server. */
  private async bootstrapKubernetesService(): Promise<void> {
    const svcType = findByKind('', 'Service')!;
    const epType = findByKind('', 'Endpoints')!;
    const bound = this.address();
    const advertise = this.opts.advertise ?? { ip: bound && bound.host !== '0.0.0.0' ? bound.host : '127.0.0.1', port: bound?.port ?? 6443 };
    if (!(await this.objects.get(svcType, 'default', 'kubernetes'))) {
      const ip = nthAddress(this.serviceNetwork.serviceCidr, 1);
      const svc: KubeObject = {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'kubernetes', namespace: 'default', uid: randomUUID(), creationTimestamp: rfc3339(this.now()), labels: { component: 'apiserver', provider: 'kubernetes' } },
        spec: { type: 'ClusterIP', clusterIP: ip, clusterIPs: [ip], ports: [{ name: 'https', port: 443, protocol: 'TCP', targetPort: advertise.port }], sessionAffinity: 'None' },
      };
      applyDefaults('Service', svc);
      prepareForCreate('Service', svc);
      await this.objects.create(svcType, svc).catch(ignoreExists);
    }
    const subsets = [{ addresses: [{ ip: advertise.ip }], ports: [{ name: 'https', port: advertise.port, protocol: 'TCP' }] }];
    const ep = await this.objects.get(epType, 'default', 'kubernetes');
    if (!ep) {
      await this.objects
        .create(epType, { apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'kubernetes', namespace: 'default', uid: randomUUID(), creationTimestamp: rfc3339(this.now()), labels: { 'endpointslice.kubernetes.io/skip-mirror': 'true' } }, subsets })
        .catch(ignoreExists);
    } else if (JSON.stringify((ep as { subsets?: unknown }).subsets) !== JSON.stringify(subsets)) {
      // The port changes between runs with --listen 127.0.0.1:0.
      await this.objects.guaranteedUpdate(epType, 'default', 'kubernetes', (cur) => ({ ...cur, subsets }));
    }
    // Upstream keeps an EndpointSlice of the same name beside the Endpoints (the mirroring
    // controller skips the Endpoints: skip-mirror label), which is what proxies read.
    const sliceType = findByKind('discovery.k8s.io', 'EndpointSlice')!;
    const slice = {
      addressType: 'IPv4',
      endpoints: [{ addresses: [advertise.ip], conditions: { ready: true } }],
      ports: [{ name: 'https', port: advertise.port, protocol: 'TCP' }],
    };
    const cur = await this.objects.get(sliceType, 'default', 'kubernetes');
    if (!cur) {
      const obj: KubeObject = {
        apiVersion: 'discovery.k8s.io/v1',
        kind: 'EndpointSlice',
        metadata: { name: 'kubernetes', namespace: 'default', uid: randomUUID(), creationTimestamp: rfc3339(this.now()), labels: { 'kubernetes.io/service-name': 'kubernetes' } },
        ...slice,
      };
      applyDefaults('EndpointSlice', obj);
      prepareForCreate('EndpointSlice', obj);
      await this.objects.create(sliceType, obj).catch(ignoreExists);
    } else if (JSON.stringify({ e: (cur as { endpoints?: unknown }).endpoints, p: (cur as { ports?: unknown }).ports }) !== JSON.stringify({ e: slice.endpoints, p: slice.ports })) {
      await this.objects.guaranteedUpdate(sliceType, 'default', 'kubernetes', (o) => ({ ...o, ...slice }));
    }
  }

  private startHousekeeping(): void {
    const ttl = this.opts.eventTtlMs ?? 3600_000;
    const eventTypes = [findByKind('', 'Event')!, findByKind('events.k8s.io', 'Event')!];
    this.timers.push(
      setInterval(() => {
        const cutoff = this.now().getTime() - ttl;
        for (const rt of eventTypes) {
          for (const e of this.cache.list(rt)) {
            const o = e.obj as { lastTimestamp?: string; eventTime?: string; metadata?: { creationTimestamp?: string } };
            const t = Date.parse(o.lastTimestamp ?? o.eventTime ?? o.metadata?.creationTimestamp ?? '');
            if (t && t < cutoff) void this.objects.delete(rt, e.namespace, e.name).catch(() => undefined);
          }
        }
      }, Math.min(60_000, ttl)).unref(),
    );
    // Compact history older than ~5 minutes, as kube-apiserver asks etcd to.
    let lastRev = 0;
    this.timers.push(
      setInterval(() => {
        const target = lastRev;
        lastRev = this.cache.revision;
        if (target > 0) void this.opts.store.compact(target).catch((e) => this.log.warn({ err: e }, 'compaction failed'));
      }, 5 * 60_000).unref(),
    );
  }

  /**
   * A client certificate is fixed for the life of a TLS connection, and decoding it
   * (getPeerCertificate) costs more than the rest of a small request's routing: remember the
   * identity per socket when it came from the certificate (no Authorization header to weigh).
   */
  private readonly certUsers = new WeakMap<object, UserInfo>();

  private authenticateHttp(req: IncomingMessage): UserInfo {
    const fromCert = req.headers.authorization === undefined;
    if (fromCert) {
      const known = this.certUsers.get(req.socket);
      if (known) return known;
    }
    const user = authenticate(req, this.opts.tokenAuthenticators ?? []);
    if (fromCert && !isAnonymous(user)) this.certUsers.set(req.socket, user);
    return user;
  }

  private onHttp(req: IncomingMessage, res: ServerResponse): void {
    const user = this.authenticateHttp(req);
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) {
        tooLarge = true;
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => {
      const sink = httpSink(res);
      if (tooLarge) {
        return sendStatusError(sink, new StatusError(413, 'RequestEntityTooLarge', `Request entity too large: limit is ${MAX_BODY_BYTES}`));
      }
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
      void this.serve({ method: req.method ?? 'GET', url: req.url ?? '/', headers, body: Buffer.concat(chunks), user }, sink);
    });
    req.on('error', () => res.destroy());
  }

  /** exec/attach/portforward arrive as HTTP upgrades (WebSocket or SPDY): authenticate, authorize, hand to the proxy. */
  private async onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const fail = (e: StatusError) => {
      const body = JSON.stringify(e.toStatus());
      socket.end(`HTTP/1.1 ${e.code} ${e.reason}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
    };
    try {
      const user = authenticate(req, this.opts.tokenAuthenticators ?? []);
      const url = new URL(req.url ?? '/', 'https://localhost');
      const info = parseRequestInfo(req.method ?? 'GET', url.pathname, url.searchParams);
      const decision = await this.authorizer.authorize(user, { ...info, verb: 'create' });
      if (!decision.allowed) return fail(isAnonymous(user) ? new StatusError(401, 'Unauthorized', 'Unauthorized') : new StatusError(403, 'Forbidden', `${user.username} cannot create pods/${info.subresource}`));
      const sub = info.subresource;
      if (!info.isResourceRequest || info.resource !== 'pods' || !['exec', 'attach', 'portforward'].includes(sub)) {
        return fail(new StatusError(400, 'BadRequest', `upgrade requests are only supported for pods/exec, pods/attach and pods/portforward`));
      }
      const pod = (await this.objects.mustGet(findByKind('', 'Pod')!, info.namespace, info.name)) as Pod;
      if (!pod.spec?.nodeName) return fail(new StatusError(400, 'BadRequest', `pod ${info.name} does not have a host assigned`));
      if (!this.podStreaming) return fail(new StatusError(503, 'ServiceUnavailable', `no node agent is reachable for node "${pod.spec.nodeName}"`));
      await this.podStreaming.upgrade(pod, sub as 'exec' | 'attach' | 'portforward', req, socket, head);
    } catch (e) {
      if (e instanceof StatusError) fail(e);
      else {
        this.log.error({ err: e }, 'upgrade failed');
        fail(internalError((e as Error).message));
      }
    }
  }

  private async serve(req: HandlerRequest, res: ResponseSink): Promise<void> {
    const started = Date.now();
    try {
      await this.route(req, res);
    } catch (e) {
      if (e instanceof StatusError) sendStatusError(res, e);
      else {
        this.log.error({ err: e, method: req.method, url: req.url }, 'request failed');
        sendStatusError(res, internalError((e as Error).message ?? String(e)));
      }
    } finally {
      const ms = Date.now() - started;
      if (ms > 1000 && !req.url.includes('watch')) this.log.warn({ method: req.method, url: req.url, ms }, 'slow request');
    }
  }

  private async route(req: HandlerRequest, res: ResponseSink): Promise<void> {
    const url = new URL(req.url, 'https://localhost');
    const path = url.pathname.length > 1 ? url.pathname.replace(/\/+$/, '') : url.pathname;
    const info = parseRequestInfo(req.method, path, url.searchParams);
    const user: UserInfo = req.user ?? { username: 'system:anonymous', groups: ['system:unauthenticated'] };
    const decision = await this.authorizer.authorize(user, info);
    if (!decision.allowed) {
      if (isAnonymous(user)) throw new StatusError(401, 'Unauthorized', 'Unauthorized');
      throw new StatusError(403, 'Forbidden', `${user.username} cannot ${info.verb} ${info.resource || path}: ${decision.reason}`);
    }
    if (info.isResourceRequest) {
      const resolved = resolveResource(info.group, info.version, info.resource);
      if (!resolved) {
        throw new StatusError(404, 'NotFound', 'the server could not find the requested resource', { kind: info.resource, group: info.group || undefined });
      }
      return this.rest.handle(req, res, info, resolved, url.searchParams);
    }
    return this.nonResource(req, res, path, url.searchParams);
  }

  private async nonResource(req: HandlerRequest, res: ResponseSink, path: string, q: URLSearchParams): Promise<void> {
    const accept = req.headers['accept'];
    if (req.method !== 'GET' && req.method !== 'HEAD') throw new StatusError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
    switch (path) {
      case '/healthz':
      case '/livez':
      case '/readyz':
        res.writeHead(this.ready ? 200 : 503, { 'content-type': 'text/plain; charset=utf-8', 'x-content-type-options': 'nosniff' });
        res.end(this.ready ? 'ok' : 'not ready');
        return;
      case '/version':
        return sendJson(res, 200, versionInfo());
      case '/api': {
        const agg = wantsAggregated(accept);
        if (agg) return sendJson(res, 200, aggregatedDiscovery(true, agg), { 'content-type': `application/json;g=apidiscovery.k8s.io;v=${agg.split('/')[1]};as=APIGroupDiscoveryList` });
        const a = this.address();
        return sendJson(res, 200, apiVersions(a ? `${a.host}:${a.port}` : '127.0.0.1:6443'));
      }
      case '/apis': {
        const agg = wantsAggregated(accept);
        if (agg) return sendJson(res, 200, aggregatedDiscovery(false, agg), { 'content-type': `application/json;g=apidiscovery.k8s.io;v=${agg.split('/')[1]};as=APIGroupDiscoveryList` });
        return sendJson(res, 200, apiGroupList());
      }
      case '/openapi/v2': {
        const r = (await openApi()).serveOpenApiV2(accept, req.headers['if-none-match']);
        res.writeHead(r.status, lowerKeys(r.headers));
        res.end(r.body);
        return;
      }
      case '/openapi/v3':
        return sendJson(res, 200, (await openApi()).openApiV3Root());
    }
    if (path.startsWith('/openapi/v3/')) {
      const r = (await openApi()).serveOpenApiV3(path.slice('/openapi/v3/'.length), q.get('hash') ?? undefined, req.headers['if-none-match']);
      if (!r) throw new StatusError(404, 'NotFound', 'the server could not find the requested resource');
      res.writeHead(r.status, lowerKeys(r.headers));
      res.end(r.body);
      return;
    }
    const segs = path.split('/').filter(Boolean);
    if (segs[0] === 'api' && segs.length === 2) {
      const l = apiResourceList('', segs[1]);
      if (l) return sendJson(res, 200, l);
    }
    if (segs[0] === 'apis' && segs.length === 2) {
      const g = apiGroup(segs[1]);
      if (g) return sendJson(res, 200, g);
    }
    if (segs[0] === 'apis' && segs.length === 3) {
      const l = apiResourceList(segs[1], segs[2]);
      if (l) return sendJson(res, 200, l);
    }
    throw new StatusError(404, 'NotFound', 'the server could not find the requested resource');
  }
}

function lowerKeys(h: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(h).map(([k, v]) => [k.toLowerCase(), v]));
}

function ignoreExists(e: unknown): void {
  if (!(e instanceof StatusError && e.code === 409)) throw e;
}

function httpSink(res: ServerResponse): ResponseSink {
  return {
    writeHead: (status, headers) => {
      res.writeHead(status, headers);
      // Streams (watch, log follow) must show their headers before the first event arrives.
      if (headers['transfer-encoding'] === 'chunked') res.flushHeaders();
    },
    write: (chunk) => {
      res.write(chunk);
    },
    end: (chunk) => {
      if (chunk !== undefined) res.end(chunk);
      else res.end();
    },
    onClose: (cb) => {
      res.on('close', cb);
    },
  };
}

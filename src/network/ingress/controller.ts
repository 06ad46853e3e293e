// The built-in ingress controller for IngressClass `skiff` (controller skiff.dev/ingress, the
// default class): an HTTP and HTTPS reverse proxy on the node that routes by Host and path
// (routing.ts) to the ready endpoints of the backend Service, round-robin, retrying the next
// endpoint when a connection is refused. TLS certificates come from kubernetes.io/tls Secrets,
// chosen by SNI; plain HTTP to a TLS host is redirected (308) like ingress-nginx's ssl-redirect.
// WebSocket upgrades pass through. Each served Ingress gets status.loadBalancer.ingress =
// [{ip: nodeAddress}] (kubectl's ADDRESS column).
// Connections are accepted by the socket-level fast path (fast-proxy.ts), which proxies the
// common request itself and hands anything else (WebSocket upgrades, redirects, 404/503,
// unusual HTTP) to a full Node HTTP server below (`onRequest`, `onUpgrade`).
import http from 'node:http';
import net from 'node:net';
import tls from 'node:tls';
import type { Secret, Service } from 'kubernetes-types/core/v1.js';
import type { Ingress, IngressClass } from 'kubernetes-types/networking/v1.js';
import pino from 'pino';
import { findByKind, type ResourceType } from '../../api/registry.js';
import { isAlreadyExists, isNotFound, type ApiClient, type KubeObject } from '../../client/api.js';
import { InformerFactory, type SharedInformer } from '../../client/informer.js';
import { ServiceCatalog, usableBackends, type Backend } from '../service-catalog.js';
import { RouteTable, type RouteBackend } from './routing.js';
import { FastProxy, type FastRoute } from './fast-proxy.js';

function must(group: string, kind: string): ResourceType {
  const rt = findByKind(group, kind);
  if (!rt) throw new Error(`resource ${kind}.${group} missing from the registry`);
  return rt;
}
const INGRESSES = must('networking.k8s.io', 'Ingress');
const INGRESS_CLASSES = must('networking.k8s.io', 'IngressClass');
const SECRETS = must('', 'Secret');

export const INGRESS_CLASS = 'skiff';
export const INGRESS_CONTROLLER_NAME = 'skiff.dev/ingress';
const DEFAULT_CLASS_ANNOTATION = 'ingressclass.kubernetes.io/is-default-class';
const LEGACY_CLASS_ANNOTATION = 'kubernetes.io/ingress.class';
const HOP_BY_HOP = ['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'te', 'trailer', 'upgrade'];

export interface IngressControllerOptions {
  httpPort: number;
  httpsPort: number;
  /** Listen address. */
  host: string;
  /** Written to Ingress status (ADDRESS). */
  nodeAddress: string;
  /** Share the node's catalog instead of starting one. */
  catalog?: ServiceCatalog;
  logger?: pino.Logger;
}

type Ing = Ingress & KubeObject;

export class IngressController {
  private readonly log: pino.Logger;
  private readonly factory: InformerFactory;
  private readonly ingresses: SharedInformer<Ing>;
  private readonly classes: SharedInformer<IngressClass & KubeObject>;
  private readonly secrets: SharedInformer<Secret & KubeObject>;
  private readonly catalog: ServiceCatalog;
  private readonly ownsCatalog: boolean;
  private table = new RouteTable([]);
  private readonly rr = new Map<string, number>();
  /** Usable endpoints per route backend, computed once per catalog change (not per request). */
  private backendCache = new Map<string, Backend[]>();
  private readonly agents = new Map<string, http.Agent>();
  private readonly contexts = new Map<string, { rv: string; ctx: tls.SecureContext }>();
  private readonly fast: FastProxy;
  /** The listening sockets (plain and TLS); their connections go to the fast path first. */
  private httpListener?: net.Server;
  private httpsListener?: tls.Server;
  /** Full HTTP servers (never listening) for connections the fast path hands over. */
  private readonly httpServer: http.Server;
  private readonly httpsServer: http.Server;
  private rebuildPending = false;
  private stopped = true;

  constructor(
    private readonly client: ApiClient,
    private readonly opts: IngressControllerOptions,
  ) {
    this.log = (opts.logger ?? pino({ level: process.env.SKIFF_LOG_LEVEL ?? 'info' }, pino.destination(2))).child({ component: 'ingress-controller' });
    this.factory = new InformerFactory(client);
    this.ingresses = this.factory.informerFor(INGRESSES);
    this.classes = this.factory.informerFor(INGRESS_CLASSES);
    this.secrets = this.factory.informerFor(SECRETS);
    this.ownsCatalog = !opts.catalog;
    this.catalog = opts.catalog ?? new ServiceCatalog(client);
    const changed = () => this.scheduleRebuild();
    for (const inf of [this.ingresses, this.classes]) inf.addEventHandler({ onAdd: changed, onUpdate: changed, onDelete: changed });
    this.catalog.onChange(() => (this.backendCache = new Map()));
    this.fast = new FastProxy({
      route: (host, target, secure) => this.fastRoute(host, target, secure),
      handoff: (socket, buffered, secure) => {
        if (buffered?.length) socket.unshift(buffered);
        (secure ? this.httpsServer : this.httpServer).emit('connection', socket);
        socket.resume();
      },
    });
    this.httpServer = http.createServer((req, res) => this.onRequest(req, res, false));
    this.httpServer.on('upgrade', (req, sock, head) => this.onUpgrade(req, sock as net.Socket, head, false));
    this.httpsServer = http.createServer((req, res) => this.onRequest(req, res, true));
    this.httpsServer.on('upgrade', (req, sock, head) => this.onUpgrade(req, sock as net.Socket, head, true));
    for (const s of [this.httpServer, this.httpsServer]) s.keepAliveTimeout = 30_000;
  }

  /** Bound ports (resolved when 0 was asked). */
  ports(): { http: number; https: number } {
    return { http: (this.httpListener?.address() as net.AddressInfo).port, https: (this.httpsListener?.address() as net.AddressInfo).port };
  }

  async start(): Promise<void> {
    this.stopped = false;
    await this.ensureIngressClass();
    await this.factory.start();
    if (this.ownsCatalog) await this.catalog.start();
    this.rebuild();
    // allowHalfOpen: a client that half-closes after its request still gets the response.
    this.httpListener = net.createServer({ allowHalfOpen: true, noDelay: true }, (s) => this.fast.accept(s, false));
    this.httpsListener = tls.createServer({ allowHalfOpen: true, SNICallback: (name, cb) => cb(null, this.contextFor(name)) }, (s) => this.fast.accept(s, true));
    await listen(this.httpListener, this.opts.httpPort, this.opts.host);
    await listen(this.httpsListener, this.opts.httpsPort, this.opts.host);
    this.log.info({ http: this.ports().http, https: this.ports().https }, 'ingress controller listening');
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.factory.stop();
    if (this.ownsCatalog) this.catalog.stop();
    for (const a of this.agents.values()) a.destroy();
    this.fast.close();
    for (const s of [this.httpServer, this.httpsServer]) s.closeAllConnections();
    await Promise.all(
      [this.httpListener, this.httpsListener].map(
        (s) =>
          new Promise<void>((r) => {
            if (!s?.listening) return r();
            s.close(() => r());
          }),
      ),
    );
  }

  /** Our IngressClass, created once as the cluster default. */
  private async ensureIngressClass(): Promise<void> {
    const cls: KubeObject = {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'IngressClass',
      metadata: { name: INGRESS_CLASS, annotations: { [DEFAULT_CLASS_ANNOTATION]: 'true' }, labels: { 'app.kubernetes.io/component': 'controller' } },
      spec: { controller: INGRESS_CONTROLLER_NAME },
    };
    try {
      await this.client.create(INGRESS_CLASSES, undefined, cls);
    } catch (e) {
      if (!isAlreadyExists(e)) throw e;
    }
  }

  /** Is this Ingress ours? Class name, legacy annotation, or no class while ours is the default. */
  private isOurs(ing: Ingress): boolean {
    const byName = ing.spec?.ingressClassName ?? ing.metadata?.annotations?.[LEGACY_CLASS_ANNOTATION];
    if (byName) {
      if (byName === INGRESS_CLASS) return true;
      return this.classes.get(undefined, byName)?.spec?.controller === INGRESS_CONTROLLER_NAME;
    }
    const defaults = this.classes.list().filter((c) => c.metadata?.annotations?.[DEFAULT_CLASS_ANNOTATION] === 'true');
    return defaults.some((c) => c.spec?.controller === INGRESS_CONTROLLER_NAME);
  }

  private scheduleRebuild(): void {
    if (this.rebuildPending || this.stopped) return;
    this.rebuildPending = true;
    setImmediate(() => {
      this.rebuildPending = false;
      this.rebuild();
    });
  }

  private rebuild(): void {
    const ours = this.ingresses.list().filter((i) => this.isOurs(i));
    this.table = new RouteTable(ours);
    for (const ing of ours) void this.updateStatus(ing);
  }

  private async updateStatus(ing: Ing): Promise<void> {
    const want = [{ ip: this.opts.nodeAddress }];
    if (JSON.stringify(ing.status?.loadBalancer?.ingress ?? []) === JSON.stringify(want)) return;
    try {
      await this.client.patch(INGRESSES, ing.metadata!.namespace, ing.metadata!.name!, 'merge', { status: { loadBalancer: { ingress: want } } }, { subresource: 'status' });
    } catch (e) {
      if (!isNotFound(e)) this.log.warn({ ingress: `${ing.metadata?.namespace}/${ing.metadata?.name}`, err: String(e) }, 'status update failed');
    }
  }

  private contextFor(serverName: string): tls.SecureContext | undefined {
    const ref = this.table.tlsSecretFor(serverName) ?? [...this.table.tls.values()][0];
    if (!ref) return undefined;
    const [ns, name] = ref.split('/');
    const secret = this.secrets.get(ns, name);
    if (!secret?.data?.['tls.crt'] || !secret.data['tls.key']) return undefined;
    const rv = secret.metadata?.resourceVersion ?? '';
    const cached = this.contexts.get(ref);
    if (cached && cached.rv === rv) return cached.ctx;
    try {
      const ctx = tls.createSecureContext({ cert: Buffer.from(secret.data['tls.crt'], 'base64'), key: Buffer.from(secret.data['tls.key'], 'base64') });
      this.contexts.set(ref, { rv, ctx });
      return ctx;
    } catch (e) {
      this.log.warn({ secret: ref, err: String(e) }, 'invalid TLS secret');
      return undefined;
    }
  }

  /** Usable endpoints for a route backend (cached until the catalog changes). */
  private backendsOf(b: RouteBackend): Backend[] {
    const key = b.key;
    let all = this.backendCache.get(key);
    if (!all) {
      const svc = this.catalog.service(b.namespace, b.service) as (Service & KubeObject) | undefined;
      const sp = svc?.spec?.ports?.find((p) => (b.port.number !== undefined ? p.port === b.port.number : p.name === b.port.name));
      all = svc && sp ? usableBackends(this.catalog.backends(b.namespace, b.service, sp.name ?? '', sp.protocol ?? 'TCP')) : [];
      this.backendCache.set(key, all);
    }
    return all;
  }

  /** Endpoints for a route backend and where round-robin starts (try start, start+1, …). */
  private targets(b: RouteBackend): { list: Backend[]; start: number } {
    const list = this.backendsOf(b);
    if (!list.length) return { list, start: 0 };
    // Per service port (the same Service behind several paths still alternates evenly enough).
    const start = (this.rr.get(b.key) ?? 0) % list.length;
    this.rr.set(b.key, start + 1);
    return { list, start };
  }

  /** Fast-path routing: undefined when the full server must answer (redirect, 404, 503). */
  private fastRoute(host: string, target: string, secure: boolean): FastRoute | undefined {
    if (!secure && this.table.tls.size) {
      const hostname = host.replace(/:\d+$/, '');
      if (this.table.tlsSecretFor(hostname) && this.contextFor(hostname)) return undefined;
    }
    const q = target.indexOf('?');
    const route = this.table.match(host, q < 0 ? target : target.slice(0, q));
    if (!route) return undefined;
    const { list, start } = this.targets(route.backend);
    if (!list.length) return undefined;
    return { targets: list, start, target: q < 0 ? route.path : route.path + target.slice(q) };
  }

  private agentFor(b: Backend): http.Agent {
    const k = `${b.ip}:${b.port}`;
    let a = this.agents.get(k);
    if (!a) this.agents.set(k, (a = new http.Agent({ keepAlive: true, maxSockets: 256, scheduling: 'lifo' })));
    return a;
  }

  private onRequest(req: http.IncomingMessage, res: http.ServerResponse, secure: boolean): void {
    const url = splitTarget(req.url);
    const host = req.headers.host ?? '';
    const hostname = host.replace(/:\d+$/, '');
    if (!secure && this.table.tlsSecretFor(hostname) && this.contextFor(hostname)) {
      const port = this.ports().https;
      res.writeHead(308, { location: `https://${hostname}${port === 443 ? '' : `:${port}`}${req.url ?? '/'}` });
      res.end();
      return;
    }
    const route = this.table.match(host, url.pathname);
    if (!route) return plain(res, 404, 'default backend - 404');
    const { list: targets, start } = this.targets(route.backend);
    if (!targets.length) return plain(res, 503, '503 Service Temporarily Unavailable');
    const path = route.path + url.search;
    const headers = forwardHeaders(req, secure);
    // Only body-less requests can be retried safely on another endpoint.
    const retriable = req.method === 'GET' || req.method === 'HEAD' || req.headers['content-length'] === '0';
    const attempt = (i: number) => {
      const b = targets[(start + i) % targets.length];
      const up = http.request({ host: b.ip, port: b.port, method: req.method, path, headers, agent: this.agentFor(b) }, (ur) => {
        const h = ur.headers;
        for (const k of HOP_BY_HOP) if (k in h) delete h[k];
        res.writeHead(ur.statusCode ?? 502, ur.statusMessage, h);
        ur.pipe(res);
      });
      let responded = false;
      up.on('response', () => (responded = true));
      up.on('error', (e: NodeJS.ErrnoException) => {
        if (!responded && retriable && i + 1 < targets.length && (e.code === 'ECONNREFUSED' || e.code === 'ECONNRESET' || e.code === 'EHOSTUNREACH')) return attempt(i + 1);
        if (!res.headersSent) plain(res, 502, '502 Bad Gateway');
        else res.destroy();
      });
      if (retriable) up.end();
      else req.pipe(up);
    };
    attempt(0);
  }

  private onUpgrade(req: http.IncomingMessage, client: net.Socket, head: Buffer, secure: boolean): void {
    const url = splitTarget(req.url);
    const route = this.table.match(req.headers.host ?? '', url.pathname);
    const { list: targets, start } = route ? this.targets(route.backend) : { list: [], start: 0 };
    if (!route || !targets.length) {
      client.end('HTTP/1.1 503 Service Unavailable\r\nconnection: close\r\n\r\n');
      return;
    }
    const headers = forwardHeaders(req, secure);
    headers.connection = 'Upgrade';
    headers.upgrade = req.headers.upgrade ?? 'websocket';
    const lines = [`${req.method} ${route.path + url.search} HTTP/1.1`];
    for (const [k, v] of Object.entries(headers)) for (const x of Array.isArray(v) ? v : [v]) if (x !== undefined) lines.push(`${k}: ${x}`);
    const attempt = (i: number) => {
      const b = targets[(start + i) % targets.length];
      const up = net.connect({ host: b.ip, port: b.port });
      up.once('error', () => {
        if (i + 1 < targets.length) attempt(i + 1);
        else client.destroy();
      });
      up.once('connect', () => {
        up.removeAllListeners('error');
        up.on('error', () => client.destroy());
        client.on('error', () => up.destroy());
        up.write(lines.join('\r\n') + '\r\n\r\n');
        if (head.length) up.write(head);
        up.pipe(client);
        client.pipe(up);
      });
    };
    attempt(0);
  }
}

/** Path and query of a request target, without the cost of a full URL parse per request. */
function splitTarget(target: string | undefined): { pathname: string; search: string } {
  const t = target || '/';
  if (!t.startsWith('/')) {
    // absolute-form ("GET http://host/path") or something odd: let URL sort it out
    const u = new URL(t, 'http://x');
    return { pathname: u.pathname, search: u.search };
  }
  const q = t.indexOf('?');
  const pathname = q < 0 ? t : t.slice(0, q);
  return { pathname, search: q < 0 ? '' : t.slice(q) };
}

function forwardHeaders(req: http.IncomingMessage, secure: boolean): http.OutgoingHttpHeaders {
  const h: http.OutgoingHttpHeaders = { ...req.headers };
  for (const k of HOP_BY_HOP) delete h[k];
  const ip = req.socket.remoteAddress ?? '';
  h['x-forwarded-for'] = req.headers['x-forwarded-for'] ? `${req.headers['x-forwarded-for']}, ${ip}` : ip;
  h['x-real-ip'] = ip;
  h['x-forwarded-host'] = req.headers.host ?? '';
  h['x-forwarded-proto'] = secure ? 'https' : 'http';
  return h;
}

function plain(res: http.ServerResponse, code: number, body: string): void {
  res.writeHead(code, { 'content-type': 'text/plain' });
  res.end(body + '\n');
}

function listen(s: net.Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    s.once('error', reject);
    s.listen(port, host, () => {
      s.off('error', reject);
      resolve();
    });
  });
}

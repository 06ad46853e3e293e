// The node agent's own HTTPS server (the kubelet server's role): container logs, exec, attach,
// port-forward and stats for the API server, which proxies kubectl's requests here. Only the
// API server may call it: a client certificate from the cluster CA whose CN is
// system:kube-apiserver (or that is in group system:masters). /healthz is open.
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Status } from 'kubernetes-types/meta/v1.js';
import type { ContainerRuntime } from '../runtime/runtime.js';
import { negotiateChannelProtocol, type ChannelProtocol } from './channel-protocol.js';
import { LogOptionsError, parseLogOptions, streamContainerLog, type LogSink } from './container-logs.js';
import { PORT_FORWARD_PROTOCOL, portForwardHandler, type PortForwardTarget } from './port-forward.js';
import { remoteCommandOptions, runRemoteCommand, validateRemoteCommand, type RemoteCommandOptions } from './remote-command.js';
import { collectSpdyStreams, SPDY_REMOTE_COMMAND_PROTOCOLS } from './remote-command-spdy.js';
import { channelStreams } from './remote-command-ws.js';
import type { SpdyStream } from './spdy-session.js';
import { spdyOverSocket, spdyOverWebSocket } from './spdy-transports.js';
import { SummaryProvider } from './stats-summary.js';
import { portForwardOverChannels, WS_PORT_FORWARD_PROTOCOLS } from './port-forward-ws.js';

export interface ResolvedContainer {
  /** Runtime id of the current container (or, when none runs, the most recent one). */
  id: string;
  /** CRI log file of that container. */
  logPath: string;
  /** Log file of the previous terminated instance, for `--previous`. */
  previousLogPath?: string;
  /** Why no container exists yet (e.g. ContainerCreating, ErrImagePull); set only when `id` is ''. */
  waitingReason?: string;
}

export interface ResolvedPod {
  uid: string;
  sandboxId: string;
  containers: Map<string, ResolvedContainer>;
}

export interface AgentServerOptions {
  runtime: ContainerRuntime;
  resolvePod: (namespace: string, name: string) => ResolvedPod | undefined | Promise<ResolvedPod | undefined>;
  /** Serving certificate + key, and the cluster CA that signs API server client certs. */
  tls: { cert: string; key: string; ca: string };
  host?: string;
  /** 0 picks a free port. Upstream's kubelet port is 10250. */
  port?: number;
  logger: Logger;
  /** For /stats/summary; defaults to the host name. */
  nodeName?: string;
}

const API_SERVER_USER = 'system:kube-apiserver';
const MASTERS_GROUP = 'system:masters';
const SPDY_UPGRADE = 'spdy/3.1';
const TUNNELED_PORT_FORWARD = `SPDY/3.1+${PORT_FORWARD_PROTOCOL}`;

class HttpError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
  status(): Status {
    return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: this.message, reason: this.reason, code: this.code };
  }
}

type Route =
  | { kind: 'exec' | 'attach'; namespace: string; pod: string; container: string }
  | { kind: 'portForward'; namespace: string; pod: string };

export class AgentServer {
  private server?: Server;
  private readonly log: Logger;
  private readonly upgraded = new Set<Duplex>();
  private readonly summary: SummaryProvider;

  constructor(private readonly opts: AgentServerOptions) {
    this.log = opts.logger.child({ component: 'agent-server' });
    this.summary = new SummaryProvider(opts.runtime, opts.nodeName ?? hostname());
  }

  async start(): Promise<{ port: number }> {
    const server = createServer({
      cert: this.opts.tls.cert,
      key: this.opts.tls.key,
      ca: this.opts.tls.ca,
      requestCert: true,
      rejectUnauthorized: false, // checked per request so /healthz stays reachable
    });
    server.on('request', (req: IncomingMessage, res: ServerResponse) => void this.onRequest(req, res));
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => void this.onUpgrade(req, socket, head));
    server.on('clientError', (_e, socket: Duplex) => socket.destroy());
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.opts.port ?? 0, this.opts.host ?? '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
    const port = (server.address() as AddressInfo).port;
    this.log.info({ port }, 'agent server listening');
    return { port };
  }

  async stop(): Promise<void> {
    for (const s of this.upgraded) s.destroy();
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }

  // ---- plain requests ----------------------------------------------------------------------

  private async onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const url = new URL(req.url ?? '/', 'https://agent');
      if (url.pathname === '/healthz') {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end('ok');
        return;
      }
      this.authorize(req, url.pathname);
      if (req.method !== 'GET' && req.method !== 'POST') throw new HttpError(405, 'MethodNotAllowed', `method ${req.method} not allowed`);
      const logs = /^\/containerLogs\/([^/]+)\/([^/]+)\/([^/]+)\/?$/.exec(url.pathname);
      if (logs) return await this.containerLogs(decodeURIComponent(logs[1]), decodeURIComponent(logs[2]), decodeURIComponent(logs[3]), url.searchParams, req, res);
      if (url.pathname === '/stats/summary' || url.pathname === '/stats/summary/') {
        const body = JSON.stringify(await this.summary.summary());
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(body);
        return;
      }
      if (parseStreamingRoute(url.pathname)) throw new HttpError(400, 'BadRequest', 'Upgrade request required');
      throw new HttpError(404, 'NotFound', `the server could not find the requested resource`);
    } catch (e) {
      this.sendError(res, e);
    }
  }

  private async containerLogs(ns: string, podName: string, container: string, q: URLSearchParams, req: IncomingMessage, res: ServerResponse): Promise<void> {
    let opts;
    try {
      opts = parseLogOptions(q);
    } catch (e) {
      if (e instanceof LogOptionsError) throw new HttpError(400, 'BadRequest', e.message);
      throw e;
    }
    const pod = await this.opts.resolvePod(ns, podName);
    if (!pod) throw new HttpError(404, 'NotFound', `pod "${podName}" in namespace "${ns}" not found`);
    const c = pod.containers.get(container);
    let path: string;
    let isRunning: () => Promise<boolean>;
    if (opts.previous) {
      if (!c?.previousLogPath) throw new HttpError(400, 'BadRequest', `previous terminated container "${container}" in pod "${podName}" not found`);
      path = c.previousLogPath;
      isRunning = async () => false;
    } else {
      if (!c || !c.id) throw new HttpError(400, 'BadRequest', waitingMessage(container, podName, c?.waitingReason));
      path = c.logPath;
      const id = c.id;
      isRunning = async () => (await this.opts.runtime.containerStatus(id)).state === 'CONTAINER_RUNNING';
    }
    res.writeHead(200, { 'content-type': 'text/plain', 'cache-control': 'no-cache' });
    res.flushHeaders();
    let closed = false;
    req.on('close', () => (closed = true));
    res.on('close', () => (closed = true));
    const sink: LogSink = {
      get closed() {
        return closed || res.destroyed;
      },
      write: (chunk) =>
        new Promise((resolve) => {
          if (closed || res.destroyed) return resolve();
          if (res.write(chunk)) return resolve();
          const done = () => {
            res.off('drain', done);
            res.off('close', done);
            resolve();
          };
          res.once('drain', done);
          res.once('close', done);
        }),
    };
    try {
      await streamContainerLog(path, { ...opts, isRunning }, sink);
    } catch (e) {
      this.log.warn({ err: e, pod: `${ns}/${podName}`, container }, 'log stream failed');
    }
    if (!res.destroyed) res.end();
  }

  // ---- upgrades: exec, attach, port-forward -----------------------------------------------

  private async onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    socket.on('error', () => socket.destroy());
    try {
      const url = new URL(req.url ?? '/', 'https://agent');
      this.authorize(req, url.pathname);
      const route = parseStreamingRoute(url.pathname);
      if (!route) throw new HttpError(404, 'NotFound', 'the server could not find the requested resource');
      const pod = await this.opts.resolvePod(route.namespace, route.pod);
      if (!pod) throw new HttpError(404, 'NotFound', 'pod does not exist');
      const upgrade = String(req.headers.upgrade ?? '').toLowerCase();
      (socket as Socket).setNoDelay?.(true);

      if (route.kind === 'portForward') {
        const target: PortForwardTarget = { podName: route.pod, podUid: pod.uid, dial: (port) => this.opts.runtime.portForward(pod.sandboxId, port) };
        if (upgrade === 'websocket') return this.portForwardWebSocket(req, socket, head, target, url.searchParams);
        if (upgrade === SPDY_UPGRADE) return this.portForwardSpdy(req, socket, head, target);
        throw new HttpError(400, 'BadRequest', `unsupported upgrade "${req.headers.upgrade ?? ''}"`);
      }

      const c = pod.containers.get(route.container);
      const running = c?.id ? await this.opts.runtime.containerStatus(c.id).then((s) => s.state === 'CONTAINER_RUNNING', () => false) : false;
      if (!c || !running) throw new HttpError(500, 'InternalError', `container not found ("${route.container}")`);
      const opts = remoteCommandOptions(url.searchParams);
      const command = url.searchParams.getAll('command');
      const invalid = validateRemoteCommand(route.kind, opts, command);
      if (invalid) throw new HttpError(400, 'BadRequest', invalid);
      const run = (streams: Parameters<typeof runRemoteCommand>[5]) => runRemoteCommand(this.opts.runtime, route.kind, c.id, command, opts, streams);
      if (upgrade === 'websocket') return this.remoteCommandWebSocket(req, socket, head, opts, run);
      if (upgrade === SPDY_UPGRADE) return this.remoteCommandSpdy(req, socket, head, opts, run);
      throw new HttpError(400, 'BadRequest', `unsupported upgrade "${req.headers.upgrade ?? ''}"`);
    } catch (e) {
      this.rejectUpgrade(socket, e);
    }
  }

  private remoteCommandWebSocket(req: IncomingMessage, socket: Duplex, head: Buffer, opts: RemoteCommandOptions, run: RunCommand): void {
    const offered = headerList(req.headers['sec-websocket-protocol']);
    const protocol: ChannelProtocol | undefined = offered.length === 0 ? 'channel.k8s.io' : negotiateChannelProtocol(offered);
    if (!protocol) throw new HttpError(400, 'BadRequest', `unable to upgrade: unable to negotiate protocol: client supports [${offered.join(' ')}]`);
    this.acceptWebSocket(req, socket, head, offered.length ? protocol : undefined, (ws) => {
      const { streams, finish } = channelStreams(ws, protocol, opts);
      void run(streams).then(finish);
    });
  }

  private remoteCommandSpdy(req: IncomingMessage, socket: Duplex, head: Buffer, opts: RemoteCommandOptions, run: RunCommand): void {
    const protocol = this.spdyHandshake(req, SPDY_REMOTE_COMMAND_PROTOCOLS);
    let handler: ((s: SpdyStream) => void) | undefined;
    const early: SpdyStream[] = [];
    this.acceptSpdy(socket, protocol);
    const session = spdyOverSocket(socket, head, { isServer: true, onStream: (s) => (handler ? handler(s) : early.push(s)) });
    collectSpdyStreams(protocol, opts, (h) => {
      handler = h;
      for (const s of early.splice(0)) h(s);
    }, () => session)
      .then(async ({ streams, finish }) => finish(await run(streams)))
      .catch((e: Error) => {
        this.log.debug({ err: e }, 'remote command over SPDY aborted');
        session.close();
      });
  }

  private portForwardSpdy(req: IncomingMessage, socket: Duplex, head: Buffer, target: PortForwardTarget): void {
    const protocol = this.spdyHandshake(req, [PORT_FORWARD_PROTOCOL]);
    this.acceptSpdy(socket, protocol);
    spdyOverSocket(socket, head, { isServer: true, onStream: portForwardHandler(target, this.log) });
  }

  private portForwardWebSocket(req: IncomingMessage, socket: Duplex, head: Buffer, target: PortForwardTarget, q: URLSearchParams): void {
    const offered = headerList(req.headers['sec-websocket-protocol']);
    if (offered.includes(TUNNELED_PORT_FORWARD)) {
      // kubectl >= 1.31: SPDY frames inside binary WebSocket messages.
      this.acceptWebSocket(req, socket, head, TUNNELED_PORT_FORWARD, (ws) => {
        spdyOverWebSocket(ws, { isServer: true, onStream: portForwardHandler(target, this.log) });
      });
      return;
    }
    const protocol = offered.find((p) => WS_PORT_FORWARD_PROTOCOLS.includes(p));
    if (!protocol && offered.length) throw new HttpError(400, 'BadRequest', `unable to upgrade: unable to negotiate protocol: client supports [${offered.join(' ')}]`);
    const ports = q.getAll('ports').flatMap((p) => p.split(',')).map((p) => p.trim()).filter(Boolean);
    if (ports.length === 0) throw new HttpError(400, 'BadRequest', 'query parameter "port" is required');
    const nums = ports.map(Number);
    if (nums.some((n) => !Number.isInteger(n) || n < 1 || n > 65535)) throw new HttpError(400, 'BadRequest', `unable to parse "${ports.join(',')}" as a port`);
    this.acceptWebSocket(req, socket, head, protocol, (ws) => portForwardOverChannels(ws, protocol, nums, target, this.log));
  }

  /** Negotiates X-Stream-Protocol-Version like upstream httpstream.Handshake. */
  private spdyHandshake(req: IncomingMessage, serverProtocols: string[]): string {
    const offered = headerList(req.headers['x-stream-protocol-version']);
    if (offered.length === 0) throw new HttpError(400, 'BadRequest', 'unable to upgrade: X-Stream-Protocol-Version is required');
    const chosen = offered.find((p) => serverProtocols.includes(p));
    if (!chosen) {
      throw new HttpError(403, 'Forbidden', `unable to upgrade: unable to negotiate protocol: client supports [${offered.join(' ')}], server accepts [${serverProtocols.join(' ')}]`);
    }
    return chosen;
  }

  private acceptSpdy(socket: Duplex, protocol: string): void {
    this.track(socket);
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\nX-Stream-Protocol-Version: ${protocol}\r\n\r\n`);
  }

  private acceptWebSocket(req: IncomingMessage, socket: Duplex, head: Buffer, protocol: string | undefined, onOpen: (ws: WebSocket) => void): void {
    this.track(socket);
    // The protocol is already negotiated. ws would reject names that are not RFC 7230 tokens
    // (kubectl's "SPDY/3.1+portforward.k8s.io"), so take the header out of its hands and
    // answer it ourselves.
    delete req.headers['sec-websocket-protocol'];
    const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });
    if (protocol) wss.on('headers', (headers: string[]) => headers.push(`Sec-WebSocket-Protocol: ${protocol}`));
    wss.handleUpgrade(req, socket, head, (ws) => {
      ws.on('error', (e) => this.log.debug({ err: e }, 'websocket error'));
      onOpen(ws);
    });
  }

  private track(socket: Duplex): void {
    this.upgraded.add(socket);
    socket.once('close', () => this.upgraded.delete(socket));
  }

  // ---- auth and errors --------------------------------------------------------------------

  private authorize(req: IncomingMessage, path: string): void {
    const sock = req.socket as TLSSocket;
    const cert = sock.authorized ? sock.getPeerCertificate() : undefined;
    if (!cert || !cert.subject) throw new HttpError(401, 'Unauthorized', 'Unauthorized');
    const subject = cert.subject as unknown as Record<string, string | string[] | undefined>;
    const list = (v: string | string[] | undefined) => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
    const user = list(subject.CN)[0] ?? '';
    const groups = list(subject.O);
    if (user !== API_SERVER_USER && !groups.includes(MASTERS_GROUP)) {
      const sub = path.split('/')[1] || 'proxy';
      throw new HttpError(403, 'Forbidden', `Forbidden (user=${user}, verb=get, resource=nodes, subresource(s)=[${sub}])`);
    }
  }

  private sendError(res: ServerResponse, e: unknown): void {
    const err = e instanceof HttpError ? e : new HttpError(500, 'InternalError', (e as Error)?.message ?? String(e));
    if (!(e instanceof HttpError)) this.log.error({ err: e }, 'agent request failed');
    if (res.headersSent) {
      res.destroy();
      return;
    }
    const body = JSON.stringify(err.status());
    res.writeHead(err.code, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  }

  private rejectUpgrade(socket: Duplex, e: unknown): void {
    const err = e instanceof HttpError ? e : new HttpError(500, 'InternalError', (e as Error)?.message ?? String(e));
    if (!(e instanceof HttpError)) this.log.error({ err: e }, 'agent upgrade failed');
    if (socket.destroyed || this.upgraded.has(socket)) return;
    const body = JSON.stringify(err.status());
    socket.end(`HTTP/1.1 ${err.code} ${err.reason}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
  }
}

type RunCommand = (streams: Parameters<typeof runRemoteCommand>[5]) => ReturnType<typeof runRemoteCommand>;

/** /exec|attach/{ns}/{pod}[/{uid}]/{container} and /portForward/{ns}/{pod}[/{uid}]. */
function parseStreamingRoute(path: string): Route | undefined {
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  const [kind, namespace, pod] = parts;
  if ((kind === 'exec' || kind === 'attach') && (parts.length === 4 || parts.length === 5)) {
    return { kind, namespace, pod, container: parts[parts.length - 1] };
  }
  if (kind === 'portForward' && (parts.length === 3 || parts.length === 4)) return { kind, namespace, pod };
  return undefined;
}

/** A header that may repeat or be comma-joined, as a list. */
function headerList(v: string | string[] | undefined): string[] {
  return (Array.isArray(v) ? v : v ? [v] : []).flatMap((s) => s.split(',')).map((s) => s.trim()).filter(Boolean);
}

/** kubelet's wording for a container without logs yet. */
function waitingMessage(container: string, pod: string, reason?: string): string {
  if (reason === 'ErrImagePull') return `container "${container}" in pod "${pod}" is waiting to start: image can't be pulled`;
  if (reason === 'ImagePullBackOff') return `container "${container}" in pod "${pod}" is waiting to start: trying and failing to pull image`;
  return `container "${container}" in pod "${pod}" is waiting to start: ${reason ?? 'ContainerCreating'}`;
}

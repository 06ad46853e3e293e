// The API server's side of pods/log, exec, attach and portforward: find the pod's node agent
// (Node status addresses + daemonEndpoints.kubeletEndpoint.Port) and forward the request to it
// over mutual TLS — logs as a streamed GET, the rest as an upgrade-aware reverse proxy that
// replays the client's upgrade request to the agent and then splices the two sockets.
import { request as httpsRequest } from 'node:https';
import type { IncomingMessage } from 'node:http';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import type { Pod, Node } from 'kubernetes-types/core/v1.js';
import type { ApiClient } from '../client/api.js';
import { ApiError } from '../client/api.js';
import type { ResponseSink } from '../client/transport.js';
import { findByKind } from '../api/registry.js';
import { StatusError, badRequest, internalError } from '../api/errors.js';
import type { PodStreamingProxy, StreamingSubresource } from './pod-streaming.js';

export interface NodeAgentProxyOptions {
  /** Reads Node objects. */
  client: ApiClient;
  /** Cluster CA (verifies agents) and the API server's client identity (CN system:kube-apiserver). */
  tls: { ca: string; cert: string; key: string };
  logger: Logger;
}

/** Query parameters of pods/log the agent understands (container travels in the path). */
const LOG_PARAMS = ['follow', 'previous', 'tailLines', 'sinceSeconds', 'sinceTime', 'timestamps', 'limitBytes'];

/** Request headers that must not be replayed to the agent (we authenticate with our own cert). */
const DROP_HEADERS = new Set(['host', 'authorization', 'proxy-authorization', 'proxy-connection', 'impersonate-user', 'impersonate-group', 'impersonate-uid']);

const CONNECT_TIMEOUT_MS = 10_000;

export class NodeAgentProxy implements PodStreamingProxy {
  private readonly logger: Logger;
  /** Spliced connections, both sides: the API server's HTTP server no longer tracks them. */
  private readonly open = new Set<Duplex>();

  constructor(private readonly opts: NodeAgentProxyOptions) {
    this.logger = opts.logger.child({ component: 'pod-proxy' });
  }

  async log(pod: Pod, query: URLSearchParams, res: ResponseSink): Promise<void> {
    const { host, port } = await this.agentAddress(pod);
    const name = pod.metadata?.name ?? '';
    const ns = pod.metadata?.namespace ?? 'default';
    const container = query.get('container') || soleContainer(pod);
    if (!container) throw badRequest(`a container name must be specified for pod ${name}`);
    const q = new URLSearchParams();
    for (const k of LOG_PARAMS) {
      const v = query.get(k);
      if (v !== null && v !== '') q.set(k, v);
    }
    const path = `/containerLogs/${enc(ns)}/${enc(name)}/${enc(container)}${q.size ? `?${q}` : ''}`;
    const url = `https://${hostPort(host, port)}${path}`;

    await new Promise<void>((resolve, reject) => {
      let started = false;
      const req = httpsRequest(
        { host, port, path, method: 'GET', ...this.tlsOptions(), timeout: CONNECT_TIMEOUT_MS },
        (agentRes) => {
          started = true;
          req.setTimeout(0);
          const code = agentRes.statusCode ?? 502;
          const type = String(agentRes.headers['content-type'] ?? (code === 200 ? 'text/plain' : 'application/json'));
          if (code >= 400 && !type.includes('json')) {
            // A non-Status error body: wrap it, as upstream's response checker does.
            const chunks: Buffer[] = [];
            agentRes.on('data', (c: Buffer) => chunks.push(c));
            agentRes.on('end', () => {
              const msg = Buffer.concat(chunks).toString().trim();
              reject(code === 400 ? badRequest(msg) : code === 404 ? new StatusError(404, 'NotFound', msg) : internalError(msg));
            });
            return;
          }
          res.writeHead(code, { 'content-type': type });
          res.onClose(() => agentRes.destroy());
          agentRes.on('data', (c: Buffer) => res.write(c));
          agentRes.on('end', () => {
            res.end();
            resolve();
          });
          agentRes.on('error', () => {
            res.end();
            resolve();
          });
        },
      );
      req.on('timeout', () => req.destroy(new Error('timeout connecting to the node agent')));
      req.on('error', (e) => {
        if (started) return resolve();
        reject(internalError(`Get "${url}": ${e.message}`));
      });
      req.end();
    });
  }

  async upgrade(pod: Pod, subresource: Exclude<StreamingSubresource, 'log'>, req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const name = pod.metadata?.name ?? '';
    const ns = pod.metadata?.namespace ?? 'default';
    const incoming = new URL(req.url ?? '/', 'https://apiserver');
    const q = new URLSearchParams(incoming.searchParams);
    let path: string;
    if (subresource === 'portforward') {
      path = `/portForward/${enc(ns)}/${enc(name)}`;
    } else {
      const container = q.get('container') || defaultContainer(pod);
      const known = allContainerNames(pod);
      if (!known.includes(container)) throw badRequest(`container ${container} is not valid for pod ${name}`);
      q.delete('container');
      path = `/${subresource}/${enc(ns)}/${enc(name)}/${enc(container)}`;
    }
    if (q.size) path += `?${q}`;
    const { host, port } = await this.agentAddress(pod);

    const agent = await new Promise<TLSSocket>((resolve, reject) => {
      const s = tlsConnect({ host, port, servername: undefined, ...this.tlsOptions(), ALPNProtocols: ['http/1.1'] });
      const timer = setTimeout(() => s.destroy(new Error('timeout connecting to the node agent')), CONNECT_TIMEOUT_MS);
      s.once('secureConnect', () => {
        clearTimeout(timer);
        resolve(s);
      });
      s.once('error', (e) => {
        clearTimeout(timer);
        reject(internalError(`error dialing backend: ${e.message}`));
      });
    });

    // Replay the upgrade request, keeping repeated headers (X-Stream-Protocol-Version) apart.
    const lines = [`${req.method ?? 'GET'} ${path} HTTP/1.1`, `Host: ${hostPort(host, port)}`];
    for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
      const k = req.rawHeaders[i];
      if (!DROP_HEADERS.has(k.toLowerCase())) lines.push(`${k}: ${req.rawHeaders[i + 1]}`);
    }
    agent.write(`${lines.join('\r\n')}\r\n\r\n`);
    if (head.length) agent.write(head);

    agent.setNoDelay(true);
    (socket as { setNoDelay?: (b: boolean) => void }).setNoDelay?.(true);
    this.open.add(socket);
    this.open.add(agent);
    const teardown = () => {
      agent.destroy();
      socket.destroy();
    };
    // When one side is gone, flush what is queued to the other, then let it go too: upgraded
    // sockets are half-open capable and would otherwise linger.
    const closeSoon = (s: Duplex) => {
      if (s.destroyed) return;
      s.end();
      setTimeout(() => s.destroy(), 2000).unref();
    };
    agent.on('error', teardown);
    socket.on('error', teardown);
    agent.on('close', () => {
      this.open.delete(agent);
      closeSoon(socket);
    });
    socket.on('close', () => {
      this.open.delete(socket);
      closeSoon(agent);
    });
    agent.pipe(socket);
    socket.pipe(agent);
    this.logger.debug({ pod: `${ns}/${name}`, subresource, agent: hostPort(host, port) }, 'proxying upgrade');
  }

  /** Drops every proxied exec/attach/port-forward connection (API server shutdown). */
  close(): void {
    for (const s of this.open) s.destroy();
    this.open.clear();
  }

  private tlsOptions() {
    return {
      ca: this.opts.tls.ca,
      cert: this.opts.tls.cert,
      key: this.opts.tls.key,
      rejectUnauthorized: true,
      // Agents are verified by chain (cluster CA), not name: a node's serving cert may not list
      // every address it is reached by (upstream's default for kubelets is looser still).
      checkServerIdentity: () => undefined,
    };
  }

  private async agentAddress(pod: Pod): Promise<{ host: string; port: number }> {
    const nodeName = pod.spec?.nodeName;
    if (!nodeName) throw badRequest(`pod ${pod.metadata?.name ?? ''} does not have a host assigned`);
    let node: Node;
    try {
      node = (await this.opts.client.get(findByKind('', 'Node')!, undefined, nodeName)) as unknown as Node;
    } catch (e) {
      if (e instanceof ApiError && e.code === 404) throw new StatusError(404, 'NotFound', `nodes "${nodeName}" not found`, { name: nodeName, kind: 'nodes' });
      throw e;
    }
    const addrs = node.status?.addresses ?? [];
    const host = (['InternalIP', 'Hostname', 'ExternalIP'] as const)
      .map((t) => addrs.find((a) => a.type === t)?.address)
      .find((a): a is string => !!a);
    const port = node.status?.daemonEndpoints?.kubeletEndpoint?.Port;
    if (!host || !port) throw new StatusError(503, 'ServiceUnavailable', `no node agent is reachable for node "${nodeName}"`);
    return { host, port };
  }
}

function enc(s: string): string {
  return encodeURIComponent(s);
}

function hostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

function soleContainer(pod: Pod): string | undefined {
  const cs = pod.spec?.containers ?? [];
  return cs.length === 1 ? cs[0].name : undefined;
}

function allContainerNames(pod: Pod): string[] {
  return [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? []), ...(pod.spec?.ephemeralContainers ?? [])].map((c) => c.name);
}

/** kubectl always names the container; other clients get upstream's defaulting and error. */
function defaultContainer(pod: Pod): string {
  const cs = pod.spec?.containers ?? [];
  if (cs.length === 1) return cs[0].name;
  const name = pod.metadata?.name ?? '';
  if (cs.length === 0) throw badRequest(`a container name must be specified for pod ${name}`);
  throw badRequest(`a container name must be specified for pod ${name}, choose one of: [${cs.map((c) => c.name).join(' ')}]`);
}

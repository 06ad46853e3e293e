// A Transport over HTTPS (or plain HTTP for tests) with keep-alive connections, plus the
// kubeconfig loader that produces its options.
import * as http from 'node:http';
import * as https from 'node:https';
import type { IncomingHttpHeaders } from 'node:http';
import type { StreamCallbacks, StreamHandle, Transport, TransportRequest, TransportResponse } from './transport.js';
import { requestTarget } from './request-url.js';

export interface HttpTransportOptions {
  /** e.g. https://127.0.0.1:6443 */
  server: string;
  /** PEM CA bundle that signed the server certificate. */
  ca?: string;
  /** PEM client certificate and key (x509 client authentication). */
  cert?: string;
  key?: string;
  /** Bearer token. */
  token?: string;
  insecureSkipVerify?: boolean;
  /** Per-request timeout for request() (not stream()); default none. */
  timeoutMs?: number;
}

function flattenHeaders(h: IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h)) {
    if (v === undefined) continue;
    out[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
  }
  return out;
}

export class HttpTransport implements Transport {
  private readonly base: URL;
  private readonly agent: http.Agent;
  private readonly mod: typeof http | typeof https;
  private readonly basePath: string;

  constructor(private readonly opts: HttpTransportOptions) {
    this.base = new URL(opts.server);
    // A server URL may carry a path prefix (e.g. behind a proxy); keep it without trailing slash.
    this.basePath = this.base.pathname.replace(/\/+$/, '');
    if (this.base.protocol === 'https:') {
      this.mod = https;
      this.agent = new https.Agent({
        keepAlive: true,
        maxSockets: 100,
        ca: opts.ca,
        cert: opts.cert,
        key: opts.key,
        rejectUnauthorized: !opts.insecureSkipVerify,
      });
    } else if (this.base.protocol === 'http:') {
      this.mod = http;
      this.agent = new http.Agent({ keepAlive: true, maxSockets: 100 });
    } else {
      throw new Error(`unsupported server URL scheme in ${opts.server}: use https:// or http://`);
    }
  }

  /** Close idle keep-alive sockets (call when the client is no longer used). */
  destroy(): void {
    this.agent.destroy();
  }

  private start(req: TransportRequest, onResponse: (res: http.IncomingMessage) => void, onError: (e: Error) => void): http.ClientRequest {
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers ?? {})) headers[k.toLowerCase()] = v;
    if (this.opts.token && headers['authorization'] === undefined) headers['authorization'] = `Bearer ${this.opts.token}`;
    const body = req.body === undefined ? undefined : typeof req.body === 'string' ? Buffer.from(req.body, 'utf8') : req.body;
    if (body) headers['content-length'] = String(body.length);
    const r = this.mod.request(
      {
        protocol: this.base.protocol,
        hostname: this.base.hostname.replace(/^\[|\]$/g, ''),
        port: this.base.port || (this.base.protocol === 'https:' ? 443 : 80),
        method: req.method,
        path: this.basePath + requestTarget(req.path, req.query),
        headers,
        agent: this.agent,
      },
      onResponse,
    );
    r.on('error', onError);
    if (body) r.write(body);
    r.end();
    return r;
  }

  request(req: TransportRequest): Promise<TransportResponse> {
    return new Promise((resolve, reject) => {
      const r = this.start(
        req,
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: flattenHeaders(res.headers), body: Buffer.concat(chunks) }));
          res.on('error', reject);
        },
        reject,
      );
      if (this.opts.timeoutMs) {
        r.setTimeout(this.opts.timeoutMs, () => r.destroy(new Error(`request to ${req.path} timed out after ${this.opts.timeoutMs} ms`)));
      }
    });
  }

  stream(req: TransportRequest, cb: StreamCallbacks): StreamHandle {
    let done = false;
    let closed = false;
    const finish = (err?: Error) => {
      if (done) return;
      done = true;
      if (!closed) cb.onEnd(err);
    };
    const r = this.start(
      req,
      (res) => {
        if (closed) return;
        cb.onResponse?.(res.statusCode ?? 0, flattenHeaders(res.headers));
        res.on('data', (c: Buffer) => {
          if (!closed) cb.onData(c);
        });
        res.on('end', () => finish());
        res.on('error', (e) => finish(e));
        // A connection dropped mid-stream emits 'aborted'/'close' without 'end'.
        res.on('close', () => finish(res.complete ? undefined : new Error('stream closed before the response completed')));
      },
      (e) => finish(e),
    );
    return {
      close() {
        if (closed) return;
        closed = true;
        r.destroy();
      },
    };
  }
}

// The kubeconfig loader lives in its own module; re-exported here because callers build an
// HttpTransport from it.
export { loadKubeconfig } from './kubeconfig.js';

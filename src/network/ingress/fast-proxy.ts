// The ingress fast path: a socket-level HTTP/1.1 reverse proxy. For the common request (see
// http-head.ts) it parses only the head, routes it, writes a rewritten head to a pooled
// keep-alive backend connection and then copies body bytes verbatim in both directions,
// following Content-Length / chunked framing to know where each message ends. That is one
// small JS parse per message instead of two full HTTP stacks (server + client) per request.
// Anything unusual — and every request that does not route to a backend (404, 503, the 308
// to HTTPS) — is handed, with the bytes read so far, to Node's full HTTP server (`handoff`),
// which then owns the connection.
import type net from 'node:net';
import { BodyTracker, copyResponseHead, forwardedResponseHeadLength, HEAD_END, MAX_HEAD_BYTES, scanRequestHead, scanResponseHead, type ScannedRequest } from './http-head.js';
import { UpstreamPool, type Upstream, type UpstreamUser } from './upstream-pool.js';

export interface ProxyEndpoint {
  ip: string;
  port: number;
}

export interface FastRoute {
  /** Endpoints to try in order from `start` (round-robin start, next on connection failure). */
  targets: ProxyEndpoint[];
  start: number;
  /** Path (and query) to send upstream. */
  target: string;
}

export interface FastProxyHooks {
  /** The route for a request, or undefined to let the full HTTP server answer it. */
  route(host: string, target: string, secure: boolean): FastRoute | undefined;
  /** Gives the connection, with the bytes read but not yet handled, to the full HTTP server. */
  handoff(socket: net.Socket, buffered: Buffer | undefined, secure: boolean): void;
}

/** Idle time after which a client connection is closed (like the HTTP server's keepAliveTimeout). */
const CLIENT_IDLE_MS = 30_000;
const CRLF = Buffer.from('\r\n', 'latin1');
const CLOSE_TAIL = Buffer.from('connection: close\r\n\r\n', 'latin1');
const BAD_GATEWAY = Buffer.from('HTTP/1.1 502 Bad Gateway\r\ncontent-type: text/plain\r\ncontent-length: 16\r\n\r\n502 Bad Gateway\n', 'latin1');
const BAD_GATEWAY_CLOSE = Buffer.from('HTTP/1.1 502 Bad Gateway\r\ncontent-type: text/plain\r\ncontent-length: 16\r\nconnection: close\r\n\r\n502 Bad Gateway\n', 'latin1');

export class FastProxy {
  readonly pool = new UpstreamPool();
  private readonly conns = new Set<ClientConnection>();
  /** Closes idle client connections; cheaper than a socket timeout re-armed on every read and write. */
  private readonly idleSweeper: NodeJS.Timeout;

  constructor(readonly hooks: FastProxyHooks) {
    this.idleSweeper = setInterval(() => {
      const cutoff = performance.now() - CLIENT_IDLE_MS;
      for (const c of this.conns) c.closeIfIdleSince(cutoff);
    }, CLIENT_IDLE_MS / 4);
    this.idleSweeper.unref();
  }

  /** Serves a new client connection (plain TCP or TLS). */
  accept(socket: net.Socket, secure: boolean): void {
    const c = new ClientConnection(this, socket, secure);
    this.conns.add(c);
    socket.once('close', () => this.conns.delete(c));
  }

  /** Forgets a connection handed to the HTTP server (it closes it from then on). */
  released(c: ClientConnection): void {
    this.conns.delete(c);
  }

  close(): void {
    clearInterval(this.idleSweeper);
    for (const c of this.conns) c.socket.destroy();
    this.conns.clear();
    this.pool.close();
  }
}

class ClientConnection {
  /** Client bytes read but not yet handled (the next request head, pipelined requests). */
  private pending?: Buffer;
  private ex?: Exchange;
  private closing = false;
  private readonly remoteIP: string;
  private suffixHost?: string;
  private suffix?: Buffer;
  private readonly onData = (chunk: Buffer) => this.data(chunk);
  private readonly onDrain = () => this.ex?.clientDrained();
  private readonly onGone = () => this.gone();
  /** When the last request started or a byte arrived while waiting for one. */
  private lastActive = performance.now();
  /** The client finished sending (half-close): answer what is in flight, then close. */
  private readonly onEnd = () => {
    if (this.ex && !this.ex.requestDone) return this.gone();
    if (this.ex) this.ex.closeAfter();
    else {
      this.closing = true;
      this.socket.end();
    }
  };

  constructor(
    private readonly proxy: FastProxy,
    readonly socket: net.Socket,
    readonly secure: boolean,
  ) {
    this.remoteIP = socket.remoteAddress ?? '';
    socket.setNoDelay(true);
    socket.on('data', this.onData);
    socket.on('drain', this.onDrain);
    socket.on('error', this.onGone);
    socket.on('close', this.onGone);
    socket.on('end', this.onEnd);
  }

  write(b: Buffer | string): boolean {
    return typeof b === 'string' ? this.socket.write(b, 'latin1') : this.socket.write(b);
  }

  /** Closes the connection if it has waited for a request since before `cutoff` (keep-alive timeout). */
  closeIfIdleSince(cutoff: number): void {
    if (!this.ex && this.lastActive < cutoff) this.socket.destroy();
  }

  private data(chunk: Buffer): void {
    if (this.closing) return;
    const ex = this.ex;
    if (ex && !ex.requestDone) {
      const used = ex.requestBytes(chunk, 0);
      if (used < chunk.length) this.hold(chunk.subarray(used));
      return;
    }
    this.pending = this.pending ? Buffer.concat([this.pending, chunk]) : chunk;
    if (!ex) {
      this.lastActive = performance.now();
      this.next();
    }
    else this.socket.pause(); // a pipelined request waits for the current response
  }

  /** Keeps bytes that follow the current request until its response is done. */
  hold(rest: Buffer): void {
    if (!rest.length) return;
    this.pending = this.pending ? Buffer.concat([this.pending, rest]) : rest;
    this.socket.pause();
  }

  /** Starts the next request from the pending bytes, if a whole head is there. */
  private next(): void {
    const buf = this.pending;
    if (!buf || this.ex || this.closing) return;
    const end = buf.indexOf(HEAD_END, 0, 'latin1');
    if (end < 0) {
      if (buf.length > MAX_HEAD_BYTES) this.handoff();
      return;
    }
    const head = end <= MAX_HEAD_BYTES ? scanRequestHead(buf, end) : undefined;
    const route = head && this.proxy.hooks.route(head.host, head.target, this.secure);
    if (!head || !route) return this.handoff();
    this.pending = undefined;
    const rest = buf.subarray(end + 4);
    const ex = (this.ex = new Exchange(this, this.proxy.pool, head, route, this.requestHeadFor(head, buf, route.target)));
    const used = ex.requestBytes(rest, 0, true);
    if (used < rest.length) this.hold(rest.subarray(used));
    ex.start();
  }

  /** The exchange is over; continue with the next request or close. */
  done(keepOpen: boolean): void {
    this.ex = undefined;
    this.lastActive = performance.now();
    if (!keepOpen) {
      this.closing = true;
      this.socket.end();
      return;
    }
    this.next();
    const ex = this.ex as Exchange | undefined; // next() may have started one
    if (!ex || !ex.requestDone) this.socket.resume();
  }

  /** Pauses reading request body bytes while the backend is congested. */
  pauseBody(paused: boolean): void {
    if (paused) this.socket.pause();
    else this.socket.resume();
  }

  private handoff(): void {
    const s = this.socket;
    s.pause();
    s.off('data', this.onData);
    s.off('drain', this.onDrain);
    s.off('error', this.onGone);
    s.off('close', this.onGone);
    s.off('end', this.onEnd);
    const buffered = this.pending;
    this.pending = undefined;
    this.closing = true;
    this.proxy.released(this);
    this.proxy.hooks.handoff(s, buffered, this.secure);
  }

  private gone(): void {
    this.closing = true;
    this.socket.destroy();
    this.ex?.abort();
    this.ex = undefined;
  }

  /** The head to send upstream: request line with the routed target, kept header lines, X-Forwarded-*. */
  private requestHeadFor(head: ScannedRequest, src: Buffer, target: string): Buffer {
    const line = `${head.method} ${target} HTTP/1.1\r\n`;
    const suffix = this.forwardedSuffix(head);
    let n = line.length + suffix.length;
    const keep = head.keep;
    for (let k = 0; k < keep.length; k += 2) n += keep[k + 1] - keep[k];
    const out = Buffer.allocUnsafe(n);
    let at = out.write(line, 0, 'latin1');
    for (let k = 0; k < keep.length; k += 2) at += src.copy(out, at, keep[k], keep[k + 1]);
    suffix.copy(out, at);
    return out;
  }

  /** X-Forwarded-* lines and the final CRLF; reused while the Host stays the same and no X-Forwarded-For came. */
  private forwardedSuffix(head: ScannedRequest): Buffer {
    if (!head.forwardedFor && this.suffixHost === head.host && this.suffix) return this.suffix;
    const xff = head.forwardedFor ? `${head.forwardedFor}, ${this.remoteIP}` : this.remoteIP;
    const b = Buffer.from(`x-forwarded-for: ${xff}\r\nx-real-ip: ${this.remoteIP}\r\nx-forwarded-host: ${head.host}\r\nx-forwarded-proto: ${this.secure ? 'https' : 'http'}\r\n\r\n`, 'latin1');
    if (!head.forwardedFor) {
      this.suffixHost = head.host;
      this.suffix = b;
    }
    return b;
  }
}

/** One request/response through one backend connection (with retries on other endpoints). */
class Exchange implements UpstreamUser {
  private readonly reqBody: BodyTracker;
  private resBody?: BodyTracker;
  /** Response head bytes collected so far. */
  private resHead?: Buffer;
  private up?: Upstream;
  private attemptNo = 0;
  private retriedStale = false;
  /** Request body bytes read before a backend was chosen (none for retriable requests). */
  private early?: Buffer[];
  private gotResponseBytes = false;
  private sentResponseHead = false;
  /** The backend connection can serve another exchange once this one ends. */
  private reusable = true;
  private clientClose: boolean;
  private finished = false;
  private readonly retriable: boolean;

  constructor(
    private readonly client: ClientConnection,
    private readonly pool: UpstreamPool,
    private readonly head: ScannedRequest,
    private readonly route: FastRoute,
    private readonly outHead: Buffer,
  ) {
    this.reqBody = new BodyTracker(head.body);
    this.clientClose = head.close;
    // Only body-less requests can be retried safely on another endpoint.
    this.retriable = head.body.kind === 'none';
  }

  get requestDone(): boolean {
    return this.reqBody.done;
  }

  /** Consumes request body bytes from buf[from..]; returns how many belonged to this request. */
  requestBytes(buf: Buffer, from: number, beforeStart = false): number {
    if (this.reqBody.done) return 0;
    let n: number;
    try {
      n = this.reqBody.take(buf, from);
    } catch {
      this.client.socket.destroy(); // broken chunked framing: nothing sensible to answer
      return buf.length - from;
    }
    if (n > 0) {
      const part = from === 0 && n === buf.length ? buf : buf.subarray(from, from + n);
      if (beforeStart) (this.early ??= []).push(part);
      else if (this.up && !this.finished) {
        if (!this.up.socket.write(part)) this.client.pauseBody(true);
      }
    }
    return n;
  }

  start(): void {
    this.attempt(false);
  }

  private attempt(fresh: boolean): void {
    const { targets, start } = this.route;
    const ep = targets[(start + this.attemptNo) % targets.length];
    const up = (this.up = this.pool.acquire(ep.ip, ep.port, this, fresh));
    const s = up.socket;
    if (this.early) {
      s.cork();
      s.write(this.outHead);
      for (const b of this.early) s.write(b);
      s.uncork();
      this.early = undefined;
    } else s.write(this.outHead);
  }

  onUpstreamDrain(): void {
    if (!this.reqBody.done) this.client.pauseBody(false);
  }

  clientDrained(): void {
    this.up?.socket.resume();
  }

  onUpstreamData(chunk: Buffer): void {
    if (this.finished) return;
    this.gotResponseBytes = true;
    if (this.resBody) return this.responseBody(chunk);
    let buf = this.resHead ? Buffer.concat([this.resHead, chunk]) : chunk;
    for (;;) {
      const end = buf.indexOf(HEAD_END, 0, 'latin1');
      if (end < 0) {
        if (buf.length > MAX_HEAD_BYTES) return this.badGateway();
        this.resHead = Buffer.from(buf); // chunk is the pool's read buffer: keep a copy
        return;
      }
      const res = end <= MAX_HEAD_BYTES ? scanResponseHead(buf, end, this.head.method) : undefined;
      if (!res || res.status === 101) return this.badGateway();
      if (res.status < 200) {
        // Interim response (100 Continue, 103 Early Hints): pass it on, the final one follows.
        const out = Buffer.allocUnsafe(forwardedResponseHeadLength(res) + 2);
        CRLF.copy(out, copyResponseHead(res, buf, out, 0));
        this.client.write(out);
        buf = buf.subarray(end + 4);
        this.resHead = undefined;
        if (!buf.length) return;
        continue;
      }
      this.resHead = undefined;
      if (res.close) this.reusable = false;
      if (res.body.kind === 'until-close') this.clientClose = true;
      this.resBody = new BodyTracker(res.body);
      const restAt = end + 4;
      const restLen = buf.length - restAt;
      const n = this.resBody.done || !restLen ? 0 : this.takeResponse(buf.subarray(restAt));
      const tail = this.clientClose ? CLOSE_TAIL : CRLF;
      // Rewritten head, its end and the first body bytes in one buffer: one write(2).
      const headLen = forwardedResponseHeadLength(res);
      const out = Buffer.allocUnsafe(headLen + tail.length + n);
      let at = copyResponseHead(res, buf, out, 0);
      at += tail.copy(out, at);
      if (n > 0) buf.copy(out, at, restAt, restAt + n);
      this.sentResponseHead = true;
      const ok = this.client.write(out);
      if (n < restLen) this.reusable = false; // bytes beyond the response: not a clean connection
      if (this.resBody.done) return this.finish();
      if (!ok) this.up?.socket.pause();
      return;
    }
  }

  private takeResponse(buf: Buffer): number {
    try {
      return this.resBody!.take(buf, 0);
    } catch {
      this.reusable = false;
      this.clientClose = true;
      return buf.length;
    }
  }

  private responseBody(chunk: Buffer): void {
    const n = this.takeResponse(chunk);
    // A copy: chunk is the pool's read buffer, reused by the next read.
    if (n > 0 && !this.client.write(Buffer.from(chunk.subarray(0, n)))) this.up?.socket.pause();
    if (n < chunk.length) this.reusable = false;
    if (this.resBody!.done) this.finish();
  }

  onUpstreamGone(err?: Error): void {
    if (this.finished) return;
    const up = this.up;
    this.up = undefined;
    if (this.resBody) {
      if (this.resBody.framing.kind === 'until-close' && !err) {
        this.reusable = false;
        return this.finish();
      }
      // Truncated response: the client must not take it for a whole one.
      this.finished = true;
      this.client.socket.destroy();
      return;
    }
    if (!this.gotResponseBytes && this.retriable) {
      // A reused connection may simply have been closed by the backend while idle: retry it
      // fresh once; otherwise move on to the next endpoint.
      if (up?.reused && !this.retriedStale) {
        this.retriedStale = true;
        return this.attempt(true);
      }
      if (this.attemptNo + 1 < this.route.targets.length) {
        this.attemptNo++;
        return this.attempt(false);
      }
    }
    this.badGateway();
  }

  private badGateway(): void {
    if (this.finished) return;
    if (this.sentResponseHead) {
      this.finished = true;
      this.up?.discard();
      this.client.socket.destroy();
      return;
    }
    this.reusable = false;
    if (!this.reqBody.done) this.clientClose = true;
    this.client.write(this.clientClose ? BAD_GATEWAY_CLOSE : BAD_GATEWAY);
    this.finish();
  }

  private finish(): void {
    this.finished = true;
    const up = this.up;
    this.up = undefined;
    if (up) {
      if (this.reusable && this.reqBody.done) this.pool.release(up);
      else up.discard();
    }
    // A request body the backend did not wait for cannot be skipped reliably: close.
    this.client.done(!this.clientClose && this.reqBody.done);
  }

  /** Close the client connection once this response is done. */
  closeAfter(): void {
    this.clientClose = true;
  }

  /** The client went away. */
  abort(): void {
    this.finished = true;
    this.up?.discard();
    this.up = undefined;
  }
}

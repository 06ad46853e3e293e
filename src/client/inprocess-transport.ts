// A Transport that calls the API server's request handler directly, without a socket. Requests
// and answers cross as bytes (bodies are copied Buffers, headers fresh objects), so client and
// server never share a mutable object and the semantics match the HTTPS transport.
import type {
  HandlerRequest,
  RequestHandler,
  ResponseSink,
  StreamCallbacks,
  StreamHandle,
  Transport,
  TransportRequest,
  TransportResponse,
  UserInfo,
} from './transport.js';
import { requestTarget } from './request-url.js';

function toBuffer(chunk: Buffer | string | undefined): Buffer {
  if (chunk === undefined) return Buffer.alloc(0);
  // Buffer.from(buffer) copies, so the server can reuse its buffer afterwards.
  return typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : Buffer.from(chunk);
}

function lowerHeaders(h: Record<string, string> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h ?? {})) out[k.toLowerCase()] = String(v);
  return out;
}

export class InProcessTransport implements Transport {
  constructor(
    private readonly handler: RequestHandler,
    private readonly user: UserInfo,
  ) {}

  private handlerRequest(req: TransportRequest): HandlerRequest {
    const headers = lowerHeaders(req.headers);
    const body = toBuffer(req.body);
    if (body.length > 0 && headers['content-length'] === undefined) headers['content-length'] = String(body.length);
    return {
      method: req.method,
      url: requestTarget(req.path, req.query),
      headers,
      body,
      user: structuredClone(this.user),
    };
  }

  request(req: TransportRequest): Promise<TransportResponse> {
    return new Promise((resolve, reject) => {
      let status = 200;
      let headers: Record<string, string> = {};
      const chunks: Buffer[] = [];
      let finished = false;
      const closeCbs: (() => void)[] = [];
      const sink: ResponseSink = {
        writeHead(s, h) {
          status = s;
          headers = lowerHeaders(h);
        },
        write(chunk) {
          if (!finished) chunks.push(toBuffer(chunk));
        },
        end(chunk) {
          if (finished) return;
          if (chunk !== undefined) chunks.push(toBuffer(chunk));
          finished = true;
          resolve({ status, headers, body: Buffer.concat(chunks) });
          // The exchange is over: anything the handler registered for "client gone" may clean up.
          for (const cb of closeCbs.splice(0)) queueMicrotask(cb);
        },
        onClose(cb) {
          if (finished) queueMicrotask(cb);
          else closeCbs.push(cb);
        },
      };
      try {
        this.handler(this.handlerRequest(req), sink);
      } catch (e) {
        finished = true;
        reject(e instanceof Error ? e : new Error(String(e)));
      }
    });
  }

  stream(req: TransportRequest, cb: StreamCallbacks): StreamHandle {
    let closed = false;
    let ended = false;
    const closeCbs: (() => void)[] = [];
    // Deliver callbacks asynchronously (in order) so the caller holds the handle before data
    // arrives, as with a socket.
    const deliver = (fn: () => void) =>
      queueMicrotask(() => {
        if (!closed) fn();
      });
    const sink: ResponseSink = {
      writeHead(s, h) {
        const headers = lowerHeaders(h);
        deliver(() => cb.onResponse?.(s, headers));
      },
      write(chunk) {
        if (closed || ended) return;
        const b = toBuffer(chunk);
        if (b.length > 0) deliver(() => cb.onData(b));
      },
      end(chunk) {
        if (closed || ended) return;
        if (chunk !== undefined) {
          const b = toBuffer(chunk);
          if (b.length > 0) deliver(() => cb.onData(b));
        }
        ended = true;
        deliver(() => cb.onEnd());
        for (const c of closeCbs.splice(0)) queueMicrotask(c);
      },
      onClose(c) {
        if (closed || ended) queueMicrotask(c);
        else closeCbs.push(c);
      },
    };
    try {
      this.handler(this.handlerRequest(req), sink);
    } catch (e) {
      ended = true;
      const err = e instanceof Error ? e : new Error(String(e));
      deliver(() => cb.onEnd(err));
    }
    return {
      close() {
        if (closed) return;
        closed = true;
        for (const c of closeCbs.splice(0)) queueMicrotask(c);
      },
    };
  }
}

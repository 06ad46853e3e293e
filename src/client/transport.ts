// How a client reaches an API server: over HTTPS, or in-process (same request handler,
// no socket). Both carry the Kubernetes wire format unchanged, so semantics are identical.

export interface TransportRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Absolute API path, e.g. /api/v1/namespaces/default/pods. */
  path: string;
  query?: Record<string, string | undefined>;
  /** Header names in lower case. */
  headers?: Record<string, string>;
  body?: string | Buffer;
}

export interface TransportResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

export interface StreamHandle {
  close(): void;
}

export interface StreamCallbacks {
  /** Response head; status >= 400 means the body (delivered via onData) is a Status. */
  onResponse?(status: number, headers: Record<string, string>): void;
  onData(chunk: Buffer): void;
  /** Stream ended: err set on transport failure, undefined on a clean end. */
  onEnd(err?: Error): void;
}

export interface Transport {
  request(req: TransportRequest): Promise<TransportResponse>;
  /** A long-lived response (watch, log follow). */
  stream(req: TransportRequest, cb: StreamCallbacks): StreamHandle;
}

/** Identity attached to in-process requests (the API server trusts it; no certificate needed). */
export interface UserInfo {
  username: string;
  uid?: string;
  groups: string[];
}

/** A request as the API server's handler sees it (socketless form used by the in-process transport). */
export interface HandlerRequest {
  method: string;
  /** Path plus query string, e.g. /api/v1/pods?watch=1 */
  url: string;
  /** Header names in lower case. */
  headers: Record<string, string>;
  body: Buffer;
  user?: UserInfo;
}

/** Where the handler writes its answer; a watch keeps writing until end() or the client closes. */
export interface ResponseSink {
  writeHead(status: number, headers: Record<string, string>): void;
  write(chunk: Buffer | string): void;
  end(chunk?: Buffer | string): void;
  /** Register a callback for the client going away (stream cancelled). */
  onClose(cb: () => void): void;
}

export type RequestHandler = (req: HandlerRequest, res: ResponseSink) => void;

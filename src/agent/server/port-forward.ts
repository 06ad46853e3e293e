// portforward.k8s.io over SPDY: for every forwarded connection the client opens an `error`
// stream and a `data` stream carrying the same `port` and `requestid` headers. Once both exist,
// the data stream is spliced to a TCP connection into the pod's network namespace; a failure is
// reported as text on the error stream, and closing the error stream tells the client we're done.
import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import type { SpdyStream } from './spdy-session.js';

export const PORT_FORWARD_PROTOCOL = 'portforward.k8s.io';

export interface PortForwardTarget {
  podName: string;
  podUid: string;
  /** Opens a TCP connection to `port` inside the pod. */
  dial(port: number): Promise<Socket>;
}

interface Pair {
  error?: SpdyStream;
  data?: SpdyStream;
}

/** Returns the per-session stream handler. */
export function portForwardHandler(target: PortForwardTarget, log: Logger): (s: SpdyStream) => void {
  const pairs = new Map<string, Pair>();
  return (s) => {
    const type = s.headers['streamtype'];
    // Clients older than requestid pair streams by id: error stream n, data stream n+2.
    const requestId = s.headers['requestid'] ?? String(type === 'data' ? s.id - 2 : s.id);
    if (type !== 'error' && type !== 'data') {
      s.destroy();
      return;
    }
    const pair = pairs.get(requestId) ?? {};
    if (pair[type]) {
      s.destroy();
      return;
    }
    pair[type] = s;
    pairs.set(requestId, pair);
    if (type === 'error') s.resume(); // nothing is written on it by the client
    if (pair.error && pair.data) {
      pairs.delete(requestId);
      void forward(target, s.headers['port'] ?? '', pair.error, pair.data, log);
    }
  };
}

async function forward(target: PortForwardTarget, portHeader: string, error: SpdyStream, data: SpdyStream, log: Logger): Promise<void> {
  const port = Number(portHeader);
  const fail = (msg: string) => {
    error.end(Buffer.from(msg));
    if (!data.destroyed) data.end();
  };
  if (!/^\d+$/.test(portHeader) || port < 1 || port > 65535) {
    return fail(`invalid port header: "${portHeader}"`);
  }
  let sock: Socket;
  try {
    sock = await target.dial(port);
  } catch (e) {
    log.debug({ err: e, port, pod: target.podName }, 'port-forward dial failed');
    return fail(`error forwarding port ${port} to pod ${target.podName}, uid ${target.podUid}: ${(e as Error).message}`);
  }
  sock.on('error', (e) => {
    if (!error.writableEnded) error.write(Buffer.from(`error forwarding port ${port} to pod ${target.podName}, uid ${target.podUid}: ${e.message}`));
  });
  // Splice both ways; each direction half-closes on its own EOF.
  data.pipe(sock);
  sock.pipe(data);
  const done = () => {
    if (!error.writableEnded && !error.destroyed) error.end();
    if (!data.writableEnded && !data.destroyed) data.end();
  };
  sock.once('close', done);
  data.once('reset', () => sock.destroy());
  error.once('reset', () => sock.destroy());
}

// Keep-alive connections from the ingress to backend endpoints. Each connection keeps one set of
// socket listeners for its whole life and forwards events to whichever exchange currently uses
// it (no listener churn per request). Idle connections are reused last-in-first-out (the warmest
// first, so that surplus ones age out); one the backend closes, or that sends anything while
// idle, leaves the pool; connections idle longer than IDLE_MS are closed — below the 5 s
// keep-alive timeout of Node servers, so that a reused connection is rarely one the backend is
// closing at that very moment (the proxy retries body-less requests when that happens anyway).
import net from 'node:net';

const IDLE_MS = 4000;
const MAX_IDLE_PER_ENDPOINT = 256;
/** The read buffer of every upstream connection (reads are delivered one at a time, synchronously). */
const READ_BUFFER = Buffer.allocUnsafe(64 * 1024);

/** What an upstream connection reports to the exchange using it. */
export interface UpstreamUser {
  /** Bytes from the backend; `chunk` is only valid during the call (a read buffer shared by all connections). */
  onUpstreamData(chunk: Buffer): void;
  /** The connection ended, failed or closed (called at most once per user). */
  onUpstreamGone(err?: Error): void;
  onUpstreamDrain(): void;
}

export class Upstream {
  user?: UpstreamUser;
  /** Has served an exchange before (a failure may just mean the backend closed it while idle). */
  reused = false;
  idleSince = 0;
  readonly socket: net.Socket;

  constructor(
    private readonly pool: UpstreamPool,
    readonly host: string,
    readonly port: number,
  ) {
    // Reads land in one shared buffer (`onread`): no Buffer allocation and no stream machinery
    // per read; users copy what they keep.
    const s = (this.socket = net.connect({
      host,
      port,
      noDelay: true,
      onread: {
        buffer: READ_BUFFER,
        callback: (n: number, buf: Uint8Array): boolean => {
          if (this.user) this.user.onUpstreamData(buf === READ_BUFFER ? READ_BUFFER.subarray(0, n) : Buffer.from(buf.buffer, buf.byteOffset, n));
          else s.destroy(); // bytes while idle: not a clean connection
          return true;
        },
      },
    }));
    s.on('end', () => this.gone());
    s.on('error', (e) => this.gone(e));
    s.on('close', () => {
      this.gone();
      this.pool.forget(this);
    });
    s.on('drain', () => this.user?.onUpstreamDrain());
  }

  private gone(err?: Error): void {
    const u = this.user;
    this.user = undefined;
    this.socket.destroy();
    u?.onUpstreamGone(err);
  }

  /** Stops reporting to the current user and closes the connection. */
  discard(): void {
    this.user = undefined;
    this.socket.destroy();
  }
}

export class UpstreamPool {
  /** Idle connections by endpoint IP, then port (no per-request key strings to hash). */
  private readonly idle = new Map<string, Map<number, Upstream[]>>();
  private readonly sweeper: NodeJS.Timeout;

  constructor() {
    this.sweeper = setInterval(() => this.sweep(), IDLE_MS);
    this.sweeper.unref();
  }

  /** An idle connection to host:port if one is fresh, else a new one; reports to `user`. */
  acquire(host: string, port: number, user: UpstreamUser, fresh = false): Upstream {
    const list = fresh ? undefined : this.idle.get(host)?.get(port);
    if (list) {
      const cutoff = performance.now() - IDLE_MS;
      for (let u = list.pop(); u; u = list.pop()) {
        if (u.idleSince >= cutoff && !u.socket.destroyed && u.socket.writable) {
          u.reused = true;
          u.user = user;
          return u;
        }
        u.discard();
      }
    }
    const u = new Upstream(this, host, port);
    u.user = user;
    return u;
  }

  /** Parks a connection whose last exchange ended cleanly. */
  release(u: Upstream): void {
    u.user = undefined;
    let byPort = this.idle.get(u.host);
    if (!byPort) this.idle.set(u.host, (byPort = new Map()));
    let list = byPort.get(u.port);
    if (!list) byPort.set(u.port, (list = []));
    if (list.length >= MAX_IDLE_PER_ENDPOINT || u.socket.destroyed) return u.discard();
    u.idleSince = performance.now();
    list.push(u);
  }

  /** Drops a closed connection from the idle list. */
  forget(u: Upstream): void {
    const list = this.idle.get(u.host)?.get(u.port);
    const i = list ? list.indexOf(u) : -1;
    if (i >= 0) list!.splice(i, 1);
  }

  /** Closes every idle connection. */
  close(): void {
    clearInterval(this.sweeper);
    for (const byPort of this.idle.values()) for (const list of byPort.values()) for (const u of list.splice(0)) u.discard();
    this.idle.clear();
  }

  private sweep(): void {
    const cutoff = performance.now() - IDLE_MS;
    for (const [host, byPort] of this.idle) {
      for (const [port, list] of byPort) {
        // LIFO: the oldest entries sit at the front.
        let n = 0;
        while (n < list.length && list[n].idleSince < cutoff) n++;
        for (const u of list.splice(0, n)) u.discard();
        if (!list.length) byPort.delete(port); // endpoints come and go with pods
      }
      if (!byPort.size) this.idle.delete(host);
    }
  }
}

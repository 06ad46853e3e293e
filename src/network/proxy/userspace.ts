// The userspace data path (kube-proxy's historical userspace mode): a real TCP/UDP proxy per
// service address. Each connection goes to the next endpoint round-robin (or the client's
// sticky endpoint with sessionAffinity ClientIP); a connect failure moves on to the next one.
import dgram from 'node:dgram';
import net from 'node:net';
import type pino from 'pino';
import type { Backend } from '../service-catalog.js';

/** What a listener forwards to; replaced in place when endpoints change. */
export interface ForwardTarget {
  id: string;
  backends: Backend[];
  affinitySeconds?: number;
}

const CONNECT_TIMEOUT_MS = 3000;
const UDP_IDLE_MS = 30_000;

class Balancer {
  private next = 0;
  private readonly sticky = new Map<string, { key: string; until: number }>();

  constructor(public target: ForwardTarget) {}

  /** Backends in the order to try for this client. */
  order(clientIP: string): Backend[] {
    const bs = this.target.backends;
    if (!bs.length) return [];
    const start = this.next++ % bs.length;
    const ordered = [...bs.slice(start), ...bs.slice(0, start)];
    const aff = this.target.affinitySeconds;
    if (aff !== undefined) {
      const s = this.sticky.get(clientIP);
      if (s && s.until > Date.now()) {
        const i = ordered.findIndex((b) => `${b.ip}:${b.port}` === s.key);
        if (i > 0) ordered.unshift(...ordered.splice(i, 1));
      }
    }
    return ordered;
  }

  chosen(clientIP: string, b: Backend): void {
    if (this.target.affinitySeconds !== undefined) this.sticky.set(clientIP, { key: `${b.ip}:${b.port}`, until: Date.now() + this.target.affinitySeconds * 1000 });
  }
}

export interface Listener {
  readonly address: string;
  readonly port: number;
  setTarget(t: ForwardTarget): void;
  close(): Promise<void>;
}

function connectFirst(order: Backend[], onConnected: (s: net.Socket, b: Backend) => void, onFail: () => void): void {
  const attempt = (i: number) => {
    if (i >= order.length) return onFail();
    const b = order[i];
    const s = net.connect({ host: b.ip, port: b.port });
    s.setNoDelay(true);
    const timer = setTimeout(() => s.destroy(new Error('connect timeout')), CONNECT_TIMEOUT_MS);
    const fail = () => {
      clearTimeout(timer);
      s.destroy();
      attempt(i + 1);
    };
    s.once('error', fail);
    s.once('connect', () => {
      clearTimeout(timer);
      s.off('error', fail);
      onConnected(s, b);
    });
  };
  attempt(0);
}

export async function listenTcp(address: string, port: number, target: ForwardTarget, log: pino.Logger): Promise<Listener> {
  const bal = new Balancer(target);
  const sockets = new Set<net.Socket>();
  const server = net.createServer({ noDelay: true } as net.ServerOpts, (client) => {
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    client.on('error', () => client.destroy());
    client.pause();
    const clientIP = client.remoteAddress ?? '';
    connectFirst(
      bal.order(clientIP),
      (up, b) => {
        bal.chosen(clientIP, b);
        sockets.add(up);
        up.on('close', () => {
          sockets.delete(up);
          client.destroy();
        });
        up.on('error', () => up.destroy());
        client.on('close', () => up.destroy());
        client.pipe(up);
        up.pipe(client);
        client.resume();
      },
      () => {
        log.debug({ service: bal.target.id }, 'no endpoint accepted the connection');
        client.destroy();
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, address, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    address,
    port: (server.address() as net.AddressInfo).port,
    setTarget: (t) => (bal.target = t),
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

export async function listenUdp(address: string, port: number, target: ForwardTarget): Promise<Listener> {
  const bal = new Balancer(target);
  const sock = dgram.createSocket('udp4');
  const sessions = new Map<string, { up: dgram.Socket; timer: NodeJS.Timeout }>();
  sock.on('message', (msg, rinfo) => {
    const key = `${rinfo.address}:${rinfo.port}`;
    let s = sessions.get(key);
    if (!s) {
      const b = bal.order(rinfo.address)[0];
      if (!b) return;
      bal.chosen(rinfo.address, b);
      const up = dgram.createSocket('udp4');
      up.on('message', (reply) => sock.send(reply, rinfo.port, rinfo.address));
      up.on('error', () => undefined);
      up.connect(b.port, b.ip);
      s = { up, timer: setTimeout(() => undefined, 0) };
      sessions.set(key, s);
      const pending = msg;
      up.once('connect', () => up.send(pending));
    } else {
      s.up.send(msg);
    }
    clearTimeout(s.timer);
    const cur = s;
    cur.timer = setTimeout(() => {
      cur.up.close();
      sessions.delete(key);
    }, UDP_IDLE_MS);
    cur.timer.unref();
  });
  await new Promise<void>((resolve, reject) => {
    sock.once('error', reject);
    sock.bind(port, address, () => {
      sock.off('error', reject);
      resolve();
    });
  });
  return {
    address,
    port: sock.address().port,
    setTarget: (t) => (bal.target = t),
    close: () =>
      new Promise<void>((r) => {
        for (const s of sessions.values()) {
          clearTimeout(s.timer);
          s.up.close();
        }
        sessions.clear();
        sock.close(() => r());
      }),
  };
}

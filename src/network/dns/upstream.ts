// Forwarding of non-cluster names to upstream resolvers (CoreDNS `forward . /etc/resolv.conf`):
// the raw query goes to each upstream in turn over UDP (TCP when the client asked over TCP or
// the UDP answer was truncated), first answer wins.
import dgram from 'node:dgram';
import net from 'node:net';
import { readFileSync } from 'node:fs';

export interface Upstream {
  host: string;
  port: number;
}

/** "1.2.3.4", "1.2.3.4:5353" or "[::1]:53". */
export function parseUpstream(s: string): Upstream {
  const m = /^\[([^\]]+)\](?::(\d+))?$/.exec(s) ?? /^([^:]+)(?::(\d+))?$/.exec(s);
  if (!m) return { host: s, port: 53 };
  return { host: m[1], port: m[2] ? Number(m[2]) : 53 };
}

/** Nameservers from a resolv.conf text. */
export function nameserversOf(resolvConf: string): string[] {
  const out: string[] = [];
  for (const line of resolvConf.split('\n')) {
    const m = /^\s*nameserver\s+(\S+)/.exec(line);
    if (m) out.push(m[1]);
  }
  return out;
}

export function hostNameservers(path = '/etc/resolv.conf'): string[] {
  try {
    return nameserversOf(readFileSync(path, 'utf8'));
  } catch {
    return [];
  }
}

function udpQuery(u: Upstream, msg: Buffer, timeoutMs: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const sock = dgram.createSocket(net.isIPv6(u.host) ? 'udp6' : 'udp4');
    const timer = setTimeout(() => finish(new Error(`upstream ${u.host}:${u.port} timed out`)), timeoutMs);
    const finish = (err?: Error, buf?: Buffer) => {
      clearTimeout(timer);
      sock.close();
      if (err) reject(err);
      else resolve(buf!);
    };
    sock.on('error', (e) => finish(e));
    sock.on('message', (buf) => {
      // Only the answer to our query id counts.
      if (buf.length >= 2 && buf.readUInt16BE(0) === msg.readUInt16BE(0)) finish(undefined, buf);
    });
    sock.send(msg, u.port, u.host);
  });
}

function tcpQuery(u: Upstream, msg: Buffer, timeoutMs: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const sock = net.connect({ host: u.host, port: u.port });
    let buf = Buffer.alloc(0);
    sock.setTimeout(timeoutMs, () => sock.destroy(new Error(`upstream ${u.host}:${u.port} timed out`)));
    sock.on('connect', () => {
      const len = Buffer.alloc(2);
      len.writeUInt16BE(msg.length);
      sock.end(Buffer.concat([len, msg]));
    });
    sock.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      if (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        resolve(buf.subarray(2, 2 + buf.readUInt16BE(0)));
        sock.destroy();
      }
    });
    sock.on('error', reject);
    sock.on('close', () => reject(new Error(`upstream ${u.host}:${u.port} closed the connection`)));
  });
}

const TC = 0x0200;

/** Send a raw DNS query to the upstreams; resolves with the first answer. */
export async function forwardQuery(upstreams: Upstream[], msg: Buffer, opts: { tcp?: boolean; timeoutMs?: number } = {}): Promise<Buffer> {
  const timeoutMs = opts.timeoutMs ?? 2000;
  let lastErr: unknown = new Error('no upstream resolvers configured');
  for (const u of upstreams) {
    try {
      if (opts.tcp) return await tcpQuery(u, msg, timeoutMs);
      const ans = await udpQuery(u, msg, timeoutMs);
      if (ans.length >= 4 && ans.readUInt16BE(2) & TC) return await tcpQuery(u, msg, timeoutMs);
      return ans;
    } catch (e) {
      lastErr = e;
    }
  }
  throw lastErr;
}

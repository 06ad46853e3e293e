// Load generator for the network benchmark, run as its own process so that it never shares an
// event loop with the proxy or the backends it measures:
//   node load.js '{"kind":"http","host":..,"port":..,"hostHeader"?,"connections":C,"durationMs":D}'
//   node load.js '{"kind":"dns","host":..,"port":..,"names":[..],"queries":N,"concurrency":C}'
// Prints one JSON line: {rps|qps, p50, p99, errors} (+ total: HTTP responses including warm-up). Bounded: D ms of load (after a short warm-up),
// 1 s timeout per DNS query.
// HTTP works like wrk: C keep-alive connections, each sending its next request as soon as the
// previous response has ended (no pipelining), with a request serialized once and responses
// framed by a small head parser instead of Node's HTTP client — so the generator itself stays
// cheap and the numbers measure the data path, not the client library.
import net from 'node:net';
import dgram from 'node:dgram';
import dnsPacket from 'dns-packet';
import { BodyTracker, HEAD_END, scanResponseHead } from '../../src/network/ingress/http-head.js';

interface HttpSpec {
  kind: 'http';
  host: string;
  port: number;
  hostHeader?: string;
  connections: number;
  durationMs: number;
}
interface DnsSpec {
  kind: 'dns';
  host: string;
  port: number;
  names: string[];
  queries: number;
  concurrency: number;
}

const WARMUP_MS = 300;
/** Read buffer of every HTTP connection (reads are delivered one at a time). */
const READ_BUFFER = Buffer.allocUnsafe(64 * 1024);

function pct(sorted: number[], p: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] : NaN;
}

async function httpLoad(s: HttpSpec): Promise<Record<string, number>> {
  const request = Buffer.from(`GET / HTTP/1.1\r\nHost: ${s.hostHeader ?? `${s.host}:${s.port}`}\r\nUser-Agent: skiff-bench\r\n\r\n`, 'latin1');
  const lat: number[] = [];
  let errors = 0;
  let total = 0;
  let measuring = false;
  let stopping = false;
  const sockets: net.Socket[] = [];
  /** One closed-loop connection; reconnects when the server closes it. */
  const connection = () => {
    let head: Buffer | undefined;
    let body: BodyTracker | undefined;
    let status = 0;
    let sent = 0;
    const send = () => {
      if (stopping) return;
      sent = performance.now();
      sock.write(request);
    };
    const ended = () => {
      total++;
      if (measuring) {
        if (status === 200) lat.push(performance.now() - sent);
        else errors++;
      }
      body = undefined;
      send();
    };
    /** Frames responses in `chunk` (only valid during the call: the shared read buffer). */
    const onBytes = (chunk: Buffer) => {
      let buf = chunk;
      while (buf.length) {
        if (body) {
          const n = body.take(buf, 0);
          buf = buf.subarray(n);
          if (body.done) ended();
          continue;
        }
        const all: Buffer = head ? Buffer.concat([head, buf]) : buf;
        const end = all.indexOf(HEAD_END, 0, 'latin1');
        if (end < 0) {
          head = Buffer.from(all);
          return;
        }
        head = undefined;
        const res = scanResponseHead(all, end, 'GET');
        if (!res) return sock.destroy(new Error('bad response'));
        status = res.status;
        body = new BodyTracker(res.body);
        buf = all.subarray(end + 4);
        if (body.done) ended();
      }
    };
    // Reads into one shared buffer (`onread`): the generator allocates nothing per response
    // and skips the stream machinery, like a C client — the same for every path it loads.
    const sock = net.connect({
      host: s.host,
      port: s.port,
      noDelay: true,
      onread: {
        buffer: READ_BUFFER,
        callback: (n: number): boolean => {
          onBytes(READ_BUFFER.subarray(0, n));
          return true;
        },
      },
    });
    sockets.push(sock);
    sock.on('connect', send);
    sock.on('error', () => {
      if (measuring) errors++;
    });
    sock.on('close', () => {
      if (!stopping) setTimeout(connection, 10);
    });
  };
  for (let i = 0; i < s.connections; i++) connection();
  await new Promise((r) => setTimeout(r, WARMUP_MS)); // connections up, the far side's JIT warm
  measuring = true;
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, s.durationMs));
  measuring = false;
  const secs = (performance.now() - t0) / 1000;
  stopping = true;
  for (const sock of sockets) sock.destroy();
  lat.sort((a, b) => a - b);
  return { rps: lat.length / secs, p50: pct(lat, 50), p99: pct(lat, 99), errors, total };
}

async function dnsLoad(s: DnsSpec): Promise<Record<string, number>> {
  const sock = dgram.createSocket('udp4');
  await new Promise<void>((r) => sock.bind(0, r));
  const pending = new Map<number, { t: number; done: (ok: boolean) => void }>();
  const lat: number[] = [];
  let errors = 0;
  sock.on('message', (m) => {
    const p = pending.get(m.readUInt16BE(0));
    if (p) p.done(true);
  });
  let id = 0;
  const one = () =>
    new Promise<void>((resolve) => {
      const qid = (++id % 65535) + 1;
      const t = performance.now();
      const timer = setTimeout(() => entry.done(false), 1000);
      const entry = {
        t,
        done: (ok: boolean) => {
          clearTimeout(timer);
          pending.delete(qid);
          if (ok) lat.push(performance.now() - t);
          else errors++;
          resolve();
        },
      };
      pending.set(qid, entry);
      sock.send(dnsPacket.encode({ id: qid, type: 'query', flags: dnsPacket.RECURSION_DESIRED, questions: [{ type: 'A', name: s.names[qid % s.names.length], class: 'IN' }] }), s.port, s.host);
    });
  let sent = 0;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: s.concurrency }, async () => {
    while (sent++ < s.queries) await one();
  }));
  const secs = (performance.now() - t0) / 1000;
  sock.close();
  lat.sort((a, b) => a - b);
  return { qps: lat.length / secs, p50: pct(lat, 50), p99: pct(lat, 99), errors };
}

const spec = JSON.parse(process.argv[2] ?? '{}') as HttpSpec | DnsSpec;
const result = spec.kind === 'dns' ? await dnsLoad(spec) : await httpLoad(spec);
console.log(JSON.stringify(result));

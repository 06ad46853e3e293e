// Load generator for the network benchmark, run as its own process so that it never shares an
// event loop with the proxy or the backends it measures:
//   node load.js '{"kind":"http","host":..,"port":..,"hostHeader"?,"requests":N,"concurrency":C}'
//   node load.js '{"kind":"dns","host":..,"port":..,"names":[..],"queries":N,"concurrency":C}'
// Prints one JSON line: {rps|qps, p50, p99, errors}. Bounded: N requests, 1 s timeout per DNS query.
import http from 'node:http';
import dgram from 'node:dgram';
import dnsPacket from 'dns-packet';

interface HttpSpec {
  kind: 'http';
  host: string;
  port: number;
  hostHeader?: string;
  requests: number;
  concurrency: number;
}
interface DnsSpec {
  kind: 'dns';
  host: string;
  port: number;
  names: string[];
  queries: number;
  concurrency: number;
}

function pct(sorted: number[], p: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] : NaN;
}

async function httpLoad(s: HttpSpec): Promise<Record<string, number>> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: s.concurrency });
  const headers = s.hostHeader ? { host: s.hostHeader } : {};
  const lat: number[] = [];
  let errors = 0;
  const one = () =>
    new Promise<void>((resolve) => {
      const t = performance.now();
      const req = http.request({ host: s.host, port: s.port, path: '/', agent, headers }, (res) => {
        res.resume();
        res.on('end', () => {
          if (res.statusCode === 200) lat.push(performance.now() - t);
          else errors++;
          resolve();
        });
      });
      req.on('error', () => {
        errors++;
        resolve();
      });
      req.end();
    });
  // Warm the connections (and the far side's JIT) before timing.
  for (let i = 0; i < 3; i++) await Promise.all(Array.from({ length: s.concurrency }, one));
  lat.length = 0;
  errors = 0;
  let next = 0;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: s.concurrency }, async () => {
    while (next++ < s.requests) await one();
  }));
  const secs = (performance.now() - t0) / 1000;
  agent.destroy();
  lat.sort((a, b) => a - b);
  return { rps: lat.length / secs, p50: pct(lat, 50), p99: pct(lat, 99), errors };
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

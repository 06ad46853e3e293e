// API server benchmark: memory and sqlite side by side, over HTTPS with keep-alive.
import https from 'node:https';
import type { ClientRequest } from 'node:http';
import { startBenchServer, summarize, printTable, writeResults, type BenchServer } from './util.js';

const cm = (name: string, size = 200) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, labels: { bench: 'api' } }, data: { v: 'x'.repeat(size) } });
const BASE = '/api/v1/namespaces/default/configmaps';

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t = performance.now();
  const r = await fn();
  return [r, performance.now() - t];
}

/** Closed loop: `concurrency` workers issue `n` creates as fast as answers come back. */
async function createThroughput(s: BenchServer, prefix: string, n: number, concurrency: number): Promise<{ perSec: number; lat: number[] }> {
  let next = 0;
  const lat: number[] = [];
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (;;) {
        const i = next++;
        if (i >= n) return;
        const [r, ms] = await timed(() => s.request('POST', BASE, cm(`${prefix}-${i}`)));
        if (r.status !== 201) throw new Error(`create failed ${r.status}: ${r.body}`);
        lat.push(ms);
      }
    }),
  );
  return { perSec: n / ((performance.now() - t0) / 1000), lat };
}

/** Open loop at a fixed rate: the latency a client sees at `rate` writes/s (bounded in count). */
async function fixedRate(s: BenchServer, rate: number, seconds: number, op: (i: number) => Promise<void>): Promise<number[]> {
  const lat: number[] = [];
  const total = rate * seconds;
  const interval = 1000 / rate;
  const t0 = performance.now();
  const pending: Promise<void>[] = [];
  for (let i = 0; i < total; i++) {
    const due = t0 + i * interval;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    pending.push(
      (async () => {
        const t = performance.now();
        await op(i);
        lat.push(performance.now() - t);
      })(),
    );
  }
  await Promise.all(pending);
  return lat;
}

async function watchLatency(s: BenchServer, watchers: number, events: number): Promise<number[]> {
  const created = new Map<string, number>();
  const lat: number[] = [];
  const reqs: ClientRequest[] = [];
  let ready = 0;
  const agent = new https.Agent({ keepAlive: true, maxSockets: watchers + 5, ca: (s.agent as any).options.ca, cert: (s.agent as any).options.cert, key: (s.agent as any).options.key });
  const rvResp = await s.request('GET', `${BASE}?limit=1`);
  const rv = JSON.parse(rvResp.body).metadata.resourceVersion;
  await new Promise<void>((resolveAll) => {
    for (let w = 0; w < watchers; w++) {
      const req = https.request({ hostname: s.url.hostname, port: s.url.port, path: `${BASE}?watch=1&labelSelector=bench%3Dwatch&resourceVersion=${rv}`, agent }, (res) => {
        let buf = '';
        res.on('data', (d) => {
          buf += d;
          let i;
          while ((i = buf.indexOf('\n')) >= 0) {
            const line = buf.slice(0, i);
            buf = buf.slice(i + 1);
            const ev = JSON.parse(line);
            const t = created.get(ev.object?.metadata?.name);
            if (t !== undefined && ev.type === 'ADDED') lat.push(performance.now() - t);
          }
        });
        if (++ready === watchers) resolveAll();
      });
      req.end();
      reqs.push(req);
    }
  });
  for (let i = 0; i < events; i++) {
    const name = `watch-${i}`;
    created.set(name, performance.now());
    await s.request('POST', BASE, { ...cm(name, 50), metadata: { name, labels: { bench: 'watch' } } });
    await new Promise((r) => setTimeout(r, 10));
  }
  const deadline = Date.now() + 10_000;
  while (lat.length < watchers * events && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  reqs.forEach((r) => r.destroy());
  agent.destroy();
  return lat;
}

export async function run(): Promise<void> {
  const results: Record<string, Record<string, number>> = {};
  // SKIFF_BENCH_DATASTORES=sqlite runs one backend (e.g. while profiling); default both.
  const datastores = (process.env.SKIFF_BENCH_DATASTORES ?? 'memory,sqlite').split(',').filter(Boolean);
  for (const ds of datastores) {
    const s = await startBenchServer(ds);
    try {
      const r: Record<string, number> = { readyMs: s.readyMs };
      const warm = await createThroughput(s, 'warm', 500, 16);
      void warm;
      const thr = await createThroughput(s, 'thr', 5000, 32);
      r.createsPerSec = thr.perSec;
      const c = summarize(thr.lat);
      r.createP50 = c.p50;
      r.createP99 = c.p99;
      // Updates and gets at a steady 500 req/s.
      const upd = await fixedRate(s, 500, 6, async (i) => {
        const res = await s.request('PATCH', `${BASE}/thr-${i % 5000}`, { data: { v: `u${i}` } }, 'application/merge-patch+json');
        if (res.status !== 200) throw new Error(`patch ${res.status} ${res.body}`);
      });
      const u = summarize(upd);
      r.mutateP50At500 = u.p50;
      r.mutateP99At500 = u.p99;
      const gets = await fixedRate(s, 500, 4, async (i) => {
        const res = await s.request('GET', `${BASE}/thr-${i % 5000}`);
        if (res.status !== 200) throw new Error(`get ${res.status}`);
      });
      const g = summarize(gets);
      r.getP50 = g.p50;
      r.getP99 = g.p99;
      // Fill to 10,000 ConfigMaps and time a full list.
      await createThroughput(s, 'fill', 10_000 - 5500, 32);
      const listTimes: number[] = [];
      let count = 0;
      for (let i = 0; i < 5; i++) {
        const [res, ms] = await timed(() => s.request('GET', BASE));
        count = JSON.parse(res.body).items.length;
        listTimes.push(ms);
      }
      r.listItems = count;
      r.list10kMs = summarize(listTimes).p50;
      const wl = summarize(await watchLatency(s, 100, 20));
      r.watchP50 = wl.p50;
      r.watchP99 = wl.p99;
      r.watchDelivered = wl.n;
      r.rssMb = s.rssMb();
      results[ds] = r;
    } finally {
      await s.stop();
    }
  }
  const rows = [
    ['exec → kubeconfig/readyz (ms)', 'readyMs', '< 1000'],
    ['creates/s (32 concurrent)', 'createsPerSec', '≥ 2000'],
    ['create p50 (ms)', 'createP50', ''],
    ['create p99 (ms)', 'createP99', ''],
    ['patch p50 @500/s (ms)', 'mutateP50At500', ''],
    ['patch p99 @500/s (ms)', 'mutateP99At500', '< 25'],
    ['get p50 @500/s (ms)', 'getP50', ''],
    ['get p99 @500/s (ms)', 'getP99', ''],
    ['list 10k ConfigMaps (ms)', 'list10kMs', '< 150'],
    ['watch delivery p50, 100 watchers (ms)', 'watchP50', ''],
    ['watch delivery p99, 100 watchers (ms)', 'watchP99', '< 50'],
    ['server RSS after load (MB)', 'rssMb', ''],
  ];
  printTable('API server benchmark (HTTPS, keep-alive, one client process)', ['metric', ...datastores, 'target (sqlite)'], rows.map(([label, key, target]) => [label, ...datastores.map((d) => results[d][key]), target]));
  for (const d of datastores) console.log(`${d}: items listed: ${results[d].listItems}; watch events delivered: ${results[d].watchDelivered}`);
  console.log(`results: ${writeResults('api', results)}`);
}

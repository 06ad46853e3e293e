// `npm run bench -- network`: the service data paths side by side. The load generator
// (bench/network/load.ts) and the backends always run in processes of their own, so the numbers
// compare data paths, not event loops sharing a core:
//  - userspace mode (any user): Skiff's userspace proxy, ingress and DNS in this process,
//    backends in a child process on 127.0.0.2/3, load from another child.
//  - iptables mode (root, with ../shared/tools/in-netns): the benchmark re-runs itself inside a
//    fresh network namespace with a real `skiff server` and its node agent; the backends are
//    echo-server pods on the node bridge, traffic goes through kernel DNAT and the ingress.
// Reported per mode: requests/s and p99 through a ClusterIP vs straight to the pod (one endpoint
// on both paths), through the ingress vs straight, DNS queries/s and p99 through the kube-dns
// address, and the time from an EndpointSlice change until the proxy and the ingress route by it.
// The three HTTP paths are loaded in alternation (direct, ClusterIP, ingress, direct, …) for
// ROUNDS rounds and each ratio is the median over rounds of path / mean(direct before, direct
// after), so that a neighbour's load on a busy machine skews both sides alike. When `wrk` is
// installed its figures (one run per path) are printed beside the Node generator's.
// Targets: ClusterIP ≥ 90% of direct, ingress ≥ 50% of direct, rule sync < 1 s. Bounded loops.
import http from 'node:http';
import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import type { KubeObject } from '../src/client/api.js';
import { ENDPOINT_SLICES, SERVICES } from '../src/network/service-catalog.js';
import { ServiceProxy } from '../src/network/proxy/service-proxy.js';
import { IngressController } from '../src/network/ingress/controller.js';
import { ClusterDns } from '../src/network/dns/server.js';
import { findByKind } from '../src/api/registry.js';
import { startAdminCluster } from '../src/network/testing/admin-cluster.js';
import { ROOT, printTable, startBenchServer, writeResults, type BenchServer } from './util.js';

const CONNECTIONS = 32;
const LOAD_MS = 1000;
const ROUNDS = 3;
const WRK_SECONDS = 2;
const CONCURRENCY = 16; // DNS queries in flight
const DNS_QUERIES = 4000;
const SYNC_ROUNDS = 5;
const LOAD_JS = fileURLToPath(new URL('./network/load.js', import.meta.url));
const BACKENDS_JS = fileURLToPath(new URL('./network/backends.js', import.meta.url));
const IN_NETNS = join(ROOT, '..', 'shared', 'tools', 'in-netns');
const DNS_NAMES = ['bench.default.svc.cluster.local', 'kubernetes.default.svc.cluster.local', 'nope.default.svc.cluster.local'];

interface Load {
  /** Responses including the warm-up (for CPU per request). */
  total: number;
  rps: number;
  p50: number;
  p99: number;
  errors: number;
}
interface DnsLoad {
  qps: number;
  p50: number;
  p99: number;
  errors: number;
}

interface Paths {
  /** Process that runs the ingress (and the userspace proxy): its CPU per request is reported. */
  proxyPid: number;
  direct: { host: string; port: number };
  service: { host: string; port: number };
  ingress: { host: string; port: number; hostHeader: string };
}

interface WrkResult {
  directRps: number;
  serviceRps: number;
  ingressRps: number;
}

export interface ModeResult {
  directRps: number;
  serviceRps: number;
  serviceRatio: number;
  ingressRps: number;
  ingressRatio: number;
  directP99Ms: number;
  serviceP99Ms: number;
  ingressP99Ms: number;
  dnsQps: number;
  dnsP99Ms: number;
  proxySyncMsMax: number;
  ingressSyncMsMax: number;
  /** CPU time of the proxy process per request (µs): a figure that does not depend on core count. */
  serviceCpuUs: number;
  ingressCpuUs: number;
  wrk?: WrkResult;
}

function loadProcess<T>(spec: Record<string, unknown>): Promise<T> {
  return new Promise((resolve, reject) =>
    execFile(process.execPath, [LOAD_JS, JSON.stringify(spec)], { timeout: 120_000 }, (err, stdout, stderr) => (err ? reject(new Error(`load generator failed: ${stderr || err.message}`)) : resolve(JSON.parse(stdout.trim().split('\n').pop()!) as T))),
  );
}

const httpLoad = (host: string, port: number, hostHeader?: string) => loadProcess<Load>({ kind: 'http', host, port, hostHeader, connections: CONNECTIONS, durationMs: LOAD_MS });
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

interface PathLoads {
  direct: Load;
  service: Load;
  ingress: Load;
  serviceRatio: number;
  ingressRatio: number;
  serviceCpuUs: number;
  ingressCpuUs: number;
}

/** CPU time (user + system) of a process in ms, from /proc (clock ticks of 10 ms). */
function cpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) * 10;
  } catch {
    return NaN;
  }
}

/** A load run plus the proxy process's CPU µs per request during it. */
async function loadWithCpu(pid: number, run: () => Promise<Load>): Promise<{ load: Load; cpuUs: number }> {
  const c0 = cpuMs(pid);
  const load = await run();
  return { load, cpuUs: ((cpuMs(pid) - c0) * 1000) / load.total };
}

/** Direct, ClusterIP and ingress in alternation; medians of rates and of per-round ratios. */
async function loadPaths(p: Paths): Promise<PathLoads> {
  const direct: Load[] = [await httpLoad(p.direct.host, p.direct.port)];
  const service: Load[] = [];
  const ingress: Load[] = [];
  const sr: number[] = [];
  const ir: number[] = [];
  const scpu: number[] = [];
  const icpu: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const s = await loadWithCpu(p.proxyPid, () => httpLoad(p.service.host, p.service.port));
    const i = await loadWithCpu(p.proxyPid, () => httpLoad(p.ingress.host, p.ingress.port, p.ingress.hostHeader));
    service.push(s.load);
    ingress.push(i.load);
    scpu.push(s.cpuUs);
    icpu.push(i.cpuUs);
    direct.push(await httpLoad(p.direct.host, p.direct.port));
    const around = (direct[r].rps + direct[r + 1].rps) / 2;
    sr.push(service[r].rps / around);
    ir.push(ingress[r].rps / around);
  }
  const pick = (ls: Load[]): Load => ({ total: ls.reduce((a, l) => a + l.total, 0), rps: median(ls.map((l) => l.rps)), p50: median(ls.map((l) => l.p50)), p99: median(ls.map((l) => l.p99)), errors: ls.reduce((a, l) => a + l.errors, 0) });
  return { direct: pick(direct), service: pick(service), ingress: pick(ingress), serviceRatio: median(sr), ingressRatio: median(ir), serviceCpuUs: median(scpu), ingressCpuUs: median(icpu) };
}

const hasWrk = () => spawnSync('sh', ['-c', 'command -v wrk']).status === 0;

/** Requests/s from one wrk run (1 thread, CONNECTIONS connections), or NaN when it fails. */
function wrkRps(host: string, port: number, hostHeader?: string): Promise<number> {
  const args = ['-t1', `-c${CONNECTIONS}`, `-d${WRK_SECONDS}s`, ...(hostHeader ? ['-H', `Host: ${hostHeader}`] : []), `http://${host}:${port}/`];
  // Asynchronously: in userspace mode the proxy and the ingress run in this very process.
  return new Promise((resolve) =>
    execFile('wrk', args, { timeout: (WRK_SECONDS + 10) * 1000 }, (_err, stdout) => {
      const m = /Requests\/sec:\s+([\d.]+)/.exec(stdout ?? '');
      resolve(m && !/Non-2xx/.test(stdout) ? Number(m[1]) : NaN);
    }),
  );
}

async function wrkPaths(p: Paths): Promise<WrkResult | undefined> {
  if (!hasWrk()) return undefined;
  return {
    directRps: await wrkRps(p.direct.host, p.direct.port),
    serviceRps: await wrkRps(p.service.host, p.service.port),
    ingressRps: await wrkRps(p.ingress.host, p.ingress.port, p.ingress.hostHeader),
  };
}
const dnsLoad = (host: string, port: number) => loadProcess<DnsLoad>({ kind: 'dns', host, port, names: DNS_NAMES, queries: DNS_QUERIES, concurrency: CONCURRENCY });

/** Who answered one request on a fresh connection ("Request served by NAME"). */
function servedBy(host: string, port: number, hostHeader?: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    const req = http.request({ host, port, path: '/', agent: false, timeout: 1000, headers: { connection: 'close', ...(hostHeader ? { host: hostHeader } : {}) } }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve(/^Request served by (\S+)/.exec(body)?.[1]));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(undefined));
    req.end();
  });
}

/** Alternate the endpoint between two backends; per round, ms until the proxy / ingress route by it. */
async function measureSync(setEndpoint: (to: 'a' | 'b') => Promise<void>, names: { a: string; b: string }, viaProxy: () => Promise<string | undefined>, viaIngress: () => Promise<string | undefined>): Promise<{ proxy: number; ingress: number }> {
  const proxy: number[] = [];
  const ingress: number[] = [];
  let to: 'a' | 'b' = 'b';
  for (let i = 0; i < SYNC_ROUNDS; i++) {
    const t0 = performance.now();
    await setEndpoint(to);
    let p = 0;
    let g = 0;
    while ((!p || !g) && performance.now() - t0 < 5000) {
      if (!p && (await viaProxy()) === names[to]) p = performance.now() - t0;
      if (!g && (await viaIngress()) === names[to]) g = performance.now() - t0;
    }
    proxy.push(p || NaN);
    ingress.push(g || NaN);
    to = to === 'b' ? 'a' : 'b';
  }
  return { proxy: Math.max(...proxy), ingress: Math.max(...ingress) };
}

function summary(loads: PathLoads, dns: DnsLoad, sync: { proxy: number; ingress: number }, wrk?: WrkResult): ModeResult {
  return {
    directRps: loads.direct.rps,
    serviceRps: loads.service.rps,
    serviceRatio: loads.serviceRatio,
    ingressRps: loads.ingress.rps,
    ingressRatio: loads.ingressRatio,
    directP99Ms: loads.direct.p99,
    serviceP99Ms: loads.service.p99,
    ingressP99Ms: loads.ingress.p99,
    dnsQps: dns.qps,
    dnsP99Ms: dns.p99,
    proxySyncMsMax: sync.proxy,
    ingressSyncMsMax: sync.ingress,
    serviceCpuUs: loads.serviceCpuUs,
    ingressCpuUs: loads.ingressCpuUs,
    wrk,
  };
}

// ---- userspace mode ----

async function startBackends(): Promise<{ proc: ChildProcess; port: number }> {
  const proc = spawn(process.execPath, [BACKENDS_JS, 'pod-a@127.0.0.2', 'pod-b@127.0.0.3'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    proc.stdout!.once('data', (d) => resolve(JSON.parse(String(d)).port));
    proc.once('exit', (c) => reject(new Error(`backends exited with ${c}`)));
  });
  return { proc, port };
}

async function userspaceMode(): Promise<ModeResult> {
  const silent = pino({ level: 'silent' });
  const cluster = await startAdminCluster();
  const backends = await startBackends();
  const c = cluster.client;
  const port = backends.port;
  const svcPort = 20000 + (process.pid % 5000);
  await c.create(SERVICES, 'default', { metadata: { name: 'bench' }, spec: { clusterIP: '10.96.77.7', ports: [{ name: 'http', port: svcPort, targetPort: port }] } } as KubeObject);
  const slice = (ip: string) => ({
    metadata: { name: 'bench-1', labels: { 'kubernetes.io/service-name': 'bench' } },
    addressType: 'IPv4',
    ports: [{ name: 'http', port, protocol: 'TCP' }],
    endpoints: [{ addresses: [ip], conditions: { ready: true } }],
  });
  await c.create(ENDPOINT_SLICES, 'default', slice('127.0.0.2') as KubeObject);
  await c.create(findByKind('networking.k8s.io', 'Ingress')!, 'default', {
    metadata: { name: 'bench' },
    spec: { rules: [{ host: 'bench.local', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'bench', port: { number: svcPort } } } }] } }] },
  } as KubeObject);
  const proxy = new ServiceProxy(c, { nodeName: 'bench', mode: 'userspace', nodeIP: '127.0.0.1', logger: silent });
  const ingress = new IngressController(c, { httpPort: 0, httpsPort: 0, host: '127.0.0.1', nodeAddress: '127.0.0.1', logger: silent });
  const dns = new ClusterDns(c, { listen: { host: '127.0.0.1', port: 0 }, upstreams: [], publish: false, logger: silent });
  await proxy.start();
  await ingress.start();
  await dns.start();
  const alias = '127.96.77.7'; // the cluster IP's loopback alias in userspace mode
  const ingPort = ingress.ports().http;
  try {
    const paths: Paths = { proxyPid: process.pid, direct: { host: '127.0.0.2', port }, service: { host: alias, port: svcPort }, ingress: { host: '127.0.0.1', port: ingPort, hostHeader: 'bench.local' } };
    const loads = await loadPaths(paths);
    const wrk = await wrkPaths(paths);
    const dnsRes = await dnsLoad('127.0.0.1', dns.listenAddress().udpPort);
    const sync = await measureSync(
      async (to) => {
        const cur = await c.get<KubeObject>(ENDPOINT_SLICES, 'default', 'bench-1');
        await c.update(ENDPOINT_SLICES, 'default', { ...cur, ...slice(to === 'a' ? '127.0.0.2' : '127.0.0.3'), metadata: cur.metadata });
      },
      { a: 'pod-a', b: 'pod-b' },
      () => servedBy(alias, svcPort),
      () => servedBy('127.0.0.1', ingPort, 'bench.local'),
    );
    return summary(loads, dnsRes, sync, wrk);
  } finally {
    await dns.stop();
    await ingress.stop();
    await proxy.stop();
    backends.proc.kill('SIGTERM');
    await cluster.stop();
  }
}

// ---- iptables mode (inside a network namespace, as root) ----

async function until<T>(what: string, fn: () => Promise<T | undefined>, ms = 30_000): Promise<T> {
  const t0 = performance.now();
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v !== undefined) return v;
    if (performance.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function apply(srv: BenchServer, path: string, obj: object): Promise<void> {
  const r = await srv.request('POST', path, obj);
  if (r.status >= 300) throw new Error(`POST ${path}: ${r.status} ${r.body}`);
}

async function iptablesMode(): Promise<ModeResult> {
  const srv = await startBenchServer('memory', ['--node-name', 'bench', '--ingress-ports', '80,443', '--dns-listen', '127.0.0.1:1053']);
  try {
    await until('the node', async () => ((await srv.request('GET', '/api/v1/nodes/bench')).status === 200 ? true : undefined));
    for (const name of ['a', 'b']) {
      await apply(srv, '/api/v1/namespaces/default/pods', {
        metadata: { name: `pod-${name}`, labels: { app: 'bench', pod: name } },
        spec: { terminationGracePeriodSeconds: 1, containers: [{ name: 'echo', image: 'kicbase/echo-server:1.0', ports: [{ containerPort: 8080 }] }] },
      });
    }
    // One endpoint behind the service, so that direct and service paths load the same pod.
    await apply(srv, '/api/v1/namespaces/default/services', { metadata: { name: 'bench' }, spec: { selector: { app: 'bench', pod: 'a' }, ports: [{ name: 'http', port: 80, targetPort: 8080 }] } });
    await apply(srv, '/api/v1/namespaces/default/services', { metadata: { name: 'sync' }, spec: { ports: [{ name: 'http', port: 80, targetPort: 8080 }] } });
    for (const [host, svc] of [['bench.local', 'bench'], ['sync.local', 'sync']]) {
      await apply(srv, '/apis/networking.k8s.io/v1/namespaces/default/ingresses', {
        metadata: { name: svc },
        spec: { rules: [{ host, http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: svc, port: { number: 80 } } } }] } }] },
      });
    }
    const ips: Record<string, string> = {};
    for (const name of ['a', 'b']) {
      ips[name] = await until(`pod-${name} ready`, async () => {
        const p = JSON.parse((await srv.request('GET', `/api/v1/namespaces/default/pods/pod-${name}`)).body);
        return p.status?.conditions?.some((c: { type: string; status: string }) => c.type === 'Ready' && c.status === 'True') ? (p.status.podIP as string) : undefined;
      });
    }
    const sliceFor = (ip: string) => ({
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { name: 'sync-1', namespace: 'default', labels: { 'kubernetes.io/service-name': 'sync' } },
      addressType: 'IPv4',
      ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
      endpoints: [{ addresses: [ip], conditions: { ready: true } }],
    });
    await apply(srv, '/apis/discovery.k8s.io/v1/namespaces/default/endpointslices', sliceFor(ips.a));
    const svc = JSON.parse((await srv.request('GET', '/api/v1/namespaces/default/services/bench')).body);
    const syncSvc = JSON.parse((await srv.request('GET', '/api/v1/namespaces/default/services/sync')).body);
    const cip: string = svc.spec.clusterIP;
    await until('the service path', () => servedBy(cip, 80));
    await until('the ingress path', () => servedBy('127.0.0.1', 80, 'bench.local'));
    const paths: Paths = { proxyPid: srv.proc.pid!, direct: { host: ips.a, port: 8080 }, service: { host: cip, port: 80 }, ingress: { host: '127.0.0.1', port: 80, hostHeader: 'bench.local' } };
    const loads = await loadPaths(paths);
    const wrk = await wrkPaths(paths);
    const dnsRes = await dnsLoad('10.96.0.10', 53);
    const sync = await measureSync(
      async (to) => {
        const r = await srv.request('PUT', '/apis/discovery.k8s.io/v1/namespaces/default/endpointslices/sync-1', sliceFor(ips[to]));
        if (r.status >= 300) throw new Error(`PUT endpointslice: ${r.status} ${r.body}`);
      },
      { a: 'pod-a', b: 'pod-b' },
      () => servedBy(syncSvc.spec.clusterIP, 80),
      () => servedBy('127.0.0.1', 80, 'sync.local'),
    );
    return summary(loads, dnsRes, sync, wrk);
  } finally {
    await srv.stop();
  }
}

/** Runs iptables mode in a fresh network namespace; undefined (with a reason) when it can't. */
function iptablesInNetns(): { result?: ModeResult; skipped?: string } {
  if (process.getuid?.() !== 0) return { skipped: 'needs root' };
  if (!existsSync(IN_NETNS)) return { skipped: `${IN_NETNS} is missing` };
  if (spawnSync('sh', ['-c', 'command -v iptables-restore']).status !== 0) return { skipped: 'iptables is not installed' };
  const r = spawnSync(IN_NETNS, ['--', process.execPath, fileURLToPath(import.meta.url), '--iptables-child'], { encoding: 'utf8', timeout: 240_000 });
  const line = r.stdout.split('\n').find((l) => l.startsWith('RESULT '));
  if (!line) return { skipped: `the iptables run failed (${r.status}): ${r.stderr.slice(-2000)}` };
  return { result: JSON.parse(line.slice(7)) as ModeResult };
}

export async function run(): Promise<unknown> {
  const userspace = await userspaceMode();
  const ipt = iptablesInNetns();
  const pct = (x: number | undefined) => (x === undefined ? '-' : `${(x * 100).toFixed(0)}%`);
  const num = (x: number | undefined) => (x === undefined ? '-' : x >= 100 ? x.toFixed(0) : x.toFixed(2));
  const i = ipt.result;
  const row = (label: string, f: (m: ModeResult) => number, fmt: (x: number | undefined) => string, target = ''): (string | number)[] => [label, fmt(f(userspace)), fmt(i ? f(i) : undefined), target];
  const wrkRow = (label: string, f: (w: WrkResult) => number, fmt: (x: number | undefined) => string): (string | number)[] => [label, fmt(userspace.wrk ? f(userspace.wrk) : undefined), fmt(i?.wrk ? f(i.wrk) : undefined), ''];
  const wrkRows = userspace.wrk || i?.wrk
    ? [
        wrkRow('wrk: direct req/s', (w) => w.directRps, num),
        wrkRow('wrk: ClusterIP / direct', (w) => w.serviceRps / w.directRps, pct),
        wrkRow('wrk: ingress / direct', (w) => w.ingressRps / w.directRps, pct),
      ]
    : [];
  printTable(`Network data paths (${CONNECTIONS} keep-alive connections, ${ROUNDS} alternating rounds of ${LOAD_MS} ms per path, medians; load generator and backends in separate processes)`, ['metric', 'userspace', 'iptables', 'target'], [
    row('direct to pod req/s', (m) => m.directRps, num),
    row('via ClusterIP req/s', (m) => m.serviceRps, num),
    row('ClusterIP / direct', (m) => m.serviceRatio, pct, '≥ 90%'),
    row('via ingress req/s', (m) => m.ingressRps, num),
    row('ingress / direct', (m) => m.ingressRatio, pct, '≥ 50%'),
    row('p99 ms direct', (m) => m.directP99Ms, num),
    row('p99 ms ClusterIP', (m) => m.serviceP99Ms, num),
    row('p99 ms ingress', (m) => m.ingressP99Ms, num),
    row('DNS queries/s (UDP)', (m) => m.dnsQps, num),
    row('DNS p99 ms', (m) => m.dnsP99Ms, num),
    row('proxy process CPU µs/request, ClusterIP', (m) => m.serviceCpuUs, num),
    row('proxy process CPU µs/request, ingress', (m) => m.ingressCpuUs, num),
    row('endpoint change → proxy routes (max ms)', (m) => m.proxySyncMsMax, num, '< 1000'),
    row('endpoint change → ingress routes (max ms)', (m) => m.ingressSyncMsMax, num, '< 1000'),
    ...wrkRows,
  ]);
  if (!wrkRows.length) console.log('(install wrk for an independent load figure beside the Node generator)');
  if (ipt.skipped) console.log(`iptables mode skipped: ${ipt.skipped}`);
  const results = { userspace, iptables: ipt.result ?? { skipped: ipt.skipped } };
  console.log(`results: ${writeResults('network', results)}`);
  return results;
}

if (process.argv.includes('--iptables-child')) {
  if (!process.env.SKIFF_TEST_NETNS) {
    console.error('refusing to run the iptables benchmark outside a network namespace made by in-netns');
    process.exit(2);
  }
  const r = await iptablesMode();
  console.log(`RESULT ${JSON.stringify(r)}`);
  process.exit(0);
}

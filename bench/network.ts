// `npm run bench -- network`: the service data paths side by side, in one process on loopback.
// - HTTP through a service (userspace proxy, cluster-IP loopback alias) vs straight to the pod
// - HTTP through the ingress controller vs straight to the pod
// - cluster DNS queries/s and p99 (UDP)
// - time from an EndpointSlice change until the proxy and the ingress route by it
// Targets: service ≥ 90% of direct, ingress ≥ 50% of direct, rule sync < 1 s. Bounded loops.
// (The iptables path is kernel DNAT and is exercised by test/e2e/network-iptables.test.ts.)
import http from 'node:http';
import dgram from 'node:dgram';
import dnsPacket from 'dns-packet';
import pino from 'pino';
import type { KubeObject } from '../src/client/api.js';
import { ENDPOINT_SLICES, SERVICES } from '../src/network/service-catalog.js';
import { ServiceProxy } from '../src/network/proxy/service-proxy.js';
import { IngressController } from '../src/network/ingress/controller.js';
import { ClusterDns } from '../src/network/dns/server.js';
import { findByKind } from '../src/api/registry.js';
import { startAdminCluster } from '../src/network/testing/admin-cluster.js';
import { startBackend } from '../src/network/testing/backends.js';
import { printTable, summarize, writeResults } from './util.js';

const REQUESTS = 4000;
const CONCURRENCY = 16;
const DNS_QUERIES = 5000;
const SYNC_ROUNDS = 5;

async function load(host: string, port: number, headers: Record<string, string> = {}): Promise<{ rps: number; p99: number }> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const lat: number[] = [];
  let next = 0;
  const one = () =>
    new Promise<void>((resolve, reject) => {
      const t = performance.now();
      const req = http.request({ host, port, path: '/', agent, headers }, (res) => {
        res.resume();
        res.on('end', () => {
          lat.push(performance.now() - t);
          resolve();
        });
      });
      req.on('error', reject);
      req.end();
    });
  // Warm up the connections first.
  await Promise.all(Array.from({ length: CONCURRENCY }, one));
  lat.length = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next++ < REQUESTS) await one();
    }),
  );
  const secs = (performance.now() - t0) / 1000;
  agent.destroy();
  return { rps: REQUESTS / secs, p99: summarize(lat).p99 };
}

async function dnsLoad(port: number): Promise<{ qps: number; p99: number }> {
  const sock = dgram.createSocket('udp4');
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', r));
  const pending = new Map<number, { t: number; done: () => void }>();
  sock.on('message', (m) => {
    const id = m.readUInt16BE(0);
    const p = pending.get(id);
    if (p) {
      pending.delete(id);
      lat.push(performance.now() - p.t);
      p.done();
    }
  });
  const lat: number[] = [];
  let id = 0;
  const names = ['web.default.svc.cluster.local', 'kubernetes.default.svc.cluster.local', 'nope.default.svc.cluster.local'];
  const one = () =>
    new Promise<void>((resolve) => {
      const qid = ++id % 65535;
      const msg = dnsPacket.encode({ id: qid, type: 'query', flags: dnsPacket.RECURSION_DESIRED, questions: [{ type: 'A', name: names[qid % names.length], class: 'IN' }] });
      const timer = setTimeout(() => {
        pending.delete(qid);
        resolve();
      }, 1000);
      pending.set(qid, { t: performance.now(), done: () => (clearTimeout(timer), resolve()) });
      sock.send(msg, port, '127.0.0.1');
    });
  let sent = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (sent++ < DNS_QUERIES) await one();
    }),
  );
  const secs = (performance.now() - t0) / 1000;
  sock.close();
  return { qps: lat.length / secs, p99: summarize(lat).p99 };
}

function backendOf(host: string, port: number, headers: Record<string, string> = {}): Promise<string | undefined> {
  return new Promise((resolve) => {
    const req = http.request({ host, port, path: '/', agent: false, headers: { connection: 'close', ...headers } }, (res) => {
      res.resume();
      resolve(res.headers['x-backend'] as string | undefined);
    });
    req.on('error', () => resolve(undefined));
    req.end();
  });
}

export async function run(): Promise<unknown> {
  const silent = pino({ level: 'silent' });
  const cluster = await startAdminCluster();
  const a = await startBackend('a', '127.0.0.2');
  const b = await startBackend('b', '127.0.0.3', a.port);
  const c = cluster.client;
  const svcPort = 20000 + (process.pid % 5000);
  await c.create(SERVICES, 'default', { metadata: { name: 'web' }, spec: { clusterIP: '10.96.77.7', ports: [{ name: 'http', port: svcPort, targetPort: a.port }] } } as KubeObject);
  const slice = (ip: string) => ({
    metadata: { name: 'web-bench', labels: { 'kubernetes.io/service-name': 'web' } },
    addressType: 'IPv4',
    ports: [{ name: 'http', port: a.port, protocol: 'TCP' }],
    endpoints: [{ addresses: [ip], conditions: { ready: true } }],
  });
  await c.create(ENDPOINT_SLICES, 'default', slice(a.ip) as KubeObject);
  await c.create(findByKind('networking.k8s.io', 'Ingress')!, 'default', {
    metadata: { name: 'bench' },
    spec: { rules: [{ host: 'bench.local', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port: { number: svcPort } } } }] } }] },
  } as KubeObject);
  const proxy = new ServiceProxy(c, { nodeName: 'bench', mode: 'userspace', nodeIP: '127.0.0.1', logger: silent });
  const ingress = new IngressController(c, { httpPort: 0, httpsPort: 0, host: '127.0.0.1', nodeAddress: '127.0.0.1', logger: silent });
  const dns = new ClusterDns(c, { listen: { host: '127.0.0.1', port: 0 }, upstreams: [], publish: false, logger: silent });
  await proxy.start();
  await ingress.start();
  await dns.start();
  const alias = '127.96.77.7';
  const ingPort = ingress.ports().http;
  try {
    const direct = await load(a.ip, a.port);
    const viaService = await load(alias, svcPort);
    const direct2 = await load(a.ip, a.port);
    const viaIngress = await load('127.0.0.1', ingPort, { host: 'bench.local' });
    const dnsRes = await dnsLoad(dns.listenAddress().udpPort);

    // Endpoint change → routing by it, for the proxy and the ingress.
    const proxySync: number[] = [];
    const ingressSync: number[] = [];
    let target = b;
    for (let i = 0; i < SYNC_ROUNDS; i++) {
      const cur = await c.get<KubeObject>(ENDPOINT_SLICES, 'default', 'web-bench');
      const t0 = performance.now();
      await c.update(ENDPOINT_SLICES, 'default', { ...cur, ...slice(target.ip), metadata: cur.metadata });
      let pDone = 0;
      let iDone = 0;
      for (let k = 0; k < 2000 && (!pDone || !iDone); k++) {
        if (!pDone && (await backendOf(alias, svcPort)) === target.name) pDone = performance.now() - t0;
        if (!iDone && (await backendOf('127.0.0.1', ingPort, { host: 'bench.local' })) === target.name) iDone = performance.now() - t0;
      }
      proxySync.push(pDone || NaN);
      ingressSync.push(iDone || NaN);
      target = target === b ? a : b;
    }
    const directRps = (direct.rps + direct2.rps) / 2;
    const results = {
      directRps,
      serviceRps: viaService.rps,
      serviceRatio: viaService.rps / directRps,
      ingressRps: viaIngress.rps,
      ingressRatio: viaIngress.rps / directRps,
      directP99Ms: Math.max(direct.p99, direct2.p99),
      serviceP99Ms: viaService.p99,
      ingressP99Ms: viaIngress.p99,
      dnsQps: dnsRes.qps,
      dnsP99Ms: dnsRes.p99,
      proxySyncMsMax: Math.max(...proxySync),
      ingressSyncMsMax: Math.max(...ingressSync),
    };
    printTable(`Network data paths (loopback, ${REQUESTS} requests × ${CONCURRENCY} concurrent, keep-alive)`, ['metric', 'value', 'target'], [
      ['direct to pod req/s', results.directRps, ''],
      ['via service (userspace) req/s', results.serviceRps, ''],
      ['service / direct', `${(results.serviceRatio * 100).toFixed(0)}%`, '≥ 90%'],
      ['via ingress req/s', results.ingressRps, ''],
      ['ingress / direct', `${(results.ingressRatio * 100).toFixed(0)}%`, '≥ 50%'],
      ['p99 ms direct / service / ingress', `${results.directP99Ms.toFixed(2)} / ${results.serviceP99Ms.toFixed(2)} / ${results.ingressP99Ms.toFixed(2)}`, ''],
      ['DNS queries/s (UDP)', results.dnsQps, ''],
      ['DNS p99 ms', results.dnsP99Ms, ''],
      ['endpoint change → proxy routes (max ms)', results.proxySyncMsMax, '< 1000'],
      ['endpoint change → ingress routes (max ms)', results.ingressSyncMsMax, '< 1000'],
    ]);
    console.log(`results: ${writeResults('network', results)}`);
    return results;
  } finally {
    await dns.stop();
    await ingress.stop();
    await proxy.stop();
    await a.close();
    await b.close();
    await cluster.stop();
  }
}

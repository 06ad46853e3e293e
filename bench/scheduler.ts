// Scheduler benchmark (scheduler_perf-style): pods created through the API server are scheduled
// and bound by the real Scheduler. In-process: API server (memory store), scheduler and load
// generator share this one Node.js process and thread, talking over the in-process transport —
// the same wiring `skiff server` uses. Reports pods/s (first create → last binding) and the
// creation→binding latency (client create sent → pod seen bound on a watch).
import pino from 'pino';
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { MemoryStore } from '../src/storage/memory.js';
import { ApiServer } from '../src/apiserver/server.js';
import { InProcessTransport } from '../src/client/inprocess-transport.js';
import { RestClient } from '../src/client/rest-client.js';
import { InformerFactory } from '../src/client/informer.js';
import type { ApiClient, KubeObject } from '../src/client/api.js';
import { findByKind } from '../src/api/registry.js';
import { Scheduler } from '../src/scheduler/scheduler.js';
import { printTable, summarize, writeResults } from './util.js';

const PODS = findByKind('', 'Pod')!;
const NODES = findByKind('', 'Node')!;
const ZONES = 10;
const silent = pino({ level: 'silent' });

type Variant = 'plain' | 'mixed';

export interface SchedulerRun {
  variant: Variant;
  nodes: number;
  pods: number;
  bound: number;
  podsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  seconds: number;
}

function node(i: number): Node & KubeObject {
  const name = `node-${i}`;
  const big = i % 4 === 0;
  const alloc = { cpu: big ? '32' : '16', memory: big ? '128Gi' : '64Gi', pods: '110' };
  const labels: Record<string, string> = { 'kubernetes.io/hostname': name, 'topology.kubernetes.io/zone': `zone-${i % ZONES}` };
  if (i % 3 === 0) labels.disk = 'ssd';
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels },
    spec: {},
    status: { capacity: alloc, allocatable: alloc, conditions: [{ type: 'Ready', status: 'True' }] },
  };
}

/** Plain: a small request. Mixed: a quarter each of varied requests, node selector, zone spread, host anti-affinity. */
function pod(i: number, variant: Variant): KubeObject {
  const base = { apiVersion: 'v1', kind: 'Pod', metadata: { name: `pod-${i}`, labels: { app: 'plain' } as Record<string, string> } };
  const container = (cpu: string, mem: string) => [{ name: 'c', image: 'pause', resources: { requests: { cpu, memory: mem } } }];
  if (variant === 'plain') return { ...base, spec: { containers: container('100m', '128Mi') } };
  switch (i % 4) {
    case 0:
      return { ...base, metadata: { ...base.metadata, labels: { app: 'sized' } }, spec: { containers: container(['50m', '100m', '250m', '500m'][i % 16 >> 2], ['64Mi', '256Mi', '512Mi', '1Gi'][(i >> 2) % 4]) } };
    case 1:
      return { ...base, metadata: { ...base.metadata, labels: { app: 'ssd' } }, spec: { nodeSelector: { disk: 'ssd' }, containers: container('100m', '128Mi') } };
    case 2: {
      const app = `spread-${(i >> 2) % 10}`;
      return {
        ...base,
        metadata: { ...base.metadata, labels: { app } },
        spec: {
          containers: container('100m', '128Mi'),
          topologySpreadConstraints: [{ maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { app } } }],
        },
      };
    }
    default: {
      // Groups of 20 pods that must not share a host.
      const app = `anti-${Math.floor(i / 80)}`;
      return {
        ...base,
        metadata: { ...base.metadata, labels: { app } },
        spec: {
          containers: container('100m', '128Mi'),
          affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: { app } } }] } },
        },
      };
    }
  }
}

async function inBatches(n: number, concurrency: number, fn: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (;;) {
        const i = next++;
        if (i >= n) return;
        await fn(i);
      }
    }),
  );
}

export async function runScenario(nodes: number, pods: number, variant: Variant, timeoutMs = 180_000): Promise<SchedulerRun> {
  const store = new MemoryStore();
  const api = new ApiServer({ store, logger: silent });
  await api.start();
  const mk = (username: string): ApiClient => new RestClient(new InProcessTransport(api.handler, { username, groups: ['system:masters'] }), { userAgent: username });
  const client = mk('bench');
  await inBatches(nodes, 50, (i) => client.create(NODES, undefined, node(i)));
  const schedClient = mk('system:kube-scheduler');
  const informers = new InformerFactory(schedClient);
  const scheduler = new Scheduler(schedClient, informers, { leaderElect: false, logger: silent });
  await scheduler.start();

  const sentAt = new Map<string, number>();
  const latencies: number[] = [];
  let lastBound = 0;
  let resolveAll!: () => void;
  const allBound = new Promise<void>((r) => (resolveAll = r));
  const watch = client.watch<Pod & KubeObject>(PODS, 'default', {}, {
    onEvent(ev) {
      const name = ev.object.metadata?.name;
      if (!name || !ev.object.spec?.nodeName) return;
      const t0 = sentAt.get(name);
      if (t0 === undefined) return;
      sentAt.delete(name);
      lastBound = performance.now();
      latencies.push(lastBound - t0);
      if (latencies.length === pods) resolveAll();
    },
    onClose() {},
  });
  const start = performance.now();
  const timeout = new Promise<void>((r) => setTimeout(r, timeoutMs).unref());
  await inBatches(pods, 32, async (i) => {
    const p = pod(i, variant);
    sentAt.set(p.metadata!.name!, performance.now());
    await client.create(PODS, 'default', p);
  });
  await Promise.race([allBound, timeout]);
  const seconds = ((lastBound || performance.now()) - start) / 1000;
  watch.stop();
  await scheduler.stop();
  informers.stop();
  await api.stop();
  await store.close();
  const s = summarize(latencies);
  return { variant, nodes, pods, bound: latencies.length, podsPerSec: latencies.length / seconds, p50Ms: s.p50, p99Ms: s.p99, seconds };
}

export async function run(): Promise<SchedulerRun[]> {
  const quick = process.env.SKIFF_BENCH_QUICK === '1';
  const plan: [number, number, Variant][] = quick
    ? [
        [100, 1000, 'plain'],
        [100, 1000, 'mixed'],
      ]
    : [
        [1000, 10_000, 'plain'],
        [1000, 10_000, 'mixed'],
        [100, 5000, 'plain'],
        [5000, 10_000, 'plain'],
      ];
  const results: SchedulerRun[] = [];
  for (const [n, p, v] of plan) {
    const r = await runScenario(n, p, v);
    results.push(r);
    console.error(`scheduler: ${v} ${p} pods on ${n} nodes: ${r.podsPerSec.toFixed(0)} pods/s, p99 ${r.p99Ms.toFixed(0)} ms (${r.bound} bound)`);
  }
  printTable(
    'Scheduler (in-process API server + scheduler, binding included; targets ≥1000 pods/s plain, ≥300 mixed)',
    ['variant', 'nodes', 'pods', 'bound', 'pods/s', 'p50 ms', 'p99 ms', 'seconds'],
    results.map((r) => [r.variant, r.nodes, r.pods, r.bound, r.podsPerSec, r.p50Ms, r.p99Ms, r.seconds]),
  );
  writeResults('scheduler', { mode: 'in-process', results });
  return results;
}

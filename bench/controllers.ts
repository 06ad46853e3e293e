// Controller benchmark: the controller manager, scheduler and hollow nodes (simulated runtime)
// against an in-process API server (memory store), as in `skiff server --simulated-nodes N`.
// Scenarios: a 1,000-replica Deployment from create to all available; a 100-replica rolling
// update (maxSurge 25%, maxUnavailable 25%); 1,000 one-pod Jobs to completion. API requests are
// counted by a wrapper around the request handler, per component, so "writes per pod" compares
// with upstream (about 3 writes per pod start: create, bind, status).
import pino from 'pino';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Deployment } from 'kubernetes-types/apps/v1.js';
import type { Job } from 'kubernetes-types/batch/v1.js';
import { MemoryStore } from '../src/storage/memory.js';
import { ApiServer } from '../src/apiserver/server.js';
import { InProcessTransport } from '../src/client/inprocess-transport.js';
import { RestClient } from '../src/client/rest-client.js';
import { InformerFactory } from '../src/client/informer.js';
import type { ApiClient, KubeObject } from '../src/client/api.js';
import type { HandlerRequest, RequestHandler, ResponseSink } from '../src/client/transport.js';
import { findByKind } from '../src/api/registry.js';
import { ControllerManager } from '../src/controllers/manager.js';
import { Scheduler } from '../src/scheduler/scheduler.js';
import { startSimulatedNodes } from '../src/agent/simulated-nodes.js';
import { printTable, writeResults } from './util.js';

const DEPLOYMENTS = findByKind('apps', 'Deployment')!;
const JOBS = findByKind('batch', 'Job')!;
const silent = pino({ level: 'silent' });
type Component = 'controllers' | 'scheduler' | 'nodes' | 'bench';

/** Requests seen by the API server, by component and verb class. */
class RequestCounter {
  readonly writes: Record<Component, number> = { controllers: 0, scheduler: 0, nodes: 0, bench: 0 };
  readonly reads: Record<Component, number> = { controllers: 0, scheduler: 0, nodes: 0, bench: 0 };
  /** Event writes (included in writes), reported apart: upstream components record events too. */
  readonly events: Record<Component, number> = { controllers: 0, scheduler: 0, nodes: 0, bench: 0 };
  /** "component METHOD resource[/subresource]" → count, for finding wasteful writes. */
  readonly byResource = new Map<string, number>();
  wrap(handler: RequestHandler, c: Component): RequestHandler {
    return (req: HandlerRequest, res: ResponseSink) => {
      if (req.method === 'GET') this.reads[c]++;
      else {
        this.writes[c]++;
        const path = req.url.split('?')[0].split('/');
        const nsAt = path.indexOf('namespaces');
        const rest = nsAt >= 0 && path.length > nsAt + 2 ? path.slice(nsAt + 2) : path.slice(-2);
        const resource = rest[0] + (rest[2] ? `/${rest[2]}` : '');
        if (rest[0] === 'events') this.events[c]++;
        const k = `${c} ${req.method} ${resource}`;
        this.byResource.set(k, (this.byResource.get(k) ?? 0) + 1);
        // Count refused writes (409 conflicts and the like) apart: they are retried, so they cost.
        const writeHead = res.writeHead.bind(res);
        res = {
          ...res,
          writeHead: (status, headers) => {
            if (status >= 400) this.byResource.set(`${k} ${status}`, (this.byResource.get(`${k} ${status}`) ?? 0) + 1);
            writeHead(status, headers);
          },
          write: res.write.bind(res),
          end: res.end.bind(res),
          onClose: res.onClose.bind(res),
        };
      }
      handler(req, res);
    };
  }
  snapshot(): { writes: Record<Component, number>; reads: Record<Component, number>; events: Record<Component, number>; byResource: Map<string, number> } {
    return { writes: { ...this.writes }, reads: { ...this.reads }, events: { ...this.events }, byResource: new Map(this.byResource) };
  }
}

function diff(a: Record<Component, number>, b: Record<Component, number>): Record<Component, number> {
  return { controllers: b.controllers - a.controllers, scheduler: b.scheduler - a.scheduler, nodes: b.nodes - a.nodes, bench: b.bench - a.bench };
}

async function until(what: string, fn: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await fn())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export interface ControllerResult {
  scenario: string;
  pods: number;
  seconds: number;
  podsPerSec: number;
  writesPerPod: number;
  /** Writes per pod without Event objects. */
  objectWritesPerPod: number;
  writes: Record<Component, number>;
  events: Record<Component, number>;
  /** Top writers: "component METHOD resource" → count. */
  top: Record<string, number>;
  reads: Record<Component, number>;
}

export async function run(): Promise<ControllerResult[]> {
  const quick = process.env.SKIFF_BENCH_QUICK === '1';
  const replicas = quick ? 200 : 1000;
  const jobs = quick ? 200 : 1000;
  const nodeCount = Math.ceil(replicas / 80) + 2;
  const store = new MemoryStore();
  const api = new ApiServer({ store, logger: silent });
  await api.start();
  const counter = new RequestCounter();
  const mk = (c: Component, username: string): ApiClient =>
    new RestClient(new InProcessTransport(counter.wrap(api.handler, c), { username, groups: ['system:masters'] }), { userAgent: username });
  const client = mk('bench', 'bench');
  const dataDir = mkdtempSync(join(tmpdir(), 'skiff-bench-ctrl-'));
  const cm = new ControllerManager(mk('controllers', 'system:kube-controller-manager'), { logger: silent });
  await cm.start();
  const schedClient = mk('scheduler', 'system:kube-scheduler');
  const informers = new InformerFactory(schedClient);
  const scheduler = new Scheduler(schedClient, informers, { leaderElect: false, logger: silent });
  await scheduler.start();
  const nodes = await startSimulatedNodes(mk('nodes', 'system:node'), nodeCount, { dataDir, logger: silent });
  const results: ControllerResult[] = [];
  // SKIFF_BENCH_SCENARIOS=deployment,rollout,jobs runs a subset (profiling one scenario).
  const only = process.env.SKIFF_BENCH_SCENARIOS?.split(',').map((s) => s.trim());
  const wanted = (s: string) => !only || only.includes(s);

  const measure = async (scenario: string, pods: number, body: () => Promise<void>) => {
    const before = counter.snapshot();
    const t0 = performance.now();
    await body();
    const seconds = (performance.now() - t0) / 1000;
    const after = counter.snapshot();
    const writes = diff(before.writes, after.writes);
    const reads = diff(before.reads, after.reads);
    const events = diff(before.events, after.events);
    const total = writes.controllers + writes.scheduler + writes.nodes;
    const eventTotal = events.controllers + events.scheduler + events.nodes;
    const top = [...after.byResource]
      .map(([k, v]) => [k, v - (before.byResource.get(k) ?? 0)] as const)
      .filter(([k, v]) => v > 0 && !k.startsWith('bench'))
      .sort((a, b) => b[1] - a[1])
      .slice(0, 14);
    const r = { scenario, pods, seconds, podsPerSec: pods / seconds, writesPerPod: total / pods, objectWritesPerPod: (total - eventTotal) / pods, writes, events, reads, top: Object.fromEntries(top) };
    results.push(r);
    console.error(`controllers: ${scenario}: ${seconds.toFixed(1)} s, ${(total / pods).toFixed(2)} writes/pod`);
  };
  const deployment = (name: string, n: number, image: string): Deployment & KubeObject => ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name },
    spec: {
      replicas: n,
      selector: { matchLabels: { app: name } },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } },
      template: { metadata: { labels: { app: name } }, spec: { terminationGracePeriodSeconds: 0, containers: [{ name: 'c', image, resources: { requests: { cpu: '10m' } } }] } },
    },
  });
  const available = (name: string, n: number, revision?: string) => async () => {
    const d = await client.get<Deployment & KubeObject>(DEPLOYMENTS, 'default', name);
    const st = d.status ?? {};
    return (
      (!revision || d.metadata?.annotations?.['deployment.kubernetes.io/revision'] === revision) &&
      st.observedGeneration === d.metadata?.generation &&
      st.updatedReplicas === n &&
      st.availableReplicas === n &&
      st.replicas === n
    );
  };

  try {
    if (wanted('deployment')) {
      await measure(`Deployment ${replicas} replicas: create → all available`, replicas, async () => {
        await client.create(DEPLOYMENTS, 'default', deployment('big', replicas, 'nginx:1'));
        await until('big available', available('big', replicas), 300_000);
      });
      await client.delete(DEPLOYMENTS, 'default', 'big', { propagationPolicy: 'Background' });
    }

    if (wanted('rollout')) {
      await client.create(DEPLOYMENTS, 'default', deployment('roll', 100, 'nginx:1'));
      await until('roll available', available('roll', 100), 120_000);
      await measure('Deployment 100 replicas: rolling update (25%/25%) end to end', 100, async () => {
        await client.patch(DEPLOYMENTS, 'default', 'roll', 'strategic', { spec: { template: { spec: { containers: [{ name: 'c', image: 'nginx:2' }] } } } });
        await until('roll updated', available('roll', 100, '2'), 300_000);
      });
    }

    if (wanted('jobs')) {
      await measure(`${jobs} Jobs of one pod: create → all complete`, jobs, async () => {
        // Watch for completions (polling a list of 1,000 Jobs every 100 ms cost the system under
        // test more CPU than some controllers).
        const complete = new Set<string>();
        let allComplete!: () => void;
        const done = new Promise<void>((r) => (allComplete = r));
        const watch = client.watch<Job & KubeObject>(JOBS, 'default', {}, {
          onEvent(ev) {
            const j = ev.object;
            if (j.status?.conditions?.some((c) => c.type === 'Complete' && c.status === 'True')) complete.add(j.metadata!.name!);
            if (complete.size === jobs) allComplete();
          },
          onClose() {},
        });
        let next = 0;
        await Promise.all(
          Array.from({ length: 16 }, async () => {
            for (let i = next++; i < jobs; i = next++) {
              const job: Job & KubeObject = {
                apiVersion: 'batch/v1',
                kind: 'Job',
                metadata: { name: `job-${i}` },
                spec: { template: { spec: { restartPolicy: 'Never', terminationGracePeriodSeconds: 0, containers: [{ name: 'c', image: 'busybox', command: ['true'] }] } } },
              };
              await client.create(JOBS, 'default', job);
            }
          }),
        );
        const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`timed out waiting for jobs: ${complete.size}/${jobs} complete`)), 300_000).unref());
        try {
          await Promise.race([done, timeout]);
        } finally {
          watch.stop();
        }
      });
    }
  } finally {
    await nodes.stop();
    await scheduler.stop();
    informers.stop();
    await cm.stop();
    await api.stop();
    await store.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
  printTable(
    `Controllers (in-process API server, controller manager, scheduler, ${nodeCount} hollow nodes)`,
    ['scenario', 'pods', 'seconds', 'pods/s', 'writes/pod', 'w/pod excl. events', 'ctrl w', 'sched w', 'node w', 'reads'],
    results.map((r) => [r.scenario, r.pods, r.seconds, r.podsPerSec, r.writesPerPod, r.objectWritesPerPod, r.writes.controllers, r.writes.scheduler, r.writes.nodes, r.reads.controllers + r.reads.scheduler + r.reads.nodes]),
  );
  for (const r of results) console.log(`  ${r.scenario}: top writers ${Object.entries(r.top).map(([k, v]) => `${k}=${v}`).join(', ')}`);
  writeResults('controllers', { mode: 'in-process', nodes: nodeCount, results });
  return results;
}

// A whole control plane in one process for controller/scheduler integration tests: the real API
// server (memory store, in-process transport), the controller manager, the scheduler and hollow
// nodes whose pods go Running/Ready (and whose Job pods complete, see the simulated runtime).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { findByKind, type ResourceType } from '../../src/api/registry.js';
import type { ApiClient, KubeObject } from '../../src/client/api.js';
import { InProcessTransport } from '../../src/client/inprocess-transport.js';
import { InformerFactory } from '../../src/client/informer.js';
import { RestClient } from '../../src/client/rest-client.js';
import { ControllerManager } from '../../src/controllers/manager.js';
import { Scheduler } from '../../src/scheduler/scheduler.js';
import { startSimulatedNodes, type SimulatedNodes } from '../../src/agent/simulated-nodes.js';
import { startTestCluster, type TestCluster } from './cluster.js';

export const RT = {
  pods: findByKind('', 'Pod')!,
  nodes: findByKind('', 'Node')!,
  namespaces: findByKind('', 'Namespace')!,
  events: findByKind('', 'Event')!,
  configmaps: findByKind('', 'ConfigMap')!,
  deployments: findByKind('apps', 'Deployment')!,
  replicasets: findByKind('apps', 'ReplicaSet')!,
  daemonsets: findByKind('apps', 'DaemonSet')!,
  controllerrevisions: findByKind('apps', 'ControllerRevision')!,
  jobs: findByKind('batch', 'Job')!,
  cronjobs: findByKind('batch', 'CronJob')!,
};

/** A kubernetes-types object usable where the client wants a KubeObject. */
export type K<T> = T & KubeObject;

export interface ControlPlane extends TestCluster {
  controllers?: ControllerManager;
  scheduler?: Scheduler;
  nodes?: SimulatedNodes;
  dataDir: string;
  /** Adds hollow nodes named <prefix>-<i>. */
  addNodes(count: number, prefix: string): Promise<SimulatedNodes>;
}

const silent = pino({ level: process.env.SKIFF_LOG_LEVEL ?? 'silent' });

function clientAs(c: TestCluster, username: string): ApiClient {
  return new RestClient(new InProcessTransport(c.api.handler, { username, groups: ['system:masters'] }), { userAgent: username });
}

export async function startControlPlane(opts: { nodes?: number; controllers?: boolean | string[]; scheduler?: boolean } = {}): Promise<ControlPlane> {
  const cluster = await startTestCluster();
  const dataDir = mkdtempSync(join(tmpdir(), 'skiff-cp-'));
  let controllers: ControllerManager | undefined;
  let scheduler: Scheduler | undefined;
  let schedInformers: InformerFactory | undefined;
  const extra: SimulatedNodes[] = [];
  if (opts.controllers !== false) {
    controllers = new ControllerManager(clientAs(cluster, 'system:kube-controller-manager'), {
      leaderElect: false,
      logger: silent,
      controllers: Array.isArray(opts.controllers) ? opts.controllers : undefined,
    });
    await controllers.start();
  }
  if (opts.scheduler !== false) {
    const sc = clientAs(cluster, 'system:kube-scheduler');
    schedInformers = new InformerFactory(sc);
    scheduler = new Scheduler(sc, schedInformers, { leaderElect: false, logger: silent, podInitialBackoffMs: 100, podMaxBackoffMs: 1000 });
    await scheduler.start();
  }
  const nodes = opts.nodes ? await startSimulatedNodes(clientAs(cluster, 'system:node'), opts.nodes, { dataDir, logger: silent }) : undefined;
  return {
    ...cluster,
    controllers,
    scheduler,
    nodes,
    dataDir,
    async addNodes(count, prefix) {
      const n = await startSimulatedNodes(clientAs(cluster, 'system:node'), count, { dataDir, logger: silent, prefix });
      extra.push(n);
      return n;
    },
    async stop() {
      for (const n of extra) await n.stop();
      await nodes?.stop();
      await scheduler?.stop();
      schedInformers?.stop();
      await controllers?.stop();
      await cluster.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Polls `fn` until it returns a truthy value (returned) or the deadline passes (throws with the last value). */
export async function waitFor<T>(what: string, fn: () => Promise<T | undefined | false | null> | T | undefined | false | null, timeoutMs = 15_000, everyMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v as T;
      last = v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last: ${last instanceof Error ? last.message : JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export async function listItems<T>(client: ApiClient, rt: ResourceType, ns?: string, labelSelector?: string): Promise<K<T>[]> {
  return (await client.list<K<T>>(rt, ns, labelSelector ? { labelSelector } : {})).items;
}

export function podTemplate(labels: Record<string, string>, extra: Record<string, unknown> = {}) {
  return {
    metadata: { labels },
    spec: { containers: [{ name: 'app', image: 'nginx:1.25', ...extra }], terminationGracePeriodSeconds: 0 },
  };
}

export async function ensureNamespace(client: ApiClient, name: string): Promise<void> {
  await client.create(RT.namespaces, undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
}

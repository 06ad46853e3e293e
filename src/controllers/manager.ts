// The controller manager (kube-controller-manager): builds one shared InformerFactory, registers
// every controller on it, and runs each controller's workers. With leader election only the
// holder of Lease kube-system/kube-controller-manager runs controllers; losing the lease stops
// them, and winning it again starts a fresh set (new caches and queues).
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import pino from 'pino';
import type { ApiClient } from '../client/api.js';
import { realClock, type Clock } from '../client/clock.js';
import { ControllerRunner } from '../client/controller.js';
import { EventRecorder } from '../client/events.js';
import { InformerFactory } from '../client/informer.js';
import { LeaderElector } from '../client/leaderelection.js';
import type { Controller, ControllerContext } from './context.js';
import { DeploymentController } from './deployment/controller.js';
import { ReplicaSetController } from './replicaset.js';
import { CronJobController } from './cronjob.js';
import { DaemonSetController } from './daemonset.js';
import { GarbageCollector } from './garbagecollector.js';
import { JobController } from './job.js';
import { NamespaceController } from './namespace.js';
import { NodeIpamController } from './nodeipam.js';
import { ServiceAccountController } from './serviceaccount.js';
import { EndpointsController } from './endpoints.js';
import { EndpointSliceController } from './endpointslice.js';
import { EndpointSliceMirroringController } from './endpointslice-mirroring.js';
import { StatefulSetController } from './statefulset.js';
import { DisruptionController } from './disruption.js';
import { PersistentVolumeBinder } from './volumes/pv-binder.js';
import { LocalPathProvisioner } from './volumes/local-path-provisioner.js';
import { PvProtectionController } from './volumes/pv-protection.js';
import { PvcProtectionController } from './volumes/pvc-protection.js';
import { NodeLifecycleController, type NodeLifecycleOptions } from './nodelifecycle.js';
import { TaintEvictionController } from './taint-eviction.js';
import { PodGCController, type PodGCOptions } from './podgc.js';
import { RootCaPublisher } from './rootca-publisher.js';

export const LEASE_NAMESPACE = 'kube-system';
export const LEASE_NAME = 'kube-controller-manager';

/** Every controller the manager knows, by the name used in --controllers style selection. */
export const CONTROLLER_CONSTRUCTORS: Record<string, (ctx: ControllerContext, opts: ControllerManagerOptions) => Controller> = {
  replicaset: (ctx) => new ReplicaSetController(ctx),
  deployment: (ctx) => new DeploymentController(ctx),
  job: (ctx) => new JobController(ctx),
  cronjob: (ctx) => new CronJobController(ctx),
  daemonset: (ctx) => new DaemonSetController(ctx),
  garbagecollector: (ctx) => new GarbageCollector(ctx),
  namespace: (ctx) => new NamespaceController(ctx),
  serviceaccount: (ctx) => new ServiceAccountController(ctx),
  nodeipam: (ctx) => new NodeIpamController(ctx),
  endpoint: (ctx) => new EndpointsController(ctx),
  endpointslice: (ctx) => new EndpointSliceController(ctx),
  endpointslicemirroring: (ctx) => new EndpointSliceMirroringController(ctx),
  statefulset: (ctx) => new StatefulSetController(ctx),
  disruption: (ctx) => new DisruptionController(ctx),
  'persistentvolume-binder': (ctx) => new PersistentVolumeBinder(ctx),
  'local-path-provisioner': (ctx) => new LocalPathProvisioner(ctx),
  'pv-protection': (ctx) => new PvProtectionController(ctx),
  'pvc-protection': (ctx) => new PvcProtectionController(ctx),
  nodelifecycle: (ctx, o) => new NodeLifecycleController(ctx, o.nodeLifecycle),
  'taint-eviction-controller': (ctx) => new TaintEvictionController(ctx),
  podgc: (ctx, o) => new PodGCController(ctx, o.podGC),
  'root-ca-cert-publisher': (ctx, o) => new RootCaPublisher(ctx, { caPem: o.clusterCaPem }),
};

export interface ControllerManagerOptions {
  clock?: Clock;
  /** Leader-election identity; default "<hostname>_<uuid>" as upstream. */
  identity?: string;
  /** Default false (a single server needs no election). */
  leaderElect?: boolean;
  /** Subset of CONTROLLER_CONSTRUCTORS keys to run; default all. */
  controllers?: string[];
  logger?: pino.Logger;
  /** Leader-election timings (seconds), defaults as upstream: 15 / 10 / 2. */
  leaseDurationSeconds?: number;
  renewDeadlineSeconds?: number;
  retryPeriodSeconds?: number;
  /** Cluster CA certificate (PEM) that root-ca-cert-publisher puts in every namespace's kube-root-ca.crt. */
  clusterCaPem?: string;
  /** Node health timings (upstream --node-monitor-grace-period etc.); defaults as upstream. */
  nodeLifecycle?: NodeLifecycleOptions;
  /** Pod GC tuning (upstream --terminated-pod-gc-threshold); defaults as upstream. */
  podGC?: PodGCOptions;
}

interface RunningSet {
  factory: InformerFactory;
  controllers: Controller[];
  runners: ControllerRunner[];
  recorders: EventRecorder[];
}

export class ControllerManager {
  private readonly clock: Clock;
  private readonly log: pino.Logger;
  private readonly identity: string;
  private elector?: LeaderElector;
  private current?: RunningSet;
  /** Serializes start/stop of controller sets (leadership may flap). */
  private transition: Promise<void> = Promise.resolve();
  private stopped = false;
  /** A factory still syncing, so stop() can cut a start that waits on an unreachable server. */
  private syncing?: InformerFactory;

  constructor(
    private readonly client: ApiClient,
    private readonly opts: ControllerManagerOptions = {},
  ) {
    this.clock = opts.clock ?? realClock;
    this.identity = opts.identity ?? `${hostname()}_${randomUUID()}`;
    this.log = (opts.logger ?? pino({ name: 'skiff', level: process.env.SKIFF_LOG_LEVEL ?? 'info' }, pino.destination(2))).child({
      component: 'controller-manager',
    });
  }

  /** The controllers currently running (empty while not leading). */
  controllers(): Controller[] {
    return this.current?.controllers ?? [];
  }

  isRunning(): boolean {
    return this.current !== undefined;
  }

  /**
   * Without leader election: start every controller and resolve once the caches are synced.
   * With it: start campaigning and resolve at once; controllers start when the lease is won.
   */
  async start(): Promise<void> {
    this.stopped = false;
    if (!this.opts.leaderElect) {
      await this.startControllers();
      return;
    }
    this.elector = new LeaderElector(this.client, {
      namespace: LEASE_NAMESPACE,
      name: LEASE_NAME,
      identity: this.identity,
      clock: this.clock,
      leaseDurationSeconds: this.opts.leaseDurationSeconds,
      renewDeadlineSeconds: this.opts.renewDeadlineSeconds,
      retryPeriodSeconds: this.opts.retryPeriodSeconds,
      onStartedLeading: () => {
        this.log.info({ identity: this.identity }, 'became leader; starting controllers');
        void this.startControllers().catch((e) => this.log.error({ err: String(e) }, 'starting controllers failed'));
      },
      onStoppedLeading: () => {
        this.log.warn({ identity: this.identity }, 'leader election lost; stopping controllers');
        this.syncing?.stop();
        void this.stopControllers();
      },
    });
    this.elector.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    const elector = this.elector;
    this.elector = undefined;
    this.syncing?.stop();
    await this.stopControllers();
    if (elector) await elector.stop();
  }

  private startControllers(): Promise<void> {
    return this.serialize(async () => {
      if (this.current || this.stopped) return;
      const factory = new InformerFactory(this.client, { clock: this.clock });
      const recorders: EventRecorder[] = [];
      const ctx: ControllerContext = {
        client: this.client,
        factory,
        clock: this.clock,
        logger: this.log,
        events: (component) => {
          const r = new EventRecorder(this.client, { component }, { clock: this.clock });
          recorders.push(r);
          return r;
        },
      };
      const names = this.opts.controllers ?? Object.keys(CONTROLLER_CONSTRUCTORS);
      const controllers = names.map((n) => {
        const make = CONTROLLER_CONSTRUCTORS[n];
        if (!make) throw new Error(`unknown controller "${n}"; known: ${Object.keys(CONTROLLER_CONSTRUCTORS).join(', ')}`);
        return make(ctx, this.opts);
      });
      // Handlers are registered (constructors above) before the informers start, so the initial
      // list reaches every controller; workers start only once the caches are synced.
      this.syncing = factory;
      await factory.start();
      this.syncing = undefined;
      const runners = controllers.map((c) => new ControllerRunner({ name: c.name, queue: c.queue, reconciler: c, workers: c.workers, logger: this.log }));
      this.current = { factory, controllers, runners, recorders };
      const lostLease = this.opts.leaderElect && !this.elector?.isLeader();
      if (this.stopped || lostLease) {
        await this.teardown();
        return;
      }
      for (const r of runners) r.start();
      this.log.info({ controllers: controllers.map((c) => c.name) }, 'controllers started');
    });
  }

  private stopControllers(): Promise<void> {
    return this.serialize(() => this.teardown());
  }

  /** Run after the previous transition; a failure is reported to the caller but keeps the chain going. */
  private serialize(fn: () => Promise<void>): Promise<void> {
    const next = this.transition.then(fn);
    this.transition = next.catch(() => undefined);
    return next;
  }

  private async teardown(): Promise<void> {
    const cur = this.current;
    if (!cur) return;
    this.current = undefined;
    cur.factory.stop();
    await Promise.all(cur.runners.map((r) => r.stop()));
    await Promise.all(cur.recorders.map((r) => r.flush()));
  }
}

// The scheduler: informers feed the cache and the queue; one loop pops a pod, runs a
// synchronous scheduling cycle on a fresh snapshot (filter, score, pick), assumes the pod on the
// chosen node and hands binding to an asynchronous binding cycle, so the next pod is scheduled
// before the previous binding returns. Failures go back to the queue with a FailedScheduling
// event and a PodScheduled=False condition; preemption runs as the PostFilter.
import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import pino from 'pino';
import type { Namespace, Node, PersistentVolume, PersistentVolumeClaim, Pod } from 'kubernetes-types/core/v1.js';
import type { PodDisruptionBudget } from 'kubernetes-types/policy/v1.js';
import type { PriorityClass } from 'kubernetes-types/scheduling/v1.js';
import type { StorageClass } from 'kubernetes-types/storage/v1.js';
import { findByKind } from '../api/registry.js';
import { isNotFound, type ApiClient, type KubeObject } from '../client/api.js';
import { realClock, type Clock } from '../client/clock.js';
import { EventRecorder } from '../client/events.js';
import type { InformerFactory, SharedInformer } from '../client/informer.js';
import { LeaderElector } from '../client/leaderelection.js';
import { Snapshot, SchedulerCache } from './cache.js';
import { Code, CycleState, Framework, type ClusterEvent, type Handle, type Status } from './framework.js';
import { ErrNoNodesAvailable, fitErrorMessage, truncateMessage, type Diagnosis } from './messages.js';
import type { NodeInfo } from './node-info.js';
import { Nominator } from './nominator.js';
import { newPodInfo, podFullName, podKey, type PodInfo } from './pod-info.js';
import { DefaultPreemption } from './preemption.js';
import { defaultProfile } from './profile.js';
import type { ScoringStrategy } from './plugins/node-resources-fit.js';
import { SchedulingQueue, type QueuedPodInfo } from './queue.js';

export interface SchedulerOptions {
  schedulerName?: string;
  /** Random source for tie-breaking and preemption offsets (seedable in tests). */
  rng?: () => number;
  clock?: Clock;
  /** 0 or unset = upstream's adaptive percentage (50 - nodes/125, min 5%). */
  percentageOfNodesToScore?: number;
  /** Lease kube-system/kube-scheduler (default true, as kube-scheduler). */
  leaderElect?: boolean;
  identity?: string;
  scoringStrategy?: ScoringStrategy;
  /** How long a bound-but-unconfirmed assumed pod counts on its node (default 30 s). */
  assumedPodTTLMs?: number;
  podInitialBackoffMs?: number;
  podMaxBackoffMs?: number;
  logger?: pino.Logger;
}

const MIN_FEASIBLE_NODES_TO_FIND = 100;
const MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND = 5;
const SYSTEM_PRIORITY_CLASSES: Record<string, number> = { 'system-node-critical': 2000001000, 'system-cluster-critical': 2000000000 };

/** upstream numFeasibleNodesToFind. */
export function numFeasibleNodesToFind(numAllNodes: number, percentage = 0): number {
  if (numAllNodes < MIN_FEASIBLE_NODES_TO_FIND) return numAllNodes;
  let pct = percentage;
  if (pct <= 0) {
    pct = 50 - Math.trunc(numAllNodes / 125);
    if (pct < MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND) pct = MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND;
  }
  if (pct >= 100) return numAllNodes;
  const n = Math.trunc((numAllNodes * pct) / 100);
  return n < MIN_FEASIBLE_NODES_TO_FIND ? MIN_FEASIBLE_NODES_TO_FIND : n;
}

/** Highest total wins; ties are broken uniformly at random by reservoir sampling (as upstream). */
export function selectHost(nodes: NodeInfo[], totals: number[], rng: () => number): NodeInfo {
  let best = 0;
  let ties = 1;
  for (let i = 1; i < nodes.length; i++) {
    if (totals[i] > totals[best]) {
      best = i;
      ties = 1;
    } else if (totals[i] === totals[best]) {
      ties++;
      if (Math.floor(rng() * ties) === 0) best = i;
    }
  }
  return nodes[best];
}

type CycleResult = { node: string } | { diagnosis: Diagnosis; numAllNodes: number } | { error: Error };

const podsType = findByKind('', 'Pod')!;
const nodesType = findByKind('', 'Node')!;

function isAssigned(p: Pod): boolean {
  return !!p.spec?.nodeName;
}
function isTerminal(p: Pod): boolean {
  return p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed';
}

export class Scheduler {
  readonly schedulerName: string;
  readonly cache: SchedulerCache;
  readonly queue: SchedulingQueue;
  readonly framework: Framework;
  readonly nominator = new Nominator();
  private readonly snapshot = new Snapshot();
  private readonly clock: Clock;
  private readonly rng: () => number;
  private readonly log: pino.Logger;
  private readonly recorder: EventRecorder;
  private readonly pods: SharedInformer<Pod>;
  private readonly nodes: SharedInformer<Node>;
  private readonly pvcs: SharedInformer<PersistentVolumeClaim>;
  private readonly pvs: SharedInformer<PersistentVolume>;
  private readonly storageClasses: SharedInformer<StorageClass>;
  private readonly namespaces: SharedInformer<Namespace>;
  private readonly priorityClasses: SharedInformer<PriorityClass>;
  private readonly pdbs: SharedInformer<PodDisruptionBudget>;
  private elector?: LeaderElector;
  private nextStartNodeIndex = 0;
  private running = false;
  private loopDone?: Promise<void>;
  private cleanupTimer?: unknown;
  private readonly bindings = new Set<Promise<void>>();

  constructor(
    private readonly client: ApiClient,
    private readonly informers: InformerFactory,
    private readonly opts: SchedulerOptions = {},
  ) {
    this.schedulerName = opts.schedulerName ?? 'default-scheduler';
    this.clock = opts.clock ?? realClock;
    this.rng = opts.rng ?? Math.random;
    this.log = (opts.logger ?? pino({ name: 'skiff', level: process.env.SKIFF_LOG_LEVEL ?? 'info' }, pino.destination(2))).child({
      component: 'scheduler',
    });
    this.recorder = new EventRecorder(client, { component: this.schedulerName }, { clock: this.clock });
    this.pods = informers.informerFor<Pod>(podsType);
    this.nodes = informers.informerFor<Node>(nodesType);
    this.pvcs = informers.informerFor<PersistentVolumeClaim>(findByKind('', 'PersistentVolumeClaim')!);
    this.pvs = informers.informerFor<PersistentVolume>(findByKind('', 'PersistentVolume')!);
    this.storageClasses = informers.informerFor<StorageClass>(findByKind('storage.k8s.io', 'StorageClass')!);
    this.namespaces = informers.informerFor<Namespace>(findByKind('', 'Namespace')!);
    this.priorityClasses = informers.informerFor<PriorityClass>(findByKind('scheduling.k8s.io', 'PriorityClass')!);
    this.pdbs = informers.informerFor<PodDisruptionBudget>(findByKind('policy', 'PodDisruptionBudget')!);

    this.cache = new SchedulerCache({ clock: this.clock, assumedTTLMs: opts.assumedPodTTLMs });
    const handle: Handle = {
      snapshot: () => this.snapshot,
      namespaceLabels: (ns) => this.namespaces.get(undefined, ns)?.metadata?.labels,
    };
    const profile = defaultProfile({
      schedulerName: this.schedulerName,
      client,
      clock: this.clock,
      handle,
      scoringStrategy: opts.scoringStrategy,
      volumes: {
        pvc: (ns, name) => this.pvcs.get(ns, name),
        pv: (name) => this.pvs.get(undefined, name),
        pvs: () => this.pvs.list(),
        storageClass: (name) => this.storageClasses.get(undefined, name),
      },
    });
    this.framework = new Framework(profile);
    profile.postFilter.push(
      new DefaultPreemption({
        framework: this.framework,
        filterWithNominated: (state, pod, node) => this.filterWithNominated(state, pod, node),
        pdbs: () => this.pdbs.list(),
        rng: this.rng,
        nominatedPods: (node) => this.nominator.podsFor(node),
        evict: (victim, preemptor, node) => this.evict(victim, preemptor, node),
        clearNomination: (p) => this.patchStatus(p.pod, { nominatedNodeName: null }),
      }),
    );
    const pluginEvents = new Map<string, ClusterEvent[]>();
    for (const p of this.framework.plugins()) pluginEvents.set(p.name, p.events?.() ?? []);
    this.queue = new SchedulingQueue({
      clock: this.clock,
      initialBackoffMs: opts.podInitialBackoffMs,
      maxBackoffMs: opts.podMaxBackoffMs,
      pluginEvents,
    });
    this.registerHandlers();
  }

  /** Syncs the informers, then schedules (after winning the lease when leader election is on). */
  async start(): Promise<void> {
    await this.informers.start();
    if (this.opts.leaderElect ?? true) {
      this.elector = new LeaderElector(this.client, {
        namespace: 'kube-system',
        name: 'kube-scheduler',
        identity: this.opts.identity ?? `${hostname()}_${randomUUID()}`,
        clock: this.clock,
        onStartedLeading: () => this.startScheduling(),
        onStoppedLeading: () => {
          this.log.warn('leader election lost; scheduling stopped');
          void this.stopScheduling();
        },
      });
      this.elector.run();
    } else this.startScheduling();
  }

  async stop(): Promise<void> {
    for (const pl of this.framework.plugins()) (pl as { close?: () => void }).close?.();
    await this.stopScheduling();
    if (this.elector) await this.elector.stop();
    await Promise.allSettled([...this.bindings]);
    await this.recorder.flush();
  }

  private startScheduling(): void {
    if (this.running) return;
    this.running = true;
    this.queue.run();
    const cleanup = () => {
      for (const key of this.cache.cleanupExpiredAssumedPods()) this.log.warn({ pod: key }, 'assumed pod expired');
      if (this.running) this.cleanupTimer = this.clock.setTimeout(cleanup, 1000);
    };
    this.cleanupTimer = this.clock.setTimeout(cleanup, 1000);
    this.loopDone = this.loop();
    this.log.info({ schedulerName: this.schedulerName }, 'scheduler started');
  }

  private async stopScheduling(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    if (this.cleanupTimer !== undefined) this.clock.clearTimeout(this.cleanupTimer);
    this.queue.close();
    await this.loopDone;
  }

  private async loop(): Promise<void> {
    let lastYield = Date.now();
    while (this.running) {
      const q = await this.queue.pop();
      if (!q) break;
      try {
        await this.scheduleOne(q);
      } catch (e) {
        this.log.error({ err: (e as Error).message, pod: podFullName(q.podInfo.pod) }, 'scheduling cycle failed');
        this.queue.done(q.podInfo.key);
      }
      // Let I/O (watch events, binding answers) through regularly when the queue stays full.
      if (Date.now() - lastYield > 10) {
        await new Promise<void>((r) => setImmediate(r));
        lastYield = Date.now();
      }
    }
  }

  // ---- informer wiring ----------------------------------------------------------------

  private responsible(p: Pod): boolean {
    return (p.spec?.schedulerName ?? 'default-scheduler') === this.schedulerName;
  }

  private priorityOf(p: Pod): number {
    if (typeof p.spec?.priority === 'number') return p.spec.priority;
    const cls = p.spec?.priorityClassName;
    if (cls) {
      const pc = this.priorityClasses.get(undefined, cls);
      if (pc) return pc.value;
      if (cls in SYSTEM_PRIORITY_CLASSES) return SYSTEM_PRIORITY_CLASSES[cls];
      return 0;
    }
    const def = this.priorityClasses.list().find((c) => c.globalDefault);
    return def?.value ?? 0;
  }

  private podInfo(p: Pod): PodInfo {
    return newPodInfo(p, this.priorityOf(p));
  }

  private move(resource: ClusterEvent['resource'], action: ClusterEvent['action']): void {
    if (this.queue.counts().unschedulable > 0) this.queue.moveAllToActiveOrBackoff({ resource, action });
  }

  private syncNomination(pi: PodInfo): void {
    const nnn = pi.pod.status?.nominatedNodeName;
    if (nnn) this.nominator.add(pi, nnn);
    else this.nominator.delete(pi.key);
  }

  private registerHandlers(): void {
    this.pods.addEventHandler({
      onAdd: (p) => {
        if (isAssigned(p)) {
          if (isTerminal(p)) return;
          this.cache.addPod(this.podInfo(p));
          this.move('AssignedPod', 'Add');
        } else if (this.responsible(p) && !p.metadata?.deletionTimestamp && !isTerminal(p)) {
          const pi = this.podInfo(p);
          this.syncNomination(pi);
          this.queue.add(pi);
        }
      },
      onUpdate: (old, p) => {
        const key = podKey(p);
        if (isAssigned(p)) {
          if (!isAssigned(old)) {
            this.queue.delete(key);
            this.nominator.delete(key);
          }
          if (isTerminal(p)) {
            if (this.cache.hasPod(key)) {
              this.cache.removePod(key);
              this.move('AssignedPod', 'Delete');
            }
            return;
          }
          const labelsChanged = JSON.stringify(old.metadata?.labels) !== JSON.stringify(p.metadata?.labels);
          this.cache.updatePod(this.podInfo(p));
          if (!isAssigned(old)) this.move('AssignedPod', 'Add');
          else if (labelsChanged) this.move('AssignedPod', 'Update');
        } else if (this.responsible(p)) {
          if (p.metadata?.deletionTimestamp || isTerminal(p)) {
            this.queue.delete(key);
            this.nominator.delete(key);
            return;
          }
          // Status writes for a pod we just assumed must not put it back in the queue.
          if (this.cache.isAssumed(key)) return;
          const pi = this.podInfo(p);
          this.syncNomination(pi);
          this.queue.update(pi);
        }
      },
      onDelete: (p) => {
        const key = podKey(p);
        if (isAssigned(p) || this.cache.hasPod(key)) {
          this.cache.removePod(key);
          this.move('AssignedPod', 'Delete');
        }
        this.queue.delete(key);
        this.nominator.delete(key);
      },
    });
    this.nodes.addEventHandler({
      onAdd: (n) => {
        this.cache.addNode(n);
        this.queue.nodeAdded();
        this.move('Node', 'Add');
      },
      onUpdate: (old, n) => {
        this.cache.updateNode(n);
        const relevant =
          JSON.stringify(old.metadata?.labels) !== JSON.stringify(n.metadata?.labels) ||
          JSON.stringify(old.spec) !== JSON.stringify(n.spec) ||
          JSON.stringify(old.status?.allocatable) !== JSON.stringify(n.status?.allocatable) ||
          JSON.stringify(old.status?.conditions?.map((c) => [c.type, c.status])) !== JSON.stringify(n.status?.conditions?.map((c) => [c.type, c.status]));
        if (relevant) this.move('Node', 'Update');
      },
      onDelete: (n) => {
        this.cache.removeNode(n);
        this.move('Node', 'Delete');
      },
    });
    const simple = (inf: SharedInformer<KubeObject>, resource: ClusterEvent['resource']) =>
      inf.addEventHandler({
        onAdd: () => this.move(resource, 'Add'),
        onUpdate: () => this.move(resource, 'Update'),
        onDelete: () => this.move(resource, 'Delete'),
      });
    simple(this.pvcs as unknown as SharedInformer<KubeObject>, 'PersistentVolumeClaim');
    simple(this.pvs as unknown as SharedInformer<KubeObject>, 'PersistentVolume');
    simple(this.storageClasses as unknown as SharedInformer<KubeObject>, 'StorageClass');
    simple(this.namespaces as unknown as SharedInformer<KubeObject>, 'Namespace');
    simple(this.pdbs as unknown as SharedInformer<KubeObject>, 'PodDisruptionBudget');
  }

  // ---- scheduling cycle ---------------------------------------------------------------

  private skipPod(p: Pod): boolean {
    if (p.metadata?.deletionTimestamp) return true;
    return this.cache.isAssumed(podKey(p)) || this.cache.hasPod(podKey(p));
  }

  /** Filters, adding higher-or-equal priority pods nominated to this node first (upstream two-pass). */
  filterWithNominated(state: CycleState, pod: PodInfo, node: NodeInfo): Status | undefined {
    if (this.nominator.size() === 0) return this.framework.runFilter(state, pod, node);
    const nominated = this.nominator.podsFor(node.name).filter((n) => n.key !== pod.key && n.priority >= pod.priority);
    if (nominated.length) {
      const withNom = node.clone();
      const s2 = state.clone();
      for (const n of nominated) {
        withNom.addPod(n);
        this.framework.runPreFilterAddPod(s2, pod, n, withNom);
      }
      const st = this.framework.runFilter(s2, pod, withNom);
      if (st) return st;
    }
    return this.framework.runFilter(state, pod, node);
  }

  private findNodesThatFit(state: CycleState, pi: PodInfo): { feasible: NodeInfo[]; diagnosis: Diagnosis } {
    const diagnosis: Diagnosis = { nodeToStatus: new Map(), unschedulablePlugins: new Set() };
    const all = this.snapshot.nodeInfoList;
    const pre = this.framework.runPreFilter(state, pi, this.snapshot);
    if (pre) {
      if (pre.code === Code.Error) throw new Error(`running PreFilter plugin ${pre.plugin}: ${pre.message()}`);
      for (const n of all) diagnosis.nodeToStatus.set(n.name, pre);
      diagnosis.preFilterMsg = pre.message();
      if (pre.plugin) diagnosis.unschedulablePlugins.add(pre.plugin);
      return { feasible: [], diagnosis };
    }
    // A pod that preempted is tried on its nominated node first.
    const nnn = pi.pod.status?.nominatedNodeName;
    if (nnn) {
      const ni = this.snapshot.get(nnn);
      if (ni && !this.filterWithNominated(state, pi, ni)) return { feasible: [ni], diagnosis };
    }
    const want = numFeasibleNodesToFind(all.length, this.opts.percentageOfNodesToScore);
    const feasible: NodeInfo[] = [];
    let processed = 0;
    for (let i = 0; i < all.length && feasible.length < want; i++) {
      const ni = all[(this.nextStartNodeIndex + i) % all.length];
      processed++;
      const st = this.filterWithNominated(state, pi, ni);
      if (!st) feasible.push(ni);
      else {
        if (st.code === Code.Error) throw new Error(`running Filter plugin ${st.plugin}: ${st.message()}`);
        diagnosis.nodeToStatus.set(ni.name, st);
        if (st.plugin) diagnosis.unschedulablePlugins.add(st.plugin);
      }
    }
    if (all.length) this.nextStartNodeIndex = (this.nextStartNodeIndex + processed) % all.length;
    return { feasible, diagnosis };
  }

  /** One synchronous scheduling decision on the current snapshot. */
  schedulePod(state: CycleState, pi: PodInfo): CycleResult {
    try {
      this.cache.updateSnapshot(this.snapshot);
      const numAllNodes = this.snapshot.numNodes();
      if (numAllNodes === 0) return { error: new Error(ErrNoNodesAvailable) };
      const { feasible, diagnosis } = this.findNodesThatFit(state, pi);
      if (feasible.length === 0) return { diagnosis, numAllNodes };
      if (feasible.length === 1) return { node: feasible[0].name };
      const totals = this.framework.runScore(state, pi, feasible, this.snapshot);
      return { node: selectHost(feasible, totals, this.rng).name };
    } catch (e) {
      return { error: e as Error };
    }
  }

  async scheduleOne(q: QueuedPodInfo): Promise<void> {
    const pi = q.podInfo;
    if (this.skipPod(pi.pod)) {
      this.queue.done(pi.key);
      return;
    }
    const cycle = this.queue.schedulingCycle();
    const state = new CycleState();
    const r = this.schedulePod(state, pi);
    if ('error' in r) return this.handleFailure(q, r.error.message, 'SchedulerError', cycle);
    if ('diagnosis' in r) {
      let nominated: string | undefined;
      for (const pf of this.framework.profile.postFilter) {
        const res = await pf.postFilter(state, pi, r.diagnosis.nodeToStatus, this.snapshot);
        r.diagnosis.postFilterMsg = res.status.message() || undefined;
        if (res.result?.nominatedNodeName !== undefined) nominated = res.result.nominatedNodeName;
        if (res.status.code === Code.Success) break;
      }
      return this.handleFailure(q, fitErrorMessage(r.numAllNodes, r.diagnosis), 'Unschedulable', cycle, r.diagnosis.unschedulablePlugins, nominated);
    }
    this.assumeAndBind(q, state, r.node, cycle);
  }

  private assumeAndBind(q: QueuedPodInfo, state: CycleState, node: string, cycle: number): void {
    const pi = q.podInfo;
    const assumedPod: Pod = { ...pi.pod, spec: { ...pi.pod.spec!, nodeName: node } };
    const assumed: PodInfo = { ...pi, pod: assumedPod };
    this.cache.assumePod(assumed, node);
    const rst = this.framework.runReserve(state, assumed, node);
    if (rst) {
      this.framework.runUnreserve(state, assumed, node);
      this.cache.forgetPod(pi.key);
      void this.handleFailure(q, rst.message(), 'SchedulerError', cycle);
      return;
    }
    this.nominator.delete(pi.key);
    const p = this.bindingCycle(q, state, assumed, node, cycle).finally(() => this.bindings.delete(p));
    this.bindings.add(p);
  }

  private async bindingCycle(q: QueuedPodInfo, state: CycleState, assumed: PodInfo, node: string, cycle: number): Promise<void> {
    let st = await this.framework.runPreBind(state, assumed, node);
    if (!st) st = await this.framework.runBind(state, assumed, node);
    if (!st) {
      this.cache.finishBinding(assumed.key);
      this.queue.done(assumed.key);
      this.recorder.event(assumed.pod as KubeObject, 'Normal', 'Scheduled', `Successfully assigned ${podFullName(assumed.pod)} to ${node}`);
      return;
    }
    this.framework.runUnreserve(state, assumed, node);
    this.cache.forgetPod(assumed.key);
    // The freed space may help other pods (upstream treats it as an assigned pod deletion).
    this.move('AssignedPod', 'Delete');
    if (isNotFound(st.cause)) {
      this.queue.done(assumed.key);
      return;
    }
    this.log.info({ pod: podFullName(assumed.pod), node, err: st.message() }, 'binding failed; retrying');
    await this.handleFailure(q, st.message(), 'SchedulerError', cycle);
  }

  /** Requeue, record the FailedScheduling event and the PodScheduled=False condition. */
  private async handleFailure(
    q: QueuedPodInfo,
    message: string,
    reason: 'Unschedulable' | 'SchedulerError',
    cycle: number,
    plugins: Set<string> = new Set(),
    nominatedNodeName?: string,
  ): Promise<void> {
    const key = q.podInfo.key;
    const ns = q.podInfo.namespace;
    const name = q.podInfo.pod.metadata!.name!;
    const latest = this.pods.get(ns, name);
    if (!latest || podKey(latest) !== key || isAssigned(latest) || latest.metadata?.deletionTimestamp) {
      this.queue.done(key);
      return;
    }
    const pi = this.podInfo(latest);
    q.podInfo = pi;
    q.unschedulablePlugins = reason === 'Unschedulable' ? plugins : new Set();
    q.noNodes = reason === 'SchedulerError' && message === ErrNoNodesAvailable;
    if (nominatedNodeName) this.nominator.add(pi, nominatedNodeName);
    else if (nominatedNodeName === '') this.nominator.delete(key);
    this.queue.addUnschedulableIfNotPresent(q, cycle);
    this.log.debug({ pod: `${ns}/${name}`, reason, message }, 'unable to schedule pod');
    this.recorder.event(latest as KubeObject, 'Warning', 'FailedScheduling', truncateMessage(message));

    const old = latest.status?.conditions?.find((c) => c.type === 'PodScheduled');
    const nnnChanged = nominatedNodeName !== undefined && (latest.status?.nominatedNodeName ?? '') !== nominatedNodeName;
    if (old && old.status === 'False' && old.reason === reason && old.message === message && !nnnChanged) return;
    const status: Record<string, unknown> = {
      conditions: [
        {
          type: 'PodScheduled',
          status: 'False',
          reason,
          message,
          lastProbeTime: null,
          lastTransitionTime: old?.status === 'False' && old.lastTransitionTime ? old.lastTransitionTime : new Date(this.clock.now()).toISOString().replace(/\.\d{3}Z$/, 'Z'),
        },
      ],
    };
    if (nnnChanged) status.nominatedNodeName = nominatedNodeName || null;
    await this.patchStatus(latest, status);
  }

  private async patchStatus(pod: Pod, status: Record<string, unknown>): Promise<void> {
    try {
      await this.client.patch(podsType, pod.metadata?.namespace, pod.metadata!.name!, 'strategic', { status }, { subresource: 'status' });
    } catch (e) {
      if (!isNotFound(e)) this.log.warn({ pod: podFullName(pod), err: (e as Error).message }, 'could not update pod status');
    }
  }

  private async evict(victim: PodInfo, preemptor: PodInfo, node: string): Promise<void> {
    const v = victim.pod;
    await this.patchStatus(v, {
      conditions: [
        {
          type: 'DisruptionTarget',
          status: 'True',
          reason: 'PreemptionByScheduler',
          message: `${this.schedulerName}: preempting to accommodate a higher priority pod`,
          lastTransitionTime: new Date(this.clock.now()).toISOString().replace(/\.\d{3}Z$/, 'Z'),
        },
      ],
    });
    try {
      await this.client.delete(podsType, v.metadata?.namespace, v.metadata!.name!, { preconditions: v.metadata?.uid ? { uid: v.metadata.uid } : undefined });
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
    this.recorder.event(v as KubeObject, 'Normal', 'Preempted', `Preempted by pod ${preemptor.pod.metadata?.uid ?? podFullName(preemptor.pod)} on node ${node}`);
  }

  /** Pods in flight in the binding cycle (tests, shutdown). */
  pendingBindings(): number {
    return this.bindings.size;
  }
}

// The node lifecycle controller (upstream node-lifecycle-controller): watches Nodes and their
// heartbeat Leases in kube-node-lease. A node whose lease and Ready heartbeat were not renewed for
// nodeMonitorGracePeriod gets its Ready/MemoryPressure/DiskPressure/PIDPressure conditions set to
// Unknown and its pods marked not ready. It keeps the condition taints in step: NoSchedule taints
// for not-ready / unreachable / pressure / unschedulable nodes, and NoExecute not-ready /
// unreachable taints (which the taint-eviction controller acts on), except in "master disruption"
// (every node down: more likely a control-plane or network problem than dead machines) or in a
// small zone that is mostly down, where upstream stops evicting.
import type { Lease } from 'kubernetes-types/coordination/v1.js';
import type { Node, NodeCondition, Pod, PodCondition, Taint } from 'kubernetes-types/core/v1.js';
import type pino from 'pino';
import { isNotFound, type KubeObject } from '../client/api.js';
import { clone, nodeNameIndexFunc, type SharedInformer } from '../client/informer.js';
import { WorkQueue } from '../client/workqueue.js';
import type { Controller, ControllerContext, EventSink } from './context.js';
import { NODES } from './kinds.js';
import { LEASES, PODS } from './resource-types.js';
import { parseTime, rfc3339 } from './timestamps.js';

export const NODE_LIFECYCLE_CONTROLLER = 'node-lifecycle-controller';
/** Upstream records node lifecycle events as "node-controller". */
const EVENT_COMPONENT = 'node-controller';
export const NODE_LEASE_NAMESPACE = 'kube-node-lease';
/** Pod informer index of spec.nodeName (shared with the taint-eviction controller). */
export const POD_NODE_NAME_INDEX = 'spec.nodeName';

export const TAINT_NOT_READY = 'node.kubernetes.io/not-ready';
export const TAINT_UNREACHABLE = 'node.kubernetes.io/unreachable';
export const TAINT_UNSCHEDULABLE = 'node.kubernetes.io/unschedulable';
export const TAINT_MEMORY_PRESSURE = 'node.kubernetes.io/memory-pressure';
export const TAINT_DISK_PRESSURE = 'node.kubernetes.io/disk-pressure';
export const TAINT_PID_PRESSURE = 'node.kubernetes.io/pid-pressure';
export const TAINT_NETWORK_UNAVAILABLE = 'node.kubernetes.io/network-unavailable';

/** Conditions the controller turns Unknown when the kubelet goes silent. */
const MONITORED_CONDITIONS = ['Ready', 'MemoryPressure', 'DiskPressure', 'PIDPressure'];
const STOPPED_REASON = 'NodeStatusUnknown';
const STOPPED_MESSAGE = 'Kubelet stopped posting node status.';
const NEVER_REASON = 'NodeStatusNeverUpdated';
const NEVER_MESSAGE = 'Kubelet never posted node status.';

/** NoSchedule taint keys this controller owns (upstream taint-nodes-by-condition). */
const NO_SCHEDULE_KEYS = [TAINT_NOT_READY, TAINT_UNREACHABLE, TAINT_MEMORY_PRESSURE, TAINT_DISK_PRESSURE, TAINT_PID_PRESSURE, TAINT_NETWORK_UNAVAILABLE, TAINT_UNSCHEDULABLE];

export interface NodeLifecycleOptions {
  /** How long a node may stay silent before it is marked Unknown. Default 40 s. */
  nodeMonitorGracePeriodMs?: number;
  /** The same for a node that never posted a Ready condition. Default 60 s. */
  nodeStartupGracePeriodMs?: number;
  /** How often node health is checked. Default 5 s. */
  nodeMonitorPeriodMs?: number;
  /** Share of not-ready nodes (with more than 2) from which a zone counts as partially disrupted. Default 0.55. */
  unhealthyZoneThreshold?: number;
  /** Zones up to this size stop evicting when partially disrupted. Default 50. */
  largeClusterSizeThreshold?: number;
}

type NodeObj = Node & KubeObject;
type PodObj = Pod & KubeObject;
type LeaseObj = Lease & KubeObject;
type ZoneState = 'Normal' | 'PartialDisruption' | 'FullDisruption';

/** What the controller last saw of a node, timed by its own clock (no trust in node clocks). */
interface NodeHealth {
  probeTimestamp: number;
  heartbeat?: string;
  leaseRenewMs?: number;
}

const MONITOR_KEY = 'monitor';
const NODE_KEY_PREFIX = 'node/';

function condition(node: Node, type: string): NodeCondition | undefined {
  return node.status?.conditions?.find((c) => c.type === type);
}

/** Zone of a node as upstream keys it: region and zone labels joined by ":\0:". */
export function zoneOf(node: Node): string {
  const l = node.metadata?.labels ?? {};
  const region = l['topology.kubernetes.io/region'] ?? l['failure-domain.beta.kubernetes.io/region'] ?? '';
  const zone = l['topology.kubernetes.io/zone'] ?? l['failure-domain.beta.kubernetes.io/zone'] ?? '';
  return region || zone ? `${region}:\x00:${zone}` : '';
}

/** The NoSchedule taint keys a node's conditions and spec call for. */
export function wantedNoScheduleKeys(node: Node): Set<string> {
  const want = new Set<string>();
  const ready = condition(node, 'Ready');
  if (ready?.status === 'False') want.add(TAINT_NOT_READY);
  if (ready?.status === 'Unknown') want.add(TAINT_UNREACHABLE);
  if (condition(node, 'MemoryPressure')?.status === 'True') want.add(TAINT_MEMORY_PRESSURE);
  if (condition(node, 'DiskPressure')?.status === 'True') want.add(TAINT_DISK_PRESSURE);
  if (condition(node, 'PIDPressure')?.status === 'True') want.add(TAINT_PID_PRESSURE);
  if (condition(node, 'NetworkUnavailable')?.status === 'True') want.add(TAINT_NETWORK_UNAVAILABLE);
  if (node.spec?.unschedulable) want.add(TAINT_UNSCHEDULABLE);
  return want;
}

/**
 * A node's taints with the controller-owned ones brought in line: NoSchedule keys as `noSchedule`
 * says; the NoExecute not-ready/unreachable pair as `noExecute` says (undefined = leave them).
 * Taints kept keep their timeAdded; new NoExecute ones get `now`.
 */
export function reconcileTaints(taints: Taint[], noSchedule: Set<string>, noExecute: Set<string> | undefined, now: number): Taint[] {
  const out: Taint[] = [];
  const has = (key: string, effect: string) => taints.some((t) => t.key === key && t.effect === effect);
  for (const t of taints) {
    if (t.effect === 'NoSchedule' && NO_SCHEDULE_KEYS.includes(t.key) && !noSchedule.has(t.key)) continue;
    if (noExecute && t.effect === 'NoExecute' && (t.key === TAINT_NOT_READY || t.key === TAINT_UNREACHABLE) && !noExecute.has(t.key)) continue;
    out.push(t);
  }
  for (const key of NO_SCHEDULE_KEYS) if (noSchedule.has(key) && !has(key, 'NoSchedule')) out.push({ key, effect: 'NoSchedule' });
  for (const key of [TAINT_NOT_READY, TAINT_UNREACHABLE]) {
    if (noExecute?.has(key) && !has(key, 'NoExecute')) out.push({ key, effect: 'NoExecute', timeAdded: rfc3339(now) });
  }
  return out;
}

/** Upstream ComputeZoneState: no ready node = full disruption; >2 and ≥ threshold not ready = partial. */
export function zoneState(nodes: Node[], unhealthyThreshold: number): ZoneState {
  let ready = 0;
  let notReady = 0;
  for (const n of nodes) {
    if (condition(n, 'Ready')?.status === 'True') ready++;
    else notReady++;
  }
  if (ready === 0 && notReady > 0) return 'FullDisruption';
  if (notReady > 2 && notReady / (ready + notReady) >= unhealthyThreshold) return 'PartialDisruption';
  return 'Normal';
}

export class NodeLifecycleController implements Controller {
  readonly name = NODE_LIFECYCLE_CONTROLLER;
  readonly queue: WorkQueue<string>;
  readonly workers = 1;
  private readonly nodes: SharedInformer<NodeObj>;
  private readonly leases: SharedInformer<LeaseObj>;
  private readonly pods: SharedInformer<PodObj>;
  private readonly events: EventSink;
  private readonly log: pino.Logger;
  private readonly graceMs: number;
  private readonly startupGraceMs: number;
  private readonly periodMs: number;
  private readonly unhealthyThreshold: number;
  private readonly largeCluster: number;
  private readonly health = new Map<string, NodeHealth>();
  /** Nodes seen by the monitor pass (for Registered/Removing events), with their last state. */
  private readonly known = new Map<string, NodeObj>();
  private allWereDisrupted = false;
  /** Nodes whose pods could not all be marked not ready; retried while the node stays not ready. */
  private readonly markPodsRetry = new Set<string>();

  constructor(
    private readonly ctx: ControllerContext,
    opts: NodeLifecycleOptions = {},
  ) {
    this.graceMs = opts.nodeMonitorGracePeriodMs ?? 40_000;
    this.startupGraceMs = opts.nodeStartupGracePeriodMs ?? 60_000;
    this.periodMs = opts.nodeMonitorPeriodMs ?? 5_000;
    this.unhealthyThreshold = opts.unhealthyZoneThreshold ?? 0.55;
    this.largeCluster = opts.largeClusterSizeThreshold ?? 50;
    this.queue = new WorkQueue<string>({ name: 'nodelifecycle', clock: ctx.clock });
    this.events = ctx.events(EVENT_COMPONENT);
    this.log = ctx.logger.child({ controller: NODE_LIFECYCLE_CONTROLLER });
    this.nodes = ctx.factory.informerFor(NODES);
    this.leases = ctx.factory.informerFor(LEASES, { namespace: NODE_LEASE_NAMESPACE });
    this.pods = ctx.factory.informerFor(PODS);
    this.pods.addIndexer(POD_NODE_NAME_INDEX, nodeNameIndexFunc);
    // Condition and spec changes (kubelet reports pressure, a cordon) retaint at once; health
    // itself is checked by the periodic monitor pass, as upstream.
    const onNode = (n: NodeObj) => this.queue.add(NODE_KEY_PREFIX + n.metadata!.name!);
    this.nodes.addEventHandler({ onAdd: onNode, onUpdate: (_o, n) => onNode(n) });
    this.queue.add(MONITOR_KEY);
  }

  async reconcile(key: string): Promise<void | { requeueAfterMs?: number }> {
    if (key === MONITOR_KEY) {
      await this.monitor();
      return { requeueAfterMs: this.periodMs };
    }
    if (key.startsWith(NODE_KEY_PREFIX)) {
      const node = this.nodes.get(undefined, key.slice(NODE_KEY_PREFIX.length));
      if (node) await this.applyTaints(node, undefined);
    }
  }

  /** One health pass over every node (upstream monitorNodeHealth). Failures are retried next pass. */
  private async monitor(): Promise<void> {
    const now = this.ctx.clock.now();
    const current: NodeObj[] = [];
    const seen = new Set<string>();
    for (const node of this.nodes.list()) {
      const name = node.metadata!.name!;
      seen.add(name);
      if (!this.known.has(name)) this.nodeEvent(node, 'RegisteredNode', `Node ${name} event: Registered Node ${name} in Controller`);
      this.known.set(name, node);
      let latest = node;
      try {
        latest = await this.updateHealth(node, now);
        await this.retryMarkPods(latest, now);
      } catch (e) {
        this.log.warn({ node: name, err: errText(e) }, 'updating node health failed; retrying next pass');
      }
      current.push(latest);
    }
    for (const [name, node] of [...this.known]) {
      if (seen.has(name)) continue;
      this.nodeEvent(node, 'RemovingNode', `Node ${name} event: Removing Node ${name} from Controller`);
      this.known.delete(name);
      this.health.delete(name);
      this.markPodsRetry.delete(name);
    }

    const zones = new Map<string, NodeObj[]>();
    for (const n of current) {
      const z = zoneOf(n);
      zones.set(z, [...(zones.get(z) ?? []), n]);
    }
    const states = new Map([...zones].map(([z, ns]) => [z, zoneState(ns, this.unhealthyThreshold)]));
    const allDisrupted = states.size > 0 && [...states.values()].every((s) => s === 'FullDisruption');
    if (allDisrupted && !this.allWereDisrupted) {
      this.log.warn('all nodes are not ready; entering master disruption mode (no evictions)');
    } else if (!allDisrupted && this.allWereDisrupted) {
      // Nodes were silent because of a control-plane or network outage: give every node a full
      // grace period before judging it again.
      this.log.info('some nodes are ready again; exiting master disruption mode');
      for (const h of this.health.values()) h.probeTimestamp = now;
    }
    this.allWereDisrupted = allDisrupted;

    for (const node of current) {
      const z = zoneOf(node);
      const stopped = states.get(z) === 'PartialDisruption' && (zones.get(z)?.length ?? 0) <= this.largeCluster;
      let noExecute: Set<string> | undefined;
      const ready = condition(node, 'Ready')?.status;
      if (allDisrupted || ready === 'True') noExecute = new Set();
      else if (!stopped) noExecute = new Set([ready === 'False' ? TAINT_NOT_READY : TAINT_UNREACHABLE]);
      try {
        await this.applyTaints(node, noExecute);
      } catch (e) {
        this.log.warn({ node: node.metadata?.name, err: errText(e) }, 'updating node taints failed; retrying next pass');
      }
    }
  }

  /**
   * Notes heartbeats (Ready.lastHeartbeatTime, Lease renewTime) by the controller's clock; past
   * the grace period turns the monitored conditions Unknown. Returns the node as it now is.
   */
  private async updateHealth(node: NodeObj, now: number): Promise<NodeObj> {
    const name = node.metadata!.name!;
    const ready = condition(node, 'Ready');
    const lease = this.leases.get(NODE_LEASE_NAMESPACE, name);
    const leaseRenewMs = parseTime(lease?.spec?.renewTime);
    let h = this.health.get(name);
    if (!h) {
      h = { probeTimestamp: now, heartbeat: ready?.lastHeartbeatTime, leaseRenewMs };
      this.health.set(name, h);
    } else {
      if (ready?.lastHeartbeatTime !== h.heartbeat) {
        h.heartbeat = ready?.lastHeartbeatTime;
        h.probeTimestamp = now;
      }
      if (leaseRenewMs !== undefined && (h.leaseRenewMs === undefined || leaseRenewMs > h.leaseRenewMs)) {
        h.leaseRenewMs = leaseRenewMs;
        h.probeTimestamp = now;
      }
    }
    const grace = ready ? this.graceMs : this.startupGraceMs;
    if (now <= h.probeTimestamp + grace) return node;

    const conds: NodeCondition[] = [...(node.status?.conditions ?? [])];
    let changed = false;
    for (const type of MONITORED_CONDITIONS) {
      const i = conds.findIndex((x) => x.type === type);
      if (i < 0) {
        conds.push({ type, status: 'Unknown', reason: NEVER_REASON, message: NEVER_MESSAGE, lastHeartbeatTime: node.metadata?.creationTimestamp, lastTransitionTime: rfc3339(now) });
        changed = true;
      } else if (conds[i].status !== 'Unknown') {
        // lastHeartbeatTime stays: it is the kubelet's, and the controller's own write must not look like one.
        conds[i] = { ...conds[i], status: 'Unknown', reason: STOPPED_REASON, message: STOPPED_MESSAGE, lastTransitionTime: rfc3339(now) };
        changed = true;
      }
    }
    if (!changed) return node;
    const next = { ...clone(node), status: { ...node.status, conditions: conds } } as NodeObj;
    this.log.info({ node: name, silentForMs: now - h.probeTimestamp }, 'node stopped posting status; marking it Unknown');
    const updated = await this.ctx.client.updateStatus<NodeObj>(NODES, undefined, next);
    h.heartbeat = condition(updated, 'Ready')?.lastHeartbeatTime;
    if (ready?.status === 'True') {
      this.nodeEvent(updated, 'NodeNotReady', `Node ${name} status is now: NodeNotReady`);
      this.markPodsRetry.add(name);
    }
    return updated;
  }

  /** Mark the pods of nodes that just went silent (or whose marking failed before) not ready. */
  private async retryMarkPods(node: NodeObj, now: number): Promise<void> {
    const name = node.metadata!.name!;
    if (!this.markPodsRetry.has(name)) return;
    if (condition(node, 'Ready')?.status === 'True') {
      this.markPodsRetry.delete(name);
      return;
    }
    await this.markPodsNotReady(name, now);
    this.markPodsRetry.delete(name);
  }

  /** Upstream MarkPodsNotReady: the kubelet is gone, so nobody else will say its pods aren't ready. */
  private async markPodsNotReady(nodeName: string, now: number): Promise<void> {
    for (const pod of this.pods.byIndex(POD_NODE_NAME_INDEX, nodeName)) {
      const ready = pod.status?.conditions?.find((c) => c.type === 'Ready');
      if (!ready || ready.status === 'False') continue;
      const conditions: PodCondition[] = (pod.status?.conditions ?? []).map((c) => (c.type === 'Ready' ? { ...c, status: 'False', lastTransitionTime: rfc3339(now) } : c));
      const next = { ...clone(pod), status: { ...pod.status, conditions } } as PodObj;
      try {
        await this.ctx.client.updateStatus(PODS, pod.metadata!.namespace, next);
      } catch (e) {
        if (isNotFound(e)) continue;
        throw e;
      }
      this.events.event(pod, 'Warning', 'NodeNotReady', 'Node is not ready');
    }
  }

  /** Write the node's controller-owned taints if they differ from what its state calls for. */
  private async applyTaints(node: NodeObj, noExecute: Set<string> | undefined): Promise<void> {
    const taints = node.spec?.taints ?? [];
    const want = reconcileTaints(taints, wantedNoScheduleKeys(node), noExecute, this.ctx.clock.now());
    if (JSON.stringify(want) === JSON.stringify(taints)) return;
    const next = clone(node);
    next.spec ??= {};
    if (want.length) next.spec.taints = want;
    else delete next.spec.taints;
    this.log.info({ node: node.metadata?.name, taints: want.map((t) => `${t.key}:${t.effect}`) }, 'updating node taints');
    await this.ctx.client.update(NODES, undefined, next);
  }

  private nodeEvent(node: NodeObj, reason: string, message: string): void {
    this.events.event(node, 'Normal', reason, message);
  }
}

function errText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

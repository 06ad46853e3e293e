// The scheduling queue (upstream's PriorityQueue): an active heap ordered by priority then
// arrival, a back-off heap (1 s doubling to 10 s by default) and a set of unschedulable pods
// that wait for a cluster event able to help them (or 5 minutes) before being retried.
import type { Clock } from '../client/clock.js';
import type { ClusterEvent } from './framework.js';
import { KeyedHeap } from './heap.js';
import type { PodInfo } from './pod-info.js';

export interface QueuedPodInfo {
  podInfo: PodInfo;
  /** Arrival (or last failure) time: orders equal priorities and starts the back-off. */
  timestamp: number;
  initialAttemptTimestamp?: number;
  attempts: number;
  /** Plugins that rejected the pod last time; empty after an error. */
  unschedulablePlugins: Set<string>;
  /**
   * The last attempt failed only because the cluster had no node at all. Such a pod retries as
   * soon as a node is added, without waiting out its back-off: nothing about the pod itself
   * failed (this is what delays the first pod of a freshly started cluster otherwise).
   */
  noNodes?: boolean;
}

export interface QueueOptions {
  clock: Clock;
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  /** Unschedulable pods are retried after this long even without a helpful event. */
  maxUnschedulableMs?: number;
  /** Which plugins registered interest in which cluster events. */
  pluginEvents?: Map<string, ClusterEvent[]>;
}

const eventKey = (e: ClusterEvent) => `${e.resource}/${e.action}`;

export class SchedulingQueue {
  private readonly clock: Clock;
  private readonly initialBackoffMs: number;
  private readonly maxBackoffMs: number;
  private readonly maxUnschedulableMs: number;
  private readonly active = new KeyedHeap<QueuedPodInfo>(
    (q) => q.podInfo.key,
    (a, b) => a.podInfo.priority > b.podInfo.priority || (a.podInfo.priority === b.podInfo.priority && a.timestamp < b.timestamp),
  );
  private readonly backoff = new KeyedHeap<QueuedPodInfo>(
    (q) => q.podInfo.key,
    (a, b) => this.backoffExpiry(a) < this.backoffExpiry(b),
  );
  private readonly unschedulable = new Map<string, QueuedPodInfo>();
  private readonly inFlight = new Map<string, QueuedPodInfo>();
  /** event key -> plugins interested */
  private readonly eventPlugins = new Map<string, Set<string>>();
  /** plugin -> scheduling cycle of the last event that could help pods it rejected */
  private readonly moveCycle = new Map<string, number>();
  private cycle = 0;
  private waiters: ((q: QueuedPodInfo | undefined) => void)[] = [];
  private closed = false;
  private backoffTimer?: unknown;
  private backoffTimerAt = Infinity;
  private leftoverTimer?: unknown;

  constructor(opts: QueueOptions) {
    this.clock = opts.clock;
    this.initialBackoffMs = opts.initialBackoffMs ?? 1000;
    this.maxBackoffMs = opts.maxBackoffMs ?? 10_000;
    this.maxUnschedulableMs = opts.maxUnschedulableMs ?? 5 * 60_000;
    for (const [plugin, events] of opts.pluginEvents ?? []) {
      for (const e of events) {
        const k = eventKey(e);
        if (!this.eventPlugins.has(k)) this.eventPlugins.set(k, new Set());
        this.eventPlugins.get(k)!.add(plugin);
      }
    }
  }

  /**
   * Starts handing out pods and the periodic flush of long-unschedulable pods (every 30 s, as
   * upstream). Pods keep accumulating while the queue is closed (e.g. not the leader).
   */
  run(): void {
    this.closed = false;
    this.armBackoffTimer();
    const tick = () => {
      this.flushUnschedulableLeftover();
      if (!this.closed) this.leftoverTimer = this.clock.setTimeout(tick, 30_000);
    };
    this.leftoverTimer = this.clock.setTimeout(tick, 30_000);
  }

  /** Stops handing out pods (pending pop() calls resolve undefined); the contents are kept. */
  close(): void {
    this.closed = true;
    if (this.leftoverTimer !== undefined) this.clock.clearTimeout(this.leftoverTimer);
    if (this.backoffTimer !== undefined) this.clock.clearTimeout(this.backoffTimer);
    this.backoffTimer = undefined;
    this.backoffTimerAt = Infinity;
    for (const w of this.waiters.splice(0)) w(undefined);
  }

  /** The current scheduling cycle (incremented by every pop). */
  schedulingCycle(): number {
    return this.cycle;
  }

  backoffDuration(attempts: number): number {
    let d = this.initialBackoffMs;
    for (let i = 1; i < attempts; i++) {
      if (d > this.maxBackoffMs - d) return this.maxBackoffMs;
      d += d;
    }
    return Math.min(d, this.maxBackoffMs);
  }

  private backoffExpiry(q: QueuedPodInfo): number {
    return q.timestamp + this.backoffDuration(q.attempts);
  }

  private isBackingOff(q: QueuedPodInfo): boolean {
    return q.attempts > 0 && this.backoffExpiry(q) > this.clock.now();
  }

  private contains(key: string): boolean {
    return this.active.has(key) || this.backoff.has(key) || this.unschedulable.has(key);
  }

  private pushActive(q: QueuedPodInfo): void {
    this.active.push(q);
    if (this.closed) return;
    const w = this.waiters.shift();
    if (w) w(this.take());
  }

  private pushBackoff(q: QueuedPodInfo): void {
    this.backoff.push(q);
    this.armBackoffTimer();
  }

  private armBackoffTimer(): void {
    const head = this.backoff.peek();
    if (!head || this.closed) return;
    const at = this.backoffExpiry(head);
    if (at >= this.backoffTimerAt && this.backoffTimer !== undefined) return;
    if (this.backoffTimer !== undefined) this.clock.clearTimeout(this.backoffTimer);
    this.backoffTimerAt = at;
    this.backoffTimer = this.clock.setTimeout(() => {
      this.backoffTimer = undefined;
      this.backoffTimerAt = Infinity;
      this.flushBackoffCompleted();
    }, at - this.clock.now());
  }

  /** Moves pods whose back-off has expired to the active queue. */
  flushBackoffCompleted(): void {
    const now = this.clock.now();
    for (;;) {
      const head = this.backoff.peek();
      if (!head || this.backoffExpiry(head) > now) break;
      this.backoff.pop();
      this.pushActive(head);
    }
    this.armBackoffTimer();
  }

  /** Retries pods that stayed unschedulable longer than maxUnschedulableMs. */
  flushUnschedulableLeftover(): void {
    const now = this.clock.now();
    const stale = [...this.unschedulable.values()].filter((q) => now - q.timestamp >= this.maxUnschedulableMs);
    for (const q of stale) this.moveOut(q);
  }

  /** A new pending pod. */
  add(pi: PodInfo): void {
    const key = pi.key;
    if (this.inFlight.has(key)) {
      this.inFlight.get(key)!.podInfo = pi;
      return;
    }
    if (this.contains(key)) return this.update(pi);
    const now = this.clock.now();
    this.pushActive({ podInfo: pi, timestamp: now, initialAttemptTimestamp: undefined, attempts: 0, unschedulablePlugins: new Set() });
  }

  /** A pending pod changed (labels, tolerations, …): retry it if it was unschedulable. */
  update(pi: PodInfo): void {
    const key = pi.key;
    const inActive = this.active.get(key);
    if (inActive) {
      inActive.podInfo = pi;
      this.active.push(inActive);
      return;
    }
    const inBackoff = this.backoff.get(key);
    if (inBackoff) {
      inBackoff.podInfo = pi;
      this.backoff.push(inBackoff);
      return;
    }
    const unsched = this.unschedulable.get(key);
    if (unsched) {
      const specChanged = JSON.stringify(unsched.podInfo.pod.spec) !== JSON.stringify(pi.pod.spec) ||
        JSON.stringify(unsched.podInfo.pod.metadata?.labels) !== JSON.stringify(pi.pod.metadata?.labels);
      unsched.podInfo = pi;
      if (specChanged) this.moveOut(unsched);
      return;
    }
    const flying = this.inFlight.get(key);
    if (flying) {
      flying.podInfo = pi;
      return;
    }
    this.add(pi);
  }

  delete(key: string): void {
    this.active.delete(key);
    this.backoff.delete(key);
    this.unschedulable.delete(key);
  }

  private take(): QueuedPodInfo | undefined {
    const q = this.active.pop();
    if (!q) return undefined;
    q.attempts++;
    q.initialAttemptTimestamp ??= this.clock.now();
    this.cycle++;
    this.inFlight.set(q.podInfo.key, q);
    return q;
  }

  /** Next pod to schedule; waits while the active queue is empty; undefined after close(). */
  pop(): Promise<QueuedPodInfo | undefined> {
    if (this.closed) return Promise.resolve(undefined);
    const q = this.take();
    if (q) return Promise.resolve(q);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Synchronous pop for callers that drain in batches. */
  tryPop(): QueuedPodInfo | undefined {
    return this.closed ? undefined : this.take();
  }

  /** The scheduling attempt for this pod ended (bound, failed or dropped). */
  done(key: string): void {
    this.inFlight.delete(key);
  }

  /**
   * Puts back a pod whose attempt failed in the cycle `podCycle`. Rejected pods wait in the
   * unschedulable set unless an event that could help arrived meanwhile; errors back off.
   */
  addUnschedulableIfNotPresent(q: QueuedPodInfo, podCycle: number): void {
    const key = q.podInfo.key;
    this.inFlight.delete(key);
    if (this.contains(key)) return;
    q.timestamp = this.clock.now();
    let moved = q.unschedulablePlugins.size === 0;
    for (const p of q.unschedulablePlugins) if ((this.moveCycle.get(p) ?? -1) >= podCycle) moved = true;
    if (moved) this.pushBackoff(q);
    else this.unschedulable.set(key, q);
  }

  /** A cluster event happened: retry unschedulable pods rejected by plugins it can help. */
  moveAllToActiveOrBackoff(event: ClusterEvent): void {
    const plugins = this.eventPlugins.get(eventKey(event)) ?? new Set<string>();
    for (const p of plugins) this.moveCycle.set(p, this.cycle);
    for (const q of [...this.unschedulable.values()]) {
      let helps = q.unschedulablePlugins.size === 0;
      for (const p of q.unschedulablePlugins) if (plugins.has(p)) helps = true;
      if (helps) this.moveOut(q);
    }
  }

  /** A node was added: pods that failed only for lack of any node are retried right away. */
  nodeAdded(): void {
    for (const q of [...this.backoff.values(), ...this.unschedulable.values()]) {
      if (!q.noNodes) continue;
      q.noNodes = false;
      this.backoff.delete(q.podInfo.key);
      this.unschedulable.delete(q.podInfo.key);
      this.pushActive(q);
    }
  }

  private moveOut(q: QueuedPodInfo): void {
    this.unschedulable.delete(q.podInfo.key);
    if (this.isBackingOff(q)) this.pushBackoff(q);
    else this.pushActive(q);
  }

  /** Queue sizes, for metrics and tests. */
  counts(): { active: number; backoff: number; unschedulable: number; inFlight: number } {
    return { active: this.active.size, backoff: this.backoff.size, unschedulable: this.unschedulable.size, inFlight: this.inFlight.size };
  }

  /** Where a pod currently is. */
  whereIs(key: string): 'active' | 'backoff' | 'unschedulable' | 'inFlight' | undefined {
    if (this.active.has(key)) return 'active';
    if (this.backoff.has(key)) return 'backoff';
    if (this.unschedulable.has(key)) return 'unschedulable';
    if (this.inFlight.has(key)) return 'inFlight';
    return undefined;
  }
}

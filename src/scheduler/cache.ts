// The scheduler cache: node infos fed by the node and (assigned) pod informers, plus pods the
// scheduler has assumed onto a node before the API confirmed the binding. Each cycle works on a
// Snapshot that is refreshed incrementally: only nodes changed since the last refresh are copied.
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import type { Clock } from '../client/clock.js';
import { NodeInfo } from './node-info.js';
import { PodIndex } from './pod-index.js';
import { type PodInfo } from './pod-info.js';

interface AssumedState {
  nodeName: string;
  bindingFinished: boolean;
  deadline?: number;
}

/** The per-cycle, read-only view of the cache. */
export class Snapshot {
  readonly nodeInfoMap = new Map<string, NodeInfo>();
  nodeInfoList: NodeInfo[] = [];
  havePodsWithAffinityList: NodeInfo[] = [];
  havePodsWithRequiredAntiAffinityList: NodeInfo[] = [];
  generation = 0;
  /** Indexes over all placed pods (the cache's, which matches the snapshot during a cycle). */
  podIndex = new PodIndex();
  private index = new Map<string, number>();

  get(name: string): NodeInfo | undefined {
    return this.nodeInfoMap.get(name);
  }

  numNodes(): number {
    return this.nodeInfoList.length;
  }

  /** Build a snapshot directly from node infos (tests, preemption what-ifs). */
  static of(infos: NodeInfo[]): Snapshot {
    const s = new Snapshot();
    for (const ni of infos) {
      s.nodeInfoMap.set(ni.name, ni);
      for (const pi of ni.pods) s.podIndex.add(pi, ni.name);
    }
    s.rebuildLists();
    return s;
  }

  /** @internal used by the cache */
  replace(name: string, ni: NodeInfo | undefined): boolean {
    const prev = this.nodeInfoMap.get(name);
    if (!ni) {
      this.nodeInfoMap.delete(name);
      return true;
    }
    this.nodeInfoMap.set(name, ni);
    const i = this.index.get(name);
    if (i === undefined || !prev) return true;
    this.nodeInfoList[i] = ni;
    // Membership of the affinity lists changed, or the list holds the old copy: rebuild those.
    return prev.podsWithAffinity.length > 0 || ni.podsWithAffinity.length > 0;
  }

  /** @internal */
  rebuildLists(full = true): void {
    if (full) {
      this.nodeInfoList = [...this.nodeInfoMap.values()];
      this.index = new Map(this.nodeInfoList.map((n, i) => [n.name, i]));
    }
    this.havePodsWithAffinityList = this.nodeInfoList.filter((n) => n.podsWithAffinity.length > 0);
    this.havePodsWithRequiredAntiAffinityList = this.nodeInfoList.filter((n) => n.podsWithRequiredAntiAffinity.length > 0);
  }
}

export class SchedulerCache {
  private nodes = new Map<string, NodeInfo>();
  /** pod key -> the node it counts on */
  private podStates = new Map<string, { nodeName: string; pod: Pod; pi: PodInfo }>();
  private assumed = new Map<string, AssumedState>();
  private dirty = new Set<string>();
  private nodeSetChanged = false;
  private generation = 0;
  private readonly index = new PodIndex();
  private readonly clock: Clock;
  private readonly assumedTTLMs: number;

  constructor(opts: { clock: Clock; assumedTTLMs?: number }) {
    this.clock = opts.clock;
    this.assumedTTLMs = opts.assumedTTLMs ?? 30_000;
  }

  private touch(name: string, ni: NodeInfo): void {
    ni.generation = ++this.generation;
    this.dirty.add(name);
  }

  private infoFor(name: string): NodeInfo {
    let ni = this.nodes.get(name);
    if (!ni) {
      ni = new NodeInfo();
      this.nodes.set(name, ni);
    }
    return ni;
  }

  addNode(node: Node): void {
    const name = node.metadata!.name!;
    const ni = this.infoFor(name);
    if (!ni.node) this.nodeSetChanged = true;
    ni.setNode(node);
    this.touch(name, ni);
  }

  updateNode(node: Node): void {
    this.addNode(node);
  }

  removeNode(node: Node): void {
    const name = node.metadata!.name!;
    const ni = this.nodes.get(name);
    if (!ni) return;
    // Pods still listed stay accounted on a node-less info until their deletes arrive.
    ni.node = undefined;
    if (ni.pods.length === 0) this.nodes.delete(name);
    this.nodeSetChanged = true;
    this.touch(name, ni);
  }

  private place(pi: PodInfo, nodeName: string): void {
    const ni = this.infoFor(nodeName);
    ni.addPod(pi);
    this.index.add(pi, nodeName);
    this.podStates.set(pi.key, { nodeName, pod: pi.pod, pi });
    this.touch(nodeName, ni);
  }

  private unplace(key: string): void {
    const st = this.podStates.get(key);
    if (!st) return;
    this.podStates.delete(key);
    this.index.remove(st.pi, st.nodeName);
    const ni = this.nodes.get(st.nodeName);
    if (!ni) return;
    ni.removePod(key);
    if (!ni.node && ni.pods.length === 0) {
      this.nodes.delete(st.nodeName);
      this.nodeSetChanged = true;
    }
    this.touch(st.nodeName, ni);
  }

  /** Counts the pod on nodeName now, before its binding is confirmed. */
  assumePod(pi: PodInfo, nodeName: string): void {
    if (this.podStates.has(pi.key)) throw new Error(`pod ${pi.key} is already in the cache`);
    this.place(pi, nodeName);
    this.assumed.set(pi.key, { nodeName, bindingFinished: false });
  }

  /** The bind call returned: from now on the assumption expires unless the informer confirms it. */
  finishBinding(key: string): void {
    const st = this.assumed.get(key);
    if (!st) return;
    st.bindingFinished = true;
    st.deadline = this.clock.now() + this.assumedTTLMs;
  }

  /** Undo an assumption (binding failed). */
  forgetPod(key: string): void {
    if (!this.assumed.has(key)) return;
    this.assumed.delete(key);
    this.unplace(key);
  }

  isAssumed(key: string): boolean {
    return this.assumed.has(key);
  }

  /** An assigned pod seen by the informer (confirms an assumption). */
  addPod(pi: PodInfo): void {
    const nodeName = pi.pod.spec?.nodeName;
    if (!nodeName) return;
    const st = this.podStates.get(pi.key);
    if (st) {
      this.assumed.delete(pi.key);
      // Replace the assumed copy by the real one (it may have landed elsewhere).
      this.unplace(pi.key);
    }
    this.place(pi, nodeName);
  }

  updatePod(pi: PodInfo): void {
    this.addPod(pi);
  }

  removePod(key: string): void {
    this.assumed.delete(key);
    this.unplace(key);
  }

  hasPod(key: string): boolean {
    return this.podStates.has(key);
  }

  /** Drop assumptions whose binding finished but was never confirmed. Returns the expired keys. */
  cleanupExpiredAssumedPods(): string[] {
    const now = this.clock.now();
    const expired: string[] = [];
    for (const [key, st] of this.assumed) {
      if (st.bindingFinished && st.deadline !== undefined && now >= st.deadline) expired.push(key);
    }
    for (const key of expired) this.forgetPod(key);
    return expired;
  }

  nodeCount(): number {
    let n = 0;
    for (const ni of this.nodes.values()) if (ni.node) n++;
    return n;
  }

  /** Brings the snapshot up to date, copying only the node infos changed since the last call. */
  updateSnapshot(snap: Snapshot): void {
    snap.podIndex = this.index;
    if (this.dirty.size === 0 && !this.nodeSetChanged) return;
    let rebuildAffinity = false;
    for (const name of this.dirty) {
      const ni = this.nodes.get(name);
      const changed = snap.replace(name, ni?.node ? ni.clone() : undefined);
      rebuildAffinity ||= changed;
      if (!ni?.node && !this.nodeSetChanged) this.nodeSetChanged = true;
    }
    if (this.nodeSetChanged) {
      // A node that exists in the snapshot map but came back into existence must be listed too.
      snap.rebuildLists(true);
    } else if (rebuildAffinity) snap.rebuildLists(false);
    this.dirty.clear();
    this.nodeSetChanged = false;
    snap.generation = this.generation;
  }
}

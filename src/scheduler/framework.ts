// The scheduling framework: plugin interfaces per extension point (shaped like upstream's
// k8s.io/kubernetes/pkg/scheduler/framework), the per-cycle state, and the runner that calls
// the enabled plugins in order. Filter and score calls are synchronous on purpose: a cycle
// runs without yielding, so the snapshot cannot change underneath it.
import type { NodeInfo } from './node-info.js';
import type { PodInfo } from './pod-info.js';
import type { Snapshot } from './cache.js';

export const MAX_NODE_SCORE = 100;

export enum Code {
  Success = 0,
  Error = 1,
  /** The node could become feasible (e.g. by preemption). */
  Unschedulable = 2,
  /** Preemption cannot help on this node. */
  UnschedulableAndUnresolvable = 3,
  /** The plugin has nothing to do for this pod (its Filter/Score are skipped). */
  Skip = 4,
}

export class Status {
  plugin?: string;
  /** The underlying error for Code.Error (e.g. an ApiError from a bind call). */
  cause?: unknown;
  constructor(
    readonly code: Code,
    readonly reasons: string[] = [],
  ) {}
  static unschedulable(...reasons: string[]): Status {
    return new Status(Code.Unschedulable, reasons);
  }
  static unresolvable(...reasons: string[]): Status {
    return new Status(Code.UnschedulableAndUnresolvable, reasons);
  }
  static error(msg: string): Status {
    return new Status(Code.Error, [msg]);
  }
  static skip(): Status {
    return new Status(Code.Skip);
  }
  withPlugin(name: string): this {
    this.plugin = name;
    return this;
  }
  isSuccess(): boolean {
    return this.code === Code.Success;
  }
  isRejected(): boolean {
    return this.code === Code.Unschedulable || this.code === Code.UnschedulableAndUnresolvable;
  }
  message(): string {
    return this.reasons.join(', ');
  }
}

/** `undefined` means success: the hot paths avoid allocating a Status per node. */
export type MaybeStatus = Status | undefined;

/** Per-cycle scratch space for plugins (PreFilter results read by Filter, etc.). */
export class CycleState {
  private data = new Map<string, unknown>();
  readonly skipFilter = new Set<string>();
  readonly skipScore = new Set<string>();
  /** Filter plugins not skipped, computed once per cycle (runFilter runs per node). */
  activeFilters?: { skipped: number; plugins: FilterPlugin[] };
  read<T>(key: string): T | undefined {
    return this.data.get(key) as T | undefined;
  }
  write(key: string, v: unknown): void {
    this.data.set(key, v);
  }
  /** Copies for what-if evaluation (preemption); values implementing clone() are deep-copied. */
  clone(): CycleState {
    const c = new CycleState();
    for (const [k, v] of this.data) {
      const cl = (v as { clone?: () => unknown } | undefined)?.clone;
      c.data.set(k, typeof cl === 'function' ? cl.call(v) : v);
    }
    for (const s of this.skipFilter) c.skipFilter.add(s);
    for (const s of this.skipScore) c.skipScore.add(s);
    return c;
  }
}

/** Kinds of cluster changes that may make an unschedulable pod schedulable. */
export type ClusterEventResource = 'Node' | 'AssignedPod' | 'PersistentVolumeClaim' | 'PersistentVolume' | 'StorageClass' | 'Namespace' | 'PodDisruptionBudget';
export type ClusterEventAction = 'Add' | 'Update' | 'Delete';
export interface ClusterEvent {
  resource: ClusterEventResource;
  action: ClusterEventAction;
}

/** Services plugins can use (the scheduler provides these). */
export interface Handle {
  snapshot(): Snapshot;
  namespaceLabels(namespace: string): Record<string, string> | undefined;
}

export interface Plugin {
  readonly name: string;
  /** Cluster events after which pods this plugin rejected are worth retrying. */
  events?(): ClusterEvent[];
}

export interface PreFilterPlugin extends Plugin {
  /** Return Skip to bypass this plugin's Filter for the pod; rejection fails the pod on every node. */
  preFilter(state: CycleState, pod: PodInfo, snapshot: Snapshot): MaybeStatus;
  /** Keep PreFilter state coherent when preemption adds/removes pods in a what-if. */
  addPod?(state: CycleState, pod: PodInfo, toAdd: PodInfo, node: NodeInfo): void;
  removePod?(state: CycleState, pod: PodInfo, toRemove: PodInfo, node: NodeInfo): void;
}

export interface FilterPlugin extends Plugin {
  filter(state: CycleState, pod: PodInfo, node: NodeInfo): MaybeStatus;
}

export interface NodeScore {
  node: NodeInfo;
  score: number;
}

export interface ScorePlugin extends Plugin {
  preScore?(state: CycleState, pod: PodInfo, nodes: NodeInfo[], snapshot: Snapshot): MaybeStatus;
  score(state: CycleState, pod: PodInfo, node: NodeInfo): number;
  /** Rewrites scores in place into 0..MAX_NODE_SCORE. */
  normalizeScore?(state: CycleState, pod: PodInfo, scores: NodeScore[]): void;
}

export interface ReservePlugin extends Plugin {
  reserve(state: CycleState, pod: PodInfo, nodeName: string): MaybeStatus;
  unreserve(state: CycleState, pod: PodInfo, nodeName: string): void;
}

export interface PreBindPlugin extends Plugin {
  preBind(state: CycleState, pod: PodInfo, nodeName: string): Promise<MaybeStatus>;
}

export interface BindPlugin extends Plugin {
  bind(state: CycleState, pod: PodInfo, nodeName: string): Promise<MaybeStatus>;
}

export interface PostFilterResult {
  nominatedNodeName?: string;
}

/** Node name -> why it was rejected. */
export type NodeToStatus = Map<string, Status>;

export interface PostFilterPlugin extends Plugin {
  postFilter(state: CycleState, pod: PodInfo, statuses: NodeToStatus, snapshot: Snapshot): Promise<{ result?: PostFilterResult; status: Status }>;
}

export interface WeightedScore {
  plugin: ScorePlugin;
  weight: number;
}

export interface Profile {
  schedulerName: string;
  preFilter: PreFilterPlugin[];
  filter: FilterPlugin[];
  postFilter: PostFilterPlugin[];
  score: WeightedScore[];
  reserve: ReservePlugin[];
  preBind: PreBindPlugin[];
  bind: BindPlugin[];
}

/** Runs a profile's plugins at each extension point. */
export class Framework {
  constructor(readonly profile: Profile) {}

  /** All plugins, once each (for event registration). */
  plugins(): Plugin[] {
    const p = this.profile;
    const all: Plugin[] = [...p.preFilter, ...p.filter, ...p.postFilter, ...p.score.map((s) => s.plugin), ...p.reserve, ...p.preBind, ...p.bind];
    return [...new Set(all)];
  }

  runPreFilter(state: CycleState, pod: PodInfo, snap: Snapshot): MaybeStatus {
    for (const pl of this.profile.preFilter) {
      const st = pl.preFilter(state, pod, snap);
      if (!st || st.code === Code.Success) continue;
      if (st.code === Code.Skip) {
        state.skipFilter.add(pl.name);
        continue;
      }
      return st.withPlugin(pl.name);
    }
    return undefined;
  }

  runFilter(state: CycleState, pod: PodInfo, node: NodeInfo): MaybeStatus {
    let active = state.activeFilters;
    if (!active || active.skipped !== state.skipFilter.size) {
      active = { skipped: state.skipFilter.size, plugins: this.profile.filter.filter((pl) => !state.skipFilter.has(pl.name)) };
      state.activeFilters = active;
    }
    for (const pl of active.plugins) {
      const st = pl.filter(state, pod, node);
      if (st && st.code !== Code.Success) return st.withPlugin(pl.name);
    }
    return undefined;
  }

  runPreFilterAddPod(state: CycleState, pod: PodInfo, toAdd: PodInfo, node: NodeInfo): void {
    for (const pl of this.profile.preFilter) if (!state.skipFilter.has(pl.name)) pl.addPod?.(state, pod, toAdd, node);
  }

  runPreFilterRemovePod(state: CycleState, pod: PodInfo, toRemove: PodInfo, node: NodeInfo): void {
    for (const pl of this.profile.preFilter) if (!state.skipFilter.has(pl.name)) pl.removePod?.(state, pod, toRemove, node);
  }

  /** Weighted sum of normalised plugin scores per node. */
  runScore(state: CycleState, pod: PodInfo, nodes: NodeInfo[], snap: Snapshot): number[] {
    const totals = new Array<number>(nodes.length).fill(0);
    // One NodeScore per node, reused by every plugin: scoring runs for hundreds of nodes per pod.
    let scores: NodeScore[] | undefined;
    for (const { plugin, weight } of this.profile.score) {
      if (plugin.preScore) {
        const st = plugin.preScore(state, pod, nodes, snap);
        if (st?.code === Code.Skip) {
          state.skipScore.add(plugin.name);
          continue;
        }
        if (st && st.code !== Code.Success) throw new Error(`${plugin.name} PreScore: ${st.message()}`);
      }
      if (!scores) scores = nodes.map((n) => ({ node: n, score: 0 }));
      for (let i = 0; i < nodes.length; i++) scores[i].score = plugin.score(state, pod, nodes[i]);
      plugin.normalizeScore?.(state, pod, scores);
      for (let i = 0; i < scores.length; i++) totals[i] += scores[i].score * weight;
    }
    return totals;
  }

  runReserve(state: CycleState, pod: PodInfo, nodeName: string): MaybeStatus {
    for (const pl of this.profile.reserve) {
      const st = pl.reserve(state, pod, nodeName);
      if (st && st.code !== Code.Success) return st.withPlugin(pl.name);
    }
    return undefined;
  }

  runUnreserve(state: CycleState, pod: PodInfo, nodeName: string): void {
    for (const pl of [...this.profile.reserve].reverse()) pl.unreserve(state, pod, nodeName);
  }

  async runPreBind(state: CycleState, pod: PodInfo, nodeName: string): Promise<MaybeStatus> {
    for (const pl of this.profile.preBind) {
      const st = await pl.preBind(state, pod, nodeName);
      if (st && st.code !== Code.Success) return st.withPlugin(pl.name);
    }
    return undefined;
  }

  async runBind(state: CycleState, pod: PodInfo, nodeName: string): Promise<MaybeStatus> {
    for (const pl of this.profile.bind) {
      const st = await pl.bind(state, pod, nodeName);
      if (st?.code === Code.Skip) continue;
      if (st && st.code !== Code.Success) return st.withPlugin(pl.name);
      return undefined;
    }
    return Status.error('no bind plugin bound the pod');
  }
}

/** upstream's DefaultNormalizeScore: scale so the max becomes MAX_NODE_SCORE, optionally reversed. */
export function defaultNormalizeScore(scores: NodeScore[], reverse: boolean): void {
  let max = 0;
  for (const s of scores) if (s.score > max) max = s.score;
  if (max === 0) {
    if (reverse) for (const s of scores) s.score = MAX_NODE_SCORE;
    return;
  }
  for (const s of scores) {
    let v = Math.trunc((MAX_NODE_SCORE * s.score) / max);
    if (reverse) v = MAX_NODE_SCORE - v;
    s.score = v;
  }
}


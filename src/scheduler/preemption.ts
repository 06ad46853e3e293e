// Default preemption (PostFilter), as upstream's DefaultPreemption: on nodes where preemption
// might help, remove all lower-priority pods, check the pod fits, then reprieve as many victims
// as possible (PDB-violating ones first); pick the node with the fewest PDB violations, then
// lowest top victim priority, lowest priority sum, fewest victims, latest start; evict the
// victims and nominate the node.
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { PodDisruptionBudget } from 'kubernetes-types/policy/v1.js';
import { Code, Status, type CycleState, type Framework, type NodeToStatus, type PostFilterPlugin, type PostFilterResult } from './framework.js';
import type { Snapshot } from './cache.js';
import type { NodeInfo } from './node-info.js';
import type { PodInfo } from './pod-info.js';
import { fitErrorMessage } from './messages.js';
import { labelSelectorMatcher } from './selectors.js';
import { DefaultPreemptionName } from './plugins/names.js';

export const ErrNotHelpful = 'Preemption is not helpful for scheduling';
export const ErrNoVictims = 'No preemption victims found for incoming pod';
const MIN_CANDIDATE_NODES_PERCENTAGE = 10;
const MIN_CANDIDATE_NODES_ABSOLUTE = 100;

export interface Victims {
  pods: PodInfo[];
  numPDBViolations: number;
}

export interface Candidate {
  node: string;
  victims: Victims;
}

/** What the evaluator needs from the scheduler. */
export interface PreemptionHost {
  framework: Framework;
  /** Filters including pods nominated to the node (as the scheduling cycle does). */
  filterWithNominated(state: CycleState, pod: PodInfo, node: NodeInfo): Status | undefined;
  pdbs(): PodDisruptionBudget[];
  rng(): number;
  /** Pods nominated onto a node (to clear lower-priority nominations). */
  nominatedPods(node: string): PodInfo[];
  /** Evict: DisruptionTarget condition, delete, Preempted event. */
  evict(victim: PodInfo, preemptor: PodInfo, node: string): Promise<void>;
  clearNomination(pod: PodInfo): Promise<void>;
}

function startTime(p: Pod): number {
  const t = p.status?.startTime ?? p.metadata?.creationTimestamp;
  return t ? Date.parse(t) : 0;
}

/** upstream MoreImportantPod: higher priority, then the one that started earlier. */
export function moreImportant(a: PodInfo, b: PodInfo): boolean {
  if (a.priority !== b.priority) return a.priority > b.priority;
  return startTime(a.pod) < startTime(b.pod);
}

/** Splits victims into those whose eviction would violate a PDB and those that would not. */
export function splitByPDBViolation(pods: PodInfo[], pdbs: PodDisruptionBudget[]): { violating: PodInfo[]; nonViolating: PodInfo[] } {
  const allowed = pdbs.map((p) => p.status?.disruptionsAllowed ?? 0);
  const violating: PodInfo[] = [];
  const nonViolating: PodInfo[] = [];
  for (const pi of pods) {
    const labels = pi.pod.metadata?.labels;
    let violated = false;
    if (labels && Object.keys(labels).length) {
      pdbs.forEach((pdb, i) => {
        if (pdb.metadata?.namespace !== pi.namespace) return;
        const sel = pdb.spec?.selector;
        // A nil or empty selector matches nothing here (upstream).
        if (!sel || (Object.keys(sel.matchLabels ?? {}).length === 0 && !sel.matchExpressions?.length)) return;
        if (!labelSelectorMatcher(sel)(labels)) return;
        if (pdb.status?.disruptedPods && pi.pod.metadata!.name! in pdb.status.disruptedPods) return;
        allowed[i]--;
        if (allowed[i] < 0) violated = true;
      });
    }
    (violated ? violating : nonViolating).push(pi);
  }
  return { violating, nonViolating };
}

/** upstream pickOneNodeForPreemption. */
export function pickOneNode(candidates: Candidate[]): Candidate | undefined {
  if (candidates.length === 0) return undefined;
  for (const c of candidates) if (c.victims.pods.length === 0) return c;
  const steps: ((c: Candidate) => number)[] = [
    (c) => -c.victims.numPDBViolations,
    (c) => -(c.victims.pods[0]?.priority ?? 0),
    (c) => -c.victims.pods.reduce((s, p) => s + p.priority + 2 ** 31, 0),
    (c) => -c.victims.pods.length,
    (c) => {
      // latest "earliest start time among the highest-priority victims"
      const top = c.victims.pods[0]?.priority;
      let earliest = Infinity;
      for (const p of c.victims.pods) if (p.priority === top) earliest = Math.min(earliest, startTime(p.pod));
      return earliest;
    },
  ];
  let rest = candidates;
  for (const score of steps) {
    let best = -Infinity;
    let next: Candidate[] = [];
    for (const c of rest) {
      const s = score(c);
      if (s > best) {
        best = s;
        next = [c];
      } else if (s === best) next.push(c);
    }
    rest = next;
    if (rest.length === 1) break;
  }
  return rest[0];
}

export class DefaultPreemption implements PostFilterPlugin {
  readonly name = DefaultPreemptionName;
  constructor(private readonly host: PreemptionHost) {}

  /** Returns why the pod may not preempt, or undefined when it may. */
  eligible(pod: PodInfo, statuses: NodeToStatus, snap: Snapshot): string | undefined {
    if (pod.pod.spec?.preemptionPolicy === 'Never') return 'not eligible due to preemptionPolicy=Never.';
    const nom = pod.pod.status?.nominatedNodeName;
    if (nom && statuses.get(nom)?.code !== Code.UnschedulableAndUnresolvable) {
      const ni = snap.get(nom);
      if (ni?.pods.some((p) => p.pod.metadata?.deletionTimestamp && p.priority < pod.priority))
        return 'not eligible due to a terminating pod on the nominated node.';
    }
    return undefined;
  }

  async postFilter(state: CycleState, pod: PodInfo, statuses: NodeToStatus, snap: Snapshot): Promise<{ result?: PostFilterResult; status: Status }> {
    // The "preemption: " prefix is the plugin's, as upstream's DefaultPreemption.PostFilter.
    const why = this.eligible(pod, statuses, snap);
    if (why) return { status: Status.unschedulable('preemption: ' + why) };
    const { candidates, statuses: nodeStatuses } = this.findCandidates(state, pod, statuses, snap);
    if (candidates.length === 0) {
      const msg = fitErrorMessage(nodeStatuses.size, { nodeToStatus: nodeStatuses, unschedulablePlugins: new Set() });
      return { result: { nominatedNodeName: '' }, status: Status.unschedulable('preemption: ' + msg) };
    }
    const best = pickOneNode(candidates)!;
    await this.prepare(best, pod);
    return { result: { nominatedNodeName: best.node }, status: new Status(Code.Success) };
  }

  /** Dry-runs preemption on the nodes where it might help. */
  findCandidates(state: CycleState, pod: PodInfo, statuses: NodeToStatus, snap: Snapshot): { candidates: Candidate[]; statuses: NodeToStatus } {
    const out: NodeToStatus = new Map();
    const potential: NodeInfo[] = [];
    for (const ni of snap.nodeInfoList) {
      const st = statuses.get(ni.name);
      if (st?.code === Code.UnschedulableAndUnresolvable) out.set(ni.name, Status.unresolvable(ErrNotHelpful));
      else potential.push(ni);
    }
    const candidates: Candidate[] = [];
    if (potential.length === 0) return { candidates, statuses: out };
    const n = potential.length;
    let want = Math.floor((n * MIN_CANDIDATE_NODES_PERCENTAGE) / 100);
    if (want < MIN_CANDIDATE_NODES_ABSOLUTE) want = MIN_CANDIDATE_NODES_ABSOLUTE;
    if (want > n) want = n;
    const offset = Math.floor(this.host.rng() * n);
    const pdbs = this.host.pdbs();
    for (let i = 0; i < n && candidates.length < want; i++) {
      const ni = potential[(offset + i) % n];
      const r = this.selectVictimsOnNode(state.clone(), pod, ni.clone(), pdbs);
      if ('status' in r) out.set(ni.name, r.status);
      else candidates.push({ node: ni.name, victims: r.victims });
    }
    return { candidates, statuses: out };
  }

  /** upstream SelectVictimsOnNode, on a private copy of the node and cycle state. */
  selectVictimsOnNode(state: CycleState, pod: PodInfo, ni: NodeInfo, pdbs: PodDisruptionBudget[]): { victims: Victims } | { status: Status } {
    const fw = this.host.framework;
    const potential: PodInfo[] = [];
    for (const p of [...ni.pods]) {
      if (p.priority < pod.priority) {
        potential.push(p);
        ni.removePod(p.key);
        fw.runPreFilterRemovePod(state, pod, p, ni);
      }
    }
    if (potential.length === 0) return { status: Status.unresolvable(ErrNoVictims) };
    const fits = () => this.host.filterWithNominated(state, pod, ni);
    const st = fits();
    if (st) return { status: st };
    potential.sort((a, b) => (moreImportant(a, b) ? -1 : moreImportant(b, a) ? 1 : 0));
    const { violating, nonViolating } = splitByPDBViolation(potential, pdbs);
    const victims: PodInfo[] = [];
    let numPDBViolations = 0;
    const reprieve = (p: PodInfo): boolean => {
      ni.addPod(p);
      fw.runPreFilterAddPod(state, pod, p, ni);
      if (fits()) {
        ni.removePod(p.key);
        fw.runPreFilterRemovePod(state, pod, p, ni);
        victims.push(p);
        return false;
      }
      return true;
    };
    for (const p of violating) if (!reprieve(p)) numPDBViolations++;
    for (const p of nonViolating) reprieve(p);
    victims.sort((a, b) => (moreImportant(a, b) ? -1 : moreImportant(b, a) ? 1 : 0));
    return { victims: { pods: victims, numPDBViolations } };
  }

  /** Evicts the victims and clears lower-priority nominations on the chosen node. */
  private async prepare(c: Candidate, pod: PodInfo): Promise<void> {
    await Promise.all(c.victims.pods.map((v) => this.host.evict(v, pod, c.node)));
    const lower = this.host.nominatedPods(c.node).filter((p) => p.priority < pod.priority && p.key !== pod.key);
    await Promise.all(lower.map((p) => this.host.clearNomination(p)));
  }
}

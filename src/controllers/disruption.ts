// The disruption controller (upstream disruption-controller): keeps each PodDisruptionBudget's
// status right — expectedPods, desiredHealthy (from minAvailable, or expected minus
// maxUnavailable; percentages scale the owning controllers' replicas), currentHealthy (Ready
// pods not being deleted and not just evicted), disruptionsAllowed and the DisruptionAllowed
// condition — which the eviction subresource reads. Pods the API server recorded in
// status.disruptedPods count as gone for two minutes, then the entry expires.
import type { PodDisruptionBudget, PodDisruptionBudgetStatus } from 'kubernetes-types/policy/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { Condition } from 'kubernetes-types/meta/v1.js';
import type pino from 'pino';
import { scaledValue } from '../api/intstr.js';
import { findByKind, parseApiVersion } from '../api/registry.js';
import { isConflict, isNotFound, type KubeObject } from '../client/api.js';
import { clone, keyOf, splitKey, type SharedInformer } from '../client/informer.js';
import { WorkQueue } from '../client/workqueue.js';
import type { Controller, ControllerContext, EventSink } from './context.js';
import { controllerRefOf } from './controller-ref.js';
import { canonicalJson } from './deployment/template-hash.js';
import { POD_DISRUPTION_BUDGETS, STATEFUL_SETS } from './kinds.js';
import { labelSelectorMatcher } from './label-selector.js';
import { isPodReady } from './pod-readiness.js';
import { DEPLOYMENTS, PODS, REPLICA_SETS } from './resource-types.js';
import { parseTime, rfc3339 } from './timestamps.js';

/** upstream's recorder for this controller reports as the controller manager. */
export const DISRUPTION_EVENT_SOURCE = 'controllermanager';
/** How long an evicted pod counts as disrupted before the entry is dropped (upstream DeletionTimeout). */
export const DELETION_TIMEOUT_MS = 2 * 60 * 1000;

type PdbObj = PodDisruptionBudget & KubeObject;
type PodObj = Pod & KubeObject;
type ScaledObj = KubeObject & { spec?: { replicas?: number } };

export interface PdbCounts {
  expectedPods: number;
  desiredHealthy: number;
  currentHealthy: number;
  disruptionsAllowed: number;
}

/** Ready pods that are neither being deleted nor recently evicted (upstream countHealthyPods). */
export function countHealthy(pods: Pod[], disrupted: Record<string, string>, nowMs: number): number {
  let n = 0;
  for (const p of pods) {
    if (p.metadata?.deletionTimestamp) continue;
    const t = parseTime(disrupted[p.metadata?.name ?? '']);
    if (t !== undefined && t + DELETION_TIMEOUT_MS > nowMs) continue;
    if (isPodReady(p)) n++;
  }
  return n;
}

/** disruptionsAllowed: never negative, and 0 while no pods are expected (a safe start). */
export function disruptionsAllowed(currentHealthy: number, desiredHealthy: number, expectedPods: number): number {
  const d = currentHealthy - desiredHealthy;
  return expectedPods <= 0 || d <= 0 ? 0 : d;
}

export class DisruptionController implements Controller {
  readonly name = 'disruption';
  readonly queue: WorkQueue<string>;
  readonly workers: number;
  private readonly pdbs: SharedInformer<PdbObj>;
  private readonly pods: SharedInformer<PodObj>;
  private readonly rss: SharedInformer<ScaledObj>;
  private readonly deployments: SharedInformer<ScaledObj>;
  private readonly sets: SharedInformer<ScaledObj>;
  private readonly events: EventSink;
  private readonly log: pino.Logger;

  constructor(
    private readonly ctx: ControllerContext,
    opts: { workers?: number } = {},
  ) {
    this.queue = new WorkQueue<string>({ name: 'disruption', clock: ctx.clock });
    this.workers = opts.workers ?? 1;
    this.events = ctx.events(DISRUPTION_EVENT_SOURCE);
    this.log = ctx.logger.child({ component: 'disruption-controller' });
    this.pdbs = ctx.factory.informerFor(POD_DISRUPTION_BUDGETS);
    this.pods = ctx.factory.informerFor(PODS);
    this.rss = ctx.factory.informerFor(REPLICA_SETS);
    this.deployments = ctx.factory.informerFor(DEPLOYMENTS);
    this.sets = ctx.factory.informerFor(STATEFUL_SETS);
    this.pdbs.addEventHandler({ onAdd: (p) => this.queue.add(keyOf(p)), onUpdate: (_o, p) => this.queue.add(keyOf(p)) });
    const onPod = (p: PodObj, old?: PodObj) => {
      for (const pdb of this.pdbs.byIndex('namespace', p.metadata?.namespace ?? '')) {
        const sel = labelSelectorMatcher(pdb.spec?.selector);
        if (sel.matches(p.metadata?.labels) || (old && sel.matches(old.metadata?.labels))) this.queue.add(keyOf(pdb));
      }
    };
    this.pods.addEventHandler({ onAdd: (p) => onPod(p), onUpdate: (o, p) => onPod(p, o), onDelete: (p) => onPod(p) });
    // A controller's replicas feed percentage budgets.
    const onScaled = (o: ScaledObj) => {
      for (const pdb of this.pdbs.byIndex('namespace', o.metadata?.namespace ?? '')) this.queue.add(keyOf(pdb));
    };
    for (const inf of [this.rss, this.deployments, this.sets]) inf.addEventHandler({ onUpdate: (_o, n) => onScaled(n) });
  }

  async reconcile(key: string): Promise<void | { requeueAfterMs?: number }> {
    const { namespace, name } = splitKey(key);
    const pdb = this.pdbs.get(namespace, name);
    if (!pdb) return;
    try {
      return await this.trySync(pdb);
    } catch (e) {
      if (isConflict(e) || isNotFound(e)) throw e;
      this.log.warn({ pdb: key, err: (e as Error).message }, 'failed to sync pdb; failing safe');
      await this.failSafe(pdb, e as Error);
      throw e;
    }
  }

  private async trySync(pdb: PdbObj): Promise<void | { requeueAfterMs?: number }> {
    const selector = labelSelectorMatcher(pdb.spec?.selector);
    const pods = this.pods.byIndex('namespace', pdb.metadata?.namespace ?? '').filter((p) => selector.matches(p.metadata?.labels));
    if (pods.length === 0) this.events.event(pdb, 'Normal', 'NoPods', 'No matching pods found');
    const { expectedPods, desiredHealthy, unmanaged } = await this.expectedCount(pdb, pods);
    if (unmanaged.length > 0) {
      this.events.event(
        pdb,
        'Warning',
        'UnmanagedPods',
        `Pods selected by this PodDisruptionBudget (selector: ${JSON.stringify(pdb.spec?.selector)}) were found to be unmanaged. As a result, the status of the PDB cannot be calculated correctly, which may result in undefined behavior. To account for these pods please set ".spec.minAvailable" field of the PDB to an integer value.`,
      );
    }
    const nowMs = this.ctx.clock.now();
    const { disrupted, recheckMs } = this.disruptedPods(pdb, pods, nowMs);
    const currentHealthy = countHealthy(pods, disrupted, nowMs);
    await this.writeStatus(pdb, { expectedPods, desiredHealthy, currentHealthy, disruptionsAllowed: disruptionsAllowed(currentHealthy, desiredHealthy, expectedPods) }, disrupted);
    if (recheckMs !== undefined) return { requeueAfterMs: recheckMs };
  }

  /** upstream getExpectedPodCount. */
  private async expectedCount(pdb: PdbObj, pods: PodObj[]): Promise<{ expectedPods: number; desiredHealthy: number; unmanaged: string[] }> {
    const { minAvailable, maxUnavailable } = pdb.spec ?? {};
    if (maxUnavailable !== undefined && maxUnavailable !== null) {
      const { expected, unmanaged } = await this.expectedScale(pods);
      const mu = scaledValue(maxUnavailable, expected, true);
      return { expectedPods: expected, desiredHealthy: Math.max(0, expected - mu), unmanaged };
    }
    if (minAvailable !== undefined && minAvailable !== null) {
      if (typeof minAvailable === 'number' || /^-?\d+$/.test(minAvailable)) return { expectedPods: pods.length, desiredHealthy: Number(minAvailable), unmanaged: [] };
      const { expected, unmanaged } = await this.expectedScale(pods);
      return { expectedPods: expected, desiredHealthy: scaledValue(minAvailable, expected, true), unmanaged };
    }
    return { expectedPods: 0, desiredHealthy: 0, unmanaged: [] };
  }

  /** Sum of the replicas of the controllers owning the pods (each controller counted once). */
  private async expectedScale(pods: PodObj[]): Promise<{ expected: number; unmanaged: string[] }> {
    const seen = new Map<string, number>();
    const unmanaged: string[] = [];
    for (const p of pods) {
      const ref = controllerRefOf(p);
      if (!ref) {
        unmanaged.push(p.metadata!.name!);
        continue;
      }
      if (seen.has(ref.uid)) continue;
      const { uid, replicas } = await this.scaleOf(p.metadata!.namespace!, ref.apiVersion, ref.kind, ref.name, ref.uid);
      seen.set(uid, replicas);
    }
    let expected = 0;
    for (const r of seen.values()) expected += r;
    return { expected, unmanaged: [...new Set(unmanaged)] };
  }

  /** The replicas behind a controllerRef, following a ReplicaSet up to its Deployment. */
  private async scaleOf(ns: string, apiVersion: string, kind: string, name: string, uid: string): Promise<{ uid: string; replicas: number }> {
    const missing = () => new Error(`${kind.toLowerCase()}s "${name}" not found`);
    const cached = (inf: SharedInformer<ScaledObj>) => {
      const o = inf.get(ns, name);
      if (!o || o.metadata?.uid !== uid) throw missing();
      return o;
    };
    const group = parseApiVersion(apiVersion).group;
    if (group === 'apps' && kind === 'ReplicaSet') {
      const rs = cached(this.rss);
      const dref = controllerRefOf(rs);
      if (dref?.kind === 'Deployment') {
        const d = this.deployments.get(ns, dref.name);
        if (d && d.metadata?.uid === dref.uid) return { uid: dref.uid, replicas: d.spec?.replicas ?? 1 };
      }
      return { uid, replicas: rs.spec?.replicas ?? 1 };
    }
    if (group === 'apps' && kind === 'StatefulSet') return { uid, replicas: cached(this.sets).spec?.replicas ?? 1 };
    if (group === 'apps' && kind === 'Deployment') return { uid, replicas: cached(this.deployments).spec?.replicas ?? 1 };
    const rt = findByKind(group, kind);
    if (!rt || !rt.subresources.includes('scale')) throw new Error(`${kind} "${name}" does not implement the scale subresource`);
    const obj = await this.ctx.client.get<ScaledObj>(rt, ns, name);
    if (obj.metadata?.uid !== uid) throw missing();
    return { uid, replicas: obj.spec?.replicas ?? 1 };
  }

  /** Live entries of status.disruptedPods and when the earliest of them expires. */
  private disruptedPods(pdb: PdbObj, pods: PodObj[], nowMs: number): { disrupted: Record<string, string>; recheckMs?: number } {
    const disrupted: Record<string, string> = {};
    let recheck: number | undefined;
    const byName = new Map(pods.map((p) => [p.metadata!.name!, p]));
    for (const [name, at] of Object.entries(pdb.status?.disruptedPods ?? {})) {
      const pod = byName.get(name);
      if (!pod || pod.metadata?.deletionTimestamp) continue; // gone: nothing to remember
      const t = parseTime(at as unknown as string);
      if (t === undefined) continue;
      const expires = t + DELETION_TIMEOUT_MS;
      if (expires <= nowMs) continue;
      disrupted[name] = at as unknown as string;
      recheck = recheck === undefined ? expires - nowMs : Math.min(recheck, expires - nowMs);
    }
    return { disrupted, recheckMs: recheck };
  }

  private condition(pdb: PdbObj, status: 'True' | 'False', reason: string, message: string, observedGeneration: number | undefined): Condition[] {
    const conds = [...(pdb.status?.conditions ?? [])];
    const i = conds.findIndex((c) => c.type === 'DisruptionAllowed');
    const cur = i >= 0 ? conds[i] : undefined;
    const next: Condition = {
      type: 'DisruptionAllowed',
      status,
      reason,
      message,
      lastTransitionTime: cur && cur.status === status ? cur.lastTransitionTime : rfc3339(this.ctx.clock.now()),
    };
    if (observedGeneration !== undefined) next.observedGeneration = observedGeneration;
    if (i >= 0) conds[i] = next;
    else conds.push(next);
    return conds;
  }

  private async writeStatus(pdb: PdbObj, c: PdbCounts, disrupted: Record<string, string>): Promise<void> {
    const generation = pdb.metadata?.generation;
    const allowed = c.disruptionsAllowed > 0;
    const conditions = this.condition(pdb, allowed ? 'True' : 'False', allowed ? 'SufficientPods' : 'InsufficientPods', '', generation);
    const status: PodDisruptionBudgetStatus = {
      currentHealthy: c.currentHealthy,
      desiredHealthy: c.desiredHealthy,
      disruptionsAllowed: c.disruptionsAllowed,
      expectedPods: c.expectedPods,
      conditions,
    };
    if (generation !== undefined) status.observedGeneration = generation;
    if (Object.keys(disrupted).length) status.disruptedPods = disrupted as unknown as PodDisruptionBudgetStatus['disruptedPods'];
    if (canonicalJson(pdb.status ?? {}) === canonicalJson(status)) return;
    await this.ctx.client.updateStatus(POD_DISRUPTION_BUDGETS, pdb.metadata?.namespace, { ...clone(pdb), status } as PdbObj);
  }

  /** On errors nothing may be disrupted (upstream failSafe). */
  private async failSafe(pdb: PdbObj, err: Error): Promise<void> {
    const status: PodDisruptionBudgetStatus = {
      ...(pdb.status ?? { currentHealthy: 0, desiredHealthy: 0, expectedPods: 0, disruptionsAllowed: 0 }),
      disruptionsAllowed: 0,
      conditions: this.condition(pdb, 'False', 'SyncFailed', err.message, pdb.status?.observedGeneration),
    };
    try {
      await this.ctx.client.updateStatus(POD_DISRUPTION_BUDGETS, pdb.metadata?.namespace, { ...clone(pdb), status } as PdbObj);
    } catch (e) {
      this.log.debug({ err: (e as Error).message }, 'fail-safe status update failed');
    }
  }
}

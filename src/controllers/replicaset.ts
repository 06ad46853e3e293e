// The ReplicaSet controller (upstream replicaset-controller): keeps spec.replicas active pods that
// match the selector — creating pods from the template in slow-start batches, deleting the
// best-ranked victims — adopts matching orphans, releases pods that stopped matching, and
// reports status (replicas, fullyLabeledReplicas, readyReplicas, availableReplicas,
// observedGeneration, ReplicaFailure).
import type { ReplicaSet, ReplicaSetCondition, ReplicaSetStatus } from 'kubernetes-types/apps/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import type pino from 'pino';
import { isNotFound, type KubeObject } from '../client/api.js';
import { clone, keyOf, ownerUidIndexFunc, splitKey, type SharedInformer } from '../client/informer.js';
import { WorkQueue } from '../client/workqueue.js';
import { getCondition, removeCondition, setCondition } from './conditions.js';
import type { Controller, ControllerContext, EventSink } from './context.js';
import { CONTROLLER_UID_INDEX, claimObjects, controllerRefOf, controllerUidIndexFunc, newControllerRef, ownedAndOrphans, recheckOwner } from './controller-ref.js';
import { ControllerExpectations } from './expectations.js';
import { isEmptySelector, labelSelectorMatcher, matchesLabelSet, matchNothing } from './label-selector.js';
import { podsToDelete } from './pod-deletion-ranking.js';
import { isPodActive, isPodAvailable, isPodReady } from './pod-readiness.js';
import { PODS, REPLICA_SETS } from './resource-types.js';
import { rfc3339 } from './timestamps.js';

export const REPLICASET_CONTROLLER = 'replicaset-controller';
/** Most pods created or deleted in one sync (upstream BurstReplicas). */
export const BURST_REPLICAS = 500;
/** Slow start: the first batch of creates, doubling after each fully successful batch. */
export const SLOW_START_INITIAL_BATCH = 1;
export const OWNER_UID_INDEX = 'ownerUid';

/**
 * Run fn count times in batches of 1, 2, 4, …; stop after the first batch with a failure.
 * Returns how many calls succeeded and the first error (upstream slowStartBatch).
 */
export async function slowStartBatch(count: number, initialBatch: number, fn: () => Promise<void>): Promise<{ successes: number; error?: unknown }> {
  let remaining = count;
  let successes = 0;
  let batch = Math.min(remaining, initialBatch);
  while (batch > 0) {
    const results = await Promise.allSettled(Array.from({ length: batch }, () => fn()));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    successes += results.filter((r) => r.status === 'fulfilled').length;
    if (failed) return { successes, error: failed.reason };
    remaining -= batch;
    batch = Math.min(2 * batch, remaining);
  }
  return { successes };
}

/** The pod a ReplicaSet creates from its template. */
export function podFromTemplate(rs: ReplicaSet, apiVersion = 'apps/v1', kind = 'ReplicaSet'): Pod {
  const t = rs.spec?.template ?? {};
  const labels = { ...(t.metadata?.labels ?? {}) };
  if (Object.keys(labels).length === 0) throw new Error('unable to create pods, no labels');
  const meta: Pod['metadata'] = {
    generateName: `${rs.metadata!.name}-`,
    namespace: rs.metadata!.namespace,
    labels,
    ownerReferences: [newControllerRef(rs as KubeObject, apiVersion, kind)],
  };
  if (t.metadata?.annotations) meta.annotations = { ...t.metadata.annotations };
  if (t.metadata?.finalizers) meta.finalizers = [...t.metadata.finalizers];
  return { apiVersion: 'v1', kind: 'Pod', metadata: meta, spec: clone(t.spec ?? { containers: [] }) };
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** Status from the pods the RS owns (upstream calculateStatus). */
export function calculateReplicaSetStatus(rs: ReplicaSet, pods: Pod[], manageError: unknown, nowMs: number): ReplicaSetStatus {
  const templateLabels = rs.spec?.template?.metadata?.labels;
  const minReady = rs.spec?.minReadySeconds ?? 0;
  let fullyLabeled = 0;
  let ready = 0;
  let available = 0;
  for (const p of pods) {
    if (matchesLabelSet(templateLabels, p.metadata?.labels)) fullyLabeled++;
    if (isPodReady(p)) {
      ready++;
      if (isPodAvailable(p, minReady, nowMs)) available++;
    }
  }
  let conditions = (rs.status?.conditions ?? []) as ReplicaSetCondition[];
  const failure = getCondition(conditions, 'ReplicaFailure');
  if (manageError !== undefined && !failure) {
    const diff = pods.length - (rs.spec?.replicas ?? 1);
    const reason = diff < 0 ? 'FailedCreate' : diff > 0 ? 'FailedDelete' : '';
    conditions = setCondition(conditions, { type: 'ReplicaFailure', status: 'True', reason, message: errorText(manageError), lastTransitionTime: rfc3339(nowMs) });
  } else if (manageError === undefined && failure) {
    conditions = removeCondition(conditions, 'ReplicaFailure');
  }
  const status: ReplicaSetStatus = { replicas: pods.length };
  // Zero counts are omitted on the wire (omitempty), as upstream serializes them.
  if (fullyLabeled) status.fullyLabeledReplicas = fullyLabeled;
  if (ready) status.readyReplicas = ready;
  if (available) status.availableReplicas = available;
  if (rs.status?.observedGeneration !== undefined) status.observedGeneration = rs.status.observedGeneration;
  if (conditions.length > 0) status.conditions = conditions;
  return status;
}

function sameStatus(a: ReplicaSetStatus | undefined, b: ReplicaSetStatus): boolean {
  return (
    (a?.replicas ?? 0) === (b.replicas ?? 0) &&
    (a?.fullyLabeledReplicas ?? 0) === (b.fullyLabeledReplicas ?? 0) &&
    (a?.readyReplicas ?? 0) === (b.readyReplicas ?? 0) &&
    (a?.availableReplicas ?? 0) === (b.availableReplicas ?? 0) &&
    JSON.stringify(a?.conditions ?? []) === JSON.stringify(b.conditions ?? [])
  );
}

export interface ReplicaSetControllerOptions {
  burstReplicas?: number;
  workers?: number;
}

export class ReplicaSetController implements Controller {
  readonly name = REPLICASET_CONTROLLER;
  readonly queue: WorkQueue<string>;
  readonly workers: number;
  readonly expectations: ControllerExpectations;
  private readonly rsInformer: SharedInformer<ReplicaSet & KubeObject>;
  private readonly podInformer: SharedInformer<Pod & KubeObject>;
  private readonly events: EventSink;
  private readonly log: pino.Logger;
  private readonly burst: number;

  constructor(
    private readonly ctx: ControllerContext,
    opts: ReplicaSetControllerOptions = {},
  ) {
    this.queue = new WorkQueue<string>({ name: 'replicaset', clock: ctx.clock });
    this.workers = opts.workers ?? 5;
    this.burst = opts.burstReplicas ?? BURST_REPLICAS;
    this.expectations = new ControllerExpectations(ctx.clock);
    this.events = ctx.events(REPLICASET_CONTROLLER);
    this.log = ctx.logger.child({ component: REPLICASET_CONTROLLER });
    this.rsInformer = ctx.factory.informerFor(REPLICA_SETS);
    this.podInformer = ctx.factory.informerFor(PODS);
    this.podInformer.addIndexer(OWNER_UID_INDEX, ownerUidIndexFunc);
    this.podInformer.addIndexer(CONTROLLER_UID_INDEX, controllerUidIndexFunc);

    this.rsInformer.addEventHandler({
      onAdd: (rs) => this.queue.add(keyOf(rs)),
      onUpdate: (_old, cur) => this.queue.add(keyOf(cur)),
      onDelete: (rs) => {
        this.expectations.delete(keyOf(rs));
        this.queue.add(keyOf(rs));
      },
    });
    this.podInformer.addEventHandler({
      onAdd: (pod) => this.podAdded(pod),
      onUpdate: (old, cur) => this.podUpdated(old, cur),
      onDelete: (pod) => this.podDeleted(pod),
    });
  }

  // ---- event handlers: map pod changes to ReplicaSet keys ----

  /** The RS a controllerRef points to, if it is a ReplicaSet we know with that uid. */
  private resolveRef(namespace: string | undefined, ref: ReturnType<typeof controllerRefOf>): ReplicaSet | undefined {
    if (!ref || ref.kind !== 'ReplicaSet') return undefined;
    const rs = this.rsInformer.get(namespace, ref.name);
    return rs && rs.metadata?.uid === ref.uid ? rs : undefined;
  }

  /** ReplicaSets whose selector matches an orphan pod. */
  private replicaSetsSelecting(pod: Pod): ReplicaSet[] {
    const ns = pod.metadata?.namespace ?? '';
    return this.rsInformer.byIndex('namespace', ns).filter((rs) => {
      try {
        return !isEmptySelector(rs.spec?.selector) && labelSelectorMatcher(rs.spec?.selector).matches(pod.metadata?.labels);
      } catch {
        return false;
      }
    });
  }

  private podAdded(pod: Pod): void {
    if (pod.metadata?.deletionTimestamp) {
      this.podDeleted(pod);
      return;
    }
    const ref = controllerRefOf(pod as KubeObject);
    if (ref) {
      const rs = this.resolveRef(pod.metadata?.namespace, ref);
      if (!rs) return;
      const key = keyOf(rs as KubeObject);
      this.expectations.creationObserved(key);
      this.queue.add(key);
      return;
    }
    for (const rs of this.replicaSetsSelecting(pod)) this.queue.add(keyOf(rs as KubeObject));
  }

  private podUpdated(old: Pod, cur: Pod): void {
    if (old.metadata?.resourceVersion === cur.metadata?.resourceVersion) return; // resync
    const labelsChanged = JSON.stringify(old.metadata?.labels ?? {}) !== JSON.stringify(cur.metadata?.labels ?? {});
    if (cur.metadata?.deletionTimestamp) {
      // A graceful delete shows up as an update; count it now so the RS can replace the pod.
      this.podDeleted(cur);
      if (labelsChanged) this.podDeleted(old);
      return;
    }
    const curRef = controllerRefOf(cur as KubeObject);
    const oldRef = controllerRefOf(old as KubeObject);
    if (oldRef && (!curRef || oldRef.uid !== curRef.uid)) {
      const oldRS = this.resolveRef(old.metadata?.namespace, oldRef);
      if (oldRS) this.queue.add(keyOf(oldRS as KubeObject));
    }
    if (curRef) {
      const rs = this.resolveRef(cur.metadata?.namespace, curRef);
      if (!rs) return;
      const key = keyOf(rs as KubeObject);
      this.queue.add(key);
      const minReady = rs.spec?.minReadySeconds ?? 0;
      if (!isPodReady(old) && isPodReady(cur) && minReady > 0) this.queue.addAfter(key, minReady * 1000 + 1000);
      return;
    }
    if (labelsChanged || (oldRef && !curRef)) {
      for (const rs of this.replicaSetsSelecting(cur)) this.queue.add(keyOf(rs as KubeObject));
    }
  }

  private podDeleted(pod: Pod): void {
    const rs = this.resolveRef(pod.metadata?.namespace, controllerRefOf(pod as KubeObject));
    if (!rs) return;
    const key = keyOf(rs as KubeObject);
    this.expectations.deletionObserved(key, keyOf(pod as KubeObject));
    this.queue.add(key);
  }

  // ---- reconcile ----

  async reconcile(key: string): Promise<void | { requeueAfterMs?: number }> {
    const { namespace, name } = splitKey(key);
    const cached = this.rsInformer.get(namespace, name);
    if (!cached) {
      this.expectations.delete(key);
      return;
    }
    const rs = cached as ReplicaSet;
    const needsSync = this.expectations.satisfied(key);
    let selector;
    try {
      selector = isEmptySelector(rs.spec?.selector) ? matchNothing : labelSelectorMatcher(rs.spec?.selector);
    } catch (e) {
      // Retrying cannot fix a bad selector; the next edit of the ReplicaSet re-queues it.
      this.log.error({ replicaSet: key, err: errorText(e) }, 'invalid selector');
      return;
    }

    const candidates = ownedAndOrphans(this.podInformer, namespace, rs.metadata?.uid).filter(isPodActive) as Pod[];
    const pods = await claimObjects({
      client: this.ctx.client,
      rt: PODS,
      owner: rs as KubeObject,
      ownerApiVersion: 'apps/v1',
      ownerKind: 'ReplicaSet',
      selector,
      objects: candidates as (Pod & KubeObject)[],
      canAdopt: recheckOwner(this.ctx.client, REPLICA_SETS, rs as KubeObject),
    });

    let manageError: unknown;
    if (needsSync && !rs.metadata?.deletionTimestamp) {
      try {
        await this.manageReplicas(key, pods, rs);
      } catch (e) {
        manageError = e;
      }
    }
    const now = this.ctx.clock.now();
    const status = calculateReplicaSetStatus(rs, pods, manageError, now);
    const updated = await this.updateStatus(rs, status);
    if (manageError !== undefined) throw manageError;

    const minReady = updated.spec?.minReadySeconds ?? 0;
    const replicas = updated.spec?.replicas ?? 1;
    if (minReady > 0 && (updated.status?.readyReplicas ?? 0) === replicas && (updated.status?.availableReplicas ?? 0) !== replicas) {
      return { requeueAfterMs: minReady * 1000 };
    }
  }

  private async manageReplicas(key: string, pods: Pod[], rs: ReplicaSet): Promise<void> {
    const desired = rs.spec?.replicas ?? 1;
    let diff = pods.length - desired;
    if (diff < 0) {
      diff = Math.min(-diff, this.burst);
      this.expectations.expectCreations(key, diff);
      this.log.debug({ replicaSet: key, need: desired, creating: diff }, 'too few replicas');
      const { successes, error } = await slowStartBatch(diff, SLOW_START_INITIAL_BATCH, () => this.createPod(rs));
      // Creations that failed or were never attempted will not be observed by the informer.
      for (let i = successes; i < diff; i++) this.expectations.creationObserved(key);
      if (error !== undefined) throw error;
    } else if (diff > 0) {
      diff = Math.min(diff, this.burst);
      this.log.debug({ replicaSet: key, need: desired, deleting: diff }, 'too many replicas');
      const victims = podsToDelete(pods, this.relatedPods(rs), diff, this.ctx.clock.now());
      this.expectations.expectDeletions(
        key,
        victims.map((p) => keyOf(p as KubeObject)),
      );
      const results = await Promise.allSettled(victims.map((p) => this.deletePod(rs, p)));
      const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) throw failed.reason;
    }
  }

  /** Pods of every ReplicaSet controlled by the same owner (for co-location ranking). */
  private relatedPods(rs: ReplicaSet): Pod[] {
    const ownerRef = controllerRefOf(rs as KubeObject);
    const siblings = ownerRef
      ? this.rsInformer.byIndex('namespace', rs.metadata?.namespace ?? '').filter((r) => controllerRefOf(r)?.uid === ownerRef.uid)
      : [rs as KubeObject];
    const out: Pod[] = [];
    for (const s of siblings) out.push(...(this.podInformer.byIndex(OWNER_UID_INDEX, s.metadata!.uid!) as Pod[]));
    return out;
  }

  private async createPod(rs: ReplicaSet): Promise<void> {
    try {
      const created = await this.ctx.client.create<Pod & KubeObject>(PODS, rs.metadata?.namespace, podFromTemplate(rs) as Pod & KubeObject);
      this.events.event(rs as KubeObject, 'Normal', 'SuccessfulCreate', `Created pod: ${created.metadata?.name}`);
    } catch (e) {
      this.events.event(rs as KubeObject, 'Warning', 'FailedCreate', `Error creating: ${errorText(e)}`);
      throw e;
    }
  }

  private async deletePod(rs: ReplicaSet, pod: Pod): Promise<void> {
    const key = keyOf(rs as KubeObject);
    try {
      await this.ctx.client.delete(PODS, pod.metadata?.namespace, pod.metadata!.name!);
      this.events.event(rs as KubeObject, 'Normal', 'SuccessfulDelete', `Deleted pod: ${pod.metadata?.name}`);
    } catch (e) {
      // The informer will not see this deletion.
      this.expectations.deletionObserved(key, keyOf(pod as KubeObject));
      if (isNotFound(e)) return;
      this.events.event(rs as KubeObject, 'Warning', 'FailedDelete', `Error deleting: ${errorText(e)}`);
      throw e;
    }
  }

  private async updateStatus(rs: ReplicaSet, status: ReplicaSetStatus): Promise<ReplicaSet> {
    const generation = rs.metadata?.generation ?? 0;
    if (sameStatus(rs.status, status) && (rs.status?.observedGeneration ?? 0) === generation) return rs;
    const next = { ...status };
    if (generation) next.observedGeneration = generation;
    const body = { ...clone(rs), status: next } as ReplicaSet & KubeObject;
    try {
      return await this.ctx.client.updateStatus<ReplicaSet & KubeObject>(REPLICA_SETS, rs.metadata?.namespace, body);
    } catch (e) {
      if (isNotFound(e)) return rs;
      // One retry against the latest version, as upstream does.
      const fresh = await this.ctx.client.get<ReplicaSet & KubeObject>(REPLICA_SETS, rs.metadata?.namespace, rs.metadata!.name!);
      const retry = { ...clone(fresh), status: next } as ReplicaSet & KubeObject;
      return await this.ctx.client.updateStatus<ReplicaSet & KubeObject>(REPLICA_SETS, rs.metadata?.namespace, retry);
    }
  }
}

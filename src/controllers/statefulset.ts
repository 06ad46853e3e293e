// The StatefulSet controller (upstream statefulset-controller): pods with stable names
// <set>-<ordinal>, created in order and only once every predecessor is Running and Ready
// (OrderedReady) or all at once (Parallel), removed in reverse ordinal order; per-pod claims from
// volumeClaimTemplates created before the pod and kept (or deleted by the garbage collector as
// persistentVolumeClaimRetentionPolicy asks); template changes roll out highest ordinal first down
// to the partition (RollingUpdate) or wait for manual deletion (OnDelete); each template is kept
// as a ControllerRevision whose name is the pods' controller-revision-hash label.
import type { StatefulSet, StatefulSetStatus } from 'kubernetes-types/apps/v1.js';
import type { PersistentVolumeClaim, Pod } from 'kubernetes-types/core/v1.js';
import type pino from 'pino';
import { isAlreadyExists, isNotFound, type KubeObject } from '../client/api.js';
import { clone, keyOf, ownerUidIndexFunc, splitKey, type SharedInformer } from '../client/informer.js';
import { WorkQueue } from '../client/workqueue.js';
import type { Controller, ControllerContext, EventSink } from './context.js';
import { CONTROLLER_UID_INDEX, claimObjects, controllerRefOf, controllerUidIndexFunc, ownedAndOrphans, recheckOwner } from './controller-ref.js';
import { ensureRevision, templateOf, truncateHistory, type RevisionObj } from './controllerrevision.js';
import { CONTROLLER_REVISIONS, PERSISTENT_VOLUME_CLAIMS, STATEFUL_SETS } from './kinds.js';
import { isEmptySelector, labelSelectorMatcher, matchNothing } from './label-selector.js';
import { isPodAvailable, isPodReady } from './pod-readiness.js';
import { PODS } from './resource-types.js';
import {
  claimIsStale,
  claimOwnerRefs,
  claimsFor,
  endOrdinal,
  identityLabelPatch,
  isMemberOf,
  newStatefulSetPod,
  ordinalOf,
  revisionOf,
  startOrdinal,
} from './statefulset-pods.js';

export const STATEFULSET_CONTROLLER = 'statefulset-controller';
const OWNER_UID_INDEX = 'ownerUid';

type SetObj = StatefulSet & KubeObject;
type PodObj = Pod & KubeObject;
type PvcObj = PersistentVolumeClaim & KubeObject;

const isCreated = (p: Pod) => !!p.metadata?.uid;
const isTerminating = (p: Pod) => !!p.metadata?.deletionTimestamp;
const isFinished = (p: Pod) => p.status?.phase === 'Failed' || p.status?.phase === 'Succeeded';
const isRunningAndReady = (p: Pod) => p.status?.phase === 'Running' && isPodReady(p);
const isHealthy = (p: Pod) => isRunningAndReady(p) && !isTerminating(p);

/** One sync's view of the set: its two template versions and revisions. */
interface SyncState {
  set: SetObj;
  currentSet: SetObj;
  currentRevision: string;
  updateRevision: string;
  monotonic: boolean;
  minReady: number;
  nowMs: number;
}

export class StatefulSetController implements Controller {
  readonly name = STATEFULSET_CONTROLLER;
  readonly queue: WorkQueue<string>;
  readonly workers: number;
  private readonly sets: SharedInformer<SetObj>;
  private readonly pods: SharedInformer<PodObj>;
  private readonly claims: SharedInformer<PvcObj>;
  private readonly revisions: SharedInformer<RevisionObj>;
  private readonly events: EventSink;
  private readonly log: pino.Logger;

  constructor(
    private readonly ctx: ControllerContext,
    opts: { workers?: number } = {},
  ) {
    this.queue = new WorkQueue<string>({ name: 'statefulset', clock: ctx.clock });
    this.workers = opts.workers ?? 2;
    this.events = ctx.events(STATEFULSET_CONTROLLER);
    this.log = ctx.logger.child({ component: STATEFULSET_CONTROLLER });
    this.sets = ctx.factory.informerFor(STATEFUL_SETS);
    this.pods = ctx.factory.informerFor(PODS);
    this.claims = ctx.factory.informerFor(PERSISTENT_VOLUME_CLAIMS);
    this.revisions = ctx.factory.informerFor(CONTROLLER_REVISIONS);
    this.revisions.addIndexer(OWNER_UID_INDEX, ownerUidIndexFunc);
    this.pods.addIndexer(CONTROLLER_UID_INDEX, controllerUidIndexFunc);
    this.sets.addEventHandler({ onAdd: (s) => this.queue.add(keyOf(s)), onUpdate: (_o, s) => this.queue.add(keyOf(s)) });
    const podEvent = (p: PodObj) => {
      const ref = controllerRefOf(p);
      if (ref?.kind === 'StatefulSet') this.queue.add(`${p.metadata?.namespace}/${ref.name}`);
      else if (!ref) this.enqueueNamespace(p.metadata?.namespace);
    };
    this.pods.addEventHandler({ onAdd: podEvent, onUpdate: (_o, p) => podEvent(p), onDelete: podEvent });
    // A stale claim going away unblocks the creation of its pod.
    this.claims.addEventHandler({ onDelete: (c) => this.enqueueNamespace(c.metadata?.namespace) });
  }

  private enqueueNamespace(ns: string | undefined): void {
    for (const s of this.sets.byIndex('namespace', ns ?? '')) this.queue.add(keyOf(s));
  }

  async reconcile(key: string): Promise<void | { requeueAfterMs?: number }> {
    const { namespace, name } = splitKey(key);
    const set = this.sets.get(namespace, name);
    if (!set) return;
    const selector = isEmptySelector(set.spec?.selector) ? matchNothing : labelSelectorMatcher(set.spec?.selector);
    const candidates = ownedAndOrphans(this.pods, namespace, set.metadata?.uid).filter((p) => isMemberOf(set, p) || controllerRefOf(p)?.uid === set.metadata?.uid);
    const pods = (
      await claimObjects({
        client: this.ctx.client,
        rt: PODS,
        owner: set,
        ownerApiVersion: 'apps/v1',
        ownerKind: 'StatefulSet',
        selector,
        objects: candidates,
        canAdopt: recheckOwner(this.ctx.client, STATEFUL_SETS, set),
      })
    ).filter((p) => isMemberOf(set, p));

    const owned = this.revisions.byIndex(OWNER_UID_INDEX, set.metadata!.uid!).filter((r) => controllerRefOf(r)?.uid === set.metadata?.uid);
    const revs = await ensureRevision(this.ctx.client, set, 'StatefulSet', owned, set.status?.collisionCount ?? 0);
    const updateRev = revs.current;
    const currentRev = revs.all.find((r) => r.metadata?.name === set.status?.currentRevision) ?? updateRev;
    const currentSet = { ...clone(set), spec: { ...clone(set.spec!), template: templateOf(currentRev) } } as SetObj;
    const st: SyncState = {
      set,
      currentSet,
      currentRevision: currentRev.metadata!.name!,
      updateRevision: updateRev.metadata!.name!,
      monotonic: set.spec?.podManagementPolicy !== 'Parallel',
      minReady: set.spec?.minReadySeconds ?? 0,
      nowMs: this.ctx.clock.now(),
    };

    let status: StatefulSetStatus;
    let syncError: unknown;
    if (set.metadata?.deletionTimestamp) {
      status = this.computeStatus(st, pods, revs.collisionCount);
    } else {
      const r = await this.updateStatefulSet(st, pods, revs.collisionCount);
      status = r.status;
      syncError = r.error;
    }
    const live = new Set([st.currentRevision, st.updateRevision, ...pods.map((p) => revisionOf(p) ?? '')]);
    await truncateHistory(this.ctx.client, revs.all, live, set.spec?.revisionHistoryLimit ?? 10);
    await this.writeStatus(set, status);
    if (syncError !== undefined) throw syncError;
    if (st.minReady > 0 && (status.readyReplicas ?? 0) > (status.availableReplicas ?? 0)) return { requeueAfterMs: st.minReady * 1000 };
  }

  /** upstream defaultStatefulSetControl.updateStatefulSet: one pass of the ordered state machine. */
  private async updateStatefulSet(st: SyncState, pods: PodObj[], collisionCount: number): Promise<{ status: StatefulSetStatus; error?: unknown }> {
    const { set } = st;
    const start = startOrdinal(set);
    const end = endOrdinal(set);
    const replicas: PodObj[] = [];
    const condemned: PodObj[] = [];
    for (const p of pods) {
      const o = ordinalOf(p);
      if (o >= start && o <= end) replicas[o - start] = p;
      else if (o >= 0) condemned.push(p);
    }
    for (let o = start; o <= end; o++) if (!replicas[o - start]) replicas[o - start] = this.versionedPod(st, o);
    condemned.sort((a, b) => ordinalOf(b) - ordinalOf(a));
    let firstUnhealthy: PodObj | undefined = replicas.find((p) => !isHealthy(p));
    for (let i = condemned.length - 1; i >= 0 && !firstUnhealthy; i--) if (!isHealthy(condemned[i])) firstUnhealthy = condemned[i];

    const done = (error?: unknown) => ({ status: this.computeStatus(st, [...replicas, ...condemned], collisionCount), error });
    try {
      if (await this.runForAll(st, replicas.length, (i) => this.processReplica(st, replicas, i))) return done();
      if (await this.runForAll(st, condemned.length, (i) => this.fixClaimRefs(st, condemned[i]).then(() => false))) return done();
      if (await this.runForAll(st, condemned.length, (i) => this.processCondemned(st, condemned[i], firstUnhealthy))) return done();
    } catch (e) {
      return done(e);
    }
    const result = done();
    if (set.spec?.updateStrategy?.type === 'OnDelete') return result;

    // Rolling update: replace the highest ordinal not at the update revision, one at a time,
    // waiting for each to be healthy, never below the partition.
    const partition = set.spec?.updateStrategy?.rollingUpdate?.partition ?? 0;
    for (let target = replicas.length - 1; target >= partition; target--) {
      const p = replicas[target];
      if (revisionOf(p) !== st.updateRevision && !isTerminating(p)) {
        try {
          await this.deletePod(set, p);
        } catch (e) {
          return { status: result.status, error: e };
        }
        result.status.currentReplicas = Math.max(0, (result.status.currentReplicas ?? 0) - 1);
        return result;
      }
      if (!isHealthy(p)) return result;
    }
    return result;
  }

  /** Sequential with early exit when monotonic; otherwise every index runs and only errors stop. */
  private async runForAll(st: SyncState, n: number, fn: (i: number) => Promise<boolean>): Promise<boolean> {
    const errors: unknown[] = [];
    for (let i = 0; i < n; i++) {
      try {
        if ((await fn(i)) && st.monotonic) return true;
      } catch (e) {
        if (st.monotonic) throw e;
        errors.push(e);
      }
    }
    if (errors.length) throw errors[0];
    return false;
  }

  /** Pods below the partition are (re)created from the current revision, the rest from the update revision. */
  private versionedPod(st: SyncState, ordinal: number): PodObj {
    const s = st.currentSet;
    const partition = s.spec?.updateStrategy?.rollingUpdate?.partition;
    const ru = s.spec?.updateStrategy?.type !== 'OnDelete';
    const useCurrent = ru && (partition === undefined ? ordinal < (st.set.status?.currentReplicas ?? 0) : ordinal < partition);
    return useCurrent ? (newStatefulSetPod(s, ordinal, st.currentRevision) as PodObj) : (newStatefulSetPod(st.set, ordinal, st.updateRevision) as PodObj);
  }

  /** Returns true when the sync must stop here (in monotonic mode). */
  private async processReplica(st: SyncState, replicas: PodObj[], i: number): Promise<boolean> {
    const { set } = st;
    let pod = replicas[i];
    if (isCreated(pod) && isFinished(pod)) {
      // Finished pods are replaced: delete now, recreate once the deletion is observed.
      if (!isTerminating(pod)) await this.deletePod(set, pod);
      return true;
    }
    if (!isCreated(pod)) {
      const stale = [...claimsFor(set, ordinalOf(pod)).values()].some((c) => claimIsStale(this.claims.get(set.metadata?.namespace, c.metadata!.name!), undefined));
      if (stale) return true;
      const created = await this.createPod(set, pod);
      if (!created) return true;
      replicas[i] = pod = created;
      if (st.monotonic) return true;
    } else if (pod.status?.phase === 'Pending') {
      await this.createClaims(set, pod);
    }
    if (isTerminating(pod) && st.monotonic) return true;
    if (!isRunningAndReady(pod) && st.monotonic) return true;
    if (!isPodAvailable(pod, st.minReady, st.nowMs) && st.monotonic) return true;
    await this.fixClaimRefs(st, pod);
    const labels = identityLabelPatch(set, pod);
    if (labels) {
      try {
        replicas[i] = await this.ctx.client.patch<PodObj>(PODS, pod.metadata?.namespace, pod.metadata!.name!, 'strategic', { metadata: { labels } });
        this.events.event(set, 'Normal', 'SuccessfulUpdate', `update Pod ${pod.metadata?.name} in StatefulSet ${set.metadata?.name} successful`);
      } catch (e) {
        if (!isNotFound(e)) throw e;
      }
    }
    return false;
  }

  private async processCondemned(st: SyncState, pod: PodObj, firstUnhealthy: PodObj | undefined): Promise<boolean> {
    if (isTerminating(pod)) return st.monotonic;
    if (!isRunningAndReady(pod) && st.monotonic && pod !== firstUnhealthy) return true;
    if (!isPodAvailable(pod, st.minReady, st.nowMs) && st.monotonic && pod !== firstUnhealthy) return true;
    await this.deletePod(st.set, pod);
    return true;
  }

  /** Claims first, then the pod; then the claims' retention ownerReferences (needs the pod's uid). */
  private async createPod(set: SetObj, pod: PodObj): Promise<PodObj | undefined> {
    try {
      await this.createClaims(set, pod);
    } catch (e) {
      this.events.event(set, 'Warning', 'FailedCreate', `create Pod ${pod.metadata?.name} in StatefulSet ${set.metadata?.name} failed error: ${(e as Error).message}`);
      throw e;
    }
    let created: PodObj;
    try {
      created = await this.ctx.client.create<PodObj>(PODS, set.metadata?.namespace, pod);
    } catch (e) {
      // A stale cache: the pod exists already; the informer will catch up.
      if (isAlreadyExists(e)) return undefined;
      this.events.event(set, 'Warning', 'FailedCreate', `create Pod ${pod.metadata?.name} in StatefulSet ${set.metadata?.name} failed error: ${(e as Error).message}`);
      throw e;
    }
    this.events.event(set, 'Normal', 'SuccessfulCreate', `create Pod ${pod.metadata?.name} in StatefulSet ${set.metadata?.name} successful`);
    return created;
  }

  private async createClaims(set: SetObj, pod: PodObj): Promise<void> {
    for (const claim of claimsFor(set, ordinalOf(pod)).values()) {
      const name = claim.metadata!.name!;
      const existing = this.claims.get(set.metadata?.namespace, name);
      if (existing) {
        if (existing.metadata?.deletionTimestamp) throw new Error(`pvc ${name} is being deleted`);
        continue;
      }
      const { refs } = claimOwnerRefs(claim as KubeObject, set, pod);
      if (refs.length) claim.metadata!.ownerReferences = refs;
      try {
        await this.ctx.client.create(PERSISTENT_VOLUME_CLAIMS, set.metadata?.namespace, claim as KubeObject);
        this.events.event(set, 'Normal', 'SuccessfulCreate', `create Claim ${name} Pod ${pod.metadata?.name} in StatefulSet ${set.metadata?.name} success`);
      } catch (e) {
        if (isAlreadyExists(e)) continue;
        this.events.event(set, 'Warning', 'FailedCreate', `create Claim ${name} for Pod ${pod.metadata?.name} in StatefulSet ${set.metadata?.name} failed error: ${(e as Error).message}`);
        throw e;
      }
    }
  }

  /** Bring the pod's claims' ownerReferences in line with the retention policy. */
  private async fixClaimRefs(st: SyncState, pod: PodObj): Promise<void> {
    const { set } = st;
    for (const c of claimsFor(set, ordinalOf(pod)).values()) {
      const claim = this.claims.get(set.metadata?.namespace, c.metadata!.name!);
      if (!claim || claim.metadata?.deletionTimestamp) continue;
      const { refs, changed } = claimOwnerRefs(claim, set, pod);
      if (!changed) continue;
      try {
        await this.ctx.client.patch(PERSISTENT_VOLUME_CLAIMS, claim.metadata?.namespace, claim.metadata!.name!, 'merge', {
          metadata: { ownerReferences: refs.length ? refs : null, resourceVersion: claim.metadata?.resourceVersion },
        });
      } catch (e) {
        if (!isNotFound(e)) throw e;
      }
    }
  }

  private async deletePod(set: SetObj, pod: PodObj): Promise<void> {
    try {
      await this.ctx.client.delete(PODS, pod.metadata?.namespace, pod.metadata!.name!, { preconditions: { uid: pod.metadata?.uid } });
      this.events.event(set, 'Normal', 'SuccessfulDelete', `delete Pod ${pod.metadata?.name} in StatefulSet ${set.metadata?.name} successful`);
    } catch (e) {
      if (isNotFound(e)) return;
      this.events.event(set, 'Warning', 'FailedDelete', `delete Pod ${pod.metadata?.name} in StatefulSet ${set.metadata?.name} failed error: ${(e as Error).message}`);
      throw e;
    }
  }

  /** upstream computeReplicaStatus + completeRollingUpdate. */
  private computeStatus(st: SyncState, pods: PodObj[], collisionCount: number): StatefulSetStatus {
    let replicas = 0;
    let ready = 0;
    let available = 0;
    let current = 0;
    let updated = 0;
    for (const p of pods) {
      if (!isCreated(p)) continue;
      replicas++;
      if (isRunningAndReady(p)) {
        ready++;
        if (isPodAvailable(p, st.minReady, st.nowMs)) available++;
      }
      if (!isTerminating(p)) {
        if (revisionOf(p) === st.currentRevision) current++;
        if (revisionOf(p) === st.updateRevision) updated++;
      }
    }
    let currentRevision = st.currentRevision;
    if (st.set.spec?.updateStrategy?.type !== 'OnDelete' && updated === replicas && ready === replicas) {
      current = updated;
      currentRevision = st.updateRevision;
    }
    const status: StatefulSetStatus = { replicas, availableReplicas: available, currentRevision, updateRevision: st.updateRevision, collisionCount };
    if (ready) status.readyReplicas = ready;
    if (current) status.currentReplicas = current;
    if (updated) status.updatedReplicas = updated;
    if (st.set.metadata?.generation !== undefined) status.observedGeneration = st.set.metadata.generation;
    return status;
  }

  private async writeStatus(set: SetObj, status: StatefulSetStatus): Promise<void> {
    const { conditions, ...old } = set.status ?? ({} as StatefulSetStatus);
    const norm = (s: object) => JSON.stringify(Object.entries(s).filter(([, v]) => v !== undefined && v !== 0).sort());
    if (norm(old) === norm(status) && old.replicas === status.replicas && old.collisionCount !== undefined) return;
    try {
      await this.ctx.client.updateStatus(STATEFUL_SETS, set.metadata?.namespace, { ...clone(set), status: { ...status, conditions } } as SetObj);
    } catch (e) {
      if (!isNotFound(e)) throw e;
      this.log.debug({ set: keyOf(set) }, 'statefulset gone before status update');
    }
  }
}


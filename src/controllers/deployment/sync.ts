// One reconcile of a Deployment (upstream syncDeployment and what it calls): given the
// ReplicaSets it controls and their pods, find or create the new ReplicaSet, take one step of
// the RollingUpdate or Recreate rollout, scale proportionally on scaling events, prune old
// ReplicaSets beyond revisionHistoryLimit, and write status and conditions.
import type { Deployment, DeploymentStatus, ReplicaSet } from 'kubernetes-types/apps/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { isAlreadyExists, isNotFound, type ApiClient, type KubeObject } from '../../client/api.js';
import type { Clock } from '../../client/clock.js';
import { clone } from '../../client/informer.js';
import { getCondition, setCondition } from '../conditions.js';
import type { EventSink } from '../context.js';
import { controllerRefOf, newControllerRef } from '../controller-ref.js';
import { DEPLOYMENTS, REPLICA_SETS } from '../resource-types.js';
import { REVISION, maxRevision, replicasAnnotationsNeedUpdate, setDeploymentReplicasAnnotations, setDeploymentRevision, setNewReplicaSetAnnotations } from './annotations.js';
import { equalIgnoreHash, findNewReplicaSet, findOldReplicaSets } from './replica-sets.js';
import {
  activeReplicaSets,
  byCreationTimestamp,
  findActiveOrLatest,
  intAnnotation,
  isRollingUpdate,
  isSaturated,
  maxScaledDown,
  maxSurge,
  maxUnavailable,
  newRSNewReplicas,
  proportionalScale,
  replicasOf,
  rsReplicas,
  strategyType,
  sumAvailableReplicas,
  sumSpecReplicas,
  sumStatusReplicas,
} from './rollout-math.js';
import {
  PROGRESSING,
  REASON_FAILED_RS_CREATE,
  REASON_FOUND_NEW_RS,
  REASON_NEW_RS_CREATED,
  REASON_PAUSED,
  REASON_RESUMED,
  REASON_TIMED_OUT,
  calculateStatus,
  deploymentComplete,
  hasProgressDeadline,
  newDeploymentCondition,
  revisionHistoryLimit,
  rolloutStatus,
  sameDeploymentStatus,
  stuckRequeueAfter,
} from './status.js';
import { POD_TEMPLATE_HASH_LABEL, computeTemplateHash } from './template-hash.js';

export interface DeploymentSyncDeps {
  client: ApiClient;
  events: EventSink;
  clock: Clock;
}

export interface SyncResult {
  requeueAfterMs?: number;
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/**
 * Reconcile one deployment. `d` may come from an informer cache (it is cloned); rsList are the
 * ReplicaSets it controls; podMap maps ReplicaSet uid → its pods (Recreate waits on these).
 */
export async function syncDeployment(deps: DeploymentSyncDeps, d: Deployment, rsList: ReplicaSet[], podMap: Map<string, Pod[]>): Promise<SyncResult> {
  return new DeploymentSync(deps, clone(d), rsList.map((rs) => clone(rs))).run(podMap);
}

class DeploymentSync {
  private requeueAfterMs?: number;

  constructor(
    private readonly deps: DeploymentSyncDeps,
    /** The deployment as last written (kept current so later writes carry its resourceVersion). */
    private d: Deployment,
    private rsList: ReplicaSet[],
  ) {}

  private now(): number {
    return this.deps.clock.now();
  }

  async run(podMap: Map<string, Pod[]>): Promise<SyncResult> {
    const d = this.d;
    if (d.metadata?.deletionTimestamp) {
      await this.syncStatusOnly();
      return {};
    }
    await this.checkPausedConditions();
    if (this.d.spec?.paused) {
      await this.sync();
      return {};
    }
    if (await this.isScalingEvent()) {
      await this.sync();
      return {};
    }
    switch (strategyType(this.d)) {
      case 'Recreate':
        await this.rolloutRecreate(podMap);
        break;
      case 'RollingUpdate':
        await this.rolloutRolling();
        break;
      default:
        throw new Error(`unexpected deployment strategy type: ${strategyType(this.d)}`);
    }
    return { requeueAfterMs: this.requeueAfterMs };
  }

  // ---- writes ----

  private async writeStatus(status: DeploymentStatus): Promise<void> {
    const body = { ...this.d, status } as Deployment & KubeObject;
    this.d = await this.deps.client.updateStatus<Deployment & KubeObject>(DEPLOYMENTS, this.d.metadata?.namespace, body);
  }

  /** Record the revision on the deployment (metadata only: no new generation). */
  private async writeRevision(revision: string): Promise<void> {
    const copy = clone(this.d);
    if (!setDeploymentRevision(copy, revision)) return;
    const patch = { metadata: { annotations: { [REVISION]: revision }, resourceVersion: this.d.metadata?.resourceVersion } };
    this.d = await this.deps.client.patch<Deployment & KubeObject>(DEPLOYMENTS, this.d.metadata?.namespace, this.d.metadata!.name!, 'merge', patch);
  }

  private async updateReplicaSet(rs: ReplicaSet): Promise<ReplicaSet> {
    const updated = await this.deps.client.update<ReplicaSet & KubeObject>(REPLICA_SETS, rs.metadata?.namespace, rs as ReplicaSet & KubeObject);
    this.rsList = this.rsList.map((r) => (r.metadata?.uid === updated.metadata?.uid ? updated : r));
    return updated;
  }

  // ---- sync paths ----

  private async syncStatusOnly(): Promise<void> {
    const { newRS, oldRSs } = await this.allReplicaSetsAndSyncRevision(false);
    await this.syncDeploymentStatus([...oldRSs, newRS], newRS);
  }

  /** Scaling events and paused deployments: scale proportionally, no rollout. */
  private async sync(): Promise<void> {
    const { newRS, oldRSs } = await this.allReplicaSetsAndSyncRevision(false);
    const scaled = await this.scale(newRS, oldRSs);
    if (this.d.spec?.paused) await this.cleanupDeployment(scaled.oldRSs);
    await this.syncDeploymentStatus([...scaled.oldRSs, scaled.newRS], scaled.newRS);
  }

  private async checkPausedConditions(): Promise<void> {
    if (!hasProgressDeadline(this.d)) return;
    const cond = getCondition(this.d.status?.conditions, PROGRESSING);
    if (cond?.reason === REASON_TIMED_OUT) return; // keep reporting the failure
    const pausedCond = cond?.reason === REASON_PAUSED;
    let next;
    if (this.d.spec?.paused && !pausedCond) next = newDeploymentCondition(PROGRESSING, 'Unknown', REASON_PAUSED, 'Deployment is paused', this.now());
    else if (!this.d.spec?.paused && pausedCond) next = newDeploymentCondition(PROGRESSING, 'Unknown', REASON_RESUMED, 'Deployment is resumed', this.now());
    if (!next) return;
    await this.writeStatus({ ...(this.d.status ?? {}), conditions: setCondition(this.d.status?.conditions, next) });
  }

  /** Active replica sets whose desired-replicas annotation differs from spec.replicas. */
  private async isScalingEvent(): Promise<boolean> {
    const { newRS, oldRSs } = await this.allReplicaSetsAndSyncRevision(false);
    for (const rs of activeReplicaSets([...oldRSs, newRS])) {
      const desired = intAnnotation(rs, 'deployment.kubernetes.io/desired-replicas');
      if (desired === undefined) continue;
      if (desired !== replicasOf(this.d)) return true;
    }
    return false;
  }

  // ---- new / old replica sets ----

  private async allReplicaSetsAndSyncRevision(createIfNotExisted: boolean): Promise<{ newRS?: ReplicaSet; oldRSs: ReplicaSet[] }> {
    const oldRSs = findOldReplicaSets(this.d, this.rsList).all;
    const newRS = await this.getNewReplicaSet(oldRSs, createIfNotExisted);
    return { newRS, oldRSs };
  }

  private async getNewReplicaSet(oldRSs: ReplicaSet[], createIfNotExisted: boolean): Promise<ReplicaSet | undefined> {
    const d = this.d;
    const existing = findNewReplicaSet(d, this.rsList);
    const newRevision = maxRevision(oldRSs) + 1;

    if (existing) {
      let rs = clone(existing);
      // A re-used ReplicaSet (rollback) gets the next revision number here.
      const annotationsUpdated = setNewReplicaSetAnnotations(d, rs, newRevision, true);
      const minReady = d.spec?.minReadySeconds ?? 0;
      if (annotationsUpdated || (rs.spec?.minReadySeconds ?? 0) !== minReady) {
        rs.spec = { ...rs.spec!, minReadySeconds: minReady };
        if (!rs.spec.minReadySeconds) delete rs.spec.minReadySeconds;
        rs = await this.updateReplicaSet(rs);
      }
      await this.writeRevision(rs.metadata?.annotations?.[REVISION] ?? String(newRevision));
      if (hasProgressDeadline(this.d) && !getCondition(this.d.status?.conditions, PROGRESSING)) {
        const cond = newDeploymentCondition(PROGRESSING, 'True', REASON_FOUND_NEW_RS, `Found new replica set "${rs.metadata?.name}"`, this.now());
        await this.writeStatus({ ...(this.d.status ?? {}), conditions: setCondition(this.d.status?.conditions, cond) });
      }
      return rs;
    }
    if (!createIfNotExisted) return undefined;

    const template = clone(d.spec?.template ?? {});
    const hash = computeTemplateHash(d.spec?.template, d.status?.collisionCount);
    template.metadata = { ...(template.metadata ?? {}), labels: { ...(template.metadata?.labels ?? {}), [POD_TEMPLATE_HASH_LABEL]: hash } };
    const selector = clone(d.spec?.selector ?? {});
    selector.matchLabels = { ...(selector.matchLabels ?? {}), [POD_TEMPLATE_HASH_LABEL]: hash };
    const newRS: ReplicaSet = {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: {
        name: `${d.metadata!.name}-${hash}`,
        namespace: d.metadata?.namespace,
        ownerReferences: [newControllerRef(d as KubeObject, 'apps/v1', 'Deployment')],
        labels: { ...template.metadata.labels },
      },
      spec: { replicas: 0, selector, template },
    };
    if (d.spec?.minReadySeconds) newRS.spec!.minReadySeconds = d.spec.minReadySeconds;
    const replicas = newRSNewReplicas(d, [...oldRSs, newRS], newRS);
    newRS.spec!.replicas = replicas;
    setNewReplicaSetAnnotations(d, newRS, newRevision, false);

    let created: ReplicaSet;
    let alreadyExists = false;
    try {
      created = await this.deps.client.create<ReplicaSet & KubeObject>(REPLICA_SETS, d.metadata?.namespace, newRS as ReplicaSet & KubeObject);
    } catch (e) {
      if (isAlreadyExists(e)) {
        alreadyExists = true;
        const found = await this.deps.client.get<ReplicaSet & KubeObject>(REPLICA_SETS, d.metadata?.namespace, newRS.metadata!.name!);
        const ref = controllerRefOf(found);
        if (!(ref && ref.uid === d.metadata?.uid && equalIgnoreHash(d.spec?.template, found.spec?.template))) {
          // A different template hashed to the same name: bump collisionCount and retry.
          const collisionCount = (d.status?.collisionCount ?? 0) + 1;
          await this.writeStatus({ ...(this.d.status ?? {}), collisionCount });
          throw e;
        }
        created = found;
      } else {
        const msg = `Failed to create new replica set "${newRS.metadata!.name}": ${errorText(e)}`;
        if (hasProgressDeadline(d)) {
          const cond = newDeploymentCondition(PROGRESSING, 'False', REASON_FAILED_RS_CREATE, msg, this.now());
          await this.writeStatus({ ...(this.d.status ?? {}), conditions: setCondition(this.d.status?.conditions, cond) }).catch(() => undefined);
        }
        this.deps.events.event(d as KubeObject, 'Warning', REASON_FAILED_RS_CREATE, msg);
        throw e;
      }
    }
    if (!alreadyExists) this.rsList.push(created);
    if (!alreadyExists && replicas > 0) {
      this.deps.events.event(d as KubeObject, 'Normal', 'ScalingReplicaSet', `Scaled up replica set ${created.metadata?.name} to ${replicas}`);
    }
    await this.writeRevision(String(newRevision));
    if (!alreadyExists && hasProgressDeadline(this.d)) {
      const cond = newDeploymentCondition(PROGRESSING, 'True', REASON_NEW_RS_CREATED, `Created new replica set "${created.metadata?.name}"`, this.now());
      await this.writeStatus({ ...(this.d.status ?? {}), conditions: setCondition(this.d.status?.conditions, cond) });
    }
    return created;
  }

  // ---- scaling ----

  private async scaleReplicaSet(rs: ReplicaSet, newScale: number, operation: string): Promise<{ scaled: boolean; rs: ReplicaSet }> {
    const d = this.d;
    const sizeNeedsUpdate = rsReplicas(rs) !== newScale;
    const annotationsNeedUpdate = replicasAnnotationsNeedUpdate(rs, replicasOf(d), replicasOf(d) + maxSurge(d));
    if (!sizeNeedsUpdate && !annotationsNeedUpdate) return { scaled: false, rs };
    const oldScale = rsReplicas(rs);
    const copy = clone(rs);
    copy.spec = { ...copy.spec!, replicas: newScale };
    setDeploymentReplicasAnnotations(d, copy);
    const updated = await this.updateReplicaSet(copy);
    if (sizeNeedsUpdate) {
      this.deps.events.event(d as KubeObject, 'Normal', 'ScalingReplicaSet', `Scaled ${operation} replica set ${rs.metadata?.name} to ${newScale} from ${oldScale}`);
    }
    return { scaled: sizeNeedsUpdate, rs: updated };
  }

  private async scaleAndRecord(rs: ReplicaSet, newScale: number): Promise<{ scaled: boolean; rs: ReplicaSet }> {
    if (rsReplicas(rs) === newScale) return { scaled: false, rs };
    return this.scaleReplicaSet(rs, newScale, rsReplicas(rs) < newScale ? 'up' : 'down');
  }

  /** Returns the replica sets as they are after scaling. */
  private async scale(newRS: ReplicaSet | undefined, oldRSs: ReplicaSet[]): Promise<{ newRS?: ReplicaSet; oldRSs: ReplicaSet[] }> {
    const d = this.d;
    const latest = () => ({ newRS: newRS && this.fresh(newRS), oldRSs: oldRSs.map((r) => this.fresh(r)) });
    const activeOrLatest = findActiveOrLatest(newRS, oldRSs);
    if (activeOrLatest) {
      if (rsReplicas(activeOrLatest) !== replicasOf(d)) await this.scaleAndRecord(activeOrLatest, replicasOf(d));
      return latest();
    }
    if (isSaturated(d, newRS)) {
      for (const old of activeReplicaSets(oldRSs)) await this.scaleAndRecord(old, 0);
      return latest();
    }
    if (isRollingUpdate(d)) {
      const { sizes, order, operation } = proportionalScale(d, newRS, oldRSs);
      for (const rs of order) await this.scaleReplicaSet(rs, sizes.get(rs.metadata!.name!)!, operation);
    }
    return latest();
  }

  private fresh(rs: ReplicaSet): ReplicaSet {
    return this.rsList.find((r) => r.metadata?.uid === rs.metadata?.uid) ?? rs;
  }

  // ---- rolling update ----

  private async rolloutRolling(): Promise<void> {
    const { newRS, oldRSs } = await this.allReplicaSetsAndSyncRevision(true);
    let allRSs = [...oldRSs, newRS!];
    if (await this.reconcileNewReplicaSet(allRSs, newRS!)) {
      return this.syncRolloutStatus(this.fresh(newRS!), oldRSs.map((r) => this.fresh(r)));
    }
    allRSs = [...oldRSs, newRS!].map((r) => this.fresh(r));
    if (await this.reconcileOldReplicaSets(allRSs, activeReplicaSets(oldRSs.map((r) => this.fresh(r))), this.fresh(newRS!))) {
      return this.syncRolloutStatus(this.fresh(newRS!), oldRSs.map((r) => this.fresh(r)));
    }
    if (deploymentComplete(this.d, this.d.status ?? {})) await this.cleanupDeployment(oldRSs.map((r) => this.fresh(r)));
    return this.syncRolloutStatus(this.fresh(newRS!), oldRSs.map((r) => this.fresh(r)));
  }

  private async reconcileNewReplicaSet(allRSs: ReplicaSet[], newRS: ReplicaSet): Promise<boolean> {
    const replicas = replicasOf(this.d);
    if (rsReplicas(newRS) === replicas) return false;
    if (rsReplicas(newRS) > replicas) return (await this.scaleAndRecord(newRS, replicas)).scaled;
    return (await this.scaleAndRecord(newRS, newRSNewReplicas(this.d, allRSs, newRS))).scaled;
  }

  private async reconcileOldReplicaSets(allRSs: ReplicaSet[], oldRSs: ReplicaSet[], newRS: ReplicaSet): Promise<boolean> {
    if (sumSpecReplicas(oldRSs) === 0) return false;
    const budget = maxScaledDown(this.d, allRSs, newRS);
    if (budget <= 0) return false;
    const { cleaned, count } = await this.cleanupUnhealthyReplicas(oldRSs, budget);
    const scaledDown = await this.scaleDownOldReplicaSetsForRollingUpdate([...cleaned, this.fresh(newRS)], cleaned);
    return count + scaledDown > 0;
  }

  /** Scale down old replica sets' unavailable pods first: they serve nobody. */
  private async cleanupUnhealthyReplicas(oldRSs: ReplicaSet[], maxCleanup: number): Promise<{ cleaned: ReplicaSet[]; count: number }> {
    const sorted = oldRSs.slice().sort(byCreationTimestamp);
    let total = 0;
    for (let i = 0; i < sorted.length; i++) {
      if (total >= maxCleanup) break;
      const rs = sorted[i];
      const replicas = rsReplicas(rs);
      const available = rs.status?.availableReplicas ?? 0;
      if (replicas === 0 || replicas === available) continue;
      const down = Math.min(maxCleanup - total, replicas - available);
      sorted[i] = (await this.scaleAndRecord(rs, replicas - down)).rs;
      total += down;
    }
    return { cleaned: sorted, count: total };
  }

  private async scaleDownOldReplicaSetsForRollingUpdate(allRSs: ReplicaSet[], oldRSs: ReplicaSet[]): Promise<number> {
    const minAvail = replicasOf(this.d) - maxUnavailable(this.d);
    const available = sumAvailableReplicas(allRSs);
    if (available <= minAvail) return 0;
    const sorted = oldRSs.slice().sort(byCreationTimestamp);
    const target = available - minAvail;
    let total = 0;
    for (const rs of sorted) {
      if (total >= target) break;
      if (rsReplicas(rs) === 0) continue;
      const down = Math.min(rsReplicas(rs), target - total);
      await this.scaleAndRecord(rs, rsReplicas(rs) - down);
      total += down;
    }
    return total;
  }

  // ---- recreate ----

  private async rolloutRecreate(podMap: Map<string, Pod[]>): Promise<void> {
    let { newRS, oldRSs } = await this.allReplicaSetsAndSyncRevision(false);
    let scaledDown = false;
    for (const rs of activeReplicaSets(oldRSs)) {
      if ((await this.scaleAndRecord(rs, 0)).scaled) scaledDown = true;
    }
    oldRSs = oldRSs.map((r) => this.fresh(r));
    if (scaledDown) return this.syncRolloutStatus(newRS, oldRSs);
    // Old pods must be gone (not merely terminating) before new ones start.
    if (oldPodsRunning(newRS, oldRSs, podMap)) return this.syncRolloutStatus(newRS, oldRSs);
    if (!newRS) ({ newRS, oldRSs } = await this.allReplicaSetsAndSyncRevision(true));
    await this.scaleAndRecord(newRS!, replicasOf(this.d));
    newRS = this.fresh(newRS!);
    if (deploymentComplete(this.d, this.d.status ?? {})) await this.cleanupDeployment(oldRSs);
    return this.syncRolloutStatus(newRS, oldRSs);
  }

  // ---- history cleanup ----

  private async cleanupDeployment(oldRSs: ReplicaSet[]): Promise<void> {
    const limit = revisionHistoryLimit(this.d);
    if (limit === undefined) return;
    const cleanable = oldRSs.filter((rs) => !rs.metadata?.deletionTimestamp);
    const diff = cleanable.length - limit;
    if (diff <= 0) return;
    cleanable.sort((a, b) => {
      const ra = Number(a.metadata?.annotations?.[REVISION] ?? 0);
      const rb = Number(b.metadata?.annotations?.[REVISION] ?? 0);
      return ra !== rb ? ra - rb : byCreationTimestamp(a, b);
    });
    for (let i = 0; i < diff; i++) {
      const rs = cleanable[i];
      // Only fully drained replica sets whose latest spec the RS controller has seen.
      if ((rs.status?.replicas ?? 0) !== 0 || rsReplicas(rs) !== 0 || (rs.metadata?.generation ?? 0) > (rs.status?.observedGeneration ?? 0)) continue;
      try {
        await this.deps.client.delete(REPLICA_SETS, rs.metadata?.namespace, rs.metadata!.name!);
      } catch (e) {
        if (!isNotFound(e)) throw e;
      }
    }
  }

  // ---- status ----

  private async syncDeploymentStatus(allRSs: (ReplicaSet | undefined)[], newRS: ReplicaSet | undefined): Promise<void> {
    const status = calculateStatus(allRSs, newRS, this.d, this.now());
    if (sameDeploymentStatus(this.d.status, status)) return;
    await this.writeStatus(status);
  }

  private async syncRolloutStatus(newRS: ReplicaSet | undefined, oldRSs: ReplicaSet[]): Promise<void> {
    const status = rolloutStatus([...oldRSs, newRS], newRS, this.d, this.now());
    if (sameDeploymentStatus(this.d.status, status)) {
      this.requeueAfterMs = stuckRequeueAfter(this.d, status, this.now());
      return;
    }
    await this.writeStatus(status);
  }
}

/** Any pod of an old replica set still present and not finished (Recreate must wait). */
export function oldPodsRunning(newRS: ReplicaSet | undefined, oldRSs: ReplicaSet[], podMap: Map<string, Pod[]>): boolean {
  if (sumStatusReplicas(oldRSs) > 0) return true;
  for (const [uid, pods] of podMap) {
    if (newRS && newRS.metadata?.uid === uid) continue;
    for (const p of pods) {
      const phase = p.status?.phase;
      if (phase === 'Failed' || phase === 'Succeeded') continue;
      return true;
    }
  }
  return false;
}

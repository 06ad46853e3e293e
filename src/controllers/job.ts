// The Job controller (upstream job-controller): runs pods until spec.completions succeed with at
// most spec.parallelism active (or, without completions, until one succeeds and the rest exit),
// in NonIndexed or Indexed completion mode. Finished pods are counted through the
// batch.kubernetes.io/job-tracking finalizer and status.uncountedTerminatedPods so no pod is
// counted twice or lost. Failures are retried with exponential back-off (10 s doubling, 6 min
// cap) until backoffLimit; activeDeadlineSeconds, suspend and ttlSecondsAfterFinished are
// honoured; conditions follow 1.31+ (SuccessCriteriaMet/FailureTarget, then Complete/Failed once
// every pod has terminated).
import type { Job, JobCondition, JobStatus } from 'kubernetes-types/batch/v1.js';
import type { Container, Pod } from 'kubernetes-types/core/v1.js';
import type pino from 'pino';
import { isNotFound, type KubeObject } from '../client/api.js';
import { clone, keyOf, splitKey, type SharedInformer } from '../client/informer.js';
import { WorkQueue } from '../client/workqueue.js';
import { getCondition, setCondition } from './conditions.js';
import type { Controller, ControllerContext, EventSink } from './context.js';
import { CONTROLLER_UID_INDEX, claimObjects, controllerRefOf, controllerUidIndexFunc, newControllerRef, ownedAndOrphans, recheckOwner } from './controller-ref.js';
import { ControllerExpectations } from './expectations.js';
import { hasFinalizer, removeFinalizerStrategic } from './finalizers.js';
import { formatIndexes, JOB_COMPLETION_INDEX_ANNOTATION, JOB_COMPLETION_INDEX_ENV, parseIndexes, podCompletionIndex } from './job-indexes.js';
import { JOBS } from './kinds.js';
import { labelSelectorMatcher } from './label-selector.js';
import { isPodReady } from './pod-readiness.js';
import { slowStartBatch } from './replicaset.js';
import { PODS } from './resource-types.js';
import { parseTime, rfc3339 } from './timestamps.js';

export const JOB_CONTROLLER = 'job-controller';
export const JOB_TRACKING_FINALIZER = 'batch.kubernetes.io/job-tracking';
export const DEFAULT_BACKOFF_LIMIT = 6;
export const BACKOFF_BASE_MS = 10_000;
export const BACKOFF_MAX_MS = 6 * 60_000;
const BURST = 500;
/**
 * Pod events wait this long before the job syncs (upstream syncJobBatchPeriod), so a pod that
 * goes Pending → Running → Succeeded quickly costs one status write, not one per transition.
 */
export const JOB_SYNC_BATCH_MS = 1000;
/** Queue keys for pods whose Job is gone but which still carry the tracking finalizer. */
const ORPHAN_POD_PREFIX = 'orphan-pod:';

type JobObj = Job & KubeObject;
type PodObj = Pod & KubeObject;

/** Back-off before the next pod after `failures` consecutive failures (upstream getBackoff). */
export function jobBackoffDelay(failures: number): number {
  if (failures <= 0) return 0;
  return Math.min(BACKOFF_BASE_MS * 2 ** Math.min(failures - 1, 30), BACKOFF_MAX_MS);
}

/** completions/parallelism/backoffLimit with the API defaults applied. */
export function jobParams(job: Job): { completions: number | null; parallelism: number; backoffLimit: number; indexed: boolean } {
  const s = job.spec ?? ({} as Job['spec'] & object);
  const completions = s.completions ?? (s.parallelism === undefined ? 1 : null);
  return { completions, parallelism: s.parallelism ?? 1, backoffLimit: s.backoffLimit ?? DEFAULT_BACKOFF_LIMIT, indexed: s.completionMode === 'Indexed' };
}

export function isJobFinished(job: Job): boolean {
  return (job.status?.conditions ?? []).some((c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True');
}

function isTerminated(p: Pod): boolean {
  return p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed';
}

/** Counts as a failure: failed, or deleted before succeeding (upstream isPodFailed). */
function podFailed(p: Pod, onlyFailedPhase: boolean): boolean {
  if (p.status?.phase === 'Failed') return true;
  if (onlyFailedPhase) return false;
  return !!p.metadata?.deletionTimestamp && p.status?.phase !== 'Succeeded';
}

/** Container restarts of unfinished pods, which count toward backoffLimit for restartPolicy OnFailure. */
function restartsOnFailure(pods: Pod[]): number {
  let n = 0;
  for (const p of pods) {
    if (p.status?.phase !== 'Running' && p.status?.phase !== 'Pending') continue;
    for (const c of [...(p.status?.initContainerStatuses ?? []), ...(p.status?.containerStatuses ?? [])]) n += c.restartCount ?? 0;
  }
  return n;
}

/** The pod a Job creates (index set for Indexed jobs). */
export function jobPod(job: Job, index?: number): Pod {
  const t = job.spec?.template ?? {};
  const labels = { ...(t.metadata?.labels ?? {}) };
  if (!job.spec?.selector) {
    // No selector (the API server normally generates one): label pods by the job's uid.
    const uid = job.metadata!.uid!;
    Object.assign(labels, { 'batch.kubernetes.io/controller-uid': uid, 'batch.kubernetes.io/job-name': job.metadata!.name!, 'controller-uid': uid, 'job-name': job.metadata!.name! });
  }
  const annotations = { ...(t.metadata?.annotations ?? {}) };
  const spec = clone(t.spec ?? { containers: [] });
  let generateName = `${job.metadata!.name}-`;
  if (index !== undefined) {
    annotations[JOB_COMPLETION_INDEX_ANNOTATION] = String(index);
    labels[JOB_COMPLETION_INDEX_ANNOTATION] = String(index);
    generateName = `${job.metadata!.name}-${index}-`;
    if (!spec.hostname) spec.hostname = `${job.metadata!.name}-${index}`;
    const addEnv = (c: Container) => {
      if ((c.env ?? []).some((e) => e.name === JOB_COMPLETION_INDEX_ENV)) return;
      c.env = [...(c.env ?? []), { name: JOB_COMPLETION_INDEX_ENV, valueFrom: { fieldRef: { fieldPath: `metadata.annotations['${JOB_COMPLETION_INDEX_ANNOTATION}']` } } }];
    };
    spec.containers.forEach(addEnv);
    spec.initContainers?.forEach(addEnv);
  }
  const meta: Pod['metadata'] = {
    generateName,
    namespace: job.metadata!.namespace,
    labels,
    ownerReferences: [newControllerRef(job as KubeObject, 'batch/v1', 'Job')],
    finalizers: [...(t.metadata?.finalizers ?? []), JOB_TRACKING_FINALIZER],
  };
  if (Object.keys(annotations).length) meta.annotations = annotations;
  return { apiVersion: 'v1', kind: 'Pod', metadata: meta, spec };
}

function cond(type: string, reason: string, message: string, now: string, status = 'True'): JobCondition {
  return { type, status, reason, message, lastProbeTime: now, lastTransitionTime: now };
}

function errText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

interface BackoffRecord {
  failures: number;
  lastFailureMs: number;
}

export class JobController implements Controller {
  readonly name = JOB_CONTROLLER;
  readonly queue: WorkQueue<string>;
  readonly workers: number;
  readonly expectations: ControllerExpectations;
  private readonly jobs: SharedInformer<JobObj>;
  private readonly pods: SharedInformer<PodObj>;
  private readonly events: EventSink;
  private readonly log: pino.Logger;
  private readonly backoff = new Map<string, BackoffRecord>();
  /** Pod uids already counted whose finalizer removal the cache may not show yet (per job key). */
  private readonly counted = new Map<string, Set<string>>();

  private readonly podBatchMs: number;

  constructor(
    private readonly ctx: ControllerContext,
    opts: { workers?: number; podEventBatchMs?: number } = {},
  ) {
    this.queue = new WorkQueue<string>({ name: 'job', clock: ctx.clock });
    this.workers = opts.workers ?? 5;
    this.podBatchMs = opts.podEventBatchMs ?? JOB_SYNC_BATCH_MS;
    this.expectations = new ControllerExpectations(ctx.clock);
    this.events = ctx.events(JOB_CONTROLLER);
    this.log = ctx.logger.child({ component: JOB_CONTROLLER });
    this.jobs = ctx.factory.informerFor(JOBS);
    this.pods = ctx.factory.informerFor(PODS);
    this.pods.addIndexer(CONTROLLER_UID_INDEX, controllerUidIndexFunc);
    this.jobs.addEventHandler({
      onAdd: (j) => this.queue.add(keyOf(j)),
      onUpdate: (_o, j) => this.queue.add(keyOf(j)),
      onDelete: (j) => {
        this.expectations.delete(keyOf(j));
        this.queue.add(keyOf(j));
        // Its pods may still carry the tracking finalizer (upstream deleteJob does the same).
        for (const pod of this.pods.byIndex(CONTROLLER_UID_INDEX, j.metadata?.uid ?? '')) {
          if (hasFinalizer(pod, JOB_TRACKING_FINALIZER)) this.queue.add(ORPHAN_POD_PREFIX + keyOf(pod));
        }
      },
    });
    this.pods.addEventHandler({
      onAdd: (p) => this.podChanged(p, 'add'),
      onUpdate: (_o, p) => this.podChanged(p, 'update'),
      onDelete: (p) => this.podChanged(p, 'delete'),
    });
  }

  private ownerJob(pod: PodObj): JobObj | undefined {
    const ref = controllerRefOf(pod);
    if (!ref || ref.kind !== 'Job') return undefined;
    const job = this.jobs.get(pod.metadata?.namespace, ref.name);
    return job && job.metadata?.uid === ref.uid ? job : undefined;
  }

  private podChanged(pod: PodObj, what: 'add' | 'update' | 'delete'): void {
    const job = this.ownerJob(pod);
    if (!job) {
      const ref = controllerRefOf(pod);
      if (ref?.kind === 'Job' && what !== 'delete' && hasFinalizer(pod, JOB_TRACKING_FINALIZER)) this.queue.add(ORPHAN_POD_PREFIX + keyOf(pod));
      if (!ref && what !== 'delete') {
        // An orphan that may be adopted.
        for (const j of this.jobs.byIndex('namespace', pod.metadata?.namespace ?? '')) {
          if (j.spec?.selector && labelSelectorMatcher(j.spec.selector).matches(pod.metadata?.labels)) this.queue.add(keyOf(j));
        }
      }
      return;
    }
    const key = keyOf(job);
    if (what === 'add') this.expectations.creationObserved(key);
    if (what === 'delete' || pod.metadata?.deletionTimestamp) this.expectations.deletionObserved(key, keyOf(pod));
    if (what === 'delete' || !hasFinalizer(pod, JOB_TRACKING_FINALIZER)) this.counted.get(key)?.delete(pod.metadata!.uid!);
    this.queue.addAfter(key, this.podBatchMs);
  }

  async reconcile(key: string): Promise<void | { requeueAfterMs?: number }> {
    if (key.startsWith(ORPHAN_POD_PREFIX)) return this.releaseOrphanPod(key.slice(ORPHAN_POD_PREFIX.length));
    const { namespace, name } = splitKey(key);
    const job = this.jobs.get(namespace, name);
    if (!job) {
      this.expectations.delete(key);
      this.backoff.delete(key);
      this.counted.delete(key);
      return;
    }
    const pods = await this.claimPods(job);
    if (job.metadata?.deletionTimestamp || isJobFinished(job)) {
      // Nothing more to run; make sure no pod stays blocked by our finalizer.
      await this.removeTrackingFinalizers(pods.filter((p) => hasFinalizer(p, JOB_TRACKING_FINALIZER) && (isTerminated(p) || !!p.metadata?.deletionTimestamp || isJobFinished(job))));
      return this.ttl(job);
    }
    if (!this.expectations.satisfied(key)) return;
    return this.syncJob(key, job, pods);
  }

  private async claimPods(job: JobObj): Promise<PodObj[]> {
    const ns = job.metadata?.namespace ?? '';
    const selector = job.spec?.selector ? labelSelectorMatcher(job.spec.selector) : { matches: (l: Record<string, string> | undefined) => l?.['batch.kubernetes.io/controller-uid'] === job.metadata?.uid };
    const candidates = ownedAndOrphans(this.pods, ns, job.metadata?.uid);
    return claimObjects({
      client: this.ctx.client,
      rt: PODS,
      owner: job,
      ownerApiVersion: 'batch/v1',
      ownerKind: 'Job',
      selector,
      objects: candidates,
      canAdopt: recheckOwner(this.ctx.client, JOBS, job),
    });
  }

  private async syncJob(key: string, job: JobObj, pods: PodObj[]): Promise<void | { requeueAfterMs?: number }> {
    const nowMs = this.ctx.clock.now();
    const now = rfc3339(nowMs);
    const p = jobParams(job);
    const onlyFailedPhase = job.spec?.podReplacementPolicy === 'Failed';
    const suspended = job.spec?.suspend === true;
    let status: JobStatus = clone(job.status ?? {});
    const counted = this.counted.get(key) ?? new Set<string>();
    this.counted.set(key, counted);

    // 1. Count newly finished pods: record them as uncounted, drop their finalizer, then count.
    const uncounted = { succeeded: [...(status.uncountedTerminatedPods?.succeeded ?? [])], failed: [...(status.uncountedTerminatedPods?.failed ?? [])] };
    const inUncounted = new Set([...uncounted.succeeded, ...uncounted.failed]);
    const fresh: PodObj[] = [];
    for (const pod of pods) {
      const uid = pod.metadata!.uid!;
      if (!hasFinalizer(pod, JOB_TRACKING_FINALIZER) || counted.has(uid) || inUncounted.has(uid)) continue;
      const ok = pod.status?.phase === 'Succeeded';
      if (!ok && !podFailed(pod, onlyFailedPhase)) continue;
      (ok ? uncounted.succeeded : uncounted.failed).push(uid);
      fresh.push(pod);
    }
    let cur = job;
    if (fresh.length > 0) {
      status.uncountedTerminatedPods = uncounted;
      cur = await this.writeStatus(cur, status);
      status = clone(cur.status ?? status);
    }
    const byUid = new Map(pods.map((x) => [x.metadata!.uid!, x]));
    const toRelease = pods.filter((x) => hasFinalizer(x, JOB_TRACKING_FINALIZER) && (uncounted.succeeded.includes(x.metadata!.uid!) || uncounted.failed.includes(x.metadata!.uid!)));
    const released = new Set(await this.removeTrackingFinalizers(toRelease));
    let newSucceeded = 0;
    let newFailed = 0;
    const completed = parseIndexes(status.completedIndexes, p.completions ?? 0);
    for (const list of ['succeeded', 'failed'] as const) {
      const keep: string[] = [];
      for (const uid of uncounted[list]) {
        const pod = byUid.get(uid);
        if (pod && !released.has(uid)) {
          keep.push(uid);
          continue;
        }
        counted.add(uid);
        if (list === 'failed') newFailed++;
        else if (p.indexed) {
          const idx = pod ? podCompletionIndex(pod, p.completions ?? 0) : undefined;
          if (idx !== undefined && !completed.has(idx)) {
            completed.add(idx);
            newSucceeded++;
          }
        } else newSucceeded++;
      }
      uncounted[list] = keep;
    }
    status.uncountedTerminatedPods = { ...(uncounted.succeeded.length ? { succeeded: uncounted.succeeded } : {}), ...(uncounted.failed.length ? { failed: uncounted.failed } : {}) };
    if (p.indexed) {
      status.completedIndexes = formatIndexes(completed) || undefined;
      if (!status.completedIndexes) delete status.completedIndexes;
      status.succeeded = completed.size;
    } else if (newSucceeded) status.succeeded = (status.succeeded ?? 0) + newSucceeded;
    if (newFailed) status.failed = (status.failed ?? 0) + newFailed;
    if (newFailed) {
      const rec = this.backoff.get(key) ?? { failures: 0, lastFailureMs: nowMs };
      this.backoff.set(key, { failures: rec.failures + newFailed, lastFailureMs: nowMs });
    } else if (newSucceeded) this.backoff.delete(key);
    if (!status.succeeded) delete status.succeeded;
    if (!status.failed) delete status.failed;

    const succeeded = status.succeeded ?? 0;
    const failed = status.failed ?? 0;
    const active = pods.filter((x) => !isTerminated(x) && !x.metadata?.deletionTimestamp);
    const terminating = pods.filter((x) => !isTerminated(x) && !!x.metadata?.deletionTimestamp);
    let conds = (status.conditions ?? []) as JobCondition[];
    let requeueAfterMs: number | undefined;
    let liveActive = active;

    // 2. Start time, resume/suspend.
    const suspendedCond = getCondition(conds, 'Suspended');
    if (suspended) {
      if (suspendedCond?.status !== 'True') {
        conds = setCondition(conds, cond('Suspended', 'JobSuspended', 'Job suspended', now));
        this.events.event(job, 'Normal', 'Suspended', 'Job suspended');
      }
    } else {
      if (suspendedCond?.status === 'True') {
        conds = setCondition(conds, cond('Suspended', 'JobResumed', 'Job resumed', now, 'False'));
        this.events.event(job, 'Normal', 'Resumed', 'Job resumed');
        status.startTime = now;
      }
      status.startTime ??= now;
    }

    // 3. Terminal decisions.
    const failureTarget = getCondition(conds, 'FailureTarget');
    const successTarget = getCondition(conds, 'SuccessCriteriaMet');
    let finishing: JobCondition | undefined = failureTarget?.status === 'True' ? failureTarget : successTarget?.status === 'True' ? successTarget : undefined;
    if (!finishing) {
      const restarts = job.spec?.template?.spec?.restartPolicy === 'OnFailure' ? restartsOnFailure(active) : 0;
      const onFailureExceeded = restarts > 0 && (p.backoffLimit === 0 ? restarts > 0 : restarts >= p.backoffLimit);
      const startMs = parseTime(status.startTime);
      const deadline = job.spec?.activeDeadlineSeconds;
      const complete =
        p.completions === null ? succeeded > 0 && active.length === 0 : p.indexed ? completed.size >= p.completions : succeeded >= p.completions;
      if (failed > p.backoffLimit || onFailureExceeded) {
        finishing = cond('FailureTarget', 'BackoffLimitExceeded', 'Job has reached the specified backoff limit', now);
      } else if (!suspended && deadline !== undefined && startMs !== undefined && nowMs - startMs >= deadline * 1000) {
        finishing = cond('FailureTarget', 'DeadlineExceeded', 'Job was active longer than specified deadline', now);
      } else if (complete) {
        finishing = cond('SuccessCriteriaMet', 'CompletionsReached', 'Reached expected number of succeeded pods', now);
      } else if (!suspended && deadline !== undefined && startMs !== undefined) {
        requeueAfterMs = startMs + deadline * 1000 - nowMs;
      }
      if (finishing) conds = setCondition(conds, finishing);
    }

    let manageError: unknown;
    if (finishing) {
      // Stop what still runs (killed pods count as failed when the job fails), then report the
      // final condition once every pod has terminated.
      if (active.length > 0) {
        await this.deletePods(key, job, active).catch((e) => (manageError = e));
        if (finishing.type === 'FailureTarget') status.failed = (status.failed ?? 0) + active.length;
      }
      liveActive = [];
      if (active.length === 0 && terminating.length === 0 && uncounted.succeeded.length === 0 && uncounted.failed.length === 0) {
        const failedFinal = finishing.type === 'FailureTarget';
        conds = setCondition(conds, cond(failedFinal ? 'Failed' : 'Complete', finishing.reason!, finishing.message!, now));
        if (failedFinal) this.events.event(job, 'Warning', finishing.reason!, finishing.message!);
        else {
          status.completionTime = now;
          this.events.event(job, 'Normal', 'Completed', 'Job completed');
        }
      }
    } else if (suspended) {
      if (active.length > 0) await this.deletePods(key, job, active).catch((e) => (manageError = e));
      liveActive = [];
    } else {
      try {
        const r = await this.managePods(key, job, active, terminating, completed, succeeded, onlyFailedPhase, nowMs);
        liveActive = r.active;
        if (r.requeueAfterMs !== undefined) requeueAfterMs = Math.min(requeueAfterMs ?? Infinity, r.requeueAfterMs);
      } catch (e) {
        manageError = e;
      }
    }

    status.conditions = conds.length ? conds : undefined;
    if (!status.conditions) delete status.conditions;
    status.active = liveActive.length || undefined;
    if (!status.active) delete status.active;
    status.ready = liveActive.filter((x) => isPodReady(x)).length;
    status.terminating = terminating.length;
    await this.writeStatus(cur, status);
    if (manageError !== undefined) throw manageError;
    const finishedNow = (status.conditions ?? []).some((c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True');
    if (finishedNow && job.spec?.ttlSecondsAfterFinished !== undefined) requeueAfterMs = Math.min(requeueAfterMs ?? Infinity, job.spec.ttlSecondsAfterFinished * 1000);
    return requeueAfterMs !== undefined ? { requeueAfterMs: Math.max(0, requeueAfterMs) } : undefined;
  }

  /** Create or delete pods toward the wanted number of active pods; returns the active set. */
  private async managePods(
    key: string,
    job: JobObj,
    active: PodObj[],
    terminating: PodObj[],
    completed: Set<number>,
    succeeded: number,
    onlyFailedPhase: boolean,
    nowMs: number,
  ): Promise<{ active: PodObj[]; requeueAfterMs?: number }> {
    const p = jobParams(job);
    const counting = onlyFailedPhase ? active.length + terminating.length : active.length;
    let want: number;
    if (p.completions === null) want = succeeded > 0 ? Math.min(counting, p.parallelism) : p.parallelism;
    else want = Math.max(0, Math.min(p.parallelism, p.completions - (p.indexed ? completed.size : succeeded)));

    // Indexed: pods with an index that already succeeded, is out of range or is duplicated go.
    const excess: PodObj[] = [];
    let keep = active;
    if (p.indexed) {
      const seen = new Set<number>();
      keep = [];
      for (const pod of [...active].sort((a, b) => Number(isPodReady(b)) - Number(isPodReady(a)))) {
        const idx = podCompletionIndex(pod, p.completions ?? 0);
        if (idx === undefined || completed.has(idx) || seen.has(idx)) excess.push(pod);
        else {
          seen.add(idx);
          keep.push(pod);
        }
      }
    }
    if (keep.length > want) {
      // Remove the youngest / not ready first (upstream ranks by ActivePods order).
      const ranked = [...keep].sort((a, b) => Number(isPodReady(a)) - Number(isPodReady(b)) || (b.metadata?.creationTimestamp ?? '').localeCompare(a.metadata?.creationTimestamp ?? ''));
      excess.push(...ranked.slice(0, keep.length - want));
      keep = ranked.slice(keep.length - want);
    }
    if (excess.length) await this.deletePods(key, job, excess.slice(0, BURST));

    const toCreate = Math.min(BURST, want - (onlyFailedPhase ? keep.length + terminating.length : keep.length));
    if (toCreate <= 0) return { active: keep };
    const rec = this.backoff.get(key);
    if (rec) {
      const wait = rec.lastFailureMs + jobBackoffDelay(rec.failures) - nowMs;
      if (wait > 0) return { active: keep, requeueAfterMs: wait };
    }
    let indexes: number[] | undefined;
    if (p.indexed) {
      const busy = new Set(keep.map((x) => podCompletionIndex(x, p.completions ?? 0)));
      for (const t of terminating) busy.add(podCompletionIndex(t, p.completions ?? 0));
      indexes = [];
      for (let i = 0; i < (p.completions ?? 0) && indexes.length < toCreate; i++) if (!completed.has(i) && !busy.has(i)) indexes.push(i);
    }
    const n = indexes ? indexes.length : toCreate;
    if (n <= 0) return { active: keep };
    this.expectations.expectCreations(key, n);
    let next = 0;
    const { successes, error } = await slowStartBatch(n, 1, async () => {
      const idx = indexes ? indexes[next++] : undefined;
      try {
        const created = await this.ctx.client.create<PodObj>(PODS, job.metadata?.namespace, jobPod(job, idx) as PodObj);
        keep = [...keep, created];
        this.events.event(job, 'Normal', 'SuccessfulCreate', `Created pod: ${created.metadata?.name}`);
      } catch (e) {
        this.events.event(job, 'Warning', 'FailedCreate', `Error creating: ${errText(e)}`);
        throw e;
      }
    });
    for (let i = successes; i < n; i++) this.expectations.creationObserved(key);
    if (error !== undefined) throw error;
    return { active: keep };
  }

  /** Pods the controller deletes itself lose the tracking finalizer first: they are not counted. */
  private async deletePods(key: string, job: JobObj, pods: PodObj[]): Promise<void> {
    for (const pod of pods) this.counted.get(key)?.add(pod.metadata!.uid!);
    this.expectations.expectDeletions(
      key,
      pods.map((x) => keyOf(x)),
    );
    const results = await Promise.allSettled(
      pods.map(async (pod) => {
        try {
          if (hasFinalizer(pod, JOB_TRACKING_FINALIZER) && !(await removeFinalizerStrategic(this.ctx.client, PODS, pod, JOB_TRACKING_FINALIZER))) {
            this.expectations.deletionObserved(key, keyOf(pod));
            return;
          }
          await this.ctx.client.delete(PODS, pod.metadata?.namespace, pod.metadata!.name!);
          this.events.event(job, 'Normal', 'SuccessfulDelete', `Deleted pod: ${pod.metadata?.name}`);
        } catch (e) {
          this.expectations.deletionObserved(key, keyOf(pod));
          if (isNotFound(e)) return;
          this.events.event(job, 'Warning', 'FailedDelete', `Error deleting: ${errText(e)}`);
          throw e;
        }
      }),
    );
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  }

  /** Returns the uids whose finalizer is gone (removed now, or the pod no longer exists). */
  private async removeTrackingFinalizers(pods: PodObj[]): Promise<string[]> {
    const done: string[] = [];
    const results = await Promise.allSettled(
      pods.map(async (pod) => {
        await removeFinalizerStrategic(this.ctx.client, PODS, pod, JOB_TRACKING_FINALIZER);
        done.push(pod.metadata!.uid!);
      }),
    );
    for (const r of results) if (r.status === 'rejected') this.log.warn({ err: errText(r.reason) }, 'removing job tracking finalizer failed');
    return done;
  }

  private async releaseOrphanPod(podKey: string): Promise<void> {
    const { namespace, name } = splitKey(podKey);
    const pod = this.pods.get(namespace, name);
    if (!pod || !hasFinalizer(pod, JOB_TRACKING_FINALIZER) || this.ownerJob(pod)) return;
    await removeFinalizerStrategic(this.ctx.client, PODS, pod, JOB_TRACKING_FINALIZER);
  }

  /** ttlSecondsAfterFinished (upstream ttl-after-finished-controller): delete the finished job. */
  private async ttl(job: JobObj): Promise<void | { requeueAfterMs?: number }> {
    const ttl = job.spec?.ttlSecondsAfterFinished;
    if (ttl === undefined || ttl === null || job.metadata?.deletionTimestamp || !isJobFinished(job)) return;
    const finishedCond = (job.status?.conditions ?? []).find((c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True');
    const finishedAt = parseTime(job.status?.completionTime) ?? parseTime(finishedCond?.lastTransitionTime);
    if (finishedAt === undefined) return;
    const wait = finishedAt + ttl * 1000 - this.ctx.clock.now();
    if (wait > 0) return { requeueAfterMs: wait };
    try {
      await this.ctx.client.delete(JOBS, job.metadata?.namespace, job.metadata!.name!, { propagationPolicy: 'Foreground', preconditions: { uid: job.metadata?.uid } });
      this.log.info({ job: keyOf(job) }, 'deleted finished job after ttlSecondsAfterFinished');
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
  }

  private async writeStatus(job: JobObj, status: JobStatus): Promise<JobObj> {
    const next = { ...status, uncountedTerminatedPods: status.uncountedTerminatedPods ?? {} };
    if (JSON.stringify(job.status ?? {}) === JSON.stringify(next)) return job;
    try {
      return await this.ctx.client.updateStatus<JobObj>(JOBS, job.metadata?.namespace, { ...clone(job), status: next } as JobObj);
    } catch (e) {
      if (isNotFound(e)) return job;
      throw e;
    }
  }
}

// The CronJob controller (upstream cronjob-controller, v2): creates a Job from spec.jobTemplate
// for the most recent unmet schedule time, named "<cronjob>-<minutes since epoch>" so a retry
// never starts the same run twice; honours suspend, startingDeadlineSeconds, timeZone and
// concurrencyPolicy Allow/Forbid/Replace; keeps status.active/lastScheduleTime/
// lastSuccessfulTime; prunes finished jobs beyond the history limits.
import type { CronJob, CronJobStatus, Job } from 'kubernetes-types/batch/v1.js';
import type { ObjectReference } from 'kubernetes-types/core/v1.js';
import type pino from 'pino';
import { isAlreadyExists, isNotFound, type KubeObject } from '../client/api.js';
import { clone, keyOf, ownerUidIndexFunc, splitKey, type SharedInformer } from '../client/informer.js';
import { WorkQueue } from '../client/workqueue.js';
import type { Controller, ControllerContext, EventSink } from './context.js';
import { controllerRefOf, newControllerRef } from './controller-ref.js';
import { formatInZone, mostRecentScheduleTime, parseSchedule } from './cron-schedule.js';
import { CRON_JOBS, JOBS } from './kinds.js';
import { parseTime, rfc3339 } from './timestamps.js';

export const CRONJOB_CONTROLLER = 'cronjob-controller';
export const CRONJOB_SCHEDULED_TIMESTAMP_ANNOTATION = 'batch.kubernetes.io/cronjob-scheduled-timestamp';
const OWNER_UID_INDEX = 'ownerUid';
/** Upstream requeues a little after the next activation so "now" is past it. */
const NEXT_SCHEDULE_DELTA_MS = 100;

type CronJobObj = CronJob & KubeObject;
type JobObj = Job & KubeObject;

/** "<cronjob>-<scheduled time in minutes since the epoch>" (upstream getJobName). */
export function jobNameFor(cronJobName: string, scheduledMs: number): string {
  return `${cronJobName}-${Math.floor(scheduledMs / 60_000)}`;
}

function jobFinished(job: Job): 'Complete' | 'Failed' | undefined {
  const c = (job.status?.conditions ?? []).find((x) => (x.type === 'Complete' || x.type === 'Failed') && x.status === 'True');
  return c?.type as 'Complete' | 'Failed' | undefined;
}

/** The Job a CronJob starts for one scheduled time. */
export function jobFromCronJob(cj: CronJob, scheduledMs: number): Job {
  const tpl = cj.spec?.jobTemplate ?? {};
  const annotations = { ...(tpl.metadata?.annotations ?? {}), [CRONJOB_SCHEDULED_TIMESTAMP_ANNOTATION]: formatInZone(scheduledMs, cj.spec?.timeZone) };
  const meta: Job['metadata'] = {
    name: jobNameFor(cj.metadata!.name!, scheduledMs),
    namespace: cj.metadata?.namespace,
    annotations,
    ownerReferences: [newControllerRef(cj as KubeObject, 'batch/v1', 'CronJob')],
  };
  if (tpl.metadata?.labels) meta.labels = { ...tpl.metadata.labels };
  return { apiVersion: 'batch/v1', kind: 'Job', metadata: meta, spec: clone(tpl.spec ?? { template: {} }) };
}

function refOf(job: JobObj): ObjectReference {
  return { kind: 'Job', namespace: job.metadata?.namespace, name: job.metadata?.name, uid: job.metadata?.uid, apiVersion: 'batch/v1', resourceVersion: job.metadata?.resourceVersion };
}

export class CronJobController implements Controller {
  readonly name = CRONJOB_CONTROLLER;
  readonly queue: WorkQueue<string>;
  readonly workers: number;
  private readonly cronJobs: SharedInformer<CronJobObj>;
  private readonly jobs: SharedInformer<JobObj>;
  private readonly events: EventSink;
  private readonly log: pino.Logger;

  constructor(
    private readonly ctx: ControllerContext,
    opts: { workers?: number } = {},
  ) {
    this.queue = new WorkQueue<string>({ name: 'cronjob', clock: ctx.clock });
    this.workers = opts.workers ?? 5;
    this.events = ctx.events(CRONJOB_CONTROLLER);
    this.log = ctx.logger.child({ component: CRONJOB_CONTROLLER });
    this.cronJobs = ctx.factory.informerFor(CRON_JOBS);
    this.jobs = ctx.factory.informerFor(JOBS);
    this.jobs.addIndexer(OWNER_UID_INDEX, ownerUidIndexFunc);
    this.cronJobs.addEventHandler({
      onAdd: (cj) => this.queue.add(keyOf(cj)),
      onUpdate: (_o, cj) => this.queue.add(keyOf(cj)),
      onDelete: (cj) => this.queue.add(keyOf(cj)),
    });
    const jobChanged = (j: JobObj) => {
      const ref = controllerRefOf(j);
      if (ref?.kind === 'CronJob') this.queue.add(`${j.metadata?.namespace}/${ref.name}`);
    };
    this.jobs.addEventHandler({ onAdd: jobChanged, onUpdate: (_o, j) => jobChanged(j), onDelete: jobChanged });
  }

  async reconcile(key: string): Promise<void | { requeueAfterMs?: number }> {
    const { namespace, name } = splitKey(key);
    const cached = this.cronJobs.get(namespace, name);
    if (!cached) return;
    const cj = clone(cached);
    const owned = this.jobs.byIndex(OWNER_UID_INDEX, cj.metadata!.uid!).filter((j) => controllerRefOf(j)?.uid === cj.metadata?.uid);
    const status: CronJobStatus = clone(cj.status ?? {});
    let result: { requeueAfterMs?: number } | undefined;

    this.reconcileActive(cj, status, owned);
    if (!cj.metadata?.deletionTimestamp) {
      try {
        result = await this.syncSchedule(cj, status, owned);
      } finally {
        await this.writeStatus(cached, status);
      }
      await this.cleanupFinishedJobs(cj, owned);
    } else await this.writeStatus(cached, status);
    return result;
  }

  /** Keep status.active in step with the jobs that exist and are still running. */
  private reconcileActive(cj: CronJobObj, status: CronJobStatus, owned: JobObj[]): void {
    const byUid = new Map(owned.map((j) => [j.metadata!.uid!, j]));
    const active: ObjectReference[] = [];
    for (const ref of status.active ?? []) {
      const job = ref.uid ? byUid.get(ref.uid) : undefined;
      if (!job) {
        this.events.event(cj, 'Normal', 'MissingJob', `Active job went missing: ${ref.name}`);
        continue;
      }
      const fin = jobFinished(job);
      if (fin) {
        this.events.event(cj, 'Normal', 'SawCompletedJob', `Saw completed job: ${job.metadata?.name}, status: ${fin}`);
        if (fin === 'Complete') this.noteSuccess(status, job);
        continue;
      }
      active.push(ref);
    }
    for (const job of owned) {
      const fin = jobFinished(job);
      if (fin === 'Complete') this.noteSuccess(status, job);
      if (fin || job.metadata?.deletionTimestamp || active.some((r) => r.uid === job.metadata?.uid)) continue;
      // A job we created whose record was lost (e.g. the status write failed).
      active.push(refOf(job));
    }
    status.active = active.length ? active : undefined;
    if (!status.active) delete status.active;
  }

  private noteSuccess(status: CronJobStatus, job: JobObj): void {
    const done = parseTime(job.status?.completionTime);
    if (done !== undefined && (parseTime(status.lastSuccessfulTime) ?? 0) < done) status.lastSuccessfulTime = rfc3339(done);
  }

  private async syncSchedule(cj: CronJobObj, status: CronJobStatus, owned: JobObj[]): Promise<{ requeueAfterMs?: number } | undefined> {
    const nowMs = this.ctx.clock.now();
    let sched;
    try {
      sched = parseSchedule(cj.spec?.schedule ?? '', cj.spec?.timeZone ?? undefined);
    } catch (e) {
      const msg = (e as Error).message;
      if (cj.spec?.timeZone && msg.startsWith('provided bad location')) this.events.event(cj, 'Warning', 'UnknownTimeZone', `invalid timeZone: "${cj.spec.timeZone}": ${msg}`);
      else this.events.event(cj, 'Warning', 'UnparseableSchedule', `unparseable schedule: "${cj.spec?.schedule}" : ${msg}`);
      return undefined;
    }
    if (cj.spec?.suspend) return undefined;
    const requeueNext = () => ({ requeueAfterMs: sched.next(nowMs) - nowMs + NEXT_SCHEDULE_DELTA_MS });

    let earliest = parseTime(status.lastScheduleTime) ?? parseTime(cj.metadata?.creationTimestamp) ?? nowMs;
    const sds = cj.spec?.startingDeadlineSeconds;
    if (sds !== undefined && sds !== null) earliest = Math.max(earliest, nowMs - sds * 1000);
    const { time: scheduled, missed } = mostRecentScheduleTime(sched, earliest, nowMs);
    if (scheduled === undefined) return requeueNext();
    if (missed > 100) {
      this.events.event(cj, 'Warning', 'TooManyMissedTimes', `too many missed start times: ${missed}. Set or decrease .spec.startingDeadlineSeconds or check clock skew`);
    }
    if (sds !== undefined && sds !== null && scheduled + sds * 1000 < nowMs) {
      this.events.event(cj, 'Warning', 'MissSchedule', `Missed scheduled time to start a job: ${formatInZone(scheduled, cj.spec?.timeZone)}`);
      return requeueNext();
    }
    const jobName = jobNameFor(cj.metadata!.name!, scheduled);
    if (owned.some((j) => j.metadata?.name === jobName)) {
      // Already started (an earlier sync created it but its status write was lost).
      if ((parseTime(status.lastScheduleTime) ?? 0) < scheduled) status.lastScheduleTime = rfc3339(scheduled);
      return requeueNext();
    }
    const policy = cj.spec?.concurrencyPolicy ?? 'Allow';
    if (policy === 'Forbid' && (status.active?.length ?? 0) > 0) {
      this.events.event(cj, 'Normal', 'JobAlreadyActive', 'Not starting job because prior execution is running and concurrency policy is Forbid');
      return requeueNext();
    }
    if (policy === 'Replace') {
      for (const ref of status.active ?? []) {
        try {
          await this.ctx.client.delete(JOBS, cj.metadata?.namespace, ref.name!, { propagationPolicy: 'Background' });
          this.events.event(cj, 'Normal', 'SuccessfulDelete', `Deleted job ${ref.name}`);
        } catch (e) {
          if (!isNotFound(e)) {
            this.events.event(cj, 'Warning', 'FailedDelete', `Deleted job: ${(e as Error).message}`);
            throw e;
          }
        }
      }
      delete status.active;
    }
    let created: JobObj;
    try {
      created = await this.ctx.client.create<JobObj>(JOBS, cj.metadata?.namespace, jobFromCronJob(cj, scheduled) as JobObj);
      this.events.event(cj, 'Normal', 'SuccessfulCreate', `Created job ${created.metadata?.name}`);
    } catch (e) {
      if (isAlreadyExists(e)) {
        // Someone (a previous attempt of ours) created it already.
        status.lastScheduleTime = rfc3339(scheduled);
        return requeueNext();
      }
      this.events.event(cj, 'Warning', 'FailedCreate', `Error creating job: ${(e as Error).message}`);
      throw e;
    }
    this.log.debug({ cronJob: keyOf(cj), job: created.metadata?.name }, 'created job');
    status.active = [...(status.active ?? []), refOf(created)];
    status.lastScheduleTime = rfc3339(scheduled);
    return requeueNext();
  }

  /** Delete the oldest finished jobs beyond successful/failedJobsHistoryLimit (3 and 1). */
  private async cleanupFinishedJobs(cj: CronJobObj, owned: JobObj[]): Promise<void> {
    const limits = { Complete: cj.spec?.successfulJobsHistoryLimit ?? 3, Failed: cj.spec?.failedJobsHistoryLimit ?? 1 };
    for (const kind of ['Complete', 'Failed'] as const) {
      const finished = owned.filter((j) => jobFinished(j) === kind && !j.metadata?.deletionTimestamp);
      const startOf = (j: JobObj) => parseTime(j.status?.startTime) ?? parseTime(j.metadata?.creationTimestamp) ?? 0;
      finished.sort((a, b) => startOf(a) - startOf(b));
      const excess = finished.length - limits[kind];
      for (const job of finished.slice(0, Math.max(0, excess))) {
        try {
          await this.ctx.client.delete(JOBS, job.metadata?.namespace, job.metadata!.name!, { propagationPolicy: 'Background' });
          this.events.event(cj, 'Normal', 'SuccessfulDelete', `Deleted job ${job.metadata?.name}`);
        } catch (e) {
          if (!isNotFound(e)) this.events.event(cj, 'Warning', 'FailedDelete', `Deleted job: ${(e as Error).message}`);
        }
      }
    }
  }

  private async writeStatus(cj: CronJobObj, status: CronJobStatus): Promise<void> {
    if (JSON.stringify(cj.status ?? {}) === JSON.stringify(status)) return;
    try {
      await this.ctx.client.updateStatus(CRON_JOBS, cj.metadata?.namespace, { ...clone(cj), status } as CronJobObj);
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
  }
}

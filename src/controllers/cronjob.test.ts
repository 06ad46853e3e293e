import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import type { CronJob, Job } from 'kubernetes-types/batch/v1.js';
import type { KubeObject } from '../client/api.js';
import { formatInZone, mostRecentScheduleTime, parseSchedule } from './cron-schedule.js';
import { CRONJOB_SCHEDULED_TIMESTAMP_ANNOTATION, CronJobController, jobNameFor } from './cronjob.js';
import { CRON_JOBS, JOBS } from './kinds.js';
import { Part2Harness, T0 } from './testing/part2-harness.js';

type JobObj = Job & KubeObject;
const MIN = 60_000;

function cronJob(name: string, spec: Partial<NonNullable<CronJob['spec']>>): KubeObject {
  return {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: { name, namespace: 'default' },
    spec: {
      schedule: '*/1 * * * *',
      jobTemplate: { metadata: { labels: { app: name } }, spec: { template: { spec: { restartPolicy: 'OnFailure', containers: [{ name: 'c', image: 'busybox' }] } } } },
      ...spec,
    },
  };
}

let h: Part2Harness;
afterEach(() => h?.stop());

async function setup(...cjs: KubeObject[]): Promise<CronJobController> {
  h = new Part2Harness();
  // Created 30 s after T0 so the first activation is at T0 + 1 min.
  h.clock.advance(30_000);
  await h.seed(CRON_JOBS, ...cjs);
  const c = new CronJobController(h.ctx);
  await h.start();
  await h.drain(c);
  return c;
}

function jobs(): JobObj[] {
  return h.api.all<JobObj>(JOBS, 'default').sort((a, b) => a.metadata!.name!.localeCompare(b.metadata!.name!));
}

async function completeJob(name: string, type: 'Complete' | 'Failed' = 'Complete'): Promise<void> {
  const j = h.api.peek<JobObj>(JOBS, 'default', name)!;
  const now = new Date(h.clock.now()).toISOString();
  await h.api.updateStatus(JOBS, 'default', { ...j, status: { startTime: now, completionTime: type === 'Complete' ? now : undefined, conditions: [{ type, status: 'True' }] } });
}

describe('cron schedules', () => {
  test('descriptors, five fields only, time zones', () => {
    assert.equal(parseSchedule('@hourly').next(Date.parse('2024-01-01T10:30:00Z')), Date.parse('2024-01-01T11:00:00Z'));
    assert.equal(parseSchedule('@daily').next(Date.parse('2024-01-01T10:30:00Z')), Date.parse('2024-01-02T00:00:00Z'));
    assert.equal(parseSchedule('@weekly').next(Date.parse('2024-01-01T10:30:00Z')), Date.parse('2024-01-07T00:00:00Z'));
    assert.throws(() => parseSchedule('@every 5m'));
    assert.throws(() => parseSchedule('0 0 0 * * *'), /exactly 5 fields/);
    assert.throws(() => parseSchedule('0 9 * * *', 'Mars/Base'), /bad location/);
    assert.equal(parseSchedule('0 9 * * *', 'America/New_York').next(Date.parse('2024-01-01T10:30:00Z')), Date.parse('2024-01-01T14:00:00Z'));
    assert.equal(formatInZone(Date.parse('2024-01-01T14:00:00Z'), 'America/New_York'), '2024-01-01T09:00:00-05:00');
  });

  test('most recent missed time and the missed count', () => {
    const s = parseSchedule('*/5 * * * *');
    const r = mostRecentScheduleTime(s, Date.parse('2024-01-01T00:00:00Z'), Date.parse('2024-01-01T00:17:00Z'));
    assert.equal(r.time, Date.parse('2024-01-01T00:15:00Z'));
    assert.equal(r.missed, 3);
    assert.deepEqual(mostRecentScheduleTime(s, Date.parse('2024-01-01T00:15:00Z'), Date.parse('2024-01-01T00:17:00Z')), { missed: 0 });
    assert.equal(mostRecentScheduleTime(parseSchedule('* * * * *'), 0, 1000 * MIN).missed, 101);
  });
});

describe('CronJobController', () => {
  test('creates one job per activation with the upstream name and annotation', async () => {
    const c = await setup(cronJob('hello', {}));
    assert.equal(jobs().length, 0, 'nothing before the first activation');
    await h.advance(31_000);
    await h.drain(c);
    const js = jobs();
    assert.equal(js.length, 1);
    const at = T0 + MIN;
    assert.equal(js[0].metadata?.name, jobNameFor('hello', at));
    assert.equal(js[0].metadata?.name, `hello-${at / MIN}`);
    assert.equal(js[0].metadata?.annotations?.[CRONJOB_SCHEDULED_TIMESTAMP_ANNOTATION], '2024-01-01T00:01:00Z');
    assert.equal(js[0].metadata?.labels?.app, 'hello');
    assert.equal(js[0].metadata?.ownerReferences?.[0].kind, 'CronJob');
    const cj = h.api.peek<CronJob & KubeObject>(CRON_JOBS, 'default', 'hello')!;
    assert.equal(cj.status?.active?.[0].name, js[0].metadata?.name);
    assert.equal(cj.status?.lastScheduleTime, '2024-01-01T00:01:00Z');
    // Re-running the same sync is idempotent.
    c.queue.add('default/hello');
    await h.drain(c);
    assert.equal(jobs().length, 1);
    await h.advance(MIN);
    await h.drain(c);
    assert.equal(jobs().length, 2, 'Allow runs concurrently');
    assert.ok(h.events.some((e) => e.reason === 'SuccessfulCreate' && e.message === `Created job hello-${at / MIN}`));
  });

  test('Forbid skips while a job runs; completion records lastSuccessfulTime', async () => {
    const c = await setup(cronJob('f', { concurrencyPolicy: 'Forbid' }));
    await h.advance(31_000);
    await h.drain(c);
    await h.advance(MIN);
    await h.drain(c);
    assert.equal(jobs().length, 1);
    assert.ok(h.events.some((e) => e.reason === 'JobAlreadyActive'));
    await completeJob(jobs()[0].metadata!.name!);
    await h.drain(c);
    const cj = h.api.peek<CronJob & KubeObject>(CRON_JOBS, 'default', 'f')!;
    assert.ok(cj.status?.lastSuccessfulTime);
    assert.equal(jobs().length, 2, 'the missed run starts once the previous finished');
    assert.deepEqual(
      cj.status?.active?.map((r) => r.name),
      [jobNameFor('f', T0 + 2 * MIN)],
    );
  });

  test('Replace deletes the running job before starting the next', async () => {
    const c = await setup(cronJob('r', { concurrencyPolicy: 'Replace' }));
    await h.advance(31_000);
    await h.drain(c);
    const first = jobs()[0].metadata!.name!;
    await h.advance(MIN);
    await h.drain(c);
    assert.deepEqual(
      jobs().map((j) => j.metadata?.name),
      [jobNameFor('r', T0 + 2 * MIN)],
    );
    assert.ok(h.api.actions.some((a) => a.verb === 'delete' && a.name === first));
  });

  test('suspend stops scheduling; startingDeadlineSeconds skips runs missed for too long', async () => {
    const c = await setup(cronJob('s', { suspend: true, startingDeadlineSeconds: 10 }));
    await h.advance(5 * MIN);
    await h.drain(c);
    assert.equal(jobs().length, 0);
    const cur = h.api.peek<KubeObject>(CRON_JOBS, 'default', 's')!;
    h.clock.advance(20_000); // 20 s past an activation: beyond the 10 s deadline
    await h.api.update(CRON_JOBS, 'default', { ...cur, spec: { ...(cur.spec as object), suspend: false } });
    await h.drain(c);
    assert.equal(jobs().length, 0, 'the run 20 s ago is past its starting deadline');
    await h.advance(10_200); // just past the next activation
    await h.drain(c);
    assert.equal(jobs().length, 1, 'the next activation runs');
  });

  test('history limits prune the oldest finished jobs', async () => {
    const c = await setup(cronJob('hist', { successfulJobsHistoryLimit: 1, failedJobsHistoryLimit: 1 }));
    await h.advance(31_000);
    for (let i = 0; i < 3; i++) {
      await h.drain(c);
      const running = jobs().filter((j) => !j.status?.conditions);
      for (const j of running) await completeJob(j.metadata!.name!, i === 1 ? 'Failed' : 'Complete');
      await h.drain(c);
      await h.advance(MIN);
    }
    await h.drain(c);
    const finished = jobs().filter((j) => j.status?.conditions);
    assert.equal(finished.filter((j) => j.status?.conditions?.[0].type === 'Complete').length, 1);
    assert.equal(finished.filter((j) => j.status?.conditions?.[0].type === 'Failed').length, 1);
  });
});

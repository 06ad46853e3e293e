import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import type { Job } from 'kubernetes-types/batch/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../client/api.js';
import { formatIndexes, parseIndexes } from './job-indexes.js';
import { JOB_TRACKING_FINALIZER, JobController, jobBackoffDelay } from './job.js';
import { JOBS } from './kinds.js';
import { PODS } from './resource-types.js';
import { Part2Harness } from './testing/part2-harness.js';

type PodObj = Pod & KubeObject;

function job(name: string, spec: Partial<NonNullable<Job['spec']>>): KubeObject {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name, namespace: 'default' },
    spec: {
      selector: { matchLabels: { 'job-name': name } },
      template: { metadata: { labels: { 'job-name': name } }, spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }] } },
      ...spec,
    },
  };
}

let h: Part2Harness;
afterEach(() => h?.stop());

async function setup(...jobs: KubeObject[]): Promise<JobController> {
  h = new Part2Harness();
  await h.seed(JOBS, ...jobs);
  const c = new JobController(h.ctx, { podEventBatchMs: 0 });
  await h.start();
  await h.drain(c);
  return c;
}

function pods(): PodObj[] {
  return h.api.all<PodObj>(PODS, 'default').sort((a, b) => a.metadata!.name!.localeCompare(b.metadata!.name!));
}

async function finish(pod: PodObj, phase: 'Succeeded' | 'Failed'): Promise<void> {
  const cur = h.api.peek<PodObj>(PODS, 'default', pod.metadata!.name!)!;
  await h.api.updateStatus(PODS, 'default', { ...cur, status: { phase } });
}

function getJob(name: string): Job {
  return h.api.peek<Job & KubeObject>(JOBS, 'default', name)!;
}

function condTypes(j: Job): string[] {
  return (j.status?.conditions ?? []).filter((c) => c.status === 'True').map((c) => c.type);
}

describe('job completion indexes', () => {
  test('format and parse intervals', () => {
    assert.equal(formatIndexes([7, 1, 3, 4, 5]), '1,3-5,7');
    assert.equal(formatIndexes([0, 1]), '0-1');
    assert.deepEqual([...parseIndexes('1,3-5,7', 6)].sort(), [1, 3, 4, 5]);
  });
  test('back-off doubles from 10s and caps at 6 minutes', () => {
    assert.deepEqual([1, 2, 3, 6, 7, 20].map(jobBackoffDelay), [10_000, 20_000, 40_000, 320_000, 360_000, 360_000]);
  });
});

describe('JobController', () => {
  test('fixed completion count with parallelism: counts through the tracking finalizer and completes', async () => {
    const c = await setup(job('pi', { completions: 3, parallelism: 2 }));
    let ps = pods();
    assert.equal(ps.length, 2);
    assert.ok(ps.every((p) => p.metadata?.finalizers?.includes(JOB_TRACKING_FINALIZER)));
    assert.equal(ps[0].metadata?.ownerReferences?.[0].kind, 'Job');
    assert.equal(getJob('pi').status?.active, 2);
    assert.ok(getJob('pi').status?.startTime);

    await finish(ps[0], 'Succeeded');
    await h.drain(c);
    assert.equal(getJob('pi').status?.succeeded, 1);
    assert.equal(h.api.peek<PodObj>(PODS, 'default', ps[0].metadata!.name!)?.metadata?.finalizers, undefined, 'finalizer removed once counted');
    ps = pods().filter((p) => p.status?.phase !== 'Succeeded');
    assert.equal(ps.length, 2, 'a replacement pod keeps parallelism 2');

    for (const p of ps) await finish(p, 'Succeeded');
    await h.drain(c);
    const j = getJob('pi');
    assert.equal(j.status?.succeeded, 3);
    assert.equal(j.status?.active, undefined);
    assert.deepEqual(condTypes(j).sort(), ['Complete', 'SuccessCriteriaMet']);
    assert.ok(j.status?.completionTime);
    assert.deepEqual(j.status?.uncountedTerminatedPods, {});
    assert.equal(pods().length, 3, 'finished pods are kept');
    assert.equal(h.events.filter((e) => e.reason === 'SuccessfulCreate').length, 3);
    assert.ok(h.events.some((e) => e.reason === 'Completed' && e.message === 'Job completed'));
  });

  test('pod events are batched: several pod transitions within the batch period cost one sync', async () => {
    h = new Part2Harness();
    await h.seed(JOBS, job('batched', {}));
    const c = new JobController(h.ctx);
    await h.start();
    await h.drain(c);
    const [pod] = pods();
    assert.equal(getJob('batched').status?.active, 1);
    const writesBefore = getJob('batched').metadata!.resourceVersion;
    await h.api.updateStatus(PODS, 'default', { ...h.api.peek<PodObj>(PODS, 'default', pod.metadata!.name!)!, status: { phase: 'Running' } });
    await h.settle();
    await finish(pod, 'Succeeded');
    await h.settle();
    assert.equal(c.queue.len(), 0, 'pod events wait for the batch period');
    assert.equal(getJob('batched').metadata!.resourceVersion, writesBefore);
    h.clock.advance(1000);
    await h.drain(c);
    const j = getJob('batched');
    assert.equal(j.status?.succeeded, 1);
    assert.deepEqual(condTypes(j).sort(), ['Complete', 'SuccessCriteriaMet']);
  });

  test('a job deleted while its pod runs: the pod loses the tracking finalizer', async () => {
    const c = await setup(job('gone', {}));
    const [pod] = pods();
    assert.ok(pod.metadata?.finalizers?.includes(JOB_TRACKING_FINALIZER));
    await h.api.delete(JOBS, 'default', 'gone');
    await h.drain(c);
    assert.equal(h.api.peek<PodObj>(PODS, 'default', pod.metadata!.name!)?.metadata?.finalizers, undefined);
  });

  test('pod failures back off 10s, 20s … and exceed backoffLimit', async () => {
    const c = await setup(job('fail', { backoffLimit: 2 }));
    await finish(pods()[0], 'Failed');
    await h.drain(c);
    assert.equal(getJob('fail').status?.failed, 1);
    assert.equal(pods().length, 1, 'no new pod during the back-off');
    await h.advance(9_000);
    await h.drain(c);
    assert.equal(pods().length, 1);
    await h.advance(1_000);
    await h.drain(c);
    assert.equal(pods().length, 2, 'a new pod after 10s');

    await finish(pods().find((p) => !p.status?.phase)!, 'Failed');
    await h.drain(c);
    await h.advance(19_000);
    await h.drain(c);
    assert.equal(pods().length, 2, 'second back-off is 20s');
    await h.advance(1_000);
    await h.drain(c);
    assert.equal(pods().length, 3);

    await finish(pods().find((p) => !p.status?.phase)!, 'Failed');
    await h.drain(c);
    const j = getJob('fail');
    assert.equal(j.status?.failed, 3);
    assert.deepEqual(condTypes(j).sort(), ['Failed', 'FailureTarget']);
    assert.equal(j.status?.conditions?.find((x) => x.type === 'Failed')?.reason, 'BackoffLimitExceeded');
    assert.ok(h.events.some((e) => e.type === 'Warning' && e.reason === 'BackoffLimitExceeded' && e.message === 'Job has reached the specified backoff limit'));
  });

  test('restartPolicy OnFailure counts container restarts toward backoffLimit', async () => {
    const spec = job('onf', { backoffLimit: 3 });
    (spec.spec as Job['spec'])!.template.spec!.restartPolicy = 'OnFailure';
    const c = await setup(spec);
    const p = pods()[0];
    await h.api.updateStatus(PODS, 'default', { ...p, status: { phase: 'Running', containerStatuses: [{ name: 'c', image: 'busybox', imageID: '', ready: false, restartCount: 3 }] } });
    await h.drain(c);
    const j = getJob('onf');
    assert.equal(j.status?.conditions?.find((x) => x.type === 'Failed')?.reason, 'BackoffLimitExceeded');
    assert.equal(j.status?.failed, 1, 'the killed pod counts as failed');
  });

  test('Indexed completion mode: one pod per index with annotation, label, env and hostname', async () => {
    const c = await setup(job('idx', { completions: 3, parallelism: 3, completionMode: 'Indexed' }));
    const ps = pods();
    const idx = ps.map((p) => p.metadata?.annotations?.['batch.kubernetes.io/job-completion-index']).sort();
    assert.deepEqual(idx, ['0', '1', '2']);
    const p1 = ps.find((p) => p.metadata?.annotations?.['batch.kubernetes.io/job-completion-index'] === '1')!;
    assert.match(p1.metadata!.name!, /^idx-1-/);
    assert.equal(p1.metadata?.labels?.['batch.kubernetes.io/job-completion-index'], '1');
    assert.equal(p1.spec?.hostname, 'idx-1');
    assert.deepEqual(p1.spec?.containers[0].env?.[0], {
      name: 'JOB_COMPLETION_INDEX',
      valueFrom: { fieldRef: { fieldPath: "metadata.annotations['batch.kubernetes.io/job-completion-index']" } },
    });
    await finish(p1, 'Succeeded');
    await h.drain(c);
    assert.equal(getJob('idx').status?.completedIndexes, '1');
    assert.equal(getJob('idx').status?.succeeded, 1);
    // A failed index is recreated with the same index.
    const p0 = ps.find((p) => p.metadata?.annotations?.['batch.kubernetes.io/job-completion-index'] === '0')!;
    await finish(p0, 'Failed');
    await h.drain(c);
    await h.advance(10_000);
    await h.drain(c);
    const again = pods().filter((p) => !p.status?.phase && p.metadata?.annotations?.['batch.kubernetes.io/job-completion-index'] === '0');
    assert.equal(again.length, 1);
    for (const p of pods().filter((x) => !x.status?.phase)) await finish(p, 'Succeeded');
    await h.drain(c);
    const j = getJob('idx');
    assert.equal(j.status?.completedIndexes, '0-2');
    assert.equal(j.status?.succeeded, 3);
    assert.equal(j.status?.failed, 1);
    assert.ok(condTypes(j).includes('Complete'));
  });

  test('work-queue mode: no new pods after a success; complete when all have exited', async () => {
    const c = await setup(job('wq', { parallelism: 2 }));
    const ps = pods();
    assert.equal(ps.length, 2);
    await finish(ps[0], 'Succeeded');
    await h.drain(c);
    assert.equal(pods().length, 2, 'no replacement once a pod succeeded');
    assert.ok(!condTypes(getJob('wq')).includes('Complete'));
    await finish(ps[1], 'Succeeded');
    await h.drain(c);
    assert.ok(condTypes(getJob('wq')).includes('Complete'));
    assert.equal(getJob('wq').status?.succeeded, 2);
  });

  test('activeDeadlineSeconds fails the job with DeadlineExceeded and kills its pods', async () => {
    const c = await setup(job('dl', { activeDeadlineSeconds: 30 }));
    assert.equal(pods().length, 1);
    await h.advance(30_000);
    await h.drain(c);
    const j = getJob('dl');
    assert.equal(j.status?.conditions?.find((x) => x.type === 'Failed')?.reason, 'DeadlineExceeded');
    assert.equal(pods().length, 0);
    assert.equal(j.status?.failed, 1);
  });

  test('suspend deletes active pods without counting them; resume recreates', async () => {
    const c = await setup(job('sus', { completions: 2, parallelism: 2 }));
    assert.equal(pods().length, 2);
    const cur = getJob('sus') as KubeObject;
    await h.api.update(JOBS, 'default', { ...cur, spec: { ...(cur.spec as object), suspend: true } });
    await h.drain(c);
    assert.equal(pods().length, 0);
    let j = getJob('sus');
    assert.equal(j.status?.failed, undefined);
    assert.equal(j.status?.conditions?.find((x) => x.type === 'Suspended')?.status, 'True');
    const cur2 = getJob('sus') as KubeObject;
    await h.api.update(JOBS, 'default', { ...cur2, spec: { ...(cur2.spec as object), suspend: false } });
    await h.drain(c);
    assert.equal(pods().length, 2);
    j = getJob('sus');
    assert.equal(j.status?.conditions?.find((x) => x.type === 'Suspended')?.reason, 'JobResumed');
  });

  test('ttlSecondsAfterFinished deletes the finished job', async () => {
    const c = await setup(job('ttl', { ttlSecondsAfterFinished: 60 }));
    await finish(pods()[0], 'Succeeded');
    await h.drain(c);
    assert.ok(condTypes(getJob('ttl')).includes('Complete'));
    await h.advance(59_000);
    await h.drain(c);
    assert.ok(getJob('ttl'));
    await h.advance(1_000);
    await h.drain(c);
    assert.ok(h.api.actions.some((a) => a.verb === 'delete' && a.resource === 'jobs' && a.name === 'ttl'));
  });
});

// Jobs, Indexed Jobs, CronJobs and DaemonSets against the real API server with the controller
// manager, the scheduler and hollow nodes (whose Job pods exit 0, or with the code annotated).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { DaemonSet } from 'kubernetes-types/apps/v1.js';
import type { CronJob, Job } from 'kubernetes-types/batch/v1.js';
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import pino from 'pino';
import type { Clock } from '../../src/client/clock.js';
import { InProcessTransport } from '../../src/client/inprocess-transport.js';
import { RestClient } from '../../src/client/rest-client.js';
import { CONTROLLER_CONSTRUCTORS, ControllerManager } from '../../src/controllers/manager.js';
import { type K, ensureNamespace, listItems, RT, startControlPlane, waitFor, type ControlPlane } from './controllers-harness.js';

let cp: ControlPlane;
const NS = 'work-it';

before(async () => {
  // The CronJob controller runs separately below, on a clock set just past a minute boundary.
  cp = await startControlPlane({ nodes: 3, controllers: Object.keys(CONTROLLER_CONSTRUCTORS).filter((n) => n !== 'cronjob') });
  await ensureNamespace(cp.client, NS);
});
after(async () => {
  await cp?.stop();
});

const jobSpec = (extra: Record<string, unknown> = {}, annotations: Record<string, string> = {}) => ({
  template: {
    metadata: { annotations },
    spec: { restartPolicy: 'Never', containers: [{ name: 'work', image: 'busybox', command: ['true'] }], terminationGracePeriodSeconds: 0 },
  },
  ...extra,
});

function condition(obj: { status?: { conditions?: { type: string; status: string; reason?: string }[] } }, type: string) {
  return obj.status?.conditions?.find((c) => c.type === type);
}

describe('Job controller against the real API server', () => {
  test('a Job with completions 3 / parallelism 2 runs to Complete with succeeded=3 and completion time', async () => {
    await cp.client.create(RT.jobs, NS, { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'count' }, spec: jobSpec({ completions: 3, parallelism: 2 }) });
    const job = await waitFor('count complete', async () => {
      const j = await cp.client.get<K<Job>>(RT.jobs, NS, 'count');
      return condition(j, 'Complete')?.status === 'True' ? j : undefined;
    });
    assert.equal(job.status?.succeeded, 3);
    assert.equal(job.status?.active ?? 0, 0);
    assert.ok(job.status?.completionTime, 'completionTime set');
    assert.ok(job.status?.startTime, 'startTime set');
    assert.equal(condition(job, 'SuccessCriteriaMet')?.status, 'True');
    const pods = await listItems<Pod>(cp.client, RT.pods, NS, 'batch.kubernetes.io/job-name=count');
    assert.equal(pods.length, 3);
    for (const p of pods) {
      assert.equal(p.status?.phase, 'Succeeded');
      assert.equal(p.metadata?.labels?.['job-name'], 'count');
      assert.equal(p.status?.containerStatuses?.[0]?.state?.terminated?.exitCode, 0);
      // The job-tracking finalizer is removed once the pod is counted.
      assert.ok(!(p.metadata?.finalizers ?? []).includes('batch.kubernetes.io/job-tracking'), JSON.stringify(p.metadata?.finalizers));
    }
  });

  test('an Indexed Job completes every index once', async () => {
    await cp.client.create(RT.jobs, NS, {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'idx' },
      spec: jobSpec({ completions: 4, parallelism: 4, completionMode: 'Indexed' }),
    });
    const job = await waitFor('idx complete', async () => {
      const j = await cp.client.get<K<Job>>(RT.jobs, NS, 'idx');
      return condition(j, 'Complete')?.status === 'True' ? j : undefined;
    });
    assert.equal(job.status?.completedIndexes, '0-3');
    assert.equal(job.status?.succeeded, 4);
    const pods = await listItems<Pod>(cp.client, RT.pods, NS, 'batch.kubernetes.io/job-name=idx');
    const indexes = pods.map((p) => p.metadata?.annotations?.['batch.kubernetes.io/job-completion-index']).sort();
    assert.deepEqual(indexes, ['0', '1', '2', '3']);
    for (const p of pods) {
      const i = p.metadata!.annotations!['batch.kubernetes.io/job-completion-index'];
      assert.match(p.metadata!.name!, new RegExp(`^idx-${i}-[a-z0-9]{5}$`));
      assert.equal(p.metadata?.labels?.['batch.kubernetes.io/job-completion-index'], i);
      assert.equal(p.spec?.hostname, `idx-${i}`);
      assert.ok(p.spec?.containers[0].env?.some((e) => e.name === 'JOB_COMPLETION_INDEX'));
    }
  });

  test('a failing Job hits its backoffLimit and reports Failed/BackoffLimitExceeded', async () => {
    await cp.client.create(RT.jobs, NS, {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'boom' },
      spec: jobSpec({ backoffLimit: 1 }, { 'skiff.dev/simulated-exit-code': '3' }),
    });
    const job = await waitFor('boom failed', async () => {
      const j = await cp.client.get<K<Job>>(RT.jobs, NS, 'boom');
      return condition(j, 'Failed')?.status === 'True' ? j : undefined;
    }, 30_000);
    assert.equal(condition(job, 'Failed')?.reason, 'BackoffLimitExceeded');
    assert.equal(job.status?.failed, 2);
    const pods = await listItems<Pod>(cp.client, RT.pods, NS, 'batch.kubernetes.io/job-name=boom');
    assert.ok(pods.every((p) => p.status?.phase === 'Failed'));
    assert.equal(pods[0].status?.containerStatuses?.[0]?.state?.terminated?.exitCode, 3);
  });
});

describe('CronJob controller against the real API server', () => {
  test('a */1 schedule fires once (clock placed just past the next minute), the Job completes and status records it', async () => {
    const cj: K<CronJob> = {
      apiVersion: 'batch/v1',
      kind: 'CronJob',
      metadata: { name: 'tick' },
      spec: { schedule: '*/1 * * * *', jobTemplate: { spec: jobSpec() }, successfulJobsHistoryLimit: 3 },
    };
    const created = await cp.client.create<K<CronJob>>(RT.cronjobs, NS, cj);
    const createdMs = Date.parse(created.metadata!.creationTimestamp!);
    const boundary = Math.floor(createdMs / 60_000) * 60_000 + 60_000;
    const offset = boundary + 1000 - Date.now();
    const clock: Clock = {
      now: () => Date.now() + offset,
      setTimeout: (fn, ms) => {
        const t = setTimeout(fn, Math.max(0, ms));
        t.unref();
        return t;
      },
      clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
    };
    const client = new RestClient(new InProcessTransport(cp.api.handler, { username: 'cronjob-test', groups: ['system:masters'] }));
    const cm = new ControllerManager(client, { controllers: ['cronjob'], clock, logger: pino({ level: 'silent' }) });
    await cm.start();
    try {
      const jobName = `tick-${Math.floor(boundary / 60_000)}`;
      const job = await waitFor('scheduled job', async () => cp.client.get<K<Job>>(RT.jobs, NS, jobName));
      assert.equal(job.metadata?.ownerReferences?.[0]?.kind, 'CronJob');
      assert.equal(job.metadata?.ownerReferences?.[0]?.uid, created.metadata!.uid);
      assert.equal(job.metadata?.annotations?.['batch.kubernetes.io/cronjob-scheduled-timestamp'], new Date(boundary).toISOString().replace('.000Z', 'Z'));
      const cur = await waitFor('lastSuccessfulTime', async () => {
        const c = await cp.client.get<K<CronJob>>(RT.cronjobs, NS, 'tick');
        return c.status?.lastSuccessfulTime ? c : undefined;
      });
      assert.equal(cur.status?.lastScheduleTime, new Date(boundary).toISOString().replace('.000Z', 'Z'));
      assert.equal((cur.status?.active ?? []).length, 0);
      const jobs = await listItems<Job>(cp.client, RT.jobs, NS);
      assert.equal(jobs.filter((j) => j.metadata?.ownerReferences?.[0]?.uid === created.metadata!.uid).length, 1, 'fires once');
    } finally {
      await cm.stop();
    }
  });
});

describe('DaemonSet controller against the real API server', () => {
  test('one pod per node on 3 nodes; a node added gets one, a node removed loses it', async () => {
    await cp.client.create(RT.daemonsets, NS, {
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: { name: 'agent' },
      spec: {
        selector: { matchLabels: { app: 'agent' } },
        template: { metadata: { labels: { app: 'agent' } }, spec: { containers: [{ name: 'a', image: 'busybox', command: ['sleep', '1d'] }], terminationGracePeriodSeconds: 0 } },
      },
    });
    const byNode = async () => {
      const pods = (await listItems<Pod>(cp.client, RT.pods, NS, 'app=agent')).filter((p) => !p.metadata?.deletionTimestamp);
      return pods.map((p) => p.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms?.[0]?.matchFields?.[0]?.values?.[0] ?? '?').sort();
    };
    await waitFor('3 ready', async () => {
      const ds = await cp.client.get<K<DaemonSet>>(RT.daemonsets, NS, 'agent');
      return ds.status?.numberReady === 3 && ds.status.desiredNumberScheduled === 3;
    });
    assert.deepEqual(await byNode(), ['skiff-sim-0', 'skiff-sim-1', 'skiff-sim-2']);
    const pods = await listItems<Pod>(cp.client, RT.pods, NS, 'app=agent');
    for (const p of pods) {
      const target = p.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms?.[0]?.matchFields?.[0]?.values?.[0];
      assert.equal(p.spec?.nodeName, target, 'bound by the scheduler to the node its affinity names');
      assert.ok(p.spec?.tolerations?.some((t) => t.key === 'node.kubernetes.io/not-ready' && t.effect === 'NoExecute'));
    }
    const extra = await cp.addNodes(1, 'late');
    const status = () => cp.client.get<K<DaemonSet>>(RT.daemonsets, NS, 'agent').then((d) => d.status);
    let seen = '';
    const diag = (e: Error) => assert.fail(`${e.message}: ${seen}`);
    try {
      await waitFor('4 ready', async () => {
        const st = await status();
        return st?.numberReady === 4 && st.desiredNumberScheduled === 4;
      });
      assert.ok((await byNode()).includes('late-0'));
      // A NoExecute taint the daemon pods do not tolerate makes the node ineligible: its pod goes.
      await cp.client.patch(RT.nodes, undefined, 'late-0', 'strategic', { spec: { taints: [{ key: 'skiff.dev/drain', effect: 'NoExecute' }] } });
      await waitFor('pod removed from the tainted node', async () => {
        const st = await status();
        const b = await byNode();
        seen = JSON.stringify({ st, b });
        return st?.desiredNumberScheduled === 3 && st.numberReady === 3 && !b.includes('late-0');
      }).catch(diag);
    } finally {
      await extra.stop();
    }
    await cp.client.delete(RT.nodes, undefined, 'late-0');
    await waitFor('still 3 after the node is deleted', async () => {
      const st = await status();
      seen = JSON.stringify(st);
      return st?.desiredNumberScheduled === 3 && st.currentNumberScheduled === 3 && (await byNode()).length === 3;
    }).catch(diag);
    const nodes = await listItems<Node>(cp.client, RT.nodes);
    assert.ok(!nodes.some((n) => n.metadata?.name === 'late-0'));
  });
});

// Jobs, CronJobs, cascading deletes and namespace deletion driven by the real kubectl against
// `skiff server` with hollow nodes (whose Job pods exit 0 on their own, as kwok's).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { KUBECTL, NO_KUBECTL_REASON, startSkiff, type ServerHandle } from './harness.js';

describe('kubectl workloads against skiff', { skip: KUBECTL ? false : NO_KUBECTL_REASON }, () => {
  let s: ServerHandle;
  before(async () => {
    s = await startSkiff(['--datastore', 'memory', '--runtime', 'simulated', '--node-name', 'hollow-main', '--simulated-nodes', '2']);
  });
  after(async () => {
    assert.equal(await s?.stop(), 0);
  });

  async function until(what: string, fn: () => boolean, tries = 80): Promise<void> {
    for (let i = 0; i < tries; i++) {
      if (fn()) return;
      await sleep(250);
    }
    assert.fail(`timed out waiting for ${what}`);
  }

  test('a Job runs to completion: kubectl wait --for=condition=complete, get job columns, pods Completed', () => {
    s.kubectlOk(['apply', '-f', '-'], {
      input: `apiVersion: batch/v1
kind: Job
metadata: {name: oneshot}
spec:
  completions: 2
  parallelism: 2
  template:
    spec:
      restartPolicy: OnFailure
      containers:
      - {name: main, image: busybox, command: ["sh", "-c", "echo done"]}
`,
    });
    const w = s.kubectl(['wait', '--for=condition=complete', 'job/oneshot', '--timeout=30s'], { timeoutMs: 40_000 });
    assert.equal(w.code, 0, w.stderr);
    assert.equal(w.stdout, 'job.batch/oneshot condition met\n');
    assert.match(s.kubectlOk(['get', 'job', 'oneshot', '--no-headers']), /^oneshot\s+Complete\s+2\/2\s+\d+s\s+\d+s\n$/);
    const pods = s.kubectlOk(['get', 'pods', '-l', 'job-name=oneshot', '--no-headers']).trim().split('\n');
    assert.equal(pods.length, 2);
    for (const p of pods) assert.match(p, /^oneshot-[a-z0-9]{5}\s+0\/1\s+Completed\s+0\s/);
  });

  test('an Indexed Job completes indexes 0-2', () => {
    s.kubectlOk(['create', '-f', '-'], {
      input: JSON.stringify({
        apiVersion: 'batch/v1',
        kind: 'Job',
        metadata: { name: 'indexed' },
        spec: { completions: 3, parallelism: 3, completionMode: 'Indexed', template: { spec: { restartPolicy: 'Never', containers: [{ name: 'w', image: 'busybox', command: ['true'] }] } } },
      }),
    });
    const w = s.kubectl(['wait', '--for=condition=complete', 'job/indexed', '--timeout=30s'], { timeoutMs: 40_000 });
    assert.equal(w.code, 0, w.stderr);
    assert.equal(s.kubectlOk(['get', 'job', 'indexed', '-o', 'jsonpath={.status.completedIndexes}']), '0-2');
    const names = s.kubectlOk(['get', 'pods', '-l', 'job-name=indexed', '-o', 'name']).trim().split('\n').sort();
    assert.deepEqual(names.map((n) => /^pod\/indexed-(\d)-[a-z0-9]{5}$/.exec(n)?.[1]), ['0', '1', '2']);
  });

  test('kubectl create job --from=cronjob/x instantiates the template as a manual Job that completes', () => {
    assert.equal(
      s.kubectlOk(['create', 'cronjob', 'nightly', '--image=busybox', '--schedule=0 3 * * *', '--', 'sh', '-c', 'date']),
      'cronjob.batch/nightly created\n',
    );
    assert.match(s.kubectlOk(['get', 'cronjob', 'nightly', '--no-headers']), /^nightly\s+0 3 \* \* \*\s+<none>\s+False\s+0\s+<none>\s+\d+s\n$/);
    assert.equal(s.kubectlOk(['create', 'job', 'nightly-manual', '--from=cronjob/nightly']), 'job.batch/nightly-manual created\n');
    const job = JSON.parse(s.kubectlOk(['get', 'job', 'nightly-manual', '-o', 'json']));
    assert.equal(job.metadata.annotations['cronjob.kubernetes.io/instantiate'], 'manual');
    assert.equal(job.metadata.ownerReferences[0].kind, 'CronJob');
    assert.equal(job.metadata.ownerReferences[0].name, 'nightly');
    const w = s.kubectl(['wait', '--for=condition=complete', 'job/nightly-manual', '--timeout=30s'], { timeoutMs: 40_000 });
    assert.equal(w.code, 0, w.stderr);
    // Deleting the CronJob takes its Jobs (and their pods) along.
    s.kubectlOk(['delete', 'cronjob', 'nightly']);
    const gone = s.kubectl(['wait', '--for=delete', 'job/nightly-manual', '--timeout=20s'], { timeoutMs: 30_000 });
    assert.equal(gone.code, 0, gone.stderr + gone.stdout);
  });

  test('kubectl delete --cascade=orphan keeps the ReplicaSet; background and foreground remove everything', async () => {
    const mk = (name: string) => {
      s.kubectlOk(['create', 'deployment', name, '--image=nginx', '--replicas=2']);
      const r = s.kubectl(['rollout', 'status', `deployment/${name}`, '--timeout=30s'], { timeoutMs: 40_000 });
      assert.equal(r.code, 0, r.stderr);
      return s.kubectlOk(['get', 'rs', '-l', `app=${name}`, '-o', 'name']).trim();
    };
    const orphanRs = mk('keep');
    assert.equal(s.kubectlOk(['delete', 'deployment', 'keep', '--cascade=orphan']), 'deployment.apps "keep" deleted\n');
    await until('orphaned rs loses its owner', () => s.kubectlOk(['get', orphanRs, '-o', 'jsonpath={.metadata.ownerReferences}']) === '');
    assert.match(s.kubectlOk(['get', orphanRs, '--no-headers']), /^keep-[a-z0-9]+\s+2\s+2\s+2\s/);
    assert.equal(s.kubectlOk(['get', 'pods', '-l', 'app=keep', '--no-headers']).trim().split('\n').length, 2);

    const bgRs = mk('bg');
    assert.equal(s.kubectlOk(['delete', 'deployment', 'bg', '--cascade=background']), 'deployment.apps "bg" deleted\n');
    await until('background dependents gone', () => s.kubectl(['get', bgRs]).code !== 0 && s.kubectlOk(['get', 'pods', '-l', 'app=bg', '-o', 'name']) === '');

    const fgRs = mk('fg');
    // --cascade=foreground: kubectl waits for the owner, which goes only after its dependents.
    const r = s.kubectl(['delete', 'deployment', 'fg', '--cascade=foreground', '--timeout=30s'], { timeoutMs: 40_000 });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'deployment.apps "fg" deleted\n');
    assert.notEqual(s.kubectl(['get', fgRs]).code, 0, 'rs removed before its owner');
    await until('foreground pods gone', () => s.kubectlOk(['get', 'pods', '-l', 'app=fg', '-o', 'name']) === '');
  });

  test('kubectl delete namespace removes everything inside and waits for it', () => {
    s.kubectlOk(['create', 'namespace', 'scratch']);
    s.kubectlOk(['-n', 'scratch', 'create', 'deployment', 'web', '--image=nginx', '--replicas=2']);
    s.kubectlOk(['-n', 'scratch', 'create', 'configmap', 'cfg', '--from-literal=a=1']);
    s.kubectlOk(['-n', 'scratch', 'create', 'job', 'once', '--image=busybox', '--', 'true']);
    const r = s.kubectl(['-n', 'scratch', 'rollout', 'status', 'deployment/web', '--timeout=30s'], { timeoutMs: 40_000 });
    assert.equal(r.code, 0, r.stderr);
    const d = s.kubectl(['delete', 'namespace', 'scratch', '--timeout=30s'], { timeoutMs: 40_000 });
    assert.equal(d.code, 0, d.stderr);
    assert.equal(d.stdout, 'namespace "scratch" deleted\n');
    const g = s.kubectl(['get', 'namespace', 'scratch']);
    assert.equal(g.code, 1);
    assert.match(g.stderr, /namespaces "scratch" not found/);
    assert.equal(s.kubectlOk(['get', 'all', '-n', 'scratch', '-o', 'name']), '');
  });
});

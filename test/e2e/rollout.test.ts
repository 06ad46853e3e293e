// Deployment rollouts driven by the real kubectl against `skiff server` with hollow nodes:
// rollout status lines, history with CHANGE-CAUSE, undo (to a revision), pause/resume/restart, scale.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { KUBECTL, NO_KUBECTL_REASON, startSkiff, type ServerHandle } from './harness.js';

function kuard(image: 'blue' | 'green', cause?: string): string {
  return `apiVersion: apps/v1
kind: Deployment
metadata:
  name: kuard
spec:
  replicas: 3
  minReadySeconds: 1
  strategy:
    type: RollingUpdate
    rollingUpdate: {maxSurge: 1, maxUnavailable: 0}
  selector:
    matchLabels: {run: kuard}
  template:
    metadata:
      labels: {run: kuard}
${cause ? `      annotations:\n        kubernetes.io/change-cause: "${cause}"\n` : ''}    spec:
      terminationGracePeriodSeconds: 0
      containers:
      - name: kuard
        image: gcr.io/kuar-demo/kuard-amd64:${image}
`;
}

describe('kubectl rollout against skiff', { skip: KUBECTL ? false : NO_KUBECTL_REASON }, () => {
  let s: ServerHandle;
  before(async () => {
    s = await startSkiff(['--datastore', 'memory', '--runtime', 'simulated', '--node-name', 'hollow-main', '--simulated-nodes', '2']);
  });
  after(async () => {
    assert.equal(await s?.stop(), 0);
  });

  const status = () => s.kubectl(['rollout', 'status', 'deployments', 'kuard', '--timeout=60s'], { timeoutMs: 70_000 });
  const revision = () => s.kubectlOk(['get', 'deployment', 'kuard', '-o', 'jsonpath={.metadata.annotations.deployment\\.kubernetes\\.io/revision}']);

  test('rollout status prints the upstream progress lines and ends "successfully rolled out"', () => {
    s.kubectlOk(['apply', '-f', '-'], { input: kuard('blue') });
    let r = status();
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /deployment "kuard" successfully rolled out\n$/);
    s.kubectlOk(['apply', '-f', '-'], { input: kuard('green', 'Update to green kuard') });
    r = status();
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trim().split('\n');
    assert.equal(lines.at(-1), 'deployment "kuard" successfully rolled out');
    for (const l of lines.slice(0, -1)) {
      assert.match(l, /^Waiting for deployment "kuard" rollout to finish: (\d out of 3 new replicas have been updated|\d old replicas are pending termination|\d of 3 updated replicas are available)\.\.\.$/);
    }
    assert.ok(lines.includes('Waiting for deployment "kuard" rollout to finish: 1 out of 3 new replicas have been updated...'), r.stdout);
    assert.ok(lines.includes('Waiting for deployment "kuard" rollout to finish: 2 out of 3 new replicas have been updated...'), r.stdout);
    assert.ok(lines.includes('Waiting for deployment "kuard" rollout to finish: 1 old replicas are pending termination...'), r.stdout);
    assert.equal(revision(), '2');
  });

  test('rollout history lists revisions with CHANGE-CAUSE; --revision=2 shows the pod template', () => {
    s.kubectlOk(['apply', '-f', '-'], { input: kuard('blue', 'Update to blue kuard') });
    assert.equal(status().code, 0);
    const h = s.kubectlOk(['rollout', 'history', 'deployment', 'kuard']);
    assert.equal(h, 'deployment.apps/kuard \nREVISION  CHANGE-CAUSE\n1         <none>\n2         Update to green kuard\n3         Update to blue kuard\n\n');
    const r2 = s.kubectlOk(['rollout', 'history', 'deployment', 'kuard', '--revision=2']);
    assert.match(r2, /^deployment\.apps\/kuard with revision #2\nPod Template:\n  Labels:\tpod-template-hash=[a-z0-9]+\n\trun=kuard\n  Annotations:\tkubernetes\.io\/change-cause: Update to green kuard\n  Containers:\n   kuard:\n    Image:\tgcr\.io\/kuar-demo\/kuard-amd64:green\n/);
    const bad = s.kubectl(['rollout', 'history', 'deployment', 'kuard', '--revision=9']);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /unable to find the specified revision/);
  });

  test('rollout undo goes back to the previous revision re-using its ReplicaSet; --to-revision picks one', () => {
    const rsBefore = s.kubectlOk(['get', 'rs', '-l', 'run=kuard', '-o', 'name']).trim().split('\n').sort();
    // blue (no change-cause), green and blue-with-change-cause are three templates.
    assert.equal(rsBefore.length, 3);
    assert.equal(s.kubectlOk(['rollout', 'undo', 'deployments', 'kuard']), 'deployment.apps/kuard rolled back\n');
    assert.equal(status().code, 0);
    assert.equal(revision(), '4');
    assert.equal(s.kubectlOk(['get', 'deployment', 'kuard', '-o', 'jsonpath={.spec.template.spec.containers[0].image}']), 'gcr.io/kuar-demo/kuard-amd64:green');
    assert.deepEqual(s.kubectlOk(['get', 'rs', '-l', 'run=kuard', '-o', 'name']).trim().split('\n').sort(), rsBefore, 'no new ReplicaSet');
    const h = s.kubectlOk(['rollout', 'history', 'deployment', 'kuard']);
    assert.match(h, /REVISION  CHANGE-CAUSE\n1         <none>\n3         Update to blue kuard\n4         Update to green kuard\n/);
    assert.equal(s.kubectlOk(['rollout', 'undo', 'deployments', 'kuard', '--to-revision=3']), 'deployment.apps/kuard rolled back\n');
    assert.equal(status().code, 0);
    assert.equal(revision(), '5');
    assert.equal(s.kubectlOk(['get', 'deployment', 'kuard', '-o', 'jsonpath={.spec.template.spec.containers[0].image}']), 'gcr.io/kuar-demo/kuard-amd64:blue');
    // The new ReplicaSet runs all replicas; the other is scaled to 0.
    const rs = s.kubectlOk(['get', 'rs', '-l', 'run=kuard', '--no-headers']);
    assert.match(rs, /kuard-[a-z0-9]+\s+3\s+3\s+3\s/);
    assert.match(rs, /kuard-[a-z0-9]+\s+0\s+0\s+0\s/);
  });

  test('rollout pause holds a template change; resume rolls it out; restart makes a new revision', async () => {
    assert.equal(s.kubectlOk(['rollout', 'pause', 'deployments', 'kuard']), 'deployment.apps/kuard paused\n');
    s.kubectlOk(['set', 'image', 'deployment/kuard', 'kuard=gcr.io/kuar-demo/kuard-amd64:purple']);
    await sleep(500);
    assert.equal(revision(), '5', 'no rollout while paused');
    const paused = s.kubectl(['rollout', 'status', 'deployments', 'kuard', '--timeout=2s']);
    assert.notEqual(paused.code, 0);
    assert.match(paused.stderr + paused.stdout, /Waiting for deployment "kuard" rollout to finish|paused/);
    assert.equal(s.kubectlOk(['rollout', 'resume', 'deployments', 'kuard']), 'deployment.apps/kuard resumed\n');
    assert.equal(status().code, 0);
    assert.equal(revision(), '6');
    assert.equal(s.kubectlOk(['rollout', 'restart', 'deployment/kuard']), 'deployment.apps/kuard restarted\n');
    assert.equal(status().code, 0);
    assert.equal(revision(), '7');
    const restartedAt = s.kubectlOk(['get', 'deployment', 'kuard', '-o', 'jsonpath={.spec.template.metadata.annotations.kubectl\\.kubernetes\\.io/restartedAt}']);
    assert.match(restartedAt, /^\d{4}-\d\d-\d\dT/);
  });

  test('scale, and a manually scaled child ReplicaSet is reset to the deployment\'s replicas', async () => {
    assert.equal(s.kubectlOk(['scale', 'deployments', 'kuard', '--replicas=2']), 'deployment.apps/kuard scaled\n');
    assert.equal(status().code, 0);
    const current = s.kubectlOk(['get', 'deployment', 'kuard', '-o', 'jsonpath={.status.availableReplicas}']);
    assert.equal(current, '2');
    const rsList = JSON.parse(s.kubectlOk(['get', 'rs', '-l', 'run=kuard', '-o', 'json'])) as { items: { metadata: { name: string }; spec: { replicas: number } }[] };
    const rsName = rsList.items.find((r) => r.spec.replicas > 0)!.metadata.name;
    s.kubectlOk(['scale', 'rs', rsName, '--replicas=1']);
    let line = '';
    for (let i = 0; i < 40; i++) {
      line = s.kubectlOk(['get', 'rs', rsName, '--no-headers']);
      if (/\s2\s+2\s+2\s/.test(line)) break;
      await sleep(250);
    }
    assert.match(line, new RegExp(`^${rsName}\\s+2\\s+2\\s+2\\s`));
    assert.equal(status().code, 0);
    assert.match(s.kubectlOk(['get', 'deployment', 'kuard', '--no-headers']), /^kuard\s+2\/2\s+2\s+2\s/);
  });
});

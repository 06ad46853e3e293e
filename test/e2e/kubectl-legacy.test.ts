// Older API versions from the seeds' manifests are accepted, converted to the stored version,
// and answered with upstream's deprecation warnings; describe works for more kinds.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { KUBECTL, NO_KUBECTL_REASON, startSkiff, writeTemp, type ServerHandle } from './harness.js';

describe('legacy API versions and describe', { skip: KUBECTL ? false : NO_KUBECTL_REASON }, () => {
  let s: ServerHandle;
  before(async () => {
    s = await startSkiff();
  });
  after(async () => {
    await s?.stop();
  });

  test('batch/v1beta1 CronJob is stored as batch/v1 with a warning', () => {
    const f = writeTemp(
      'cj.yaml',
      `apiVersion: batch/v1beta1
kind: CronJob
metadata:
  name: legacy-cron
spec:
  schedule: "*/5 * * * *"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: OnFailure
          containers:
          - name: c
            image: busybox
            command: ["date"]
`,
    );
    const r = s.kubectl(['apply', '-f', f]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /cronjob.batch\/legacy-cron created/);
    assert.match(r.stderr, /Warning: batch\/v1beta1 CronJob is deprecated in v1.21\+, unavailable in v1.25\+; use batch\/v1 CronJob/);
    const cj = JSON.parse(s.kubectlOk(['get', 'cronjob', 'legacy-cron', '-o', 'json']));
    assert.equal(cj.apiVersion, 'batch/v1');
    assert.equal(cj.spec.concurrencyPolicy, 'Allow');
    assert.equal(cj.spec.successfulJobsHistoryLimit, 3);
  });

  test('extensions/v1beta1 Ingress with serviceName/servicePort becomes networking.k8s.io/v1', () => {
    const f = writeTemp(
      'ing.yaml',
      `apiVersion: extensions/v1beta1
kind: Ingress
metadata:
  name: legacy-ing
spec:
  rules:
  - host: alpaca.example.com
    http:
      paths:
      - path: /
        backend:
          serviceName: alpaca
          servicePort: 8080
`,
    );
    const r = s.kubectl(['apply', '-f', f]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /extensions\/v1beta1 Ingress is deprecated/);
    const ing = JSON.parse(s.kubectlOk(['get', 'ingress.networking.k8s.io', 'legacy-ing', '-o', 'json']));
    assert.equal(ing.apiVersion, 'networking.k8s.io/v1');
    const path = ing.spec.rules[0].http.paths[0];
    assert.deepEqual(path.backend.service, { name: 'alpaca', port: { number: 8080 } });
    assert.equal(path.pathType, 'ImplementationSpecific');
  });

  test('autoscaling/v1 HPA targetCPUUtilizationPercentage round-trips through v2', () => {
    const f = writeTemp(
      'hpa.yaml',
      `apiVersion: autoscaling/v1
kind: HorizontalPodAutoscaler
metadata:
  name: web
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: web
  minReplicas: 1
  maxReplicas: 5
  targetCPUUtilizationPercentage: 80
`,
    );
    s.kubectlOk(['apply', '-f', f]);
    const v2 = JSON.parse(s.kubectlOk(['get', 'horizontalpodautoscalers.v2.autoscaling', 'web', '-o', 'json']));
    assert.equal(v2.spec.metrics[0].resource.name, 'cpu');
    assert.equal(v2.spec.metrics[0].resource.target.averageUtilization, 80);
    const v1 = JSON.parse(s.kubectlOk(['get', 'horizontalpodautoscalers.v1.autoscaling', 'web', '-o', 'json']));
    assert.equal(v1.spec.targetCPUUtilizationPercentage, 80);
    assert.match(s.kubectlOk(['get', 'hpa', 'web']), /^web\s+Deployment\/web\s+cpu: <unknown>\/80%\s+1\s+5\s+0\s+\S+$/m);
  });

  test('describe a service and a node', () => {
    s.kubectlOk(['create', 'service', 'clusterip', 'db', '--tcp=3306:3306']);
    const d = s.kubectlOk(['describe', 'service', 'db']);
    assert.match(d, /^Name:\s+db$/m);
    assert.match(d, /^Type:\s+ClusterIP$/m);
    assert.match(d, /^IP:\s+10\.(9[6-9]|1[01]\d)\.\d+\.\d+$/m);
    assert.match(d, /^Port:\s+3306-3306\s+3306\/TCP$/m);
    const node = writeTemp('node.yaml', 'apiVersion: v1\nkind: Node\nmetadata:\n  name: hand-made\n  labels:\n    disktype: ssd\nstatus:\n  capacity:\n    cpu: "2"\n    memory: 4Gi\n    pods: "110"\n');
    s.kubectlOk(['apply', '-f', node]);
    const n = s.kubectlOk(['describe', 'node', 'hand-made']);
    assert.match(n, /^Name:\s+hand-made$/m);
    assert.match(n, /disktype=ssd/);
    assert.match(s.kubectlOk(['get', 'nodes', '--show-labels']), /hand-made\s+\S+\s+<none>/);
  });
});

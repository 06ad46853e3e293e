// kubectl's generators write through typed client-go clients, which send
// application/vnd.kubernetes.protobuf bodies (and accept JSON answers). Each command below must
// succeed against `skiff server` and store the fields kubectl meant.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { KUBECTL, NO_KUBECTL_REASON, apiRequest, startSkiff, type ServerHandle } from './harness.js';
import { encodeKubernetesProtobuf } from '../../src/api/protobuf/encode.js';

const skip = KUBECTL ? false : NO_KUBECTL_REASON;
const PB = 'application/vnd.kubernetes.protobuf';

describe('protobuf request bodies from the real kubectl', { skip }, () => {
  let s: ServerHandle;
  const getJson = (...args: string[]): any => JSON.parse(s.kubectlOk(['get', ...args, '-o', 'json']));
  before(async () => {
    s = await startSkiff();
  });
  after(async () => {
    await s?.stop();
  });

  test('create configmap / secret generic / namespace', () => {
    assert.match(s.kubectlOk(['create', 'configmap', 'cfg', '--from-literal=a=b', '--from-literal=empty=']), /configmap\/cfg created/);
    assert.deepEqual(getJson('configmap', 'cfg').data, { a: 'b', empty: '' });

    assert.match(s.kubectlOk(['create', 'secret', 'generic', 'creds', '--from-literal=user=admin', '--from-literal=pass=s3cr3t']), /secret\/creds created/);
    const secret = getJson('secret', 'creds');
    assert.equal(secret.type, 'Opaque');
    assert.equal(Buffer.from(secret.data.pass, 'base64').toString(), 's3cr3t');
    assert.equal(Buffer.from(secret.data.user, 'base64').toString(), 'admin');

    assert.match(s.kubectlOk(['create', 'namespace', 'team-a']), /namespace\/team-a created/);
    assert.equal(getJson('namespace', 'team-a').status.phase, 'Active');
  });

  test('create deployment --replicas, then expose it and create a ClusterIP service', () => {
    assert.match(s.kubectlOk(['create', 'deployment', 'web', '--image=nginx:1.25', '--replicas=2', '--port=8080']), /deployment.apps\/web created/);
    const d = getJson('deployment', 'web');
    assert.equal(d.spec.replicas, 2);
    assert.deepEqual(d.spec.selector, { matchLabels: { app: 'web' } });
    assert.equal(d.spec.template.spec.containers[0].image, 'nginx:1.25');
    assert.equal(d.spec.template.spec.containers[0].ports[0].containerPort, 8080);
    assert.equal(d.metadata.creationTimestamp.length, 20); // set by the server, not the zero time sent

    assert.match(s.kubectlOk(['expose', 'deployment', 'web', '--port=80', '--target-port=8080']), /service\/web exposed/);
    const exposed = getJson('service', 'web');
    assert.equal(exposed.spec.ports[0].port, 80);
    assert.equal(exposed.spec.ports[0].targetPort, 8080);
    assert.deepEqual(exposed.spec.selector, { app: 'web' });

    assert.match(s.kubectlOk(['create', 'service', 'clusterip', 'api', '--tcp=80:http']), /service\/api created/);
    const svc = getJson('service', 'api');
    assert.equal(svc.spec.type, 'ClusterIP');
    assert.deepEqual(svc.spec.ports[0], { name: '80-http', protocol: 'TCP', port: 80, targetPort: 'http' });
    assert.ok(svc.spec.clusterIP);
  });

  test('create job, cronjob and job --from=cronjob', () => {
    assert.match(s.kubectlOk(['create', 'job', 'once', '--image=busybox', '--', 'echo', 'hi']), /job.batch\/once created/);
    const job = getJson('job', 'once');
    assert.deepEqual(job.spec.template.spec.containers[0].command, ['echo', 'hi']);
    assert.equal(job.spec.template.spec.restartPolicy, 'Never');

    assert.match(s.kubectlOk(['create', 'cronjob', 'tick', '--image=busybox', '--schedule=*/5 * * * *', '--', 'date']), /cronjob.batch\/tick created/);
    assert.equal(getJson('cronjob', 'tick').spec.schedule, '*/5 * * * *');

    assert.match(s.kubectlOk(['create', 'job', 'manual', '--from=cronjob/tick']), /job.batch\/manual created/);
    const manual = getJson('job', 'manual');
    assert.equal(manual.metadata.annotations['cronjob.kubernetes.io/instantiate'], 'manual');
    assert.equal(manual.metadata.ownerReferences[0].kind, 'CronJob');
    assert.equal(manual.metadata.ownerReferences[0].controller, true);
    assert.deepEqual(manual.spec.template.spec.containers[0].command, ['date']);
  });

  test('create role / rolebinding / clusterrole / clusterrolebinding', () => {
    s.kubectlOk(['create', 'role', 'reader', '--verb=get,list', '--resource=pods,configmaps']);
    const role = getJson('role', 'reader');
    assert.deepEqual(role.rules[0].verbs, ['get', 'list']);
    assert.deepEqual(role.rules[0].resources.sort(), ['configmaps', 'pods']);
    s.kubectlOk(['create', 'rolebinding', 'reader-bob', '--role=reader', '--user=bob', '--serviceaccount=default:robot']);
    const rb = getJson('rolebinding', 'reader-bob');
    assert.deepEqual(rb.roleRef, { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'reader' });
    assert.deepEqual(
      rb.subjects.map((x: any) => `${x.kind}:${x.namespace ?? ''}:${x.name}`).sort(),
      ['ServiceAccount:default:robot', 'User::bob'],
    );
    s.kubectlOk(['create', 'clusterrole', 'node-reader', '--verb=get', '--resource=nodes']);
    s.kubectlOk(['create', 'clusterrolebinding', 'node-reader-ops', '--clusterrole=node-reader', '--group=ops']);
    assert.equal(getJson('clusterrolebinding', 'node-reader-ops').subjects[0].name, 'ops');
  });

  test('create priorityclass / quota / pdb / ingress / serviceaccount, autoscale', () => {
    s.kubectlOk(['create', 'priorityclass', 'high', '--value=1000', '--description=important']);
    const pc = getJson('priorityclass', 'high');
    assert.equal(pc.value, 1000);
    assert.equal(pc.description, 'important');

    s.kubectlOk(['create', 'quota', 'limits', '--hard=pods=10,requests.cpu=500m,requests.memory=1Gi']);
    assert.deepEqual(getJson('resourcequota', 'limits').spec.hard, { pods: '10', 'requests.cpu': '500m', 'requests.memory': '1Gi' });

    s.kubectlOk(['create', 'pdb', 'web-pdb', '--selector=app=web', '--min-available=50%']);
    assert.equal(getJson('pdb', 'web-pdb').spec.minAvailable, '50%');

    s.kubectlOk(['create', 'ingress', 'site', '--rule=example.com/api*=web:80']);
    const ing = getJson('ingress', 'site');
    assert.equal(ing.spec.rules[0].host, 'example.com');
    assert.deepEqual(ing.spec.rules[0].http.paths[0], { path: '/api', pathType: 'Prefix', backend: { service: { name: 'web', port: { number: 80 } } } });

    s.kubectlOk(['create', 'serviceaccount', 'robot']);
    assert.equal(getJson('serviceaccount', 'robot').metadata.name, 'robot');

    s.kubectlOk(['autoscale', 'deployment', 'web', '--min=2', '--max=5', '--cpu-percent=60']);
    const hpa = getJson('hpa', 'web');
    assert.equal(hpa.spec.maxReplicas, 5);
    assert.equal(hpa.spec.minReplicas, 2);
    assert.equal(hpa.spec.metrics[0].resource.target.averageUtilization, 60);
  });

  test('answers are JSON even when the client prefers protobuf; bad protobuf is a 400 Status', async () => {
    const body = encodeKubernetesProtobuf({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'raw' }, data: { k: 'v' } });
    const r = await apiRequest(s, 'POST', '/api/v1/namespaces/default/configmaps', body, { 'content-type': PB, accept: `${PB},application/json` });
    assert.equal(r.status, 201, r.body);
    assert.match(String(r.headers['content-type']), /^application\/json/);
    assert.deepEqual(r.json().data, { k: 'v' });

    const bad = await apiRequest(s, 'POST', '/api/v1/namespaces/default/configmaps', Buffer.from('k8s\0\x0a\xff'), { 'content-type': PB });
    assert.equal(bad.status, 400, bad.body);
    assert.equal(bad.json().kind, 'Status');
    assert.match(bad.json().message, /protobuf/);
  });
});

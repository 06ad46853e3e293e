import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { applyDefaults, prepareForCreate, prepareForStatusUpdate, prepareForUpdate, validate, validateUpdate } from './strategy.js';

const ns = 'default';
/** Default + prepare + validate, as the API server does on create; returns "field: detail" lines. */
function createErrors(kind: string, obj: any): string[] {
  applyDefaults(kind, obj);
  prepareForCreate(kind, obj);
  return validate(kind, obj).map((e) => `${e.field}: ${e.detail}`);
}
function updateErrors(kind: string, obj: any, old: any): string[] {
  applyDefaults(kind, obj);
  prepareForUpdate(kind, obj, old);
  return validateUpdate(kind, obj, old).map((e) => `${e.field}: ${e.detail}`);
}
const pod = (spec: any = {}) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: ns }, spec: { containers: [{ name: 'c', image: 'nginx' }], ...spec } });
const template = (labels: Record<string, string> = { app: 'x' }, spec: any = {}) => ({ metadata: { labels }, spec: { containers: [{ name: 'c', image: 'nginx:1.25' }], ...spec } });

describe('defaults', () => {
  test('a pod gets the defaults kubectl get -o yaml shows (§A1)', () => {
    const p: any = pod({ containers: [{ name: 'kuard', image: 'gcr.io/kuar-demo/kuard-amd64:blue', ports: [{ containerPort: 8080 }] }] });
    applyDefaults('Pod', p);
    prepareForCreate('Pod', p);
    const c = p.spec.containers[0];
    assert.equal(c.imagePullPolicy, 'IfNotPresent');
    assert.equal(c.terminationMessagePath, '/dev/termination-log');
    assert.equal(c.terminationMessagePolicy, 'File');
    assert.deepEqual(c.resources, {});
    assert.equal(c.ports[0].protocol, 'TCP');
    assert.equal(p.spec.dnsPolicy, 'ClusterFirst');
    assert.equal(p.spec.enableServiceLinks, true);
    assert.equal(p.spec.priority, 0);
    assert.equal(p.spec.restartPolicy, 'Always');
    assert.equal(p.spec.schedulerName, 'default-scheduler');
    assert.deepEqual(p.spec.securityContext, {});
    assert.equal(p.spec.serviceAccount, 'default');
    assert.equal(p.spec.serviceAccountName, 'default');
    assert.equal(p.spec.terminationGracePeriodSeconds, 30);
    assert.deepEqual(p.spec.tolerations, [
      { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
      { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
    ]);
    assert.deepEqual(p.status, { phase: 'Pending', qosClass: 'BestEffort' });
    assert.equal(p.metadata.generation, undefined);
  });
  test('image pull policy, probes, volumes, requests from limits', () => {
    const p: any = pod({
      containers: [
        {
          name: 'a',
          image: 'nginx',
          livenessProbe: { httpGet: { port: 80 } },
          resources: { limits: { cpu: '1', memory: '1Gi' } },
        },
        { name: 'b', image: 'nginx:latest' },
        { name: 'd', image: 'nginx@sha256:abc' },
      ],
      volumes: [{ name: 'v1' }, { name: 'v2', secret: { secretName: 's' } }, { name: 'v3', configMap: { name: 'c' } }],
    });
    applyDefaults('Pod', p);
    prepareForCreate('Pod', p);
    const [a, b, d] = p.spec.containers;
    assert.equal(a.imagePullPolicy, 'Always');
    assert.equal(b.imagePullPolicy, 'Always');
    assert.equal(d.imagePullPolicy, 'IfNotPresent');
    assert.deepEqual(a.livenessProbe, { httpGet: { port: 80, path: '/', scheme: 'HTTP' }, timeoutSeconds: 1, periodSeconds: 10, successThreshold: 1, failureThreshold: 3 });
    assert.deepEqual(a.resources.requests, { cpu: '1', memory: '1Gi' });
    assert.deepEqual(p.spec.volumes[0], { name: 'v1', emptyDir: {} });
    assert.equal(p.spec.volumes[1].secret.defaultMode, 420);
    assert.equal(p.spec.volumes[2].configMap.defaultMode, 420);
    assert.equal(p.status.qosClass, 'Burstable');
  });
  test('deployment defaults and template defaults (no pod-only defaults)', () => {
    const d: any = { metadata: { name: 'd', namespace: ns }, spec: { selector: { matchLabels: { app: 'x' } }, template: template() } };
    applyDefaults('Deployment', d);
    assert.equal(d.spec.replicas, 1);
    assert.deepEqual(d.spec.strategy, { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' } });
    assert.equal(d.spec.revisionHistoryLimit, 10);
    assert.equal(d.spec.progressDeadlineSeconds, 600);
    const ps = d.spec.template.spec;
    assert.equal(ps.restartPolicy, 'Always');
    assert.equal(ps.enableServiceLinks, undefined);
    assert.equal(ps.serviceAccountName, undefined);
    assert.equal(ps.tolerations, undefined);
  });
  test('daemonset, statefulset, replicaset, cronjob defaults', () => {
    const ds: any = { spec: { template: template() } };
    applyDefaults('DaemonSet', ds);
    assert.deepEqual(ds.spec.updateStrategy, { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } });
    assert.equal(ds.spec.revisionHistoryLimit, 10);
    const sts: any = { spec: { template: template(), volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: {} }] } };
    applyDefaults('StatefulSet', sts);
    assert.equal(sts.spec.replicas, 1);
    assert.equal(sts.spec.podManagementPolicy, 'OrderedReady');
    assert.deepEqual(sts.spec.updateStrategy, { type: 'RollingUpdate', rollingUpdate: { partition: 0 } });
    assert.deepEqual(sts.spec.persistentVolumeClaimRetentionPolicy, { whenDeleted: 'Retain', whenScaled: 'Retain' });
    assert.equal(sts.spec.volumeClaimTemplates[0].spec.volumeMode, 'Filesystem');
    const rs: any = { spec: { template: template() } };
    applyDefaults('ReplicaSet', rs);
    assert.equal(rs.spec.replicas, 1);
    const cj: any = { spec: { schedule: '* * * * *', jobTemplate: { spec: { template: template() } } } };
    applyDefaults('CronJob', cj);
    assert.equal(cj.spec.concurrencyPolicy, 'Allow');
    assert.equal(cj.spec.suspend, false);
    assert.equal(cj.spec.successfulJobsHistoryLimit, 3);
    assert.equal(cj.spec.failedJobsHistoryLimit, 1);
  });
  test('job defaults, work queue, generated selector and labels', () => {
    const job: any = { metadata: { name: 'pi', namespace: ns, uid: 'u-1' }, spec: { template: { spec: { containers: [{ name: 'pi', image: 'perl' }], restartPolicy: 'Never' } } } };
    assert.deepEqual(createErrors('Job', job), []);
    assert.equal(job.spec.completions, 1);
    assert.equal(job.spec.parallelism, 1);
    assert.equal(job.spec.backoffLimit, 6);
    assert.equal(job.spec.completionMode, 'NonIndexed');
    assert.equal(job.spec.suspend, false);
    assert.deepEqual(job.spec.selector, { matchLabels: { 'batch.kubernetes.io/controller-uid': 'u-1' } });
    assert.deepEqual(job.spec.template.metadata.labels, {
      'batch.kubernetes.io/controller-uid': 'u-1',
      'controller-uid': 'u-1',
      'batch.kubernetes.io/job-name': 'pi',
      'job-name': 'pi',
    });
    assert.equal(job.metadata.generation, 1);
    const wq: any = { spec: { parallelism: 3, template: template() } };
    applyDefaults('Job', wq);
    assert.equal(wq.spec.completions, undefined);
  });
  test('service, secret, pvc, pv, namespace, hpa defaults', () => {
    const svc: any = { metadata: { name: 's', namespace: ns }, spec: { selector: { app: 'x' }, ports: [{ port: 80 }] } };
    applyDefaults('Service', svc);
    assert.equal(svc.spec.type, 'ClusterIP');
    assert.equal(svc.spec.sessionAffinity, 'None');
    assert.deepEqual(svc.spec.ports[0], { port: 80, protocol: 'TCP', targetPort: 80 });
    assert.equal(svc.spec.internalTrafficPolicy, 'Cluster');
    assert.equal(svc.spec.ipFamilyPolicy, 'SingleStack');
    assert.deepEqual(svc.spec.ipFamilies, ['IPv4']);
    const np: any = { spec: { type: 'NodePort', ports: [{ port: 80, targetPort: 'http' }] } };
    applyDefaults('Service', np);
    assert.equal(np.spec.externalTrafficPolicy, 'Cluster');
    assert.equal(np.spec.ports[0].targetPort, 'http');
    const sec: any = { stringData: { user: 'admin' } };
    applyDefaults('Secret', sec);
    assert.deepEqual(sec, { type: 'Opaque', data: { user: 'YWRtaW4=' } });
    const pvc: any = { spec: {} };
    applyDefaults('PersistentVolumeClaim', pvc);
    assert.equal(pvc.spec.volumeMode, 'Filesystem');
    const pv: any = { spec: {} };
    applyDefaults('PersistentVolume', pv);
    assert.equal(pv.spec.persistentVolumeReclaimPolicy, 'Retain');
    const n: any = { metadata: { name: 'team-a' } };
    applyDefaults('Namespace', n);
    prepareForCreate('Namespace', n);
    assert.deepEqual(n.spec.finalizers, ['kubernetes']);
    assert.deepEqual(n.status, { phase: 'Active' });
    assert.equal(n.metadata.labels['kubernetes.io/metadata.name'], 'team-a');
    const hpa: any = { spec: { maxReplicas: 3 } };
    applyDefaults('HorizontalPodAutoscaler', hpa);
    assert.equal(hpa.spec.minReplicas, 1);
  });
});

describe('prepareForUpdate / prepareForStatusUpdate', () => {
  const dep = () => ({ metadata: { name: 'd', namespace: ns, generation: 1, uid: 'u' }, spec: { replicas: 1, selector: { matchLabels: { app: 'x' } }, template: template() }, status: { replicas: 1 } });
  test('main update keeps status and bumps generation only on spec change', () => {
    const old: any = dep();
    applyDefaults('Deployment', old);
    const same: any = structuredClone(old);
    same.status = { replicas: 99 };
    prepareForUpdate('Deployment', same, old);
    assert.equal(same.metadata.generation, 1);
    assert.deepEqual(same.status, { replicas: 1 });
    const scaled: any = structuredClone(old);
    scaled.spec.replicas = 3;
    prepareForUpdate('Deployment', scaled, old);
    assert.equal(scaled.metadata.generation, 2);
  });
  test('status update keeps everything but status', () => {
    const old: any = dep();
    const next: any = structuredClone(old);
    next.spec.replicas = 5;
    next.metadata.labels = { hacked: 'yes' };
    next.metadata.resourceVersion = '7';
    next.status = { replicas: 2, readyReplicas: 2 };
    prepareForStatusUpdate('Deployment', next, old);
    assert.equal(next.spec.replicas, 1);
    assert.equal(next.metadata.labels, undefined);
    assert.equal(next.metadata.resourceVersion, '7');
    assert.deepEqual(next.status, { replicas: 2, readyReplicas: 2 });
  });
  test('service update keeps the allocated clusterIP and nodePorts', () => {
    const old: any = { metadata: { name: 's', namespace: ns }, spec: { type: 'NodePort', clusterIP: '10.96.0.5', clusterIPs: ['10.96.0.5'], ports: [{ name: 'http', port: 80, nodePort: 30080 }] } };
    applyDefaults('Service', old);
    const next: any = { metadata: { name: 's', namespace: ns }, spec: { type: 'NodePort', ports: [{ name: 'http', port: 80 }] } };
    assert.deepEqual(updateErrors('Service', next, old), []);
    assert.equal(next.spec.clusterIP, '10.96.0.5');
    assert.equal(next.spec.ports[0].nodePort, 30080);
  });
});

describe('validation: one invalid case per kind with upstream path and message', () => {
  const cases: [string, any, string][] = [
    ['Pod', pod({ containers: [{ name: 'c' }] }), 'spec.containers[0].image: Required value'],
    ['Pod', pod({ containers: [{ name: 'c', image: 'x', ports: [{ containerPort: 70000 }] }] }), 'spec.containers[0].ports[0].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive'],
    ['Pod', pod({ restartPolicy: 'Sometimes' }), 'spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"'],
    ['Pod', pod({ containers: [{ name: 'c', image: 'x', volumeMounts: [{ name: 'data', mountPath: '/d' }] }] }), 'spec.containers[0].volumeMounts[0].name: Not found: "data"'],
    ['Pod', pod({ containers: [{ name: 'c', image: 'x', resources: { requests: { cpu: '2' }, limits: { cpu: '1' } } }] }), 'spec.containers[0].resources.requests: Invalid value: "2": must be less than or equal to cpu limit of 1'],
    ['Pod', pod({ containers: [{ name: 'c', image: 'x' }, { name: 'c', image: 'y' }] }), 'spec.containers[1].name: Duplicate value: "c"'],
    ['Pod', pod({ containers: [{ name: 'c', image: 'x', ports: [{ containerPort: 80, name: 'http-web-service-x' }] }] }), 'spec.containers[0].ports[0].name: Invalid value: "http-web-service-x": must be no more than 15 characters'],
    ['Pod', pod({ containers: [{ name: 'c', image: 'x', env: [{ name: '1BAD' }] }] }), `spec.containers[0].env[0].name: Invalid value: "1BAD": a valid environment variable name must consist of alphabetic characters, digits, '_', '-', or '.', and must not start with a digit (e.g. 'my.env-name',  or 'MY_ENV.NAME',  or 'MyEnvName1', regex used for validation is '[-._a-zA-Z][-._a-zA-Z0-9]*')`],
    ['Pod', pod({ containers: [{ name: 'c', image: 'x', livenessProbe: { exec: { command: ['true'] }, successThreshold: 2 } }] }), 'spec.containers[0].livenessProbe.successThreshold: Invalid value: 2: must be 1'],
    ['Pod', pod({ volumes: [{ name: 'v', emptyDir: {}, hostPath: { path: '/x' } }] }), 'spec.volumes[0].hostPath: Forbidden: may not specify more than 1 volume type'],
    ['Deployment', { metadata: { name: 'd', namespace: ns }, spec: { selector: { matchLabels: { app: 'y' } }, template: template({ app: 'x' }) } }, 'spec.template.metadata.labels: Invalid value: map[string]string{"app":"x"}: `selector` does not match template `labels`'],
    ['Deployment', { metadata: { name: 'd', namespace: ns }, spec: { template: template({ app: 'x' }) } }, 'spec.selector: Required value'],
    ['Deployment', { metadata: { name: 'd', namespace: ns }, spec: { replicas: -1, selector: { matchLabels: { app: 'x' } }, template: template() } }, 'spec.replicas: Invalid value: -1: must be greater than or equal to 0'],
    ['Deployment', { metadata: { name: 'd', namespace: ns }, spec: { selector: { matchLabels: { app: 'x' } }, template: template(), strategy: { rollingUpdate: { maxSurge: 0, maxUnavailable: 0 } } } }, 'spec.strategy.rollingUpdate.maxUnavailable: Invalid value: intstr.IntOrString{Type:0, IntVal:0, StrVal:""}: may not be 0 when `maxSurge` is 0'],
    ['ReplicaSet', { metadata: { name: 'r', namespace: ns }, spec: { selector: { matchLabels: { app: 'x' } }, template: template({ app: 'x' }, { restartPolicy: 'Never' }) } }, 'spec.template.spec.restartPolicy: Unsupported value: "Never": supported values: "Always"'],
    ['DaemonSet', { metadata: { name: 'ds', namespace: ns }, spec: { selector: { matchLabels: { app: 'x' } }, template: template({ app: 'x' }, { restartPolicy: 'OnFailure' }) } }, 'spec.template.spec.restartPolicy: Unsupported value: "OnFailure": supported values: "Always"'],
    ['StatefulSet', { metadata: { name: 'db.x', namespace: ns }, spec: { serviceName: 'db', selector: { matchLabels: { app: 'x' } }, template: template() } }, 'metadata.name: Invalid value: "db.x": must not contain dots'],
    ['Job', { metadata: { name: 'j', namespace: ns, uid: 'u' }, spec: { template: { spec: { containers: [{ name: 'c', image: 'x' }] } } } }, 'spec.template.spec.restartPolicy: Required value: valid values: "OnFailure", "Never"'],
    ['Job', { metadata: { name: 'j', namespace: ns, uid: 'u' }, spec: { parallelism: -1, template: template({}, { restartPolicy: 'Never' }) } }, 'spec.parallelism: Invalid value: -1: must be greater than or equal to 0'],
    ['CronJob', { metadata: { name: 'c', namespace: ns }, spec: { schedule: 'every minute', jobTemplate: { spec: { template: template({}, { restartPolicy: 'OnFailure' }) } } } }, 'spec.schedule: Invalid value: "every minute": expected exactly 5 fields, found 2: [every minute]'],
    ['CronJob', { metadata: { name: 'c', namespace: ns }, spec: { schedule: '@hourly', timeZone: 'Mars/Base', jobTemplate: { spec: { template: template({}, { restartPolicy: 'OnFailure' }) } } } }, 'spec.timeZone: Invalid value: "Mars/Base": unknown time zone Mars/Base'],
    ['Service', { metadata: { name: 's', namespace: ns }, spec: { selector: { app: 'x' } } }, 'spec.ports: Required value'],
    ['Service', { metadata: { name: 's', namespace: ns }, spec: { ports: [{ port: 80 }, { port: 81 }] } }, 'spec.ports[0].name: Required value'],
    ['Service', { metadata: { name: 's', namespace: ns }, spec: { type: 'NodePort', ports: [{ port: 80, nodePort: 80 }] } }, 'spec.ports[0].nodePort: Invalid value: 80: provided port is not in the valid range. The range of valid ports is 30000-32767'],
    ['Service', { metadata: { name: 's', namespace: ns }, spec: { type: 'Magic', ports: [{ port: 80 }] } }, 'spec.type: Unsupported value: "Magic": supported values: "ClusterIP", "ExternalName", "LoadBalancer", "NodePort"'],
    ['Service', { metadata: { name: 's', namespace: ns }, spec: { clusterIP: '10.0.0.300', ports: [{ port: 80 }] } }, 'spec.clusterIPs[0]: Invalid value: "10.0.0.300": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)'],
    ['Service', { metadata: { name: 's', namespace: ns }, spec: { type: 'ExternalName' } }, 'spec.externalName: Required value'],
    ['ConfigMap', { metadata: { name: 'c', namespace: ns }, data: { 'auth file.json': 'x' } }, `data[auth file.json]: Invalid value: "auth file.json": a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')`],
    ['ConfigMap', { metadata: { name: 'c', namespace: ns }, data: { big: 'x'.repeat(1024 * 1024 + 1) } }, ': Too long: may not be more than 1048576 bytes'],
    ['Secret', { metadata: { name: 's', namespace: ns }, type: 'kubernetes.io/tls', data: { 'tls.crt': 'eA==' } }, 'data[tls.key]: Required value'],
    ['Namespace', { metadata: { name: 'Team_A' } }, `metadata.name: Invalid value: "Team_A": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')`],
    ['Node', { metadata: { name: 'n' }, spec: { taints: [{ key: 'k', effect: 'Sometimes' }] } }, 'spec.taints[0].effect: Unsupported value: "Sometimes": supported values: "NoSchedule", "PreferNoSchedule", "NoExecute"'],
    ['Ingress', { metadata: { name: 'i', namespace: ns }, spec: { rules: [{ http: { paths: [{ path: 'foo', pathType: 'Prefix', backend: { service: { name: 'a', port: { number: 80 } } } }] } }] } }, 'spec.rules[0].http.paths[0].path: Invalid value: "foo": must be an absolute path'],
    ['Ingress', { metadata: { name: 'i', namespace: ns }, spec: { rules: [{ http: { paths: [{ path: '/', backend: { service: { name: 'a', port: { number: 80 } } } }] } }] } }, 'spec.rules[0].http.paths[0].pathType: Required value: pathType must be specified'],
    ['Ingress', { metadata: { name: 'i', namespace: ns }, spec: {} }, 'spec: Invalid value: []networking.IngressRule(nil): either `defaultBackend` or `rules` must be specified'],
    ['IngressClass', { metadata: { name: 'nginx' }, spec: { controller: 'nginx' } }, 'spec.controller: Invalid value: "nginx": must be a domain-prefixed path (such as "acme.io/foo")'],
    ['HorizontalPodAutoscaler', { metadata: { name: 'h', namespace: ns }, spec: { scaleTargetRef: { kind: 'Deployment', name: 'd' }, minReplicas: 3, maxReplicas: 2 } }, 'spec.maxReplicas: Invalid value: 2: must be greater than or equal to `minReplicas`'],
    ['PersistentVolumeClaim', { metadata: { name: 'c', namespace: ns }, spec: { resources: { requests: { storage: '1Gi' } } } }, 'spec.accessModes: Required value: at least 1 access mode is required'],
    ['PersistentVolumeClaim', { metadata: { name: 'c', namespace: ns }, spec: { accessModes: ['ReadWriteOnce'] } }, 'spec.resources[storage]: Required value'],
    ['PersistentVolume', { metadata: { name: 'pv' }, spec: { capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'] } }, 'spec: Required value: must specify a volume type'],
    ['StorageClass', { metadata: { name: 'sc' } }, 'provisioner: Required value'],
    ['Role', { metadata: { name: 'r', namespace: ns }, rules: [{ apiGroups: [''], resources: ['pods'] }] }, 'rules[0].verbs: Required value: verbs must contain at least one value'],
    ['ClusterRole', { metadata: { name: 'r' }, rules: [{ verbs: ['get'], resources: ['pods'] }] }, 'rules[0].apiGroups: Required value: resource rules must supply at least one api group'],
    ['RoleBinding', { metadata: { name: 'b', namespace: ns }, roleRef: { kind: 'Role', name: 'r' }, subjects: [{ kind: 'Robot', name: 'x' }] }, 'subjects[0].kind: Unsupported value: "Robot": supported values: "ServiceAccount", "User", "Group"'],
    ['ClusterRoleBinding', { metadata: { name: 'b' }, roleRef: { kind: 'ClusterRole', name: 'r' }, subjects: [{ kind: 'ServiceAccount', name: 'x' }] }, 'subjects[0].namespace: Required value'],
    ['Lease', { metadata: { name: 'l', namespace: ns }, spec: { leaseDurationSeconds: 0 } }, 'spec.leaseDurationSeconds: Invalid value: 0: must be greater than 0'],
    ['PodDisruptionBudget', { metadata: { name: 'p', namespace: ns }, spec: { minAvailable: 1, maxUnavailable: 1 } }, 'spec: Invalid value: policy.PodDisruptionBudgetSpec{...}: minAvailable and maxUnavailable cannot be both set'],
    ['PriorityClass', { metadata: { name: 'high' }, value: 2000000000 }, 'value: Forbidden: maximum allowed value of a user defined priority is 1000000000'],
    ['Event', { metadata: { name: 'e', namespace: ns }, involvedObject: { kind: 'Pod', name: 'p', namespace: 'other' } }, 'involvedObject.namespace: Invalid value: "other": does not match event.namespace'],
    ['EndpointSlice', { metadata: { name: 'e', namespace: ns }, addressType: 'IPv4', endpoints: [{ addresses: ['not-an-ip'] }] }, 'endpoints[0].addresses[0]: Invalid value: "not-an-ip": must be a valid IPv4 address'],
    ['Endpoints', { metadata: { name: 'e', namespace: ns }, subsets: [{ addresses: [{ ip: '1.2.3' }], ports: [{ port: 80 }] }] }, 'subsets[0].addresses[0].ip: Invalid value: "1.2.3": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)'],
    ['NetworkPolicy', { metadata: { name: 'n', namespace: ns }, spec: { podSelector: {}, ingress: [{ from: [{ ipBlock: { cidr: '10.0.0.0/33' } }] }] } }, 'spec.ingress[0].from[0].ipBlock.cidr: Invalid value: "10.0.0.0/33": must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)'],
    ['LimitRange', { metadata: { name: 'l', namespace: ns }, spec: { limits: [{ type: 'Container', min: { cpu: '2' }, max: { cpu: '1' } }] } }, 'spec.limits[0].min[cpu]: Invalid value: "2": min value 2 is greater than max value 1'],
    ['ResourceQuota', { metadata: { name: 'q', namespace: ns }, spec: { hard: { cpu: 'lots' } } }, `spec.hard[cpu]: Invalid value: "lots": quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'`],
    ['ServiceAccount', { metadata: { name: 'Bad', namespace: ns } }, `metadata.name: Invalid value: "Bad": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`],
    ['ControllerRevision', { metadata: { name: 'c', namespace: ns }, revision: 1 }, 'data: Required value: data is mandatory'],
    ['ReplicationController', { metadata: { name: 'rc', namespace: ns }, spec: { selector: { app: 'y' }, template: template({ app: 'x' }) } }, 'spec.template.metadata.labels: Invalid value: map[string]string{"app":"x"}: `selector` does not match template `labels`'],
  ];
  for (const [kind, obj, want] of cases) {
    test(`${kind}: ${want.slice(0, 70)}`, () => {
      const errs = createErrors(kind, structuredClone(obj));
      assert.ok(errs.includes(want), `expected ${JSON.stringify(want)} in\n${errs.join('\n')}`);
    });
  }
  test('valid objects of common kinds pass', () => {
    assert.deepEqual(createErrors('Pod', pod()), []);
    assert.deepEqual(createErrors('Deployment', { metadata: { name: 'd', namespace: ns }, spec: { selector: { matchLabels: { app: 'x' } }, template: template() } }), []);
    assert.deepEqual(createErrors('Service', { metadata: { name: 's', namespace: ns }, spec: { selector: { app: 'x' }, ports: [{ port: 80, targetPort: 'http' }] } }), []);
    assert.deepEqual(createErrors('Service', { metadata: { name: 'h', namespace: ns }, spec: { clusterIP: 'None', selector: { app: 'x' } } }), []);
    assert.deepEqual(createErrors('CronJob', { metadata: { name: 'c', namespace: ns }, spec: { schedule: '*/5 * * * *', jobTemplate: { spec: { template: template({}, { restartPolicy: 'OnFailure' }) } } } }), []);
    assert.deepEqual(createErrors('StatefulSet', { metadata: { name: 'db', namespace: ns }, spec: { serviceName: 'db', selector: { matchLabels: { app: 'x' } }, template: template({ app: 'x' }, { containers: [{ name: 'c', image: 'x', volumeMounts: [{ name: 'data', mountPath: '/d' }] }] }), volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }] } }), []);
    assert.deepEqual(createErrors('ConfigMap', { metadata: { name: 'c', namespace: ns }, data: { '.auth_token': 'x', 'Key.pem': 'y', config_file: 'z' } }), []);
    assert.deepEqual(createErrors('Ingress', { metadata: { name: 'i', namespace: ns }, spec: { rules: [{ host: '*.foo.com', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'a', port: { name: 'http' } } } }] } }] } }), []);
    assert.deepEqual(createErrors('Namespace', { metadata: { name: 'team-a' } }), []);
    assert.deepEqual(createErrors('Lease', { metadata: { name: 'n', namespace: 'kube-node-lease' }, spec: { holderIdentity: 'n', leaseDurationSeconds: 40 } }), []);
  });
});

describe('update validation', () => {
  test('deployment selector is immutable', () => {
    const old: any = { metadata: { name: 'd', namespace: ns, uid: 'u' }, spec: { selector: { matchLabels: { app: 'x' } }, template: template() } };
    applyDefaults('Deployment', old);
    const next: any = structuredClone(old);
    next.spec.selector = { matchLabels: { app: 'y' } };
    next.spec.template.metadata.labels = { app: 'y' };
    assert.deepEqual(updateErrors('Deployment', next, old), [
      'spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"app":"y"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable',
    ]);
  });
  test('pod spec is mostly immutable, image may change', () => {
    const old: any = pod();
    applyDefaults('Pod', old);
    prepareForCreate('Pod', old);
    const img: any = structuredClone(old);
    img.spec.containers[0].image = 'nginx:1.27';
    assert.deepEqual(updateErrors('Pod', img, old), []);
    const port: any = structuredClone(old);
    port.spec.containers[0].ports = [{ containerPort: 81, protocol: 'TCP' }];
    const errs = updateErrors('Pod', port, old);
    assert.equal(errs.length, 1);
    assert.ok(errs[0].startsWith('spec: Forbidden: pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)'));
  });
  test('job template and selector are immutable', () => {
    const old: any = { metadata: { name: 'j', namespace: ns, uid: 'u' }, spec: { template: template({}, { restartPolicy: 'Never' }) } };
    assert.deepEqual(createErrors('Job', old), []);
    const next: any = structuredClone(old);
    next.spec.template.spec.containers[0].image = 'other';
    assert.deepEqual(updateErrors('Job', next, old), ['spec.template: Invalid value: core.PodTemplateSpec{...}: field is immutable']);
  });
  test('service clusterIP may not change; immutable configmap; secret type', () => {
    const old: any = { metadata: { name: 's', namespace: ns }, spec: { clusterIP: '10.96.0.5', ports: [{ port: 80 }] } };
    applyDefaults('Service', old);
    const next: any = structuredClone(old);
    next.spec.clusterIP = '10.96.0.6';
    next.spec.clusterIPs = ['10.96.0.6'];
    assert.ok(updateErrors('Service', next, old).includes('spec.clusterIPs[0]: Invalid value: []string{"10.96.0.6"}: may not change once set'));
    const cm: any = { metadata: { name: 'c', namespace: ns }, immutable: true, data: { a: '1' } };
    assert.deepEqual(updateErrors('ConfigMap', { ...structuredClone(cm), data: { a: '2' } }, cm), ['data: Forbidden: field is immutable when `immutable` is set']);
    const sec: any = { metadata: { name: 's', namespace: ns }, type: 'Opaque', data: {} };
    assert.ok(updateErrors('Secret', { ...structuredClone(sec), type: 'kubernetes.io/basic-auth', data: { username: 'eA==' } }, sec).includes('type: Invalid value: "kubernetes.io/basic-auth": field is immutable'));
  });
  test('pvc spec immutable except requests of bound claims; rolebinding roleRef', () => {
    const old: any = { metadata: { name: 'c', namespace: ns }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } }, status: { phase: 'Bound' } };
    applyDefaults('PersistentVolumeClaim', old);
    const grow: any = structuredClone(old);
    grow.spec.resources.requests.storage = '2Gi';
    assert.deepEqual(updateErrors('PersistentVolumeClaim', grow, old), []);
    const mode: any = structuredClone(old);
    mode.spec.accessModes = ['ReadWriteMany'];
    assert.deepEqual(updateErrors('PersistentVolumeClaim', mode, old), ['spec: Forbidden: spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims']);
    const rb: any = { metadata: { name: 'b', namespace: ns }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'a' }, subjects: [] };
    assert.deepEqual(updateErrors('RoleBinding', { ...structuredClone(rb), roleRef: { ...rb.roleRef, name: 'b' } }, rb), [
      'roleRef: Invalid value: rbac.RoleRef{APIGroup:"rbac.authorization.k8s.io", Kind:"Role", Name:"b"}: cannot change roleRef',
    ]);
  });
});

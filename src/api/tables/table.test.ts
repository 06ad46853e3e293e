import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { buildTable } from './table.js';
import type { Table } from './types.js';

const now = new Date('2024-05-01T12:00:00Z');
const ago = (ms: number) => new Date(now.getTime() - ms).toISOString();
const S = 1000;
const MIN = 60 * S;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

const meta = (name: string, age: number, extra: Record<string, unknown> = {}) => ({ name, namespace: 'default', creationTimestamp: ago(age), resourceVersion: '7', ...extra });
const table = (kind: string, group: string, objs: object[]) => buildTable(kind, group, objs, { now, includeObject: 'None' });
const headers = (t: Table) => t.columnDefinitions.map((c) => (c.priority ? `(${c.name})` : c.name));
const cells = (t: Table, i = 0) => t.rows[i].cells;

describe('table envelope', () => {
  const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: meta('myconf', 4 * S, { uid: 'u1', labels: { a: 'b' } }), data: { k: 'v' } };

  test('kubectl default: rows carry PartialObjectMetadata', () => {
    const t = buildTable('ConfigMap', '', [cm], { now, includeObject: 'Metadata', listMeta: { resourceVersion: '42', continue: 'abc', remainingItemCount: 3 } });
    assert.equal(t.kind, 'Table');
    assert.equal(t.apiVersion, 'meta.k8s.io/v1');
    assert.deepEqual(t.metadata, { resourceVersion: '42', continue: 'abc', remainingItemCount: 3 });
    assert.deepEqual(t.rows[0].object, { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: cm.metadata });
  });

  test('Object includes the whole object, None omits it; single get takes its resourceVersion', () => {
    const full = buildTable('ConfigMap', '', [cm], { now, includeObject: 'Object' });
    assert.deepEqual(full.rows[0].object, cm);
    assert.deepEqual(full.metadata, { resourceVersion: '7' });
    const none = buildTable('ConfigMap', '', [cm], { now, includeObject: 'None' });
    assert.equal('object' in none.rows[0], false);
  });

  test('noHeaders drops the column definitions (watch events after the first)', () => {
    const t = buildTable('ConfigMap', '', [cm], { now, includeObject: 'None', noHeaders: true });
    assert.deepEqual(t.columnDefinitions, []);
    assert.deepEqual(cells(t), ['myconf', 1, '4s']);
  });

  test('every column definition has all wire fields', () => {
    for (const c of table('Pod', '', []).columnDefinitions) {
      assert.deepEqual(Object.keys(c).sort(), ['description', 'format', 'name', 'priority', 'type']);
      assert.ok(c.description.length > 0);
    }
  });
});

describe('workloads', () => {
  const template = { metadata: { labels: { run: 'kuard' } }, spec: { containers: [{ name: 'kuard', image: 'gcr.io/kuar-demo/kuard-amd64:blue' }] } };

  test('Deployment: READY UP-TO-DATE AVAILABLE, wide CONTAINERS IMAGES SELECTOR', () => {
    const d = { metadata: meta('hello-node', 7 * S), spec: { replicas: 1, selector: { matchLabels: { app: 'hello-node' } }, template }, status: { replicas: 1, updatedReplicas: 1 } };
    const t = table('Deployment', 'apps', [d]);
    assert.deepEqual(headers(t), ['Name', 'Ready', 'Up-to-date', 'Available', 'Age', '(Containers)', '(Images)', '(Selector)']);
    assert.deepEqual(cells(t), ['hello-node', '0/1', 1, 0, '7s', 'kuard', 'gcr.io/kuar-demo/kuard-amd64:blue', 'app=hello-node']);
  });

  test('ReplicaSet: DESIRED CURRENT READY with integer cells and selector', () => {
    const rs = {
      metadata: meta('kuard-5897df564', 66 * MIN),
      spec: { replicas: 0, selector: { matchLabels: { run: 'kuard', 'pod-template-hash': '5897df564' } }, template },
      status: { replicas: 0 },
    };
    const t = table('ReplicaSet', 'apps', [rs]);
    assert.deepEqual(headers(t), ['Name', 'Desired', 'Current', 'Ready', 'Age', '(Containers)', '(Images)', '(Selector)']);
    assert.equal(t.columnDefinitions[1].type, 'integer');
    assert.deepEqual(cells(t), ['kuard-5897df564', 0, 0, 0, '66m', 'kuard', 'gcr.io/kuar-demo/kuard-amd64:blue', 'pod-template-hash=5897df564,run=kuard']);
  });

  test('DaemonSet: NODE SELECTOR <none> and counts', () => {
    const ds = {
      metadata: meta('fluentd', 109 * S),
      spec: { selector: { matchLabels: { app: 'fluentd' } }, template: { spec: { containers: [{ name: 'fluentd', image: 'fluent/fluentd:v0.14.10' }] } } },
      status: { desiredNumberScheduled: 1, currentNumberScheduled: 1, numberReady: 1, updatedNumberScheduled: 1, numberAvailable: 1 },
    };
    const t = table('DaemonSet', 'apps', [ds]);
    assert.deepEqual(headers(t), ['Name', 'Desired', 'Current', 'Ready', 'Up-to-date', 'Available', 'Node Selector', 'Age', '(Containers)', '(Images)', '(Selector)']);
    assert.deepEqual(cells(t), ['fluentd', 1, 1, 1, 1, 1, '<none>', '109s', 'fluentd', 'fluent/fluentd:v0.14.10', 'app=fluentd']);
    const ssd = { ...ds, spec: { ...ds.spec, template: { spec: { ...ds.spec.template.spec, nodeSelector: { ssd: 'true' } } } } };
    assert.equal(cells(table('DaemonSet', 'apps', [ssd]))[6], 'ssd=true');
  });

  test('StatefulSet: READY ready/replicas', () => {
    const sts = { metadata: meta('mongo', 38 * MIN), spec: { replicas: 3, template: { spec: { containers: [{ name: 'mongodb', image: 'mongo:3.4.1' }] } } }, status: { readyReplicas: 3 } };
    const t = table('StatefulSet', 'apps', [sts]);
    assert.deepEqual(headers(t), ['Name', 'Ready', 'Age', '(Containers)', '(Images)']);
    assert.deepEqual(cells(t), ['mongo', '3/3', '38m', 'mongodb', 'mongo:3.4.1']);
  });

  test('Job: STATUS COMPLETIONS DURATION', () => {
    const jobTemplate = { spec: { containers: [{ name: 'kuard', image: 'kuard' }] } };
    const selector = { matchLabels: { 'batch.kubernetes.io/controller-uid': 'u1' } };
    const running = { metadata: meta('oneshot', 24 * MIN), spec: { completions: 1, parallelism: 1, selector, template: jobTemplate }, status: { startTime: ago(24 * MIN), active: 1 } };
    const t = table('Job', 'batch', [running]);
    assert.deepEqual(headers(t), ['Name', 'Status', 'Completions', 'Duration', 'Age', '(Containers)', '(Images)', '(Selector)']);
    assert.deepEqual(cells(t), ['oneshot', 'Running', '0/1', '24m', '24m', 'kuard', 'kuard', 'batch.kubernetes.io/controller-uid=u1']);

    const complete = {
      metadata: meta('pi', 2 * MIN),
      spec: { completions: 10, parallelism: 5, template: jobTemplate },
      status: { succeeded: 10, startTime: ago(2 * MIN), completionTime: ago(2 * MIN - 41 * S), conditions: [{ type: 'Complete', status: 'True' }] },
    };
    assert.deepEqual(cells(table('Job', 'batch', [complete])).slice(1, 4), ['Complete', '10/10', '41s']);

    const queue = { metadata: meta('queue', MIN), spec: { parallelism: 5, template: jobTemplate }, status: { succeeded: 0 } };
    assert.deepEqual(cells(table('Job', 'batch', [queue])).slice(1, 4), ['Running', '0/1 of 5', '']);

    const failed = { ...queue, status: { conditions: [{ type: 'FailureTarget', status: 'True' }, { type: 'Failed', status: 'True' }] } };
    assert.equal(cells(table('Job', 'batch', [failed]))[1], 'Failed');
    const suspended = { ...queue, status: { conditions: [{ type: 'Suspended', status: 'True' }] } };
    assert.equal(cells(table('Job', 'batch', [suspended]))[1], 'Suspended');
    const deleting = { ...queue, metadata: { ...queue.metadata, deletionTimestamp: ago(S) } };
    assert.equal(cells(table('Job', 'batch', [deleting]))[1], 'Terminating');
  });

  test('CronJob: SCHEDULE TIMEZONE SUSPEND ACTIVE LAST SCHEDULE', () => {
    const cj = {
      metadata: meta('hello', 5 * MIN),
      spec: { schedule: '*/1 * * * *', suspend: false, jobTemplate: { spec: { template: { spec: { containers: [{ name: 'hello', image: 'busybox' }] } } } } },
      status: { active: [{ name: 'hello-1' }], lastScheduleTime: ago(25 * S) },
    };
    const t = table('CronJob', 'batch', [cj]);
    assert.deepEqual(headers(t), ['Name', 'Schedule', 'Timezone', 'Suspend', 'Active', 'Last Schedule', 'Age', '(Containers)', '(Images)', '(Selector)']);
    assert.deepEqual(cells(t), ['hello', '*/1 * * * *', '<none>', 'False', 1, '25s', '5m', 'hello', 'busybox', '<none>']);
    const fresh = { ...cj, spec: { ...cj.spec, timeZone: 'Etc/UTC', suspend: undefined }, status: {} };
    assert.deepEqual(cells(table('CronJob', 'batch', [fresh])).slice(2, 6), ['Etc/UTC', '<unset>', 0, '<none>']);
  });

  test('ReplicationController and PodTemplate', () => {
    const rc = { metadata: meta('nginx', HOUR), spec: { replicas: 2, selector: { app: 'nginx' }, template }, status: { replicas: 2, readyReplicas: 1 } };
    assert.deepEqual(cells(table('ReplicationController', '', [rc])), ['nginx', 2, 2, 1, '60m', 'kuard', 'gcr.io/kuar-demo/kuard-amd64:blue', 'app=nginx']);
    const pt = { metadata: meta('tmpl', HOUR), template };
    const t = table('PodTemplate', '', [pt]);
    assert.deepEqual(headers(t), ['Name', 'Containers', 'Images', 'Pod Labels']);
    assert.deepEqual(cells(t), ['tmpl', 'kuard', 'gcr.io/kuar-demo/kuard-amd64:blue', 'run=kuard']);
  });

  test('ControllerRevision: kind.group/name of its controller', () => {
    const cr = {
      metadata: meta('fluentd-6b5c6d9c8', 2 * MIN, { ownerReferences: [{ apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'fluentd', uid: 'x', controller: true }] }),
      revision: 1,
    };
    const t = table('ControllerRevision', 'apps', [cr]);
    assert.deepEqual(headers(t), ['Name', 'Controller', 'Revision', 'Age']);
    assert.deepEqual(cells(t), ['fluentd-6b5c6d9c8', 'daemonset.apps/fluentd', 1, '2m']);
  });

  test('HPA: TARGETS for v2 and v1 shapes', () => {
    const v2 = {
      metadata: meta('kuard', 3 * MIN),
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'kuard' },
        minReplicas: 2,
        maxReplicas: 5,
        metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } }],
      },
      status: { currentReplicas: 2, desiredReplicas: 2, currentMetrics: [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 50, averageValue: '120m' } } }] },
    };
    const t = table('HorizontalPodAutoscaler', 'autoscaling', [v2]);
    assert.deepEqual(headers(t), ['Name', 'Reference', 'Targets', 'MinPods', 'MaxPods', 'Replicas', 'Age']);
    assert.deepEqual(cells(t), ['kuard', 'Deployment/kuard', 'cpu: 50%/80%', '2', 5, 2, '3m']);

    const unknown = { ...v2, status: { currentReplicas: 0 } };
    assert.equal(cells(table('HorizontalPodAutoscaler', 'autoscaling', [unknown]))[2], 'cpu: <unknown>/80%');

    const v1 = { metadata: meta('php', MIN), spec: { scaleTargetRef: { kind: 'Deployment', name: 'php' }, maxReplicas: 10, targetCPUUtilizationPercentage: 50 }, status: { currentReplicas: 1, currentCPUUtilizationPercentage: 0 } };
    assert.deepEqual(cells(table('HorizontalPodAutoscaler', 'autoscaling', [v1])).slice(1, 6), ['Deployment/php', 'cpu: 0%/50%', '<unset>', 10, 1]);

    const many = {
      ...v2,
      spec: {
        ...v2.spec,
        metrics: [
          { type: 'Resource', resource: { name: 'memory', target: { type: 'AverageValue', averageValue: '1024Mi' } } },
          { type: 'Pods', pods: { metric: { name: 'qps' }, target: { type: 'AverageValue', averageValue: '1k' } } },
          { type: 'External', external: { metric: { name: 'queue' }, target: { type: 'Value', value: '30' } } },
        ],
      },
      status: { currentReplicas: 2, currentMetrics: [{ type: 'Resource', resource: { name: 'memory', current: { averageValue: '512Mi' } } }] },
    };
    assert.equal(cells(table('HorizontalPodAutoscaler', 'autoscaling', [many]))[2], 'memory: 512Mi/1Gi, <unknown>/1k + 1 more...');
    const none = { ...v2, spec: { ...v2.spec, metrics: [] } };
    assert.equal(cells(table('HorizontalPodAutoscaler', 'autoscaling', [none]))[2], '<none>');
  });

  test('PodDisruptionBudget: N/A for the unset bound', () => {
    const pdb = { metadata: meta('zk', HOUR), spec: { minAvailable: '50%' }, status: { disruptionsAllowed: 1 } };
    const t = table('PodDisruptionBudget', 'policy', [pdb]);
    assert.deepEqual(headers(t), ['Name', 'Min Available', 'Max Unavailable', 'Allowed Disruptions', 'Age']);
    assert.deepEqual(cells(t), ['zk', '50%', 'N/A', 1, '60m']);
    const max = { ...pdb, spec: { maxUnavailable: 1 } };
    assert.deepEqual(cells(table('PodDisruptionBudget', 'policy', [max])).slice(1, 3), ['N/A', '1']);
  });
});

describe('networking', () => {
  const svc = (name: string, spec: Record<string, unknown>, status: Record<string, unknown> = {}, age = 88 * S) => ({ metadata: meta(name, age), spec, status });

  test('Service columns and ClusterIP cells', () => {
    const t = table('Service', '', [svc('alpaca-prod', { type: 'ClusterIP', clusterIP: '10.102.127.103', clusterIPs: ['10.102.127.103'], ports: [{ port: 8080, protocol: 'TCP', targetPort: 8080 }], selector: { app: 'alpaca', env: 'prod', ver: '1' } })]);
    assert.deepEqual(headers(t), ['Name', 'Type', 'Cluster-IP', 'External-IP', 'Port(s)', 'Age', '(Selector)']);
    assert.deepEqual(cells(t), ['alpaca-prod', 'ClusterIP', '10.102.127.103', '<none>', '8080/TCP', '88s', 'app=alpaca,env=prod,ver=1']);
  });

  test('Service PORT(S) and EXTERNAL-IP forms', () => {
    const nodePort = svc('hello-minikube', { type: 'NodePort', clusterIPs: ['10.97.53.50'], ports: [{ port: 8080, nodePort: 30856, protocol: 'TCP' }], selector: { app: 'hello-minikube' } }, {}, 117 * S);
    assert.deepEqual(cells(table('Service', '', [nodePort])).slice(1, 6), ['NodePort', '10.97.53.50', '<none>', '8080:30856/TCP', '117s']);

    const dns = svc('kube-dns', { type: 'ClusterIP', clusterIPs: ['10.96.0.10'], ports: [{ port: 53, protocol: 'UDP' }, { port: 53, protocol: 'TCP' }, { port: 9153, protocol: 'TCP' }], selector: { 'k8s-app': 'kube-dns' } });
    assert.equal(cells(table('Service', '', [dns]))[4], '53/UDP,53/TCP,9153/TCP');

    const lb = { type: 'LoadBalancer', clusterIPs: ['10.97.163.13'], ports: [{ port: 8080, nodePort: 31170, protocol: 'TCP' }] };
    assert.equal(cells(table('Service', '', [svc('lb', lb)]))[3], '<pending>');
    assert.equal(cells(table('Service', '', [svc('lb', lb, { loadBalancer: { ingress: [{ ip: '127.0.0.1' }] } })]))[3], '127.0.0.1');
    assert.equal(
      cells(table('Service', '', [svc('lb', lb, { loadBalancer: { ingress: [{ ip: '10.0.0.9' }, { hostname: 'a.example.com' }, { ip: '10.0.0.2' }] } })]))[3],
      '10.0.0.2,10.0.0.9,a.example.com',
    );
    assert.equal(cells(table('Service', '', [svc('lb', { ...lb, externalIPs: ['1.2.3.4'] }, { loadBalancer: { ingress: [{ ip: '10.0.0.9' }] } })]))[3], '10.0.0.9,1.2.3.4');
    assert.equal(cells(table('Service', '', [svc('ext', { type: 'ClusterIP', clusterIPs: ['10.0.0.1'], externalIPs: ['1.2.3.4', '5.6.7.8'], ports: [{ port: 80, protocol: 'TCP' }] })]))[3], '1.2.3.4,5.6.7.8');

    const headless = svc('mysql-service', { type: 'ClusterIP', clusterIP: 'None', clusterIPs: ['None'], ports: [{ port: 3306, protocol: 'TCP' }] });
    assert.deepEqual(cells(table('Service', '', [headless])).slice(2, 5), ['None', '<none>', '3306/TCP']);

    const external = svc('external-database', { type: 'ExternalName', externalName: 'database.company.com' });
    assert.deepEqual(cells(table('Service', '', [external])).slice(1, 7), ['ExternalName', '<none>', 'database.company.com', '<none>', '88s', '<none>']);
  });

  test('Endpoints: ip:port list, + N more..., <none>', () => {
    const ep = { metadata: meta('nginx', 25 * HOUR), subsets: [{ addresses: [{ ip: '172.17.0.3' }, { ip: '172.17.0.4' }, { ip: '172.17.0.5' }], ports: [{ port: 80, protocol: 'TCP' }] }] };
    const t = table('Endpoints', '', [ep]);
    assert.deepEqual(headers(t), ['Name', 'Endpoints', 'Age']);
    assert.deepEqual(cells(t), ['nginx', '172.17.0.3:80,172.17.0.4:80,172.17.0.5:80', '25h']);
    const more = { ...ep, subsets: [{ addresses: [{ ip: '10.1.0.5' }, { ip: '10.1.0.6' }], ports: [{ port: 8080 }, { port: 9090 }] }] };
    assert.equal(cells(table('Endpoints', '', [more]))[1], '10.1.0.5:8080,10.1.0.6:8080,10.1.0.5:9090 + 1 more...');
    assert.equal(cells(table('Endpoints', '', [{ metadata: meta('none', S) }]))[1], '<none>');
    const headless = { ...ep, subsets: [{ addresses: [{ ip: 'fd00::5' }] }] };
    assert.equal(cells(table('Endpoints', '', [headless]))[1], 'fd00::5');
    const v6 = { ...ep, subsets: [{ addresses: [{ ip: 'fd00::5' }], ports: [{ port: 80 }] }] };
    assert.equal(cells(table('Endpoints', '', [v6]))[1], '[fd00::5]:80');
  });

  test('EndpointSlice: ADDRESSTYPE PORTS ENDPOINTS', () => {
    const s = {
      metadata: meta('empty-mind-abc12', 5 * MIN),
      addressType: 'IPv4',
      ports: [{ name: '', port: 80, protocol: 'TCP' }],
      endpoints: [{ addresses: ['10.244.0.5'] }, { addresses: ['10.244.0.6'] }, { addresses: ['10.244.0.7'] }, { addresses: ['10.244.0.8'] }],
    };
    const t = table('EndpointSlice', 'discovery.k8s.io', [s]);
    assert.deepEqual(headers(t), ['Name', 'AddressType', 'Ports', 'Endpoints', 'Age']);
    assert.deepEqual(cells(t), ['empty-mind-abc12', 'IPv4', '80', '10.244.0.5,10.244.0.6,10.244.0.7 + 1 more...', '5m']);
    assert.deepEqual(cells(table('EndpointSlice', 'discovery.k8s.io', [{ metadata: meta('e', S), addressType: 'IPv4' }])).slice(2, 4), ['<unset>', '<unset>']);
  });

  test('Ingress: CLASS HOSTS ADDRESS PORTS', () => {
    const simple = { metadata: meta('simple-ingress', 27 * S), spec: { defaultBackend: { service: { name: 'alpaca', port: { number: 8080 } } } } };
    const t = table('Ingress', 'networking.k8s.io', [simple]);
    assert.deepEqual(headers(t), ['Name', 'Class', 'Hosts', 'Address', 'Ports', 'Age']);
    assert.deepEqual(cells(t), ['simple-ingress', '<none>', '*', '', '80', '27s']);
    const hosts = {
      metadata: meta('host-ingress', 4 * MIN + 22 * S),
      spec: { ingressClassName: 'nginx', rules: [{ host: 'alpaca.example.com' }, { host: 'bandicoot.example.com' }], tls: [{ hosts: ['alpaca.example.com'], secretName: 'tls' }] },
      status: { loadBalancer: { ingress: [{ ip: '192.168.49.2' }] } },
    };
    assert.deepEqual(cells(table('Ingress', 'networking.k8s.io', [hosts])), ['host-ingress', 'nginx', 'alpaca.example.com,bandicoot.example.com', '192.168.49.2', '80, 443', '4m22s']);
    const many = { metadata: meta('m', S), spec: { rules: [{ host: 'a' }, { host: 'b' }, {}, { host: 'd' }, { host: 'e' }] } };
    assert.equal(cells(table('Ingress', 'networking.k8s.io', [many]))[2], 'a,b,d + 2 more...');
  });

  test('IngressClass and NetworkPolicy', () => {
    const ic = { metadata: meta('nginx', HOUR), spec: { controller: 'k8s.io/ingress-nginx', parameters: { apiGroup: 'k8s.example.com', kind: 'IngressParameters', name: 'external-lb' } } };
    const t = table('IngressClass', 'networking.k8s.io', [ic]);
    assert.deepEqual(headers(t), ['Name', 'Controller', 'Parameters', 'Age']);
    assert.deepEqual(cells(t), ['nginx', 'k8s.io/ingress-nginx', 'IngressParameters.k8s.example.com/external-lb', '60m']);
    assert.equal(cells(table('IngressClass', 'networking.k8s.io', [{ metadata: meta('x', S), spec: { controller: 'c' } }]))[2], '<none>');

    const np = { metadata: meta('deny-all', MIN), spec: { podSelector: {} } };
    assert.deepEqual(headers(table('NetworkPolicy', 'networking.k8s.io', [np])), ['Name', 'Pod-Selector', 'Age']);
    assert.deepEqual(cells(table('NetworkPolicy', 'networking.k8s.io', [np])), ['deny-all', '<none>', '60s']);
    const web = { metadata: meta('web', MIN), spec: { podSelector: { matchLabels: { role: 'db' } } } };
    assert.equal(cells(table('NetworkPolicy', 'networking.k8s.io', [web]))[1], 'role=db');
  });
});

describe('config, cluster and RBAC', () => {
  test('ConfigMap counts data and binaryData; Secret shows TYPE and DATA', () => {
    const cm = { metadata: meta('kube-root-ca.crt', 2 * DAY + 2 * HOUR), data: { 'ca.crt': 'x' }, binaryData: { blob: 'AA==' } };
    assert.deepEqual(headers(table('ConfigMap', '', [cm])), ['Name', 'Data', 'Age']);
    assert.deepEqual(cells(table('ConfigMap', '', [cm])), ['kube-root-ca.crt', 2, '2d2h']);
    const s = { metadata: meta('tls-secret', 9 * S), type: 'kubernetes.io/tls', data: { 'tls.crt': 'x', 'tls.key': 'y' } };
    assert.deepEqual(headers(table('Secret', '', [s])), ['Name', 'Type', 'Data', 'Age']);
    assert.deepEqual(cells(table('Secret', '', [s])), ['tls-secret', 'kubernetes.io/tls', 2, '9s']);
  });

  test('ServiceAccount and Namespace', () => {
    const sa = { metadata: meta('default', 30 * MIN), secrets: [{ name: 'default-token-abcde' }] };
    assert.deepEqual(headers(table('ServiceAccount', '', [sa])), ['Name', 'Secrets', 'Age']);
    assert.deepEqual(cells(table('ServiceAccount', '', [sa])), ['default', 1, '30m']);
    const ns = { metadata: meta('kube-system', 8 * DAY), status: { phase: 'Active' } };
    assert.deepEqual(headers(table('Namespace', '', [ns])), ['Name', 'Status', 'Age']);
    assert.deepEqual(cells(table('Namespace', '', [ns])), ['kube-system', 'Active', '8d']);
    assert.equal(cells(table('Namespace', '', [{ ...ns, status: { phase: 'Terminating' } }]))[1], 'Terminating');
  });

  test('Node: STATUS, ROLES, VERSION and wide addresses/system info', () => {
    const node = {
      metadata: meta('minikube', 24 * HOUR, { labels: { 'node-role.kubernetes.io/control-plane': '', 'node-role.kubernetes.io/master': '', 'kubernetes.io/hostname': 'minikube' } }),
      spec: {},
      status: {
        conditions: [
          { type: 'MemoryPressure', status: 'False' },
          { type: 'Ready', status: 'True' },
        ],
        addresses: [
          { type: 'InternalIP', address: '192.168.49.2' },
          { type: 'Hostname', address: 'minikube' },
        ],
        nodeInfo: { kubeletVersion: 'v1.20.2', osImage: 'Ubuntu 20.04.1 LTS', kernelVersion: '5.10.25', containerRuntimeVersion: 'docker://20.10.3' },
      },
    };
    const t = table('Node', '', [node]);
    assert.deepEqual(headers(t), ['Name', 'Status', 'Roles', 'Age', 'Version', '(Internal-IP)', '(External-IP)', '(OS-Image)', '(Kernel-Version)', '(Container-Runtime)']);
    assert.deepEqual(cells(t), ['minikube', 'Ready', 'control-plane,master', '24h', 'v1.20.2', '192.168.49.2', '<none>', 'Ubuntu 20.04.1 LTS', '5.10.25', 'docker://20.10.3']);

    const custom = { ...node, metadata: meta('ip-172-16-80-146.ec2.internal', 42 * HOUR, { labels: { 'node-role.kubernetes.io/spot-worker': 'true', 'node-role.kubernetes.io/node': '', 'kubernetes.io/role': 'kafka-connect-nodes' } }) };
    assert.equal(cells(table('Node', '', [custom]))[2], 'kafka-connect-nodes,node,spot-worker');
    const cordoned = { ...node, metadata: meta('n', HOUR), spec: { unschedulable: true }, status: { conditions: [{ type: 'Ready', status: 'Unknown' }] } };
    assert.deepEqual(cells(table('Node', '', [cordoned])).slice(1, 3), ['NotReady,SchedulingDisabled', '<none>']);
    assert.deepEqual(cells(table('Node', '', [{ metadata: meta('bare', S) }])).slice(1, 10), ['Unknown', '<none>', '1s', '', '<none>', '<none>', '<unknown>', '<unknown>', '<unknown>']);
    assert.equal(cells(table('Node', '', [{ ...node, spec: { unschedulable: true } }]))[1], 'Ready,SchedulingDisabled');
  });

  test('Event: LAST SEEN TYPE REASON OBJECT MESSAGE and the wide columns', () => {
    const ev = {
      metadata: meta('kuard-config.17a', MIN),
      involvedObject: { kind: 'Pod', name: 'kuard-config', namespace: 'default', fieldPath: 'spec.containers{kuard}' },
      reason: 'Failed',
      message: "Error: couldn't find key another-param in ConfigMap default/my-config\n",
      type: 'Warning',
      source: { component: 'kubelet', host: 'minikube' },
      firstTimestamp: ago(15 * HOUR),
      lastTimestamp: ago(52 * S),
      count: 3,
    };
    const t = table('Event', '', [ev]);
    assert.deepEqual(headers(t), ['Last Seen', 'Type', 'Reason', 'Object', '(Subobject)', '(Source)', 'Message', '(First Seen)', '(Count)', '(Name)']);
    assert.equal(t.columnDefinitions[9].format, 'name');
    assert.deepEqual(cells(t), ['52s', 'Warning', 'Failed', 'pod/kuard-config', 'spec.containers{kuard}', 'kubelet, minikube', "Error: couldn't find key another-param in ConfigMap default/my-config", '15h', 3, 'kuard-config.17a']);

    // New-style event (eventTime only, no count), reported by the scheduler.
    const scheduled = {
      metadata: meta('kuard.1', MIN),
      involvedObject: { kind: 'Pod', name: 'kuard' },
      reason: 'Scheduled',
      message: 'Successfully assigned default/kuard to minikube',
      type: 'Normal',
      eventTime: ago(41 * S),
      reportingComponent: 'default-scheduler',
      reportingInstance: 'default-scheduler-minikube',
      source: {},
    };
    assert.deepEqual(cells(table('Event', '', [scheduled])), ['41s', 'Normal', 'Scheduled', 'pod/kuard', '', 'default-scheduler, default-scheduler-minikube', 'Successfully assigned default/kuard to minikube', '41s', 1, 'kuard.1']);
    assert.equal(cells(table('Event', '', [{ ...scheduled, eventTime: undefined }]))[0], '<unknown>');
    const series = { ...scheduled, series: { count: 7, lastObservedTime: ago(5 * S) } };
    assert.deepEqual([cells(table('Event', '', [series]))[0], cells(table('Event', '', [series]))[8]], ['5s', 7]);
  });

  test('events.k8s.io Event prints like the core one', () => {
    const ev = {
      metadata: meta('web.1', MIN),
      regarding: { kind: 'Deployment', name: 'web' },
      reason: 'ScalingReplicaSet',
      note: 'Scaled up replica set web-5897df564 to 1',
      type: 'Normal',
      eventTime: ago(30 * S),
      reportingController: 'deployment-controller',
      reportingInstance: '',
      action: 'Scale',
    };
    const t = table('Event', 'events.k8s.io', [ev]);
    assert.deepEqual(cells(t), ['30s', 'Normal', 'ScalingReplicaSet', 'deployment/web', '', 'deployment-controller', 'Scaled up replica set web-5897df564 to 1', '30s', 1, 'web.1']);
  });

  test('RoleBinding/ClusterRoleBinding: ROLE and wide subjects', () => {
    const rb = {
      metadata: meta('pod-reader', HOUR),
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'pod-reader' },
      subjects: [
        { kind: 'User', name: 'alice' },
        { kind: 'User', name: 'bob' },
        { kind: 'Group', name: 'devs' },
        { kind: 'ServiceAccount', name: 'default', namespace: 'kube-system' },
      ],
    };
    const t = table('RoleBinding', 'rbac.authorization.k8s.io', [rb]);
    assert.deepEqual(headers(t), ['Name', 'Role', 'Age', '(Users)', '(Groups)', '(ServiceAccounts)']);
    assert.deepEqual(cells(t), ['pod-reader', 'Role/pod-reader', '60m', 'alice, bob', 'devs', 'kube-system/default']);
    const crb = { metadata: meta('cluster-admin', 8 * DAY), roleRef: { kind: 'ClusterRole', name: 'cluster-admin' }, subjects: [{ kind: 'Group', name: 'system:masters' }] };
    assert.deepEqual(cells(table('ClusterRoleBinding', 'rbac.authorization.k8s.io', [crb])), ['cluster-admin', 'ClusterRole/cluster-admin', '8d', '', 'system:masters', '']);
  });

  test('Role, ClusterRole and LimitRange use the NAME / CREATED AT default', () => {
    const role = { metadata: meta('pod-reader', HOUR, { creationTimestamp: '2024-05-01T11:00:00Z' }), rules: [] };
    for (const [kind, group] of [['Role', 'rbac.authorization.k8s.io'], ['ClusterRole', 'rbac.authorization.k8s.io'], ['LimitRange', '']]) {
      const t = table(kind, group, [role]);
      assert.deepEqual(t.columnDefinitions.map((c) => [c.name, c.type, c.format]), [['Name', 'string', 'name'], ['Created At', 'date', '']], kind);
      assert.deepEqual(cells(t), ['pod-reader', '2024-05-01T11:00:00Z'], kind);
    }
  });

  test('Lease, PriorityClass, ComponentStatus, ResourceQuota', () => {
    const lease = { metadata: meta('minikube', 30 * MIN), spec: { holderIdentity: 'minikube', leaseDurationSeconds: 40 } };
    assert.deepEqual(headers(table('Lease', 'coordination.k8s.io', [lease])), ['Name', 'Holder', 'Age']);
    assert.deepEqual(cells(table('Lease', 'coordination.k8s.io', [lease])), ['minikube', 'minikube', '30m']);

    const pc = { metadata: meta('system-cluster-critical', 8 * DAY), value: 2000000000, globalDefault: false, preemptionPolicy: 'PreemptLowerPriority' };
    const pt = table('PriorityClass', 'scheduling.k8s.io', [pc]);
    assert.deepEqual(headers(pt), ['Name', 'Value', 'Global-Default', 'Age', 'PreemptionPolicy']);
    assert.deepEqual(cells(pt), ['system-cluster-critical', 2000000000, false, '8d', 'PreemptLowerPriority']);

    const cs = { metadata: { name: 'scheduler' }, conditions: [{ type: 'Healthy', status: 'True', message: 'ok' }] };
    assert.deepEqual(headers(table('ComponentStatus', '', [cs])), ['Name', 'Status', 'Message', 'Error']);
    assert.deepEqual(cells(table('ComponentStatus', '', [cs])), ['scheduler', 'Healthy', 'ok', '']);
    const bad = { metadata: { name: 'etcd-0' }, conditions: [{ type: 'Healthy', status: 'False', error: 'dial tcp: refused' }] };
    assert.deepEqual(cells(table('ComponentStatus', '', [bad])), ['etcd-0', 'Unhealthy', '', 'dial tcp: refused']);

    const rq = {
      metadata: meta('compute', HOUR),
      status: { hard: { 'requests.cpu': '1', 'requests.memory': '1Gi', 'limits.cpu': '2', 'limits.memory': '2048Mi', pods: '10' }, used: { 'requests.cpu': '500m', 'requests.memory': '512Mi', pods: '2' } },
    };
    const qt = table('ResourceQuota', '', [rq]);
    assert.deepEqual(headers(qt), ['Name', 'Request', 'Limit', 'Age']);
    assert.deepEqual(cells(qt), ['compute', 'pods: 2/10, requests.cpu: 500m/1, requests.memory: 512Mi/1Gi', 'limits.cpu: 0/2, limits.memory: 0/2Gi', '60m']);
  });
});

describe('storage', () => {
  test('PersistentVolume columns (1.32) and cells', () => {
    const pv = {
      metadata: meta('database', 6 * MIN, { namespace: undefined }),
      spec: { capacity: { storage: '1024Mi' }, accessModes: ['ReadWriteMany', 'ReadWriteOnce'], persistentVolumeReclaimPolicy: 'Retain', claimRef: { namespace: 'default', name: 'database' }, storageClassName: 'manual', volumeMode: 'Filesystem' },
      status: { phase: 'Bound' },
    };
    const t = table('PersistentVolume', '', [pv]);
    assert.deepEqual(headers(t), ['Name', 'Capacity', 'Access Modes', 'Reclaim Policy', 'Status', 'Claim', 'StorageClass', 'VolumeAttributesClass', 'Reason', 'Age', '(VolumeMode)']);
    assert.deepEqual(cells(t), ['database', '1Gi', 'RWO,RWX', 'Retain', 'Bound', 'default/database', 'manual', '<unset>', '', '6m', 'Filesystem']);
    const legacy = { ...pv, metadata: { ...pv.metadata, annotations: { 'volume.beta.kubernetes.io/storage-class': 'old' }, deletionTimestamp: ago(S) }, spec: { ...pv.spec, claimRef: undefined, accessModes: ['ReadWriteOncePod'] } };
    assert.deepEqual(cells(table('PersistentVolume', '', [legacy])).slice(2, 7), ['RWOP', 'Retain', 'Terminating', '', 'old']);
  });

  test('PersistentVolumeClaim: capacity and modes only once bound', () => {
    const pending = { metadata: meta('data', 30 * S), spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, storageClassName: 'standard', volumeMode: 'Filesystem' }, status: { phase: 'Pending' } };
    const t = table('PersistentVolumeClaim', '', [pending]);
    assert.deepEqual(headers(t), ['Name', 'Status', 'Volume', 'Capacity', 'Access Modes', 'StorageClass', 'VolumeAttributesClass', 'Age', '(VolumeMode)']);
    assert.deepEqual(cells(t), ['data', 'Pending', '', '', '', 'standard', '<unset>', '30s', 'Filesystem']);
    const bound = { ...pending, spec: { ...pending.spec, volumeName: 'pvc-1234' }, status: { phase: 'Bound', capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce', 'ReadOnlyMany'] } };
    assert.deepEqual(cells(table('PersistentVolumeClaim', '', [bound])).slice(1, 6), ['Bound', 'pvc-1234', '1Gi', 'RWO,ROX', 'standard']);
  });

  test('StorageClass: (default) suffix and defaults', () => {
    const sc = { metadata: meta('standard', 24 * HOUR, { annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } }), provisioner: 'k8s.io/minikube-hostpath' };
    const t = table('StorageClass', 'storage.k8s.io', [sc]);
    assert.deepEqual(headers(t), ['Name', 'Provisioner', 'ReclaimPolicy', 'VolumeBindingMode', 'AllowVolumeExpansion', 'Age']);
    assert.deepEqual(cells(t), ['standard (default)', 'k8s.io/minikube-hostpath', 'Delete', 'Immediate', false, '24h']);
    const beta = { metadata: meta('fast', HOUR, { annotations: { 'storageclass.beta.kubernetes.io/is-default-class': 'true' } }), provisioner: 'p', reclaimPolicy: 'Retain', volumeBindingMode: 'WaitForFirstConsumer', allowVolumeExpansion: true };
    assert.deepEqual(cells(table('StorageClass', 'storage.k8s.io', [beta])), ['fast (default)', 'p', 'Retain', 'WaitForFirstConsumer', true, '60m']);
  });
});

describe('custom resources', () => {
  const cr = { apiVersion: 'projectcontour.io/v1', kind: 'HTTPProxy', metadata: meta('web', 3 * MIN), spec: { virtualhost: { fqdn: 'web.example.com' }, replicas: 2 }, status: { currentStatus: 'valid', conditions: [{ type: 'Valid' }] } };

  test('without printer columns: NAME AGE', () => {
    const t = table('HTTPProxy', 'projectcontour.io', [cr]);
    assert.deepEqual(t.columnDefinitions.map((c) => [c.name, c.type]), [['Name', 'string'], ['Age', 'date']]);
    assert.deepEqual(cells(t), ['web', '3m']);
  });

  test('additionalPrinterColumns with simple JSONPaths', () => {
    const t = buildTable('HTTPProxy', 'projectcontour.io', [cr], {
      now,
      includeObject: 'Metadata',
      printerColumns: [
        { name: 'FQDN', type: 'string', jsonPath: '.spec.virtualhost.fqdn' },
        { name: 'Replicas', type: 'integer', jsonPath: '.spec.replicas' },
        { name: 'Status', type: 'string', jsonPath: '.status.currentStatus' },
        { name: 'Cond', type: 'string', jsonPath: '.status.conditions[0].type', priority: 1 },
        { name: 'Missing', type: 'string', jsonPath: '.status.nothing' },
        { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
      ],
    });
    assert.deepEqual(headers(t), ['Name', 'FQDN', 'Replicas', 'Status', '(Cond)', 'Missing', 'Age']);
    assert.deepEqual(cells(t), ['web', 'web.example.com', 2, 'valid', 'Valid', null, '3m']);
  });
});

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeKubernetesProtobuf, decodeMessage } from './decode.js';
import { encodeKubernetesProtobuf, encodeMessage } from './encode.js';
import { readEnvelope, writeEnvelope } from './envelope.js';
import { ProtoWriter, ProtobufError, WireType } from './wire.js';

/** encode → decode must give back the object exactly (objects below are in Go's JSON form). */
function roundTrip(obj: Record<string, unknown>): Record<string, unknown> {
  const bytes = encodeKubernetesProtobuf(obj);
  assert.deepEqual([...bytes.subarray(0, 4)], [0x6b, 0x38, 0x73, 0x00]);
  const d = decodeKubernetesProtobuf(bytes);
  assert.deepEqual(d.unknownFields, []);
  return d.object;
}

const meta = (name: string, extra: Record<string, unknown> = {}) => ({
  name,
  namespace: 'default',
  uid: '6f1c3f0e-9c1e-4d7a-8f7e-2b1f0c1d2e3f',
  resourceVersion: '42',
  generation: 3,
  creationTimestamp: '2024-05-06T07:08:09Z',
  labels: { app: name },
  ...extra,
});

describe('round trips through the field table', () => {
  test('Pod with quantities, probes (inline handler), volumes (inline source), times and status', () => {
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: meta('web', {
        deletionTimestamp: '2024-05-06T08:00:00Z',
        deletionGracePeriodSeconds: 30,
        ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-1', uid: 'u-1', controller: true, blockOwnerDeletion: true }],
        finalizers: ['x/y'],
        managedFields: [{ manager: 'kubectl', operation: 'Update', apiVersion: 'v1', time: '2024-05-06T07:08:09Z', fieldsType: 'FieldsV1', fieldsV1: { 'f:metadata': { 'f:labels': { '.': {}, 'f:app': {} } } } }],
      }),
      spec: {
        volumes: [
          { name: 'cfg', configMap: { name: 'cfg', items: [{ key: 'a', path: 'a.txt', mode: 0o644 }], defaultMode: 420, optional: false } },
          { name: 'scratch', emptyDir: { medium: 'Memory', sizeLimit: '64Mi' } },
        ],
        containers: [
          {
            name: 'app',
            image: 'nginx:1.25',
            command: ['nginx'],
            args: ['-g', 'daemon off;'],
            ports: [{ name: 'http', containerPort: 8080, protocol: 'TCP' }],
            env: [{ name: 'A', value: '1' }, { name: 'POD', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.name' } } }],
            resources: { limits: { cpu: '500m', memory: '128Mi' }, requests: { cpu: '250m', memory: '64Mi' } },
            volumeMounts: [{ name: 'cfg', mountPath: '/etc/cfg', readOnly: true }],
            livenessProbe: { httpGet: { path: '/healthz', port: 'http', scheme: 'HTTP' }, initialDelaySeconds: 5, timeoutSeconds: 1, periodSeconds: 10, successThreshold: 1, failureThreshold: 3 },
            readinessProbe: { tcpSocket: { port: 8080 }, periodSeconds: 5 },
            terminationMessagePath: '/dev/termination-log',
            imagePullPolicy: 'IfNotPresent',
            securityContext: { runAsUser: 0, runAsNonRoot: false, privileged: false },
          },
        ],
        restartPolicy: 'Always',
        terminationGracePeriodSeconds: 0,
        nodeName: 'node-1',
        tolerations: [{ key: 'k', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 }],
        priority: -5,
        enableServiceLinks: true,
      },
      status: {
        phase: 'Running',
        conditions: [{ type: 'Ready', status: 'True', lastProbeTime: null, lastTransitionTime: '2024-05-06T07:09:00Z' }],
        podIP: '10.42.0.5',
        podIPs: [{ ip: '10.42.0.5' }],
        startTime: '2024-05-06T07:08:10Z',
        containerStatuses: [
          {
            name: 'app',
            state: { running: { startedAt: '2024-05-06T07:08:11Z' } },
            lastState: {},
            ready: true,
            restartCount: 0,
            image: 'nginx:1.25',
            imageID: '',
            started: true,
          },
        ],
        qosClass: 'Burstable',
      },
    };
    assert.deepEqual(roundTrip(pod), pod);
  });

  test('Deployment: pointer zero values survive (replicas: 0), IntOrString percentages, nested template', () => {
    const deploy = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: meta('api', { annotations: { 'deployment.kubernetes.io/revision': '2' } }),
      spec: {
        replicas: 0,
        selector: { matchLabels: { app: 'api' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['a', 'b'] }] },
        template: { metadata: { creationTimestamp: null, labels: { app: 'api' } }, spec: { containers: [{ name: 'c', image: 'x', resources: {} }] } },
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: 1 } },
        revisionHistoryLimit: 10,
        progressDeadlineSeconds: 600,
      },
      status: { observedGeneration: 3, replicas: 2, updatedReplicas: 2, conditions: [{ type: 'Available', status: 'True', lastUpdateTime: '2024-05-06T07:08:09Z', lastTransitionTime: '2024-05-06T07:08:09Z', reason: 'MinimumReplicasAvailable', message: 'ok' }] },
    };
    assert.deepEqual(roundTrip(deploy), deploy);
  });

  test('ConfigMap with data and binaryData (bytes as base64), immutable', () => {
    const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: meta('cfg'), immutable: true, data: { 'a.txt': 'hello\n', empty: '' }, binaryData: { bin: Buffer.from([0, 1, 2, 255]).toString('base64') } };
    assert.deepEqual(roundTrip(cm), cm);
  });

  test('Secret: data values are bytes (base64 in JSON), stringData plain', () => {
    const secret = { apiVersion: 'v1', kind: 'Secret', metadata: meta('s'), data: { password: Buffer.from('s3cr3t\u0000\u00ff').toString('base64'), empty: '' }, stringData: { user: 'admin' }, type: 'Opaque' };
    const back = roundTrip(secret);
    assert.deepEqual(back, secret);
    assert.equal(Buffer.from((back.data as Record<string, string>).password, 'base64').toString(), 's3cr3t\u0000\u00ff');
  });

  test('Service: IntOrString targetPort as number and as name, int32 ports, ipFamilies', () => {
    const svc = {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: meta('svc'),
      spec: {
        ports: [
          { name: 'http', protocol: 'TCP', port: 80, targetPort: 8080 },
          { name: 'metrics', protocol: 'TCP', port: 9090, targetPort: 'metrics', nodePort: 30090 },
        ],
        selector: { app: 'svc' },
        clusterIP: '10.43.0.10',
        clusterIPs: ['10.43.0.10'],
        type: 'NodePort',
        sessionAffinity: 'None',
        ipFamilies: ['IPv4'],
        ipFamilyPolicy: 'SingleStack',
        internalTrafficPolicy: 'Cluster',
      },
      status: { loadBalancer: {} },
    };
    assert.deepEqual(roundTrip(svc), svc);
  });

  test('Job with int64 activeDeadlineSeconds, completion times and a pod failure policy', () => {
    const job = {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: meta('j'),
      spec: {
        parallelism: 2,
        completions: 4,
        activeDeadlineSeconds: 9_000_000_000,
        backoffLimit: 6,
        manualSelector: false,
        template: { metadata: { creationTimestamp: null }, spec: { containers: [{ name: 'c', image: 'busybox', command: ['true'], resources: {} }], restartPolicy: 'Never' } },
        completionMode: 'NonIndexed',
        suspend: false,
        podFailurePolicy: { rules: [{ action: 'FailJob', onExitCodes: { operator: 'In', values: [1, 42] } }] },
      },
      status: { startTime: '2024-05-06T07:08:09Z', completionTime: '2024-05-06T07:09:09Z', succeeded: 4, ready: 0, uncountedTerminatedPods: {} },
    };
    assert.deepEqual(roundTrip(job), job);
  });

  test('events.k8s.io Event: MicroTime keeps microseconds; Lease renewTime likewise', () => {
    const ev = {
      apiVersion: 'events.k8s.io/v1',
      kind: 'Event',
      metadata: meta('e1'),
      eventTime: '2024-05-06T07:08:09.123456Z',
      reportingController: 'skiff/scheduler',
      reportingInstance: 'skiff-1',
      action: 'Binding',
      reason: 'Scheduled',
      regarding: { kind: 'Pod', namespace: 'default', name: 'web', uid: 'u', apiVersion: 'v1' },
      note: 'Successfully assigned default/web to node-1',
      type: 'Normal',
      deprecatedSource: {},
      deprecatedFirstTimestamp: null,
      deprecatedLastTimestamp: null,
    };
    assert.deepEqual(roundTrip(ev), ev);
    const lease = { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: meta('node-1'), spec: { holderIdentity: 'node-1', leaseDurationSeconds: 40, renewTime: '2024-05-06T07:08:09.000001Z' } };
    assert.deepEqual(roundTrip(lease), lease);
  });

  test('ControllerRevision data is a RawExtension (embedded JSON); Verbs-like named slices are arrays', () => {
    const cr = { apiVersion: 'apps/v1', kind: 'ControllerRevision', metadata: meta('web-abc'), data: { spec: { template: { spec: { containers: [{ name: 'c' }] } } } }, revision: 7 };
    assert.deepEqual(roundTrip(cr), cr);
    const verbs = decodeMessage('k8s.io.apimachinery.pkg.apis.meta.v1.Verbs', encodeMessage('k8s.io.apimachinery.pkg.apis.meta.v1.Verbs', ['get', 'list']));
    assert.deepEqual(verbs, ['get', 'list']);
  });

  test('meta/v1 Duration is a Go duration string', () => {
    for (const d of ['1h0m0s', '1m30s', '1.5s', '250ms', '0s']) {
      assert.equal(decodeMessage('k8s.io.apimachinery.pkg.apis.meta.v1.Duration', encodeMessage('k8s.io.apimachinery.pkg.apis.meta.v1.Duration', d)), d);
    }
    assert.equal(decodeMessage('k8s.io.apimachinery.pkg.apis.meta.v1.Duration', encodeMessage('k8s.io.apimachinery.pkg.apis.meta.v1.Duration', '90m')), '1h30m0s');
  });

  test('subresource bodies: Eviction (kubectl drain), Binding, autoscaling/v1 Scale', () => {
    const eviction = { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: 'web', namespace: 'default', creationTimestamp: null }, deleteOptions: { gracePeriodSeconds: 30 } };
    assert.deepEqual(roundTrip(eviction), eviction);
    const binding = { apiVersion: 'v1', kind: 'Binding', metadata: { name: 'web', namespace: 'default', creationTimestamp: null }, target: { kind: 'Node', name: 'node-1' } };
    assert.deepEqual(roundTrip(binding), binding);
    const scale = { apiVersion: 'autoscaling/v1', kind: 'Scale', metadata: meta('web'), spec: { replicas: 0 }, status: { replicas: 2, selector: 'app=web' } };
    assert.deepEqual(roundTrip(scale), { ...scale, spec: {} }); // Scale.spec.replicas is a plain int32 with omitempty
  });

  test('meta/v1 kinds (DeleteOptions) are found through any group version', () => {
    const opts = { apiVersion: 'policy/v1', kind: 'DeleteOptions', gracePeriodSeconds: 0, preconditions: { uid: 'u1' }, propagationPolicy: 'Foreground', dryRun: ['All'] };
    assert.deepEqual(roundTrip(opts), opts);
  });
});

describe('JSON form rules', () => {
  test('omitempty zero values are dropped, non-omitempty zeros and empty structs are kept', () => {
    // A Service with no ports set at all: what Go's JSON marshaller prints for that object.
    const d = decodeKubernetesProtobuf(encodeKubernetesProtobuf({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'x' }, spec: { ports: [{ port: 80 }] } }));
    assert.deepEqual(d.object, {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'x', creationTimestamp: null },
      spec: { ports: [{ port: 80, targetPort: 0 }] },
      status: { loadBalancer: {} },
    });
  });

  test('decodes the bytes kubectl 1.32 sends for `create deployment d1 --image=nginx --replicas=2 --port=8080`', () => {
    const hex =
      '6b3873000a150a07617070732f7631120a4465706c6f796d656e7412b5010a1d0a02643112001a0022002a003200380042005a090a03617070120264311285010802120b0a090a03617070120264311a6c0a1b0a0012001a0022002a003200380042005a090a0361707012026431124d122f0a056e67696e7812056e67696e782a00320b0a00100018903f22002a0042006a007200800100880100900100a201001a00320042004a0052005800600068008201008a01009a0100c2010022020a00280038001a0c0800100018002000280038001a002200';
    const body = Buffer.from(hex, 'hex');
    const d = decodeKubernetesProtobuf(body);
    // Exactly kubectl's own `--dry-run=client -o json` rendering of the same object.
    assert.deepEqual(d.object, {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'd1', creationTimestamp: null, labels: { app: 'd1' } },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: 'd1' } },
        template: { metadata: { creationTimestamp: null, labels: { app: 'd1' } }, spec: { containers: [{ name: 'nginx', image: 'nginx', ports: [{ containerPort: 8080 }], resources: {} }] } },
        strategy: {},
      },
      status: {},
    });
    // The encoder writes what Go's marshaller writes, byte for byte.
    assert.equal(encodeKubernetesProtobuf(d.object).toString('hex'), hex);
  });

  test('unknown field numbers are skipped and reported with their path', () => {
    const cm = encodeMessage('k8s.io.api.core.v1.ConfigMap', { metadata: { name: 'c' }, data: { a: 'b' } });
    const extra = new ProtoWriter().tag(99, WireType.Bytes).string('future').tag(100, WireType.Varint).varint(7).finish();
    const meta = new ProtoWriter().tag(1, WireType.Bytes).string('c').tag(77, WireType.Varint).varint(1).finish();
    const withMeta = new ProtoWriter().tag(1, WireType.Bytes).bytes(meta).finish();
    const d = decodeKubernetesProtobuf(writeEnvelope('v1', 'ConfigMap', Buffer.concat([cm, extra, withMeta])));
    assert.deepEqual(d.unknownFields, ['#99', '#100', 'metadata#77']);
    assert.deepEqual((d.object.data as Record<string, string>).a, 'b');
    assert.equal((d.object.metadata as { name: string }).name, 'c');
  });

  test('RawExtension holding a nested protobuf envelope decodes to the embedded object', () => {
    const inner = encodeKubernetesProtobuf({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'in', creationTimestamp: null }, data: { k: 'v' } });
    const raw = new ProtoWriter().tag(1, WireType.Bytes).bytes(inner).finish();
    const cr = new ProtoWriter().tag(2, WireType.Bytes).bytes(raw).tag(3, WireType.Varint).varint(1).finish();
    const d = decodeKubernetesProtobuf(writeEnvelope('apps/v1', 'ControllerRevision', cr));
    assert.deepEqual(d.object.data, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'in', creationTimestamp: null }, data: { k: 'v' } });
  });

  test('envelope fields are read back', () => {
    const env = readEnvelope(writeEnvelope('batch/v1', 'Job', Uint8Array.of(1, 2, 3)));
    assert.deepEqual({ ...env, raw: [...env.raw] }, { apiVersion: 'batch/v1', kind: 'Job', raw: [1, 2, 3], contentEncoding: '', contentType: '' });
  });
});

describe('errors', () => {
  test('missing magic, unknown kinds, truncated data and wrong wire types are ProtobufErrors', () => {
    assert.throws(() => decodeKubernetesProtobuf(Buffer.from('{"kind":"Pod"}')), (e: Error) => e instanceof ProtobufError && /expected prefix/.test(e.message));
    assert.throws(() => decodeKubernetesProtobuf(writeEnvelope('v1', 'Gizmo', new Uint8Array(0))), /no kind "Gizmo" is registered for version "v1"/);
    assert.throws(() => decodeKubernetesProtobuf(writeEnvelope('nope/v9', 'Pod', new Uint8Array(0))), /no kind "Pod" is registered for version "nope\/v9"/);
    const good = encodeKubernetesProtobuf({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { a: 'b' } });
    assert.throws(() => decodeKubernetesProtobuf(good.subarray(0, good.length - 3)), ProtobufError);
    // metadata (field 1) sent as a varint instead of a message
    const bad = new ProtoWriter().tag(1, WireType.Varint).varint(5).finish();
    assert.throws(() => decodeKubernetesProtobuf(writeEnvelope('v1', 'ConfigMap', bad)), /metadata: expected a length-delimited message/);
  });

  test('the encoder rejects values of the wrong JSON type with their path', () => {
    assert.throws(() => encodeKubernetesProtobuf({ apiVersion: 'apps/v1', kind: 'Deployment', spec: { replicas: 'two' } }), /spec\.replicas: expected an integer/);
  });
});

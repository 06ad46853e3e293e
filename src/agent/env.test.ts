import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { ContainerConfigError, expand, resolveEnv, type EnvSources } from './env.js';

const pod: Pod = {
  metadata: { name: 'web', namespace: 'shop', uid: 'u1', labels: { app: 'web' } },
  spec: { nodeName: 'n1', containers: [{ name: 'c', image: 'x', resources: { limits: { memory: '64Mi' } } }] },
};

function sources(cm: Record<string, string> | undefined): EnvSources {
  return {
    configMap: async (_ns, name) => (cm && name === 'cfg' ? { data: cm } : undefined),
    secret: async () => ({ data: { pw: Buffer.from('hunter2').toString('base64') } }),
    podIP: '10.42.0.5',
    hostIP: '10.42.0.1',
    serviceEnv: [{ name: 'DB_SERVICE_HOST', value: '10.96.0.9' }],
    nodeAllocatable: { cpuMillis: 2000, memoryBytes: 1 << 30, ephemeralBytes: 1 << 30 },
  };
}

test('$(VAR) expansion follows the Kubernetes rules', () => {
  const vars: Record<string, string> = { A: 'x', B: 'y' };
  const f = (n: string) => vars[n];
  assert.equal(expand('$(A)-$(B)', f), 'x-y');
  assert.equal(expand('$(MISSING)', f), '$(MISSING)');
  assert.equal(expand('$$(A)', f), '$(A)');
  assert.equal(expand('cost $5', f), 'cost $5');
  assert.equal(expand('$(A', f), '$(A');
});

test('env from ConfigMaps, Secrets, fields and resources, with expansion in args', async () => {
  const c = {
    ...pod.spec!.containers[0],
    command: ['echo'],
    args: ['$(GREETING) $(POD_NAME)'],
    envFrom: [{ configMapRef: { name: 'cfg' }, prefix: 'CFG_' }],
    env: [
      { name: 'GREETING', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'greeting' } } },
      { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
      { name: 'APP', valueFrom: { fieldRef: { fieldPath: "metadata.labels['app']" } } },
      { name: 'IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
      { name: 'PW', valueFrom: { secretKeyRef: { name: 's', key: 'pw' } } },
      { name: 'MEM', valueFrom: { resourceFieldRef: { resource: 'limits.memory', divisor: '1Mi' } } },
      { name: 'CPU', valueFrom: { resourceFieldRef: { resource: 'limits.cpu' } } },
      { name: 'OPT', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'nope', optional: true } } },
      { name: 'COMBINED', value: '$(DB_SERVICE_HOST):$(IP)' },
    ],
  };
  const r = await resolveEnv(pod, c, sources({ greeting: 'hi', 'bad key': 'v' }));
  const env = Object.fromEntries(r.env.map((e) => [e.name, e.value]));
  assert.deepEqual(r.args, ['hi web']);
  assert.equal(env.CFG_greeting, 'hi');
  assert.equal(env.APP, 'web');
  assert.equal(env.IP, '10.42.0.5');
  assert.equal(env.PW, 'hunter2');
  assert.equal(env.MEM, '64');
  assert.equal(env.CPU, '2'); // unset limit → node allocatable
  assert.equal(env.COMBINED, '10.96.0.9:10.42.0.5');
  assert.equal(env.HOSTNAME, 'web');
  assert.ok(!('OPT' in env));
  assert.deepEqual(r.invalidKeys, ['CFG_bad key']);
});

test('a missing key or ConfigMap is a CreateContainerConfigError with upstream wording', async () => {
  const c = { name: 'c', env: [{ name: 'X', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'another-param' } } }] };
  await assert.rejects(resolveEnv(pod, c, sources({})), (e: Error) => e instanceof ContainerConfigError && e.message === "couldn't find key another-param in ConfigMap shop/cfg");
  await assert.rejects(resolveEnv(pod, c, sources(undefined)), /configmap "cfg" not found/);
});

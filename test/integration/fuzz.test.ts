// Thousands of random mutations of valid manifests: the server answers every one with a
// Status or an object, never crashes, and every object it stored still validates.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError, type KubeObject } from '../../src/client/api.js';
import { findByKind, RESOURCES } from '../../src/api/registry.js';
import { validate } from '../../src/api/strategy.js';
import { startTestCluster } from './cluster.js';

const SEEDS: KubeObject[] = [
  { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', labels: { app: 'x' } }, data: { a: 'b', 'file.txt': 'x' } },
  { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, type: 'Opaque', data: { p: 'cGFzcw==' } },
  {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p', labels: { app: 'kuard' } },
    spec: { containers: [{ name: 'kuard', image: 'gcr.io/kuar-demo/kuard-amd64:blue', ports: [{ containerPort: 8080, name: 'http', protocol: 'TCP' }], resources: { requests: { cpu: '500m', memory: '128Mi' } } }] },
  },
  {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'd' },
    spec: { replicas: 3, selector: { matchLabels: { app: 'd' } }, template: { metadata: { labels: { app: 'd' } }, spec: { containers: [{ name: 'c', image: 'nginx:1.25' }] } } },
  },
  { apiVersion: 'v1', kind: 'Service', metadata: { name: 'svc' }, spec: { selector: { app: 'd' }, ports: [{ port: 80, targetPort: 8080 }] } },
  { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'j' }, spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox', command: ['true'] }] } } } },
];

// Deterministic PRNG so failures reproduce.
function rng(seed: number): () => number {
  let x = seed >>> 0;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 0x100000000;
  };
}

const WEIRD: unknown[] = [null, '', 'x', -1, 0, 1.5, 70000, true, [], {}, [1, 'a'], { a: { b: null } }, 'Bad Name!', '../..', 'a'.repeat(300), '128Zi', '-5', 'RollingUpdate'];

function mutate(obj: unknown, r: () => number, depth = 0): unknown {
  if (obj === null || typeof obj !== 'object') return r() < 0.5 ? WEIRD[Math.floor(r() * WEIRD.length)] : obj;
  const copy: any = Array.isArray(obj) ? [...obj] : { ...(obj as object) };
  const keys = Object.keys(copy);
  if (keys.length === 0 || r() < 0.15) {
    copy[Array.isArray(copy) ? copy.length : `f${Math.floor(r() * 5)}`] = WEIRD[Math.floor(r() * WEIRD.length)];
    return copy;
  }
  const k = keys[Math.floor(r() * keys.length)];
  const roll = r();
  if (roll < 0.15 && depth > 0) delete copy[k];
  else if (roll < 0.35) copy[k] = WEIRD[Math.floor(r() * WEIRD.length)];
  else copy[k] = mutate(copy[k], r, depth + 1);
  return copy;
}

test('random mutations never crash the server or store invalid objects', async () => {
  const c = await startTestCluster();
  try {
    const r = rng(42);
    const outcomes = new Map<number, number>();
    const N = 3000;
    for (let i = 0; i < N; i++) {
      const seed = SEEDS[i % SEEDS.length];
      const rt = findByKind(seed.apiVersion!.includes('/') ? seed.apiVersion!.split('/')[0] : '', seed.kind!)!;
      let obj = structuredClone(seed) as any;
      const rounds = 1 + Math.floor(r() * 3);
      for (let k = 0; k < rounds; k++) obj = mutate(obj, r);
      if (obj && typeof obj === 'object' && !Array.isArray(obj)) {
        obj.apiVersion = seed.apiVersion;
        obj.kind = seed.kind;
        if (obj.metadata && typeof obj.metadata === 'object' && typeof obj.metadata.name === 'string') obj.metadata.name = `${obj.metadata.name}-${i}`.slice(0, 300);
      }
      try {
        if (r() < 0.7) await c.client.create(rt, 'default', obj);
        else await c.client.patch(rt, 'default', seed.metadata!.name!, 'merge', obj);
        outcomes.set(200, (outcomes.get(200) ?? 0) + 1);
      } catch (e) {
        assert.ok(e instanceof ApiError, `non-API failure: ${e}`);
        assert.ok(e.code >= 400 && e.code < 500, `server error ${e.code}: ${e.message}`);
        assert.equal(e.status.kind, 'Status');
        outcomes.set(e.code, (outcomes.get(e.code) ?? 0) + 1);
      }
    }
    assert.ok((outcomes.get(422) ?? 0) > 100, `validation rejected too little: ${JSON.stringify([...outcomes])}`);
    assert.ok((outcomes.get(200) ?? 0) > 50, `too few mutations accepted: ${JSON.stringify([...outcomes])}`);
    // Every stored object still passes validation.
    for (const rt of RESOURCES.filter((t) => SEEDS.some((s) => s.kind === t.kind))) {
      const list = await c.client.list(rt, 'default');
      for (const item of list.items) {
        const errs = validate(rt.kind, item);
        assert.deepEqual(errs, [], `${rt.kind} ${item.metadata?.name} stored invalid: ${JSON.stringify(errs)}`);
      }
    }
  } finally {
    await c.stop();
  }
});

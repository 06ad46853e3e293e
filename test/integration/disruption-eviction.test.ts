// The eviction subresource against PodDisruptionBudgets kept up to date by the disruption
// controller, on the real API server: a budget's allowance is consumed by an eviction, the next
// one gets upstream's 429, and pods that are not running bypass the budget.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { PodDisruptionBudget } from 'kubernetes-types/policy/v1.js';
import { findByKind } from '../../src/api/registry.js';
import { ApiError, type KubeObject } from '../../src/client/api.js';
import { type K, ensureNamespace, RT, startControlPlane, waitFor, type ControlPlane } from './controllers-harness.js';

const PDB = findByKind('policy', 'PodDisruptionBudget')!;
const NS = 'evict-it';
let cp: ControlPlane;

before(async () => {
  cp = await startControlPlane({ controllers: ['disruption'], scheduler: false });
  await ensureNamespace(cp.client, NS);
});
after(async () => {
  await cp?.stop();
});

async function runningPod(name: string, ready = true): Promise<void> {
  const p = await cp.client.create<K<Pod>>(RT.pods, NS, { apiVersion: 'v1', kind: 'Pod', metadata: { name, labels: { app: 'db' } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } });
  const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  await cp.client.updateStatus(RT.pods, NS, { ...p, status: { phase: 'Running', conditions: [{ type: 'Ready', status: ready ? 'True' : 'False', lastTransitionTime: now }] } });
}

const evict = (name: string) => cp.client.createSubresource(RT.pods, NS, name, 'eviction', { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name, namespace: NS } } as KubeObject);
const getPdb = () => cp.client.get<K<PodDisruptionBudget>>(PDB, NS, 'db-pdb');

test('eviction consumes the budget the disruption controller computes, then answers 429', async () => {
  for (const n of ['db-0', 'db-1', 'db-2']) await runningPod(n);
  await cp.client.create(PDB, NS, { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'db-pdb' }, spec: { minAvailable: 2, selector: { matchLabels: { app: 'db' } } } });
  await waitFor('budget computed', async () => (await getPdb()).status?.disruptionsAllowed === 1);

  await evict('db-0');
  await assert.rejects(cp.client.get(RT.pods, NS, 'db-0'), (e: unknown) => e instanceof ApiError && e.code === 404);
  const after1 = await getPdb();
  assert.equal(after1.status?.disruptionsAllowed, 0);
  await waitFor('controller settles', async () => {
    const p = await getPdb();
    return p.status?.currentHealthy === 2 && p.status.disruptionsAllowed === 0 && p.status.conditions?.find((c) => c.type === 'DisruptionAllowed')?.reason === 'InsufficientPods';
  });

  const err = await evict('db-1').then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.ok(err instanceof ApiError, String(err));
  assert.equal(err.code, 429);
  assert.equal(err.status.reason, 'TooManyRequests');
  assert.equal(err.status.message, "Cannot evict pod as it would violate the pod's disruption budget.");
  assert.deepEqual(err.status.details?.causes, [{ reason: 'DisruptionBudget', message: 'The disruption budget db-pdb needs 2 healthy pods and has 2 currently' }]);
  await cp.client.get(RT.pods, NS, 'db-1'); // still there

  // A pod that is not running yet needs no budget.
  await cp.client.create(RT.pods, NS, { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'db-pending', labels: { app: 'db' } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } });
  await evict('db-pending');
  await assert.rejects(cp.client.get(RT.pods, NS, 'db-pending'), (e: unknown) => e instanceof ApiError && e.code === 404);
});

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Deployment, ReplicaSet } from 'kubernetes-types/apps/v1.js';
import type { KubeObject } from '../../client/api.js';
import { FakeClock } from '../../client/clock.js';
import { DEPLOYMENTS, REPLICA_SETS } from '../resource-types.js';
import { drain, testContext } from '../testing/controller-harness.js';
import { FakeApiClient } from '../testing/fake-api.js';
import { DeploymentController } from './controller.js';

type D = Deployment & KubeObject;
type RS = ReplicaSet & KubeObject;

const tpl = (image: string) => ({ metadata: { labels: { app: 'kuard' } }, spec: { containers: [{ name: 'kuard', image }] } });

async function setup() {
  const clock = new FakeClock(Date.parse('2024-01-01T00:00:00Z'));
  const client = new FakeApiClient(clock);
  const { ctx, events, factory } = testContext(client, clock);
  const dc = new DeploymentController(ctx);
  await factory.start();
  return { client, events, dc, rss: () => client.all<RS>(REPLICA_SETS, 'default') };
}

function orphanRS(image: string): RS {
  return { metadata: { name: 'kuard', namespace: 'default', labels: { app: 'kuard' } }, spec: { replicas: 3, selector: { matchLabels: { app: 'kuard' } }, template: tpl(image) } } as RS;
}

function deployment(image: string): D {
  return { metadata: { name: 'kuard', namespace: 'default' }, spec: { replicas: 3, selector: { matchLabels: { app: 'kuard' } }, template: tpl(image) } } as D;
}

describe('Deployment controller', () => {
  test('adopts a matching orphan ReplicaSet with the same template instead of rolling out', async () => {
    const h = await setup();
    await h.client.create(REPLICA_SETS, 'default', orphanRS('blue'));
    await h.client.create(DEPLOYMENTS, 'default', deployment('blue'));
    const r = await drain(h.dc);
    assert.deepEqual(r.errors, []);
    const rss = h.rss();
    assert.equal(rss.length, 1, 'no new replica set');
    const d = h.client.peek<D>(DEPLOYMENTS, 'default', 'kuard')!;
    assert.equal(rss[0].metadata!.ownerReferences![0].uid, d.metadata!.uid);
    assert.equal(rss[0].metadata!.annotations!['deployment.kubernetes.io/revision'], '1');
    assert.equal(d.metadata!.annotations!['deployment.kubernetes.io/revision'], '1');
  });

  test('adopts an orphan with another template and rolls out a new ReplicaSet', async () => {
    const h = await setup();
    await h.client.create(REPLICA_SETS, 'default', orphanRS('blue'));
    await h.client.create(DEPLOYMENTS, 'default', deployment('green'));
    await drain(h.dc);
    const rss = h.rss();
    assert.equal(rss.length, 2);
    const d = h.client.peek<D>(DEPLOYMENTS, 'default', 'kuard')!;
    assert.ok(rss.every((r) => r.metadata!.ownerReferences?.[0]?.uid === d.metadata!.uid));
    const fresh = rss.find((r) => r.metadata!.name !== 'kuard')!;
    assert.match(fresh.metadata!.name!, /^kuard-[bcdfghjklmnpqrstvwxz2456789]+$/);
    assert.equal(fresh.spec!.template!.spec!.containers[0].image, 'green');
    assert.equal(d.metadata!.annotations!['deployment.kubernetes.io/revision'], '1');
  });

  test('releases a ReplicaSet whose labels stop matching', async () => {
    const h = await setup();
    await h.client.create(DEPLOYMENTS, 'default', deployment('blue'));
    await drain(h.dc);
    const [rs] = h.rss();
    await h.client.patch(REPLICA_SETS, 'default', rs.metadata!.name!, 'merge', { metadata: { labels: { app: 'moved' } }, spec: { selector: { matchLabels: { app: 'moved' } } } });
    await drain(h.dc);
    const released = h.client.peek<RS>(REPLICA_SETS, 'default', rs.metadata!.name!)!;
    assert.deepEqual(released.metadata!.ownerReferences ?? [], []);
  });

  test('an empty selector is refused with a SelectingAll warning', async () => {
    const h = await setup();
    await h.client.create(DEPLOYMENTS, 'default', { ...deployment('blue'), spec: { ...deployment('blue').spec!, selector: {} } } as D);
    await drain(h.dc);
    assert.equal(h.rss().length, 0);
    assert.ok(h.events.some((e) => e.type === 'Warning' && e.reason === 'SelectingAll' && e.message === 'This deployment is selecting all pods. A non-empty selector is required.'));
    assert.equal(h.client.peek<D>(DEPLOYMENTS, 'default', 'kuard')!.status!.observedGeneration, 1);
  });
});

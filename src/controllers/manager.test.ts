// End-to-end-ish: the controller manager (real informers, queues and runners) against the
// in-memory fake API with a simulated node agent, driving a Deployment through a rolling update.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Deployment, ReplicaSet } from 'kubernetes-types/apps/v1.js';
import type { Event, Pod } from 'kubernetes-types/core/v1.js';
import type { Lease } from 'kubernetes-types/coordination/v1.js';
import pino from 'pino';
import { findByKind } from '../api/registry.js';
import type { KubeObject } from '../client/api.js';
import { realClock } from '../client/clock.js';
import { CONTROLLER_CONSTRUCTORS, ControllerManager, LEASE_NAME, LEASE_NAMESPACE } from './manager.js';
import { DEPLOYMENTS, LEASES, PODS, REPLICA_SETS } from './resource-types.js';
import { FakeApiClient } from './testing/fake-api.js';
import { FakeKubelet } from './testing/fake-kubelet.js';

type D = Deployment & KubeObject;
const EVENTS = findByKind('', 'Event')!;
const silent = pino({ level: 'silent' });

async function waitFor<T>(what: string, fn: () => T | undefined | false, timeoutMs = 8000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** What `kubectl rollout status` prints for a deployment (kubectl's DeploymentStatusViewer). */
function rolloutStatusLine(d: Deployment): string {
  const name = d.metadata!.name;
  const s = d.status ?? {};
  if ((d.metadata?.generation ?? 0) <= (s.observedGeneration ?? 0)) {
    const cond = s.conditions?.find((c) => c.type === 'Progressing');
    if (cond?.reason === 'ProgressDeadlineExceeded') return `error: deployment "${name}" exceeded its progress deadline`;
    const want = d.spec?.replicas ?? 1;
    if ((s.updatedReplicas ?? 0) < want) return `Waiting for deployment "${name}" rollout to finish: ${s.updatedReplicas ?? 0} out of ${want} new replicas have been updated...`;
    if ((s.replicas ?? 0) > (s.updatedReplicas ?? 0)) return `Waiting for deployment "${name}" rollout to finish: ${(s.replicas ?? 0) - (s.updatedReplicas ?? 0)} old replicas are pending termination...`;
    if ((s.availableReplicas ?? 0) < (s.updatedReplicas ?? 0)) return `Waiting for deployment "${name}" rollout to finish: ${s.availableReplicas ?? 0} of ${s.updatedReplicas ?? 0} updated replicas are available...`;
    return `deployment "${name}" successfully rolled out`;
  }
  return 'Waiting for deployment spec update to be observed...';
}

describe('controller manager', () => {
  const stops: (() => Promise<void> | void)[] = [];
  after(async () => {
    for (const s of stops.reverse()) await s();
  });

  test('runs a Deployment through creation and a full rolling update', async () => {
    const client = new FakeApiClient(realClock);
    const manager = new ControllerManager(client, { logger: silent });
    await manager.start();
    stops.push(() => manager.stop());
    const kubelet = new FakeKubelet(client, realClock);
    let kubeletOn = true;
    const loop = (async () => {
      while (kubeletOn) {
        await kubelet.syncOnce();
        await new Promise((r) => setTimeout(r, 15));
      }
    })();
    stops.push(async () => {
      kubeletOn = false;
      await loop;
    });

    await client.create(DEPLOYMENTS, 'default', {
      metadata: { name: 'web', namespace: 'default', labels: { app: 'web' } },
      spec: {
        replicas: 3,
        selector: { matchLabels: { app: 'web' } },
        template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'nginx', image: 'nginx:1.14.2' }] } },
      },
    } as D);
    const get = () => client.peek<D>(DEPLOYMENTS, 'default', 'web')!;
    await waitFor('first rollout', () => rolloutStatusLine(get()) === 'deployment "web" successfully rolled out' && (get().status?.availableReplicas ?? 0) === 3);
    const firstRS = client.all<ReplicaSet & KubeObject>(REPLICA_SETS, 'default');
    assert.equal(firstRS.length, 1);
    assert.equal(get().metadata!.annotations!['deployment.kubernetes.io/revision'], '1');

    // Watch the deployment like `kubectl rollout status` does while the image changes.
    const lines: string[] = [];
    const w = client.watch<D>(DEPLOYMENTS, 'default', { resourceVersion: client.resourceVersion() }, {
      onEvent: (ev) => {
        const line = rolloutStatusLine(ev.object);
        if (lines[lines.length - 1] !== line) lines.push(line);
      },
      onClose: () => undefined,
    });
    stops.push(() => w.stop());
    const cur = get();
    await client.update(DEPLOYMENTS, 'default', {
      ...cur,
      spec: { ...cur.spec!, template: { ...cur.spec!.template!, spec: { containers: [{ name: 'nginx', image: 'nginx:1.16.1' }] } } },
    } as D);
    await waitFor('rolling update', () => {
      const d = get();
      return (d.metadata?.generation ?? 0) === (d.status?.observedGeneration ?? -1) && rolloutStatusLine(d).endsWith('successfully rolled out') && (d.status?.replicas ?? 0) === 3;
    });

    const d = get();
    assert.equal(d.metadata!.annotations!['deployment.kubernetes.io/revision'], '2');
    assert.equal(d.status!.updatedReplicas, 3);
    assert.equal(d.status!.availableReplicas, 3);
    assert.equal(d.status!.unavailableReplicas ?? 0, 0);
    assert.equal(d.status!.conditions!.find((c) => c.type === 'Progressing')!.reason, 'NewReplicaSetAvailable');
    assert.equal(d.status!.conditions!.find((c) => c.type === 'Available')!.reason, 'MinimumReplicasAvailable');

    const rss = client.all<ReplicaSet & KubeObject>(REPLICA_SETS, 'default');
    assert.equal(rss.length, 2);
    const oldRS = rss.find((r) => r.metadata!.uid === firstRS[0].metadata!.uid)!;
    const newRS = rss.find((r) => r !== oldRS)!;
    assert.equal(oldRS.spec!.replicas, 0);
    assert.equal(newRS.spec!.replicas, 3);
    assert.equal(newRS.metadata!.annotations!['deployment.kubernetes.io/revision'], '2');
    const hash = newRS.metadata!.labels!['pod-template-hash'];
    assert.equal(newRS.metadata!.name, `web-${hash}`);
    await waitFor('old pods gone', () => client.all<Pod & KubeObject>(PODS, 'default').length === 3);
    for (const p of client.all<Pod & KubeObject>(PODS, 'default')) {
      assert.equal(p.metadata!.labels!['pod-template-hash'], hash);
      assert.ok(p.metadata!.name!.startsWith(`web-${hash}-`));
    }

    // kubectl rollout status would have printed the upstream progression.
    const i1 = lines.indexOf('Waiting for deployment "web" rollout to finish: 1 out of 3 new replicas have been updated...');
    const i2 = lines.indexOf('Waiting for deployment "web" rollout to finish: 2 out of 3 new replicas have been updated...');
    const done = lines.lastIndexOf('deployment "web" successfully rolled out');
    assert.ok(i1 >= 0 && i2 > i1 && done > i2, lines.join('\n'));
    assert.ok(!lines.some((l) => l.startsWith('error')), lines.join('\n'));

    // Events as kubectl describe shows them.
    await waitFor('events', () => client.all<Event & KubeObject>(EVENTS, 'default').some((e) => e.reason === 'ScalingReplicaSet' && /to 0 from 1$/.test(e.message ?? '')));
    const events = client.all<Event & KubeObject>(EVENTS, 'default');
    const scaling = events.filter((e) => e.reason === 'ScalingReplicaSet');
    assert.ok(scaling.every((e) => e.source?.component === 'deployment-controller' && e.involvedObject.kind === 'Deployment'));
    assert.ok(scaling.some((e) => e.message === `Scaled up replica set ${oldRS.metadata!.name} to 3`));
    assert.ok(scaling.some((e) => e.message === `Scaled up replica set ${newRS.metadata!.name} to 1`));
    assert.ok(events.some((e) => e.reason === 'SuccessfulCreate' && e.source?.component === 'replicaset-controller'));
  });

  test('with leader election the controllers run only for the Lease holder', async () => {
    const client = new FakeApiClient(realClock);
    const a = new ControllerManager(client, { logger: silent, leaderElect: true, identity: 'cm-a', leaseDurationSeconds: 3, renewDeadlineSeconds: 2, retryPeriodSeconds: 1 });
    const b = new ControllerManager(client, { logger: silent, leaderElect: true, identity: 'cm-b', leaseDurationSeconds: 3, renewDeadlineSeconds: 2, retryPeriodSeconds: 1 });
    await a.start();
    stops.push(() => a.stop());
    await waitFor('a leads', () => a.isRunning());
    await b.start();
    stops.push(() => b.stop());
    const lease = client.peek<Lease & KubeObject>(LEASES, LEASE_NAMESPACE, LEASE_NAME)!;
    assert.equal(lease.spec!.holderIdentity, 'cm-a');
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(b.isRunning(), false);
    const names = a.controllers().map((c) => c.name);
    assert.equal(names.length, Object.keys(CONTROLLER_CONSTRUCTORS).length);
    assert.ok(names.includes('replicaset-controller') && names.includes('deployment-controller'));
    await a.stop();
    assert.equal(a.isRunning(), false);
  });
});

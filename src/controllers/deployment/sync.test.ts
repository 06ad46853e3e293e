import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Deployment, ReplicaSet } from 'kubernetes-types/apps/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../../client/api.js';
import { FakeClock } from '../../client/clock.js';
import type { EventSink } from '../context.js';
import { newControllerRef } from '../controller-ref.js';
import { DEPLOYMENTS, REPLICA_SETS } from '../resource-types.js';
import { FakeApiClient } from '../testing/fake-api.js';
import { rfc3339 } from '../timestamps.js';
import { REVISION, REVISION_HISTORY } from './annotations.js';
import { syncDeployment } from './sync.js';
import { computeTemplateHash } from './template-hash.js';

type D = Deployment & KubeObject;
type RS = ReplicaSet & KubeObject;

function template(image: string, extra: Record<string, string> = {}) {
  return { metadata: { labels: { app: 'web' }, annotations: Object.keys(extra).length ? extra : undefined }, spec: { containers: [{ name: 'web', image }] } };
}

class Harness {
  readonly clock = new FakeClock(Date.parse('2024-01-01T00:00:00Z'));
  readonly client = new FakeApiClient(this.clock);
  readonly events: { reason: string; message: string }[] = [];
  readonly sink: EventSink = { event: (_o, _t, reason, message) => this.events.push({ reason, message }) };

  async deployment(spec: Partial<NonNullable<Deployment['spec']>>, image = 'v1'): Promise<D> {
    return this.client.create<D>(DEPLOYMENTS, 'default', {
      metadata: { name: 'web', namespace: 'default' },
      spec: { replicas: 3, selector: { matchLabels: { app: 'web' } }, template: template(image), ...spec },
    } as D);
  }

  /** An RS owned by d, with status as the RS controller would report it. */
  async replicaSet(d: D, image: string, replicas: number, opts: { available?: number; revision?: number; annotations?: Record<string, string>; tplAnnotations?: Record<string, string> } = {}): Promise<RS> {
    const tpl = template(image, opts.tplAnnotations);
    const hash = computeTemplateHash(tpl);
    const labels = { app: 'web', 'pod-template-hash': hash };
    const annotations: Record<string, string> = { ...(opts.annotations ?? {}) };
    if (opts.revision) annotations[REVISION] = String(opts.revision);
    const rs = await this.client.create<RS>(REPLICA_SETS, 'default', {
      metadata: { name: `web-${hash}`, namespace: 'default', labels, annotations, ownerReferences: [newControllerRef(d, 'apps/v1', 'Deployment')] },
      spec: { replicas, selector: { matchLabels: labels }, template: { ...tpl, metadata: { ...tpl.metadata, labels } } },
    } as RS);
    return this.client.updateStatus<RS>(REPLICA_SETS, 'default', {
      ...rs,
      status: { replicas, readyReplicas: opts.available ?? 0, availableReplicas: opts.available ?? 0, observedGeneration: 1 },
    } as RS);
  }

  rss(): RS[] {
    return this.client.all<RS>(REPLICA_SETS, 'default');
  }

  get d(): D {
    return this.client.peek<D>(DEPLOYMENTS, 'default', 'web')!;
  }

  async sync(podMap = new Map<string, Pod[]>()) {
    return syncDeployment({ client: this.client, events: this.sink, clock: this.clock }, this.d, this.rss(), podMap);
  }

  /** Pretend the RS controller caught up: status mirrors spec with `available` ready pods. */
  async settle(name: string, available?: number): Promise<void> {
    const rs = this.client.peek<RS>(REPLICA_SETS, 'default', name)!;
    const n = rs.spec!.replicas ?? 0;
    const a = available ?? n;
    await this.client.updateStatus(REPLICA_SETS, 'default', { ...rs, status: { replicas: n, readyReplicas: a, availableReplicas: a, observedGeneration: rs.metadata?.generation } } as RS);
  }

  sizes(): Record<string, number> {
    return Object.fromEntries(this.rss().map((r) => [r.spec!.template!.spec!.containers[0].image!, r.spec!.replicas ?? 0]));
  }
}

describe('deployment sync: new deployment', () => {
  test('creates <name>-<hash> with all replicas, revision 1 and NewReplicaSetCreated', async () => {
    const h = new Harness();
    await h.deployment({});
    await h.sync();
    const [rs] = h.rss();
    const hash = computeTemplateHash(h.d.spec!.template);
    assert.equal(rs.metadata!.name, `web-${hash}`);
    assert.equal(rs.spec!.replicas, 3);
    assert.deepEqual(rs.spec!.selector!.matchLabels, { app: 'web', 'pod-template-hash': hash });
    assert.equal(rs.spec!.template!.metadata!.labels!['pod-template-hash'], hash);
    assert.equal(rs.metadata!.ownerReferences![0].kind, 'Deployment');
    assert.equal(rs.metadata!.ownerReferences![0].controller, true);
    assert.equal(rs.metadata!.annotations![REVISION], '1');
    assert.equal(rs.metadata!.annotations!['deployment.kubernetes.io/desired-replicas'], '3');
    assert.equal(rs.metadata!.annotations!['deployment.kubernetes.io/max-replicas'], '4');
    assert.equal(h.d.metadata!.annotations![REVISION], '1');
    assert.equal(h.d.metadata!.generation, 1, 'recording the revision does not bump generation');
    const progressing = h.d.status!.conditions!.find((c) => c.type === 'Progressing')!;
    assert.equal(progressing.reason, 'NewReplicaSetCreated');
    assert.equal(progressing.message, `Created new replica set "web-${hash}"`);
    assert.deepEqual(h.events, [{ reason: 'ScalingReplicaSet', message: `Scaled up replica set web-${hash} to 3` }]);
    assert.equal(h.d.status!.observedGeneration, 1);
  });
});

describe('deployment sync: rolling update steps', () => {
  test('10 replicas, 25%/25%: surge to 13 and drop old to 8 at once, then wait for availability', async () => {
    const h = new Harness();
    const d = await h.deployment({ replicas: 10 }, 'v2');
    const old = await h.replicaSet(d, 'v1', 10, { available: 10, revision: 1 });
    await h.sync();
    // new RS gets maxSurge (3); old may lose 13 - 8 (min available) - 3 (new, unavailable) = 2
    assert.deepEqual(h.sizes(), { v1: 8, v2: 3 });
    const fresh = h.rss().find((r) => r.metadata!.name !== old.metadata!.name)!;
    assert.equal(fresh.metadata!.annotations![REVISION], '2');
    assert.equal(h.d.metadata!.annotations![REVISION], '2');
    assert.ok(h.events.some((e) => e.message === `Scaled down replica set ${old.metadata!.name} to 8 from 10`));

    // the surge is not used up (8 + 3 < 13): the new RS grows to 5 regardless of availability
    await h.settle(old.metadata!.name!);
    await h.settle(fresh.metadata!.name!, 0);
    await h.sync();
    assert.deepEqual(h.sizes(), { v1: 8, v2: 5 });
    assert.ok(h.events.some((e) => e.message === `Scaled up replica set ${fresh.metadata!.name} to 5 from 3`));
    assert.equal(h.d.status!.conditions!.find((c) => c.type === 'Progressing')!.reason, 'ReplicaSetUpdated');

    // new pods unavailable: 13 - 8 - 5 = 0, nothing may move
    await h.settle(fresh.metadata!.name!, 0);
    await h.sync();
    assert.deepEqual(h.sizes(), { v1: 8, v2: 5 });

    // 3 of the new pods available: 13 - 8 - 2 = 3 old pods may go
    await h.settle(fresh.metadata!.name!, 3);
    await h.sync();
    assert.deepEqual(h.sizes(), { v1: 5, v2: 5 });
  });

  test('maxUnavailable 0 / maxSurge 20%: 2 new pods first, old stays at 10 until they are available', async () => {
    const h = new Harness();
    const d = await h.deployment({ replicas: 10, strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '20%', maxUnavailable: 0 } } }, 'v2');
    await h.replicaSet(d, 'v1', 10, { available: 10, revision: 1 });
    await h.sync();
    assert.deepEqual(h.sizes(), { v1: 10, v2: 2 });
    const fresh = h.rss().find((r) => r.spec!.template!.spec!.containers[0].image === 'v2')!;
    await h.settle(fresh.metadata!.name!, 0);
    await h.sync();
    assert.deepEqual(h.sizes(), { v1: 10, v2: 2 }, 'no capacity is given up while new pods are unavailable');
    await h.settle(fresh.metadata!.name!);
    await h.sync();
    assert.deepEqual(h.sizes(), { v1: 8, v2: 2 });
  });

  test('completes: old scaled to 0, status complete, NewReplicaSetAvailable', async () => {
    const h = new Harness();
    const d = await h.deployment({ replicas: 2 }, 'v2');
    await h.replicaSet(d, 'v1', 2, { available: 2, revision: 1 });
    for (let i = 0; i < 10; i++) {
      await h.sync();
      for (const r of h.rss()) await h.settle(r.metadata!.name!);
    }
    await h.sync();
    assert.deepEqual(h.sizes(), { v1: 0, v2: 2 });
    const s = h.d.status!;
    assert.equal(s.updatedReplicas, 2);
    assert.equal(s.availableReplicas, 2);
    assert.equal(s.replicas, 2);
    assert.equal(s.conditions!.find((c) => c.type === 'Progressing')!.reason, 'NewReplicaSetAvailable');
    assert.equal(s.conditions!.find((c) => c.type === 'Available')!.status, 'True');
  });
});

describe('deployment sync: Recreate', () => {
  test('scales old to 0, waits for old pods to be gone, then creates the new RS', async () => {
    const h = new Harness();
    const d = await h.deployment({ replicas: 3, strategy: { type: 'Recreate' } }, 'v2');
    const old = await h.replicaSet(d, 'v1', 3, { available: 3, revision: 1 });
    await h.sync();
    assert.deepEqual(h.sizes(), { v1: 0 });

    // RS controller has not deleted the pods yet
    const pods = new Map<string, Pod[]>([[old.metadata!.uid!, [{ metadata: { name: 'p' }, status: { phase: 'Running' } }]]]);
    await h.settle(old.metadata!.name!, 0);
    await h.sync(pods);
    assert.deepEqual(h.sizes(), { v1: 0 }, 'still waiting for the old pod');

    await h.sync(new Map([[old.metadata!.uid!, []]]));
    assert.deepEqual(h.sizes(), { v1: 0, v2: 3 });
    assert.equal(h.d.metadata!.annotations![REVISION], '2');
  });
});

describe('deployment sync: revisions', () => {
  test('rollback re-uses the RS with the matching template and gives it a new revision (3 → 5)', async () => {
    const h = new Harness();
    // history: 1 blue, 2 green, 3 blue "Update to blue kuard", 4 green (current after one undo)
    const d = await h.deployment({ replicas: 2 }, 'green');
    await h.replicaSet(d, 'blue', 0, { revision: 1 });
    const blue2 = await h.replicaSet(d, 'blue', 0, { revision: 3, tplAnnotations: { 'kubernetes.io/change-cause': 'Update to blue kuard' } });
    const green = await h.replicaSet(d, 'green', 2, { available: 2, revision: 4, annotations: { [REVISION_HISTORY]: '2' } });
    // kubectl rollout undo --to-revision=3 patches the deployment's template to revision 3's
    const cur = h.d;
    await h.client.update(DEPLOYMENTS, 'default', { ...cur, spec: { ...cur.spec!, template: template('blue', { 'kubernetes.io/change-cause': 'Update to blue kuard' }) } } as D);
    const before = h.rss().length;
    await h.sync();
    assert.equal(h.rss().length, before, 'no new replica set');
    const reused = h.client.peek<RS>(REPLICA_SETS, 'default', blue2.metadata!.name!)!;
    assert.equal(reused.metadata!.annotations![REVISION], '5');
    assert.equal(reused.metadata!.annotations![REVISION_HISTORY], '3');
    assert.equal(h.d.metadata!.annotations![REVISION], '5');
    assert.ok((reused.spec!.replicas ?? 0) > 0, 'the re-used RS scales up');
    assert.equal(h.client.peek<RS>(REPLICA_SETS, 'default', green.metadata!.name!)!.metadata!.annotations![REVISION], '4');
  });

  test('change-cause on the deployment is copied to the new RS', async () => {
    const h = new Harness();
    await h.client.create(DEPLOYMENTS, 'default', {
      metadata: { name: 'web', namespace: 'default', annotations: { 'kubernetes.io/change-cause': 'kubectl set image deployment/web web=v1' } },
      spec: { replicas: 1, selector: { matchLabels: { app: 'web' } }, template: template('v1') },
    } as D);
    await h.sync();
    assert.equal(h.rss()[0].metadata!.annotations!['kubernetes.io/change-cause'], 'kubectl set image deployment/web web=v1');
  });

  test('revisionHistoryLimit prunes the oldest drained replica sets once the rollout is complete', async () => {
    const h = new Harness();
    const d = await h.deployment({ replicas: 1, revisionHistoryLimit: 1 }, 'v4');
    for (const [img, rev] of [['v1', 1], ['v2', 2], ['v3', 3]] as const) await h.replicaSet(d, img, 0, { revision: rev });
    const cur = await h.replicaSet(d, 'v4', 1, { available: 1, revision: 4 });
    await h.client.updateStatus(DEPLOYMENTS, 'default', { ...h.d, status: { observedGeneration: 1, replicas: 1, updatedReplicas: 1, availableReplicas: 1 } } as D);
    await h.sync();
    assert.deepEqual(h.rss().map((r) => r.spec!.template!.spec!.containers[0].image).sort(), ['v3', 'v4']);
    assert.ok(h.client.peek(REPLICA_SETS, 'default', cur.metadata!.name!));
  });
});

describe('deployment sync: scaling and pausing', () => {
  test('a manually scaled child RS is reset to the deployment replicas', async () => {
    const h = new Harness();
    const d = await h.deployment({ replicas: 2 });
    await h.replicaSet(d, 'v1', 1, { available: 1, revision: 1, annotations: { 'deployment.kubernetes.io/desired-replicas': '2', 'deployment.kubernetes.io/max-replicas': '3' } });
    await h.sync();
    assert.deepEqual(h.sizes(), { v1: 2 });
    assert.ok(h.events.some((e) => /Scaled up replica set web-\w+ to 2 from 1/.test(e.message)));
  });

  test('paused: a template change does not roll out, scaling is proportional, condition DeploymentPaused', async () => {
    const h = new Harness();
    const d = await h.deployment({ replicas: 4, paused: true }, 'v2');
    await h.replicaSet(d, 'v1', 4, { available: 4, revision: 1, annotations: { 'deployment.kubernetes.io/desired-replicas': '4', 'deployment.kubernetes.io/max-replicas': '5' } });
    await h.sync();
    assert.deepEqual(h.sizes(), { v1: 4 }, 'no new replica set while paused');
    const p = h.d.status!.conditions!.find((c) => c.type === 'Progressing')!;
    assert.equal(p.reason, 'DeploymentPaused');
    assert.equal(p.status, 'Unknown');
    const cur = h.d;
    await h.client.update(DEPLOYMENTS, 'default', { ...cur, spec: { ...cur.spec!, replicas: 6 } } as D);
    await h.sync();
    assert.deepEqual(h.sizes(), { v1: 6 });
    const resumed = h.d;
    await h.client.update(DEPLOYMENTS, 'default', { ...resumed, spec: { ...resumed.spec!, paused: false } } as D);
    await h.sync();
    assert.equal(h.d.status!.conditions!.find((c) => c.type === 'Progressing')!.reason !== 'DeploymentPaused', true);
    assert.ok(h.sizes().v2 > 0, 'resuming starts the rollout');
  });
});

describe('deployment sync: progress deadline', () => {
  test('a stuck rollout times out after progressDeadlineSeconds and asks to be re-queued until then', async () => {
    const h = new Harness();
    const d = await h.deployment({ replicas: 1, progressDeadlineSeconds: 60 }, 'bad');
    await h.replicaSet(d, 'good', 1, { available: 1, revision: 1 });
    await h.sync();
    const fresh = h.rss().find((r) => r.spec!.template!.spec!.containers[0].image === 'bad')!;
    await h.settle(fresh.metadata!.name!, 0);
    await h.sync();
    h.clock.advance(10_000);
    const r = await h.sync();
    assert.ok(r.requeueAfterMs !== undefined && r.requeueAfterMs > 0 && r.requeueAfterMs <= 61_000, `requeue ${r.requeueAfterMs}`);
    h.clock.advance(r.requeueAfterMs!);
    await h.sync();
    const p = h.d.status!.conditions!.find((c) => c.type === 'Progressing')!;
    assert.equal(p.status, 'False');
    assert.equal(p.reason, 'ProgressDeadlineExceeded');
    assert.ok(p.lastUpdateTime! >= rfc3339(h.clock.now() - 1000));
    // the old replica set keeps serving
    assert.equal(h.sizes().good, 1);
  });
});

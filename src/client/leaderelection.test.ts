import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Lease } from 'kubernetes-types/coordination/v1.js';
import { findByKind } from '../api/registry.js';
import { FakeClock } from './clock.js';
import { FakeApiServer } from './fake-apiserver.js';
import { InProcessTransport } from './inprocess-transport.js';
import { LeaderElector } from './leaderelection.js';
import { RestClient } from './rest-client.js';
import type { RequestHandler } from './transport.js';

const leases = findByKind('coordination.k8s.io', 'Lease')!;
const flush = async () => {
  for (let i = 0; i < 10; i++) await new Promise((r) => setImmediate(r));
};

/** A candidate whose connection to the server can be cut (requests answer 503). */
function candidate(fake: FakeApiServer, clock: FakeClock, identity: string, log: string[]) {
  const link = { up: true };
  const handler: RequestHandler = (req, res) => {
    if (link.up) return fake.handler(req, res);
    res.writeHead(503, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', code: 503, reason: 'ServiceUnavailable', message: 'unreachable' }));
  };
  const client = new RestClient(new InProcessTransport(handler, { username: identity, groups: [] }));
  const elector = new LeaderElector(client, {
    namespace: 'kube-system',
    name: 'skiff-controller-manager',
    identity,
    clock, // defaults: lease 15 s, renew deadline 10 s, retry 2 s
    onStartedLeading: () => log.push(`${identity} started@${clock.now()}`),
    onStoppedLeading: () => log.push(`${identity} stopped@${clock.now()}`),
  });
  return { elector, link };
}

async function advance(clock: FakeClock, ms: number, until?: () => boolean) {
  for (let t = 0; t < ms; t += 100) {
    clock.advance(100);
    await flush();
    if (until?.()) return;
  }
}

test('two electors: only one leads; the other takes over after the leader stops renewing', async () => {
  const fake = new FakeApiServer();
  const clock = new FakeClock(0);
  const log: string[] = [];
  const a = candidate(fake, clock, 'a', log);
  const b = candidate(fake, clock, 'b', log);
  a.elector.run();
  await advance(clock, 100);
  b.elector.run();
  await advance(clock, 5000);
  assert.equal(log.length, 1);
  assert.match(log[0]!, /^a started@/);
  assert.equal(a.elector.isLeader(), true);
  assert.equal(b.elector.isLeader(), false);
  const lease = fake.read(leases, 'kube-system', 'skiff-controller-manager') as Lease;
  assert.equal(lease.spec?.holderIdentity, 'a');
  assert.equal(lease.spec?.leaseDurationSeconds, 15);
  assert.equal(lease.spec?.leaseTransitions, 0);
  assert.match(lease.spec!.renewTime!, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);

  // a keeps renewing: b stays a follower well past one lease duration.
  await advance(clock, 30_000);
  assert.equal(b.elector.isLeader(), false);
  const renewed = fake.read(leases, 'kube-system', 'skiff-controller-manager') as Lease;
  assert.notEqual(renewed.spec?.renewTime, lease.spec?.renewTime);
  assert.equal(renewed.spec?.acquireTime, lease.spec?.acquireTime);

  // a loses the server: it steps down within renewDeadline; b takes over once the lease expires.
  const cutAt = clock.now();
  a.link.up = false;
  await advance(clock, 40_000, () => b.elector.isLeader());
  assert.equal(a.elector.isLeader(), false);
  assert.equal(b.elector.isLeader(), true);
  const aStopped = Number(log.find((l) => l.startsWith('a stopped'))!.split('@')[1]);
  const bStarted = Number(log.find((l) => l.startsWith('b started'))!.split('@')[1]);
  assert.ok(aStopped - cutAt <= 10_000, `a stepped down ${aStopped - cutAt} ms after the cut`);
  assert.ok(bStarted > aStopped, 'never two leaders at once');
  assert.ok(bStarted - cutAt >= 13_000 && bStarted - cutAt <= 20_000, `b took over ${bStarted - cutAt} ms after the cut`);
  const after = fake.read(leases, 'kube-system', 'skiff-controller-manager') as Lease;
  assert.equal(after.spec?.holderIdentity, 'b');
  assert.equal(after.spec?.leaseTransitions, 1);

  // a comes back: it stays a follower while b renews.
  a.link.up = true;
  await advance(clock, 20_000);
  assert.equal(a.elector.isLeader(), false);
  assert.equal(b.elector.isLeader(), true);

  // b stops: it releases the lease, so a takes over after one retry period instead of a lease duration.
  const stopAt = clock.now();
  await b.elector.stop();
  assert.equal(b.elector.isLeader(), false);
  const released = fake.read(leases, 'kube-system', 'skiff-controller-manager') as Lease;
  assert.equal(released.spec?.holderIdentity, '');
  await advance(clock, 5000, () => a.elector.isLeader());
  assert.equal(a.elector.isLeader(), true);
  assert.ok(clock.now() - stopAt <= 3000, 'took over after a released lease within a retry period');
  await a.elector.stop();
  assert.ok(log.includes(`b stopped@${stopAt}`));
});

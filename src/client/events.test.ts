import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Event } from 'kubernetes-types/core/v1.js';
import { findByKind } from '../api/registry.js';
import { FakeClock } from './clock.js';
import { EventRecorder } from './events.js';
import { FakeApiServer } from './fake-apiserver.js';
import { InProcessTransport } from './inprocess-transport.js';
import { RestClient } from './rest-client.js';

const events = findByKind('', 'Event')!;

function setup() {
  const fake = new FakeApiServer();
  const client = new RestClient(new InProcessTransport(fake.handler, { username: 'rec', groups: [] }));
  const clock = new FakeClock(Date.parse('2024-05-01T10:00:00Z'));
  const rec = new EventRecorder(client, { component: 'replicaset-controller' }, { clock });
  return { fake, rec, clock };
}

const rs = { apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'kuard-5897df564', namespace: 'default', uid: 'uid-1', resourceVersion: '7' } };

test('writes an Event with involvedObject, source, counts and timestamps', async () => {
  const { fake, rec } = setup();
  rec.event(rs, 'Normal', 'SuccessfulCreate', 'Created pod: kuard-2qmn2');
  await rec.flush();
  const [ev] = fake.all(events) as unknown as Event[];
  assert.ok(ev);
  assert.match(ev.metadata.name!, /^kuard-5897df564\.[0-9a-f]+$/);
  assert.equal(ev.metadata.namespace, 'default');
  assert.deepEqual(ev.involvedObject, { kind: 'ReplicaSet', namespace: 'default', name: 'kuard-5897df564', uid: 'uid-1', apiVersion: 'apps/v1', resourceVersion: '7' });
  assert.equal(ev.type, 'Normal');
  assert.equal(ev.reason, 'SuccessfulCreate');
  assert.equal(ev.message, 'Created pod: kuard-2qmn2');
  assert.deepEqual(ev.source, { component: 'replicaset-controller' });
  assert.equal(ev.count, 1);
  assert.equal(ev.firstTimestamp, '2024-05-01T10:00:00Z');
  assert.equal(ev.lastTimestamp, '2024-05-01T10:00:00Z');
  assert.equal(ev.reportingComponent, 'replicaset-controller');
});

test('the same event within 10 minutes patches count and lastTimestamp; later it starts a new Event', async () => {
  const { fake, rec, clock } = setup();
  rec.event(rs, 'Warning', 'FailedCreate', 'quota exceeded');
  clock.advance(60_000);
  rec.event(rs, 'Warning', 'FailedCreate', 'quota exceeded');
  clock.advance(60_000);
  rec.event(rs, 'Warning', 'FailedCreate', 'quota exceeded');
  await rec.flush();
  let all = fake.all(events) as unknown as Event[];
  assert.equal(all.length, 1);
  assert.equal(all[0]!.count, 3);
  assert.equal(all[0]!.firstTimestamp, '2024-05-01T10:00:00Z');
  assert.equal(all[0]!.lastTimestamp, '2024-05-01T10:02:00Z');
  assert.equal(fake.requests.filter((r) => r.method === 'PATCH').length, 2);
  assert.equal(fake.requests.find((r) => r.method === 'PATCH')!.headers['content-type'], 'application/merge-patch+json');

  // A different reason is a different event.
  rec.event(rs, 'Warning', 'Other', 'quota exceeded');
  // After the window, the same event is new again.
  clock.advance(11 * 60_000);
  rec.event(rs, 'Warning', 'FailedCreate', 'quota exceeded');
  await rec.flush();
  all = fake.all(events) as unknown as Event[];
  assert.equal(all.length, 3);
  assert.deepEqual(all.map((e) => e.count).sort(), [1, 1, 3]);
});

test('an Event deleted meanwhile is created again; cluster-scoped objects get events in default', async () => {
  const { fake, rec } = setup();
  const node = { apiVersion: 'v1', kind: 'Node', metadata: { name: 'minikube', uid: 'n-1' } };
  rec.event(node, 'Normal', 'NodeReady', 'Node minikube status is now: NodeReady');
  await rec.flush();
  const [first] = fake.all(events) as unknown as Event[];
  assert.equal(first!.metadata.namespace, 'default');
  assert.equal(first!.involvedObject.namespace, undefined);
  fake.remove(events, 'default', first!.metadata.name!);
  rec.event(node, 'Normal', 'NodeReady', 'Node minikube status is now: NodeReady');
  await rec.flush();
  const again = fake.all(events) as unknown as Event[];
  assert.equal(again.length, 1);
  assert.equal(again[0]!.count, 1);
});

test('many similar events are combined; failures never throw', async () => {
  const { fake, rec } = setup();
  for (let i = 0; i < 14; i++) rec.event(rs, 'Normal', 'SuccessfulCreate', `Created pod: parallel-${i}`);
  await rec.flush();
  const all = fake.all(events) as unknown as Event[];
  const combined = all.filter((e) => e.message!.startsWith('(combined from similar events): '));
  assert.equal(all.length - combined.length, 9, 'the first 9 distinct messages are separate events');
  assert.equal(combined.length, 1);
  assert.equal(combined[0]!.message, '(combined from similar events): Created pod: parallel-13');
  assert.equal(combined[0]!.count, 5);

  fake.failNext(() => true, 500);
  assert.doesNotThrow(() => rec.event(rs, 'Normal', 'X', 'server fails'));
  assert.doesNotThrow(() => rec.event({ kind: 'Pod' }, 'Normal', 'X', 'no name'));
  await rec.flush();
});

test('spam filter: 25 writes per source and object, then one per 5 minutes; counts stay right', async () => {
  const { fake, rec, clock } = setup();
  for (let i = 0; i < 40; i++) rec.event(rs, 'Normal', 'SuccessfulCreate', `Created pod: p-${i}`);
  // Another object has its own budget.
  rec.event({ ...rs, metadata: { ...rs.metadata, name: 'other', uid: 'uid-2' } }, 'Normal', 'SuccessfulCreate', 'Created pod: q');
  await rec.flush();
  const writes = () => fake.requests.filter((r) => r.method === 'POST' || r.method === 'PATCH').length;
  assert.equal(writes(), 26, '25 for the ReplicaSet, 1 for the other object');
  const combined = () => (fake.all(events) as unknown as Event[]).find((e) => e.message!.startsWith('(combined'))!;
  assert.equal(combined().count, 16, 'written before the budget ran out');

  // Dropped events were still counted: the next allowed write carries the full count.
  clock.advance(5 * 60_000);
  rec.event(rs, 'Normal', 'SuccessfulCreate', 'Created pod: p-40');
  rec.event(rs, 'Normal', 'SuccessfulCreate', 'Created pod: p-41');
  await rec.flush();
  assert.equal(writes(), 27, 'one token refilled');
  assert.equal(combined().count, 32);
  assert.equal(combined().message, '(combined from similar events): Created pod: p-40');
});

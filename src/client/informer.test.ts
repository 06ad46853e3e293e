import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { findByKind } from '../api/registry.js';
import type { KubeObject } from './api.js';
import { FakeApiServer } from './fake-apiserver.js';
import { InProcessTransport } from './inprocess-transport.js';
import { clone, InformerFactory, keyOf, namespaceIndex, nodeNameIndexFunc, ownerUidIndexFunc, SharedInformer, splitKey } from './informer.js';
import { RestClient } from './rest-client.js';

const pods = findByKind('', 'Pod')!;
const nodes = findByKind('', 'Node')!;

function setup() {
  const fake = new FakeApiServer();
  const client = new RestClient(new InProcessTransport(fake.handler, { username: 'test', groups: [] }));
  return { fake, client };
}

function pod(ns: string, name: string, extra: Partial<KubeObject> = {}): KubeObject {
  return { metadata: { name, namespace: ns }, spec: {}, ...extra };
}

async function until(cond: () => boolean, what: string, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

function recorder() {
  const log: string[] = [];
  return {
    log,
    handler: {
      onAdd: (o: KubeObject) => log.push(`add ${keyOf(o)}`),
      onUpdate: (a: KubeObject, b: KubeObject) => log.push(`update ${keyOf(b)} ${a.metadata?.resourceVersion}->${b.metadata?.resourceVersion}`),
      onDelete: (o: KubeObject) => log.push(`delete ${keyOf(o)}`),
    },
  };
}

test('keyOf / splitKey', () => {
  assert.equal(keyOf({ metadata: { namespace: 'ns', name: 'a' } }), 'ns/a');
  assert.equal(keyOf({ metadata: { name: 'node1' } }), 'node1');
  assert.deepEqual(splitKey('ns/a'), { namespace: 'ns', name: 'a' });
  assert.deepEqual(splitKey('node1'), { name: 'node1' });
});

describe('SharedInformer', () => {
  test('initial list, then add/update/delete events reach handlers; cache and indexers follow', async () => {
    const { fake, client } = setup();
    fake.put(pods, pod('a', 'p1', { spec: { nodeName: 'n1' } }));
    fake.put(pods, pod('b', 'p2', { metadata: { name: 'p2', namespace: 'b', ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'rs', uid: 'uid-rs' }] } }));
    const inf = new SharedInformer<KubeObject>(client, pods, { indexers: { byNode: nodeNameIndexFunc } });
    inf.addIndexer('byOwner', ownerUidIndexFunc);
    const rec = recorder();
    inf.addEventHandler(rec.handler);
    assert.equal(inf.hasSynced(), false);
    await inf.start();
    assert.equal(inf.hasSynced(), true);
    assert.deepEqual(rec.log.sort(), ['add a/p1', 'add b/p2']);
    assert.equal(inf.get('a', 'p1')?.kind, 'Pod');
    assert.deepEqual(inf.byIndex(namespaceIndex, 'b').map(keyOf), ['b/p2']);
    assert.deepEqual(inf.byIndex('byNode', 'n1').map(keyOf), ['a/p1']);
    assert.deepEqual(inf.byIndex('byOwner', 'uid-rs').map(keyOf), ['b/p2']);
    assert.throws(() => inf.byIndex('nope', 'x'), /no index "nope"/);

    rec.log.length = 0;
    await until(() => fake.openWatches() === 1, 'watch');
    fake.put(pods, pod('a', 'p3'));
    const p1 = fake.read(pods, 'a', 'p1')!;
    fake.put(pods, { ...p1, spec: { nodeName: 'n2' } });
    fake.remove(pods, 'b', 'p2');
    await until(() => rec.log.length === 3, 'three events');
    assert.equal(rec.log[0], 'add a/p3');
    assert.match(rec.log[1]!, /^update a\/p1 \d+->\d+$/);
    assert.equal(rec.log[2], 'delete b/p2');
    assert.deepEqual(inf.byIndex('byNode', 'n1'), [], 'index entry moved');
    assert.deepEqual(inf.byIndex('byNode', 'n2').map(keyOf), ['a/p1']);
    assert.deepEqual(inf.byIndex('byOwner', 'uid-rs'), []);
    assert.equal(inf.get('b', 'p2'), undefined);
    assert.deepEqual(inf.list().map(keyOf).sort(), ['a/p1', 'a/p3']);
    const watchReq = fake.requests.find((r) => r.url.includes('watch=1'))!;
    assert.match(watchReq.url, /allowWatchBookmarks=true/);

    // Cached objects are read-only; clone() gives a mutable copy.
    const cached = inf.get('a', 'p1')!;
    assert.throws(() => {
      (cached.metadata as { name: string }).name = 'x';
    }, TypeError);
    const copy = clone(cached);
    copy.metadata!.name = 'x';
    assert.equal(inf.get('a', 'p1')!.metadata!.name, 'p1');

    // A handler added after sync gets synthetic adds.
    const late = recorder();
    inf.addEventHandler(late.handler);
    assert.deepEqual(late.log.sort(), ['add a/p1', 'add a/p3']);
    inf.stop();
    await until(() => fake.openWatches() === 0, 'watch closed on stop');
  });

  test('re-lists after a 410 ERROR event and reports what changed meanwhile', async () => {
    const { fake, client } = setup();
    fake.put(pods, pod('a', 'keep'));
    fake.put(pods, pod('a', 'gone'));
    const inf = new SharedInformer<KubeObject>(client, pods, { namespace: 'a' });
    const rec = recorder();
    inf.addEventHandler(rec.handler);
    await inf.start();
    await until(() => fake.openWatches() === 1, 'watch');
    rec.log.length = 0;
    const listsBefore = fake.listRequests;
    // Changes the informer misses: the watch is cut and history compacted before it re-watches.
    fake.endWatches();
    fake.sendBookmarks = false;
    // (the informer re-lists immediately after the end; wait for that and then expire it.)
    await until(() => fake.listRequests === listsBefore + 1 && fake.openWatches() === 1, 're-list after stream end');
    rec.log.length = 0;
    fake.expireWatches(); // ERROR 410 on the open watch
    fake.remove(pods, 'a', 'gone');
    fake.put(pods, pod('a', 'new'));
    fake.compact();
    await until(() => fake.listRequests === listsBefore + 2 && fake.openWatches() === 1, 're-list after 410');
    await until(() => rec.log.length >= 2, 'diff events');
    assert.deepEqual(rec.log.sort(), ['add a/new', 'delete a/gone']);
    assert.deepEqual(inf.list().map(keyOf).sort(), ['a/keep', 'a/new']);
    // The new watch continues from the re-list's resourceVersion and sees live changes.
    fake.put(pods, pod('a', 'later'));
    await until(() => inf.get('a', 'later') !== undefined, 'live event after re-list');
    inf.stop();
  });

  test('a watch that fails with 410 at the start (compacted history) leads to a fresh list', async () => {
    const { fake, client } = setup();
    fake.put(nodes, { metadata: { name: 'n1' } });
    // The first watch request gets 410; the informer must re-list and watch again.
    fake.failNext((r) => r.url.includes('watch=1'), 410, 'Expired');
    const inf = new SharedInformer<KubeObject>(client, nodes);
    await inf.start();
    await until(() => fake.openWatches() === 1, 'second watch');
    assert.equal(fake.listRequests, 2);
    assert.equal(inf.get(undefined, 'n1')?.metadata?.name, 'n1');
    inf.stop();
  });

  test('pages through a long list with limit/continue', async () => {
    const { fake, client } = setup();
    for (let i = 0; i < 520; i++) fake.put(pods, pod('big', `p${String(i).padStart(3, '0')}`));
    const inf = new SharedInformer<KubeObject>(client, pods);
    await inf.start();
    assert.equal(inf.list().length, 520);
    assert.equal(fake.listRequests, 2);
    inf.stop();
  });

  test('resync replays cached objects as updates', async () => {
    const { fake, client } = setup();
    fake.put(pods, pod('a', 'p1'));
    const inf = new SharedInformer<KubeObject>(client, pods, { resyncMs: 30 });
    const seen: string[] = [];
    inf.addEventHandler({ onUpdate: (a, b) => seen.push(`${keyOf(b)} same=${a === b}`) });
    await inf.start();
    await until(() => seen.length >= 1, 'resync');
    assert.equal(seen[0], 'a/p1 same=true');
    inf.stop();
  });
});

describe('InformerFactory', () => {
  test('one informer per type+namespace; start() waits for all to sync', async () => {
    const { fake, client } = setup();
    fake.put(pods, pod('a', 'p1'));
    fake.put(nodes, { metadata: { name: 'n1' } });
    const f = new InformerFactory(client);
    const pi = f.informerFor(pods);
    assert.equal(f.informerFor(pods), pi);
    assert.notEqual(f.informerFor(pods, { namespace: 'a' }), pi);
    const ni = f.informerFor(nodes);
    await f.start();
    assert.ok(pi.hasSynced() && ni.hasSynced());
    assert.equal(f.informerFor(pods, { namespace: 'a' }).list().length, 1);
    assert.equal(ni.get(undefined, 'n1')?.kind, 'Node');
    f.stop();
    await until(() => fake.openWatches() === 0, 'all watches closed');
  });
});

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { findByKind } from '../api/registry.js';
import { ApiError, isAlreadyExists, isConflict, isNotFound, type KubeObject, type WatchEvent } from './api.js';
import { FakeApiServer } from './fake-apiserver.js';
import { HttpTransport } from './http-transport.js';
import { InProcessTransport } from './inprocess-transport.js';
import { RestClient, resourcePath } from './rest-client.js';
import type { RequestHandler, Transport } from './transport.js';

const pods = findByKind('', 'Pod')!;
const nodes = findByKind('', 'Node')!;
const deployments = findByKind('apps', 'Deployment')!;
const user = { username: 'test', groups: ['system:masters'] };

/** Serve a RequestHandler over plain HTTP on 127.0.0.1 (what the real API server does over TLS). */
async function serveHttp(handler: RequestHandler): Promise<{ url: string; close: () => Promise<void> }> {
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(', ') : v;
      const closeCbs: (() => void)[] = [];
      res.on('close', () => closeCbs.forEach((cb) => cb()));
      handler(
        { method: req.method!, url: req.url!, headers, body: Buffer.concat(chunks) },
        {
          writeHead: (s, h) => {
            res.writeHead(s, h);
            res.flushHeaders();
          },
          write: (c) => res.write(c),
          end: (c) => (c === undefined ? res.end() : res.end(c)),
          onClose: (cb) => closeCbs.push(cb),
        },
      );
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

function collectWatch(client: RestClient, ns: string | undefined, rv: string) {
  const events: WatchEvent[] = [];
  let closed: { err?: Error } | undefined;
  const handle = client.watch(pods, ns, { resourceVersion: rv, allowWatchBookmarks: true, timeoutSeconds: 30 }, {
    onEvent: (e) => events.push(e),
    onClose: (err) => (closed = { err }),
  });
  return { events, handle, closed: () => closed };
}

async function until(cond: () => boolean, what: string, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

test('resourcePath builds core, group, cluster-scoped and subresource paths', () => {
  assert.equal(resourcePath(pods, 'default', 'p1'), '/api/v1/namespaces/default/pods/p1');
  assert.equal(resourcePath(pods, undefined), '/api/v1/pods');
  assert.equal(resourcePath(pods, 'ns', 'p1', 'status'), '/api/v1/namespaces/ns/pods/p1/status');
  assert.equal(resourcePath(nodes, 'ignored', 'n1'), '/api/v1/nodes/n1');
  assert.equal(resourcePath(deployments, 'kube-system'), '/apis/apps/v1/namespaces/kube-system/deployments');
});

for (const kind of ['in-process', 'http'] as const) {
  describe(`RestClient over ${kind} transport`, () => {
    let fake: FakeApiServer;
    let transport: Transport;
    let client: RestClient;
    let close = async () => {};

    before(async () => {
      fake = new FakeApiServer();
      if (kind === 'in-process') {
        transport = new InProcessTransport(fake.handler, user);
      } else {
        const s = await serveHttp(fake.handler);
        const ht = new HttpTransport({ server: s.url, token: 'secret-token' });
        transport = ht;
        close = async () => {
          ht.destroy();
          await s.close();
        };
      }
      client = new RestClient(transport, { userAgent: 'skiff-test', fieldManager: 'skiff-test-manager' });
    });
    after(() => close());

    test('create, get, list, update, conflict, not found, delete', async () => {
      const created = await client.create<KubeObject>(pods, 'default', { metadata: { name: 'p1', labels: { app: 'a' } }, spec: { containers: [] } });
      assert.equal(created.metadata?.namespace, 'default');
      assert.ok(created.metadata?.resourceVersion);
      const req = fake.requests.at(-1)!;
      assert.equal(req.method, 'POST');
      assert.ok(req.url.startsWith('/api/v1/namespaces/default/pods?'), req.url);
      assert.ok(req.url.includes('fieldManager=skiff-test-manager'));
      assert.equal(req.headers['user-agent'], 'skiff-test');
      assert.equal(req.headers['accept'], 'application/json');
      assert.equal(req.headers['content-type'], 'application/json');
      if (kind === 'http') assert.equal(req.headers['authorization'], 'Bearer secret-token');

      await assert.rejects(client.create(pods, 'default', { metadata: { name: 'p1' } }), (e) => isAlreadyExists(e));
      const got = await client.get<KubeObject>(pods, 'default', 'p1');
      assert.deepEqual(got.metadata?.labels, { app: 'a' });

      await client.create(pods, 'other', { metadata: { name: 'p2', labels: { app: 'b' } } });
      const all = await client.list(pods);
      assert.deepEqual(all.items.map((p) => p.metadata?.name), ['p1', 'p2']);
      assert.equal(all.items[0]!.kind, 'Pod', 'list items get kind filled in');
      assert.equal(all.items[0]!.apiVersion, 'v1');
      assert.ok(all.metadata.resourceVersion);
      const inNs = await client.list(pods, 'other', { labelSelector: 'app=b' });
      assert.deepEqual(inNs.items.map((p) => p.metadata?.name), ['p2']);
      assert.ok(fake.requests.at(-1)!.url.endsWith('/api/v1/namespaces/other/pods?labelSelector=app%3Db'));

      const updated = await client.update<KubeObject>(pods, 'default', { ...got, spec: { nodeName: 'n1' } });
      assert.notEqual(updated.metadata?.resourceVersion, got.metadata?.resourceVersion);
      await assert.rejects(client.update(pods, 'default', got), (e) => {
        assert.ok(isConflict(e));
        assert.match((e as ApiError).message, /the object has been modified/);
        return true;
      });

      await assert.rejects(client.get(pods, 'default', 'missing'), (e: unknown) => {
        assert.ok(isNotFound(e));
        assert.equal((e as ApiError).status.message, 'pods "missing" not found');
        assert.equal((e as ApiError).reason, 'NotFound');
        return true;
      });

      const del = await client.delete(pods, 'default', 'p1', { propagationPolicy: 'Background', gracePeriodSeconds: 0 });
      assert.equal((del as KubeObject).metadata?.name, 'p1');
      const delReq = fake.requests.at(-1)!;
      assert.equal(delReq.method, 'DELETE');
      assert.deepEqual(JSON.parse(delReq.body), { kind: 'DeleteOptions', apiVersion: 'v1', gracePeriodSeconds: 0, propagationPolicy: 'Background' });
      await assert.rejects(client.get(pods, 'default', 'p1'), isNotFound);
      await client.delete(pods, 'other', 'p2');
    });

    test('patch types send their content types; apply carries fieldManager and force', async () => {
      await client.create(deployments, 'default', { metadata: { name: 'd1', labels: { a: '1' } }, spec: { replicas: 1 } });
      const merged = await client.patch<KubeObject>(deployments, 'default', 'd1', 'merge', { metadata: { labels: { b: '2' } } });
      assert.deepEqual(merged.metadata?.labels, { a: '1', b: '2' });
      assert.equal(fake.requests.at(-1)!.headers['content-type'], 'application/merge-patch+json');
      const jp = await client.patch<KubeObject>(deployments, 'default', 'd1', 'json', [{ op: 'replace', path: '/spec/replicas', value: 3 }]);
      assert.equal((jp.spec as { replicas: number }).replicas, 3);
      assert.equal(fake.requests.at(-1)!.headers['content-type'], 'application/json-patch+json');
      await client.patch(deployments, 'default', 'd1', 'strategic', { spec: { paused: true } });
      assert.equal(fake.requests.at(-1)!.headers['content-type'], 'application/strategic-merge-patch+json');
      await client.patch(deployments, 'default', 'd1', 'apply', { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd1' } }, { force: true, fieldManager: 'kubectl' });
      const ap = fake.requests.at(-1)!;
      assert.equal(ap.headers['content-type'], 'application/apply-patch+yaml');
      const q = new URL(ap.url, 'http://x').searchParams;
      assert.equal(q.get('fieldManager'), 'kubectl');
      assert.equal(q.get('force'), 'true');
      await client.patch(deployments, 'default', 'd1', 'merge', { status: { replicas: 1 } }, { subresource: 'status' });
      assert.ok(fake.requests.at(-1)!.url.startsWith('/apis/apps/v1/namespaces/default/deployments/d1/status'));
      await client.updateStatus(deployments, 'default', { metadata: { name: 'd1' }, status: { replicas: 2 } });
      assert.ok(fake.requests.at(-1)!.url.startsWith('/apis/apps/v1/namespaces/default/deployments/d1/status'));
      assert.equal(fake.requests.at(-1)!.method, 'PUT');
    });

    test('createSubresource posts to the subresource; non-Status error bodies become a Status', async () => {
      await client.create(pods, 'default', { metadata: { name: 'bindme' } });
      const binding = { apiVersion: 'v1', kind: 'Binding', metadata: { name: 'bindme' }, target: { kind: 'Node', name: 'n1' } };
      await client.createSubresource(pods, 'default', 'bindme', 'binding', binding);
      const r = fake.requests.at(-1)!;
      assert.equal(r.url, '/api/v1/namespaces/default/pods/bindme/binding');
      assert.deepEqual(JSON.parse(r.body), binding);
      fake.failNext((req) => req.method === 'GET', 503, 'ServiceUnavailable');
      await assert.rejects(client.get(pods, 'default', 'bindme'), (e: unknown) => e instanceof ApiError && e.code === 503 && e.reason === 'ServiceUnavailable');
    });

    test('watch replays from resourceVersion, streams events and bookmarks, and stop() ends it', async () => {
      const list = await client.list(pods, 'w');
      const rv = list.metadata.resourceVersion!;
      await client.create(pods, 'w', { metadata: { name: 'before' } });
      const w = collectWatch(client, 'w', rv);
      await until(() => w.events.some((e) => e.type === 'ADDED' && e.object.metadata?.name === 'before'), 'replayed ADDED');
      await client.create(pods, 'w', { metadata: { name: 'live' } });
      await client.patch(pods, 'w', 'live', 'merge', { metadata: { labels: { x: 'y' } } });
      await client.delete(pods, 'w', 'live');
      await until(() => w.events.some((e) => e.type === 'DELETED'), 'DELETED');
      const types = w.events.filter((e) => e.type !== 'BOOKMARK').map((e) => `${e.type}:${e.object.metadata?.name}`);
      assert.deepEqual(types, ['ADDED:before', 'ADDED:live', 'MODIFIED:live', 'DELETED:live']);
      assert.ok(w.events.some((e) => e.type === 'BOOKMARK'));
      const wr = fake.requests.filter((r) => r.url.includes('watch=1')).at(-1)!;
      const q = new URL(wr.url, 'http://x').searchParams;
      assert.equal(q.get('allowWatchBookmarks'), 'true');
      assert.equal(q.get('timeoutSeconds'), '30');
      assert.equal(q.get('resourceVersion'), rv);
      assert.equal(fake.openWatches(), 1);
      w.handle.stop();
      await until(() => fake.openWatches() === 0, 'server sees the watch closed');
      assert.equal(w.closed(), undefined, 'no onClose after stop()');
    });

    test('watch reports a 410 ERROR event and a clean end via onClose', async () => {
      const w = collectWatch(client, 'x', (await client.list(pods, 'x')).metadata.resourceVersion!);
      await until(() => fake.openWatches() === 1, 'watch open');
      fake.expireWatches();
      await until(() => w.closed() !== undefined, 'closed');
      assert.equal(w.events.at(-1)!.type, 'ERROR');
      assert.equal((w.events.at(-1)!.object as { code?: number }).code, 410);
      assert.equal(w.closed()!.err, undefined);
    });
  });
}

describe('watch stream decoding', () => {
  test('events split across chunks, several per chunk, and a non-2xx answer become ApiError', async () => {
    const ev = (name: string) => JSON.stringify({ type: 'ADDED', object: { kind: 'Pod', metadata: { name } } }) + '\n';
    const handler: RequestHandler = (req, res) => {
      if (req.url.includes('namespaces/gone')) {
        res.writeHead(410, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', code: 410, reason: 'Expired', message: 'too old resource version' }));
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      const all = ev('a') + ev('b') + ev('ünïcode');
      // Split in the middle of an event and inside a multi-byte character.
      const bytes = Buffer.from(all + ev('c'));
      const cut1 = 7;
      const cut2 = Buffer.byteLength(ev('a') + ev('b')) + 40;
      res.write(bytes.subarray(0, cut1));
      setTimeout(() => {
        res.write(bytes.subarray(cut1, cut2));
        setTimeout(() => res.end(bytes.subarray(cut2)), 5);
      }, 5);
    };
    const s = await serveHttp(handler);
    const ht = new HttpTransport({ server: s.url });
    try {
      for (const transport of [new InProcessTransport(handler, user), ht]) {
        const client = new RestClient(transport);
        const names: string[] = [];
        let closed: { err?: Error } | undefined;
        client.watch(pods, 'default', {}, { onEvent: (e) => names.push(e.object.metadata!.name!), onClose: (err) => (closed = { err }) });
        await until(() => closed !== undefined, 'watch end');
        assert.deepEqual(names, ['a', 'b', 'ünïcode', 'c']);
        assert.equal(closed!.err, undefined);

        let gone: { err?: Error } | undefined;
        client.watch(pods, 'gone', { resourceVersion: '1' }, { onEvent: () => assert.fail('no events'), onClose: (err) => (gone = { err }) });
        await until(() => gone !== undefined, 'gone');
        assert.ok(gone!.err instanceof ApiError);
        assert.equal((gone!.err as ApiError).code, 410);
        assert.equal((gone!.err as ApiError).reason, 'Expired');
      }
    } finally {
      ht.destroy();
      await s.close();
    }
  });
});

describe('InProcessTransport', () => {
  test('passes bytes, not objects: the server cannot see later client mutations and vice versa', async () => {
    let seenBody: Buffer | undefined;
    let seenUser: unknown;
    const shared = Buffer.from('{"ok":true}');
    const handler: RequestHandler = (req, res) => {
      seenBody = req.body;
      seenUser = req.user;
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(shared);
    };
    const u = { username: 'alice', groups: ['g'] };
    const t = new InProcessTransport(handler, u);
    const body = Buffer.from('{"a":1}');
    const res = await t.request({ method: 'POST', path: '/api/v1/x', query: { a: 'b c', skip: undefined }, body, headers: { 'X-Test': '1' } });
    body[2] = 0x7a;
    assert.equal(seenBody!.toString(), '{"a":1}');
    shared[2] = 0x7a;
    assert.equal(res.body.toString(), '{"ok":true}');
    assert.equal(res.headers['content-type'], 'application/json');
    assert.deepEqual(seenUser, u);
    assert.notEqual(seenUser, u);
  });

  test('a request URL carries path and query; handler exceptions reject', async () => {
    let url = '';
    let headers: Record<string, string> = {};
    const t = new InProcessTransport((req, res) => {
      url = req.url;
      headers = req.headers;
      if (req.method === 'DELETE') throw new Error('boom');
      res.end();
    }, user);
    await t.request({ method: 'GET', path: '/api/v1/pods', query: { watch: '1', labelSelector: 'a=b' }, headers: { Accept: 'application/json' } });
    assert.equal(url, '/api/v1/pods?watch=1&labelSelector=a%3Db');
    assert.equal(headers['accept'], 'application/json');
    await assert.rejects(t.request({ method: 'DELETE', path: '/x' }), /boom/);
  });
});

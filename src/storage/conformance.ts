// The behaviour every Store backend must share (memory, sqlite, etcd). Backend test files call
// runStoreConformance() with a factory that returns a fresh, empty store for each test.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CompactedError, ConflictError, FutureRevisionError, KeyExistsError, KeyNotFoundError,
  type KeyValue, type Store, type WatchEvent,
} from './store.js';

export function runStoreConformance(name: string, open: () => Promise<Store>): void {
  /** Runs `fn` against a fresh store and always closes it. */
  const withStore = (fn: (s: Store) => Promise<void>) => async () => {
    const s = await open();
    try {
      await fn(s);
    } finally {
      await s.close();
    }
  };

  describe(`Store conformance: ${name}`, () => {
    test('a new store is empty at revision 0', withStore(async (s) => {
      assert.equal(await s.currentRevision(), 0);
      assert.equal(await s.oldestRevision(), 1);
      assert.equal(await s.get('/a'), null);
      assert.deepEqual(await s.list('/'), { items: [], revision: 0, more: false, remaining: 0 });
      assert.equal(await s.count('/'), 0);
    }));

    test('create assigns the next revision and refuses an existing key', withStore(async (s) => {
      const a = await s.create('/r/a', '{"n":1}');
      assert.deepEqual(a, { key: '/r/a', value: '{"n":1}', createRevision: 1, modRevision: 1 });
      const b = await s.create('/r/b', '{"n":2}');
      assert.equal(b.modRevision, 2);
      await assert.rejects(s.create('/r/a', 'x'), (e: unknown) => e instanceof KeyExistsError && e.key === '/r/a');
      // A failed create consumes no revision.
      assert.equal(await s.currentRevision(), 2);
      assert.deepEqual(await s.get('/r/a'), a);
      assert.equal((await s.create('/r/c', 'c')).modRevision, 3);
    }));

    test('update: unconditional, with the expected revision, conflicting, missing key', withStore(async (s) => {
      const a1 = await s.create('/r/a', 'v1');
      const a2 = await s.update('/r/a', 'v2');
      assert.deepEqual(a2, { key: '/r/a', value: 'v2', createRevision: a1.createRevision, modRevision: 2 });
      const a3 = await s.update('/r/a', 'v3', a2.modRevision);
      assert.equal(a3.modRevision, 3);
      assert.equal(a3.createRevision, 1);
      await assert.rejects(s.update('/r/a', 'stale', a2.modRevision), (e: unknown) =>
        e instanceof ConflictError && e.key === '/r/a' && e.expected === 2 && e.actual === 3);
      await assert.rejects(s.update('/r/missing', 'x'), KeyNotFoundError);
      await assert.rejects(s.update('/r/missing', 'x', 1), KeyNotFoundError);
      assert.equal(await s.currentRevision(), 3);
      assert.equal((await s.get('/r/a'))?.value, 'v3');
    }));

    test('delete returns the last value at the delete revision; re-create starts a new life', withStore(async (s) => {
      await s.create('/r/a', 'v1');
      const a2 = await s.update('/r/a', 'v2');
      await assert.rejects(s.delete('/r/a', 1), ConflictError);
      const d = await s.delete('/r/a', a2.modRevision);
      assert.deepEqual(d, { key: '/r/a', value: 'v2', createRevision: 1, modRevision: 3 });
      assert.equal(await s.get('/r/a'), null);
      await assert.rejects(s.delete('/r/a'), KeyNotFoundError);
      await assert.rejects(s.update('/r/a', 'x'), KeyNotFoundError);
      const again = await s.create('/r/a', 'v3');
      assert.deepEqual(again, { key: '/r/a', value: 'v3', createRevision: 4, modRevision: 4 });
      const d2 = await s.delete('/r/a');
      assert.equal(d2.modRevision, 5);
      assert.equal(d2.value, 'v3');
    }));

    test('get reads past revisions', withStore(async (s) => {
      await s.create('/r/a', 'v1'); // 1
      await s.create('/r/b', 'b1'); // 2
      await s.update('/r/a', 'v2'); // 3
      await s.delete('/r/a'); // 4
      await s.create('/r/a', 'v3'); // 5
      assert.deepEqual(await s.get('/r/a', 1), { key: '/r/a', value: 'v1', createRevision: 1, modRevision: 1 });
      assert.equal((await s.get('/r/a', 2))?.value, 'v1');
      assert.deepEqual(await s.get('/r/a', 3), { key: '/r/a', value: 'v2', createRevision: 1, modRevision: 3 });
      assert.equal(await s.get('/r/a', 4), null);
      assert.deepEqual(await s.get('/r/a', 5), { key: '/r/a', value: 'v3', createRevision: 5, modRevision: 5 });
      assert.equal(await s.get('/r/b', 1), null);
      assert.equal((await s.get('/r/b', 5))?.value, 'b1');
      assert.equal((await s.get('/r/a', 0))?.value, 'v3'); // 0 = current
    }));

    test('reads beyond the current revision fail with FutureRevisionError', withStore(async (s) => {
      await s.create('/r/a', 'v1');
      await assert.rejects(s.get('/r/a', 2), (e: unknown) =>
        e instanceof FutureRevisionError && e.requested === 2 && e.current === 1);
      await assert.rejects(s.list('/r/', { revision: 5 }), FutureRevisionError);
    }));

    test('list returns only keys under the prefix, in key order, with the read revision', withStore(async (s) => {
      for (const k of ['/registry/pods/ns2/b', '/registry/podsecurity/x', '/registry/pods/ns1/z',
        '/registry/pods/ns1/a', '/registry/pod', '/registry/services/ns1/a', '/registry/pods/ns10/a']) {
        await s.create(k, `v:${k}`);
      }
      const res = await s.list('/registry/pods/');
      assert.deepEqual(res.items.map((i) => i.key),
        ['/registry/pods/ns1/a', '/registry/pods/ns1/z', '/registry/pods/ns10/a', '/registry/pods/ns2/b']);
      assert.equal(res.revision, 7);
      assert.equal(res.more, false);
      assert.equal(res.items[0].value, 'v:/registry/pods/ns1/a');
      assert.equal(res.items[0].modRevision, 4);
      assert.deepEqual((await s.list('/registry/pods/ns1/')).items.map((i) => i.key),
        ['/registry/pods/ns1/a', '/registry/pods/ns1/z']);
      assert.equal((await s.list('/')).items.length, 7);
      await s.delete('/registry/pods/ns1/z');
      assert.deepEqual((await s.list('/registry/pods/ns1/')).items.map((i) => i.key), ['/registry/pods/ns1/a']);
    }));

    test('list pages with limit and startAfter, reporting more and remaining', withStore(async (s) => {
      const keys = Array.from({ length: 10 }, (_, i) => `/p/k${String(i).padStart(2, '0')}`);
      for (const k of [...keys].reverse()) await s.create(k, k);
      await s.create('/q/other', 'x');
      const p1 = await s.list('/p/', { limit: 4 });
      assert.deepEqual(p1.items.map((i) => i.key), keys.slice(0, 4));
      assert.equal(p1.more, true);
      assert.equal(p1.remaining, 6);
      const p2 = await s.list('/p/', { limit: 4, startAfter: p1.items[3].key, revision: p1.revision });
      assert.deepEqual(p2.items.map((i) => i.key), keys.slice(4, 8));
      assert.equal(p2.remaining, 2);
      const p3 = await s.list('/p/', { limit: 4, startAfter: p2.items[3].key, revision: p1.revision });
      assert.deepEqual(p3.items.map((i) => i.key), keys.slice(8));
      assert.equal(p3.more, false);
      assert.equal(p3.remaining ?? 0, 0);
      // A limit that exactly fits leaves nothing more.
      const exact = await s.list('/p/', { limit: 10 });
      assert.equal(exact.items.length, 10);
      assert.equal(exact.more, false);
      // startAfter between keys, and before the prefix (ignored).
      assert.equal((await s.list('/p/', { startAfter: '/p/k055' })).items[0].key, '/p/k06');
      assert.equal((await s.list('/p/', { startAfter: '/a' })).items.length, 10);
    }));

    test('a paged list at a fixed revision does not see later writes', withStore(async (s) => {
      for (let i = 0; i < 6; i++) await s.create(`/p/k${i}`, `v${i}`);
      const p1 = await s.list('/p/', { limit: 2 });
      assert.equal(p1.revision, 6);
      await s.update('/p/k3', 'changed');
      await s.delete('/p/k4');
      await s.create('/p/k2a', 'new');
      await s.create('/p/k9', 'new');
      const rest = await s.list('/p/', { startAfter: p1.items[1].key, revision: p1.revision });
      assert.equal(rest.revision, 6);
      assert.deepEqual(rest.items.map((i) => [i.key, i.value, i.modRevision]),
        [['/p/k2', 'v2', 3], ['/p/k3', 'v3', 4], ['/p/k4', 'v4', 5], ['/p/k5', 'v5', 6]]);
      const limited = await s.list('/p/', { startAfter: p1.items[1].key, revision: p1.revision, limit: 2 });
      assert.equal(limited.remaining, 2);
      assert.equal(limited.more, true);
      const now = await s.list('/p/');
      assert.deepEqual(now.items.map((i) => i.key), ['/p/k0', '/p/k1', '/p/k2', '/p/k2a', '/p/k3', '/p/k5', '/p/k9']);
      assert.equal(now.revision, 10);
    }));

    test('count counts current keys under a prefix', withStore(async (s) => {
      await s.create('/c/a', '1');
      await s.create('/c/b', '1');
      await s.create('/cc/a', '1');
      await s.delete('/c/a');
      assert.equal(await s.count('/c/'), 1);
      assert.equal(await s.count('/c'), 2);
      assert.equal(await s.count('/'), 2);
    }));

    test('values are stored as opaque text', withStore(async (s) => {
      const big = JSON.stringify({ data: 'x'.repeat(200_000) });
      const odd = '{"name":"ünïcødé ✓ 🚢","nul":"\\u0000","quote":"\\""}';
      await s.create('/v/big', big);
      await s.create('/v/odd', odd);
      await s.create('/v/empty', '');
      assert.equal((await s.get('/v/big'))?.value, big);
      assert.equal((await s.get('/v/odd'))?.value, odd);
      assert.equal((await s.get('/v/empty'))?.value, '');
    }));

    test('watch replays history after fromRevision, then streams live events', withStore(async (s) => {
      await s.create('/w/a', 'a1'); // 1
      await s.update('/w/a', 'a2'); // 2
      await s.create('/w/b', 'b1'); // 3
      await s.delete('/w/b'); // 4
      const c = collect(s, '/w/', 1);
      await c.until((e) => e.length >= 3);
      await s.update('/w/a', 'a3'); // 5
      await c.until((e) => e.length >= 4);
      await c.quiet();
      c.cancel();
      assert.ok(c.batches.every((b) => Array.isArray(b) && b.length > 0));
      assert.deepEqual(c.events.map(summary), [
        ['PUT', '/w/a', 'a2', 2, 'a1', 1, false],
        ['PUT', '/w/b', 'b1', 3, undefined, undefined, true],
        ['DELETE', '/w/b', 'b1', 4, 'b1', 3, false],
        ['PUT', '/w/a', 'a3', 5, 'a2', 2, false],
      ]);
      assert.equal(c.events[0].kv.createRevision, 1);
      assert.equal(c.events[2].kv.createRevision, 3);
      assert.equal(c.error, undefined);
    }));

    test('watch from revision 0 replays everything retained', withStore(async (s) => {
      await s.create('/w/a', 'a1');
      await s.create('/w/b', 'b1');
      const c = collect(s, '/w/', 0);
      await c.until((e) => e.length >= 2);
      c.cancel();
      assert.deepEqual(c.events.map((e) => e.kv.modRevision), [1, 2]);
    }));

    test('watch filters by key prefix', withStore(async (s) => {
      const pods = collect(s, '/registry/pods/', 0);
      const all = collect(s, '/registry/', 0);
      await s.create('/registry/pods/ns/a', '1');
      await s.create('/registry/podsecurity/x', '1');
      await s.create('/registry/services/ns/a', '1');
      await s.update('/registry/pods/ns/a', '2');
      await s.create('/other/x', '1');
      await all.until((e) => e.length >= 4);
      await pods.until((e) => e.length >= 2);
      await pods.quiet();
      pods.cancel();
      all.cancel();
      assert.deepEqual(pods.events.map((e) => [e.kv.key, e.kv.modRevision]), [['/registry/pods/ns/a', 1], ['/registry/pods/ns/a', 4]]);
      assert.deepEqual(all.events.map((e) => e.kv.modRevision), [1, 2, 3, 4]);
    }));

    test('live delete events carry the last value and prevKv', withStore(async (s) => {
      const a = await s.create('/d/a', 'a1');
      const c = collect(s, '/d/', await s.currentRevision());
      await s.update('/d/a', 'a2', a.modRevision);
      await s.delete('/d/a');
      await c.until((e) => e.length >= 2);
      c.cancel();
      assert.deepEqual(c.events.map(summary), [
        ['PUT', '/d/a', 'a2', 2, 'a1', 1, false],
        ['DELETE', '/d/a', 'a2', 3, 'a2', 2, false],
      ]);
      assert.equal(c.events[1].kv.createRevision, 1);
      assert.equal(c.events[1].prevKv?.createRevision, 1);
    }));

    test('watch from the current revision delivers only new events, asynchronously', withStore(async (s) => {
      await s.create('/n/old', 'x');
      const c = collect(s, '/n/', await s.currentRevision());
      await s.create('/n/first', 'x');
      await c.until((e) => e.length >= 1);
      const before = c.events.length;
      const pending = s.create('/n/second', 'x');
      assert.equal(c.events.length, before, 'events must not be delivered inside the writer\'s call');
      await pending;
      await c.until((e) => e.length >= 2);
      await c.quiet();
      c.cancel();
      assert.deepEqual(c.events.map((e) => e.kv.key), ['/n/first', '/n/second']);
    }));

    test('a watch started while writes are in flight sees each event once, in order', withStore(async (s) => {
      for (let i = 0; i < 10; i++) await s.create(`/f/pre${i}`, 'p');
      const total = 300;
      const writes: Promise<KeyValue>[] = [];
      let early: ReturnType<typeof collect> | undefined;
      let mid: ReturnType<typeof collect> | undefined;
      let midFrom = 0;
      for (let i = 0; i < total; i++) {
        writes.push(i % 3 === 2 ? s.update(`/f/pre${i % 10}`, `u${i}`) : s.create(`/f/k${i}`, `v${i}`));
        if (i === 90) early = collect(s, '/f/', 0);
        if (i === 180) {
          midFrom = await s.currentRevision();
          mid = collect(s, '/f/', midFrom);
        }
        if (i % 25 === 0) await new Promise((r) => setImmediate(r));
      }
      const results = await Promise.all(writes);
      assert.ok(early && mid);
      await early.until((e) => e.length >= total + 10);
      await mid.until((e) => e.length >= total + 10 - midFrom);
      await early.quiet();
      early.cancel();
      mid.cancel();
      const revs = results.map((r) => r.modRevision).sort((a, b) => a - b);
      assert.deepEqual(early.events.map((e) => e.kv.modRevision), [...Array.from({ length: 10 }, (_, i) => i + 1), ...revs]);
      assert.deepEqual(mid.events.map((e) => e.kv.modRevision), revs.filter((r) => r > midFrom));
      for (const ev of early.events.slice(10)) {
        const r = results.find((x) => x.modRevision === ev.kv.modRevision);
        assert.deepEqual(ev.kv, r);
      }
    }));

    test('cancel stops delivery and is idempotent', withStore(async (s) => {
      const c = collect(s, '/x/', 0);
      await s.create('/x/a', '1');
      await c.until((e) => e.length >= 1);
      c.cancel();
      c.cancel();
      await s.create('/x/b', '1');
      await c.quiet();
      assert.equal(c.events.length, 1);
      // A watch cancelled before it started delivers nothing.
      const d = collect(s, '/x/', 0);
      d.cancel();
      await d.quiet();
      assert.equal(d.events.length, 0);
      assert.equal(d.error, undefined);
    }));

    test('a throwing consumer ends only its own watch', withStore(async (s) => {
      const boom = new Error('consumer failed');
      let errorSeen: Error | undefined;
      s.watch('/t/', { fromRevision: 0, onEvent: () => { throw boom; }, onError: (e) => { errorSeen = e; } });
      const healthy = collect(s, '/t/', 0);
      await s.create('/t/a', '1');
      await healthy.until((e) => e.length >= 1);
      await waitFor(() => errorSeen !== undefined);
      assert.equal(errorSeen, boom);
      await s.create('/t/b', '1');
      await healthy.until((e) => e.length >= 2);
      healthy.cancel();
    }));

    test('compaction drops superseded history and keeps what later reads need', withStore(async (s) => {
      await s.create('/k/a', 'a1'); // 1
      await s.update('/k/a', 'a2'); // 2
      await s.create('/k/b', 'b1'); // 3
      await s.delete('/k/b'); // 4
      await s.create('/k/c', 'c1'); // 5
      await s.update('/k/a', 'a3'); // 6
      await s.compact(4);
      assert.equal(await s.oldestRevision(), 5);
      assert.equal(await s.currentRevision(), 6);
      await assert.rejects(s.get('/k/a', 4), (e: unknown) => e instanceof CompactedError && e.requested === 4 && e.compacted === 4);
      await assert.rejects(s.get('/k/a', 1), CompactedError);
      await assert.rejects(s.list('/k/', { revision: 3 }), CompactedError);
      assert.deepEqual(await s.get('/k/a', 5), { key: '/k/a', value: 'a2', createRevision: 1, modRevision: 2 });
      assert.equal(await s.get('/k/b', 5), null);
      assert.deepEqual((await s.list('/k/', { revision: 5 })).items.map((i) => [i.key, i.value]), [['/k/a', 'a2'], ['/k/c', 'c1']]);
      assert.deepEqual((await s.list('/k/')).items.map((i) => [i.key, i.value]), [['/k/a', 'a3'], ['/k/c', 'c1']]);
      assert.equal(await s.count('/k/'), 2);

      // Watching from before the compacted revision fails; from it, works (with prevKv).
      const stale = collect(s, '/k/', 3);
      await waitFor(() => stale.error !== undefined);
      assert.ok(stale.error instanceof CompactedError);
      assert.equal(stale.events.length, 0);
      const ok = collect(s, '/k/', 4);
      await ok.until((e) => e.length >= 2);
      ok.cancel();
      assert.deepEqual(ok.events.map(summary), [
        ['PUT', '/k/c', 'c1', 5, undefined, undefined, true],
        ['PUT', '/k/a', 'a3', 6, 'a2', 2, false],
      ]);

      await s.compact(2); // older than the last compaction: nothing to do
      assert.equal(await s.oldestRevision(), 5);
      await assert.rejects(s.compact(7), FutureRevisionError);
      const next = await s.update('/k/a', 'a4', 6);
      assert.equal(next.modRevision, 7);
      assert.equal(next.createRevision, 1);
    }));

    test('compaction at the current revision keeps the revision counter', withStore(async (s) => {
      await s.create('/k/a', 'a1');
      await s.create('/k/b', 'b1');
      await s.delete('/k/b'); // 3: the newest write is a tombstone
      await s.compact(3);
      assert.equal(await s.currentRevision(), 3);
      assert.equal(await s.oldestRevision(), 4);
      assert.equal((await s.get('/k/a'))?.value, 'a1');
      assert.equal(await s.get('/k/b'), null);
      const c = collect(s, '/k/', 3);
      const b = await s.create('/k/b', 'b2');
      assert.deepEqual(b, { key: '/k/b', value: 'b2', createRevision: 4, modRevision: 4 });
      await c.until((e) => e.length >= 1);
      c.cancel();
      assert.equal(c.events[0].kv.modRevision, 4);
      assert.equal(c.events[0].created, true);
    }));

    test('a live watch keeps streaming across a compaction', withStore(async (s) => {
      await s.create('/l/a', '1');
      const c = collect(s, '/l/', 0);
      await c.until((e) => e.length >= 1);
      await s.update('/l/a', '2');
      await s.compact(await s.currentRevision());
      await s.update('/l/a', '3');
      await c.until((e) => e.length >= 3);
      c.cancel();
      assert.equal(c.error, undefined);
      assert.deepEqual(c.events.map((e) => e.kv.value), ['1', '2', '3']);
    }));

    test('concurrent writes get unique, strictly increasing revisions', withStore(async (s) => {
      await s.create('/z/seed', 'x');
      const n = 200;
      const results = await Promise.all(Array.from({ length: n }, (_, i) => s.create(`/z/k${i}`, `v${i}`)));
      const revs = results.map((r) => r.modRevision).sort((a, b) => a - b);
      assert.equal(new Set(revs).size, n);
      assert.deepEqual(revs, Array.from({ length: n }, (_, i) => i + 2));
      for (const r of results) assert.equal(r.createRevision, r.modRevision);
      assert.equal(await s.currentRevision(), n + 1);
      assert.equal(await s.count('/z/'), n + 1);
      // Writes issued one after another see increasing revisions in issue order.
      const a = await s.update('/z/k0', 'u1');
      const b = await s.update('/z/k1', 'u1');
      assert.ok(b.modRevision > a.modRevision);
    }));

    test('concurrent conditional updates of one key: exactly one wins', withStore(async (s) => {
      const base = await s.create('/o/a', '0');
      const attempts = await Promise.allSettled(
        Array.from({ length: 20 }, (_, i) => s.update('/o/a', `w${i}`, base.modRevision)));
      const won = attempts.filter((a) => a.status === 'fulfilled');
      const lost = attempts.filter((a): a is PromiseRejectedResult => a.status === 'rejected');
      assert.equal(won.length, 1);
      assert.ok(lost.every((l) => l.reason instanceof ConflictError));
      assert.equal(await s.currentRevision(), 2);
      const creates = await Promise.allSettled(Array.from({ length: 5 }, () => s.create('/o/b', 'x')));
      assert.equal(creates.filter((c) => c.status === 'fulfilled').length, 1);
      assert.ok(creates.every((c) => c.status === 'fulfilled' || c.reason instanceof KeyExistsError));
    }));

    test('a closed store rejects further operations', async () => {
      const s = await open();
      await s.create('/c/a', '1');
      await s.close();
      await s.close(); // idempotent
      await assert.rejects(s.get('/c/a'));
      await assert.rejects(s.create('/c/b', '1'));
    });
  });
}

type Summary = [string, string, string, number, string | undefined, number | undefined, boolean];

function summary(e: WatchEvent): Summary {
  return [e.type, e.kv.key, e.kv.value, e.kv.modRevision, e.prevKv?.value, e.prevKv?.modRevision, e.created === true];
}

async function waitFor(cond: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('timed out waiting for condition');
    await new Promise((r) => setTimeout(r, 2));
  }
}

/** Records a watch's batches, events and error. */
function collect(s: Store, prefix: string, fromRevision: number) {
  const batches: WatchEvent[][] = [];
  const events: WatchEvent[] = [];
  const state: { error?: Error } = {};
  const w = s.watch(prefix, {
    fromRevision,
    onEvent: (batch) => {
      batches.push(batch);
      events.push(...batch);
    },
    onError: (err) => {
      state.error = err;
    },
  });
  return {
    batches,
    events,
    get error() {
      return state.error;
    },
    cancel: () => w.cancel(),
    until: async (cond: (events: WatchEvent[]) => boolean) => {
      await waitFor(() => cond(events) || state.error !== undefined);
      if (state.error && !cond(events)) throw state.error;
    },
    /** Waits briefly so that any extra (duplicate or late) event would show up. */
    quiet: () => new Promise<void>((r) => setTimeout(r, 30)),
  };
}

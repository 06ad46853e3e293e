import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runStoreConformance } from './conformance.js';
import { SqliteStore } from './sqlite.js';
import { KeyNotFoundError, type WatchEvent } from './store.js';

let dir = '';
let n = 0;
const dbPath = () => join(dir, `store-${n++}.db`);

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'skiff-sqlite-test-'));
});
after(() => {
  rmSync(dir, { recursive: true, force: true });
});

runStoreConformance('sqlite', async () => SqliteStore.open(dbPath()));

describe('SqliteStore', () => {
  test('reopening a database continues from its last revision with history intact', async () => {
    const path = dbPath();
    const s1 = SqliteStore.open(path);
    await s1.create('/r/a', 'a1'); // 1
    await s1.update('/r/a', 'a2'); // 2
    await s1.create('/r/b', 'b1'); // 3
    await s1.create('/r/c', 'c1'); // 4
    await s1.delete('/r/c'); // 5
    await s1.compact(2);
    await s1.close();

    const s2 = SqliteStore.open(path);
    try {
      assert.equal(await s2.currentRevision(), 5);
      assert.equal(await s2.oldestRevision(), 3);
      assert.deepEqual((await s2.list('/r/')).items.map((i) => [i.key, i.value, i.modRevision]),
        [['/r/a', 'a2', 2], ['/r/b', 'b1', 3]]);
      assert.equal((await s2.get('/r/c', 4))?.value, 'c1');
      const next = await s2.update('/r/b', 'b2', 3);
      assert.equal(next.modRevision, 6);
      const events: WatchEvent[] = [];
      s2.watch('/r/', { fromRevision: 2, onEvent: (b) => events.push(...b) });
      await waitFor(() => events.length >= 4);
      assert.deepEqual(events.map((e) => [e.type, e.kv.key, e.kv.modRevision, e.prevKv?.modRevision]),
        [['PUT', '/r/b', 3, undefined], ['PUT', '/r/c', 4, undefined], ['DELETE', '/r/c', 5, 4], ['PUT', '/r/b', 6, 3]]);
    } finally {
      await s2.close();
    }
  });

  test('reopening after compacting away a trailing delete keeps the revision', async () => {
    const path = dbPath();
    const s1 = SqliteStore.open(path);
    await s1.create('/r/a', 'a1');
    await s1.delete('/r/a');
    await s1.compact(2);
    await s1.close();
    const s2 = SqliteStore.open(path);
    try {
      assert.equal(await s2.currentRevision(), 2);
      assert.equal((await s2.create('/r/a', 'again')).modRevision, 3);
    } finally {
      await s2.close();
    }
  });

  test('writes issued in one tick commit together, in issue order', async () => {
    const s = SqliteStore.open(dbPath());
    try {
      const created = s.create('/b/a', '1');
      const updated = s.update('/b/a', '2', 1);
      const stale = s.update('/b/a', '3', 1);
      const deleted = s.delete('/b/a');
      const missing = s.update('/b/a', '4');
      const [c, u, , d] = await Promise.allSettled([created, updated, stale, deleted]);
      assert.equal(c.status === 'fulfilled' && c.value.modRevision, 1);
      assert.equal(u.status === 'fulfilled' && u.value.modRevision, 2);
      await assert.rejects(stale, /revision mismatch/);
      assert.equal(d.status === 'fulfilled' && d.value.modRevision, 3);
      await assert.rejects(missing, KeyNotFoundError);
      assert.equal(await s.currentRevision(), 3);
    } finally {
      await s.close();
    }
  });

  test('a committed write stays invisible until its WAL fsync completes and it is acknowledged', async () => {
    const s = SqliteStore.open(dbPath());
    try {
      await s.create('/v/a', '1');
      const events: WatchEvent[] = [];
      s.watch('/v/', { fromRevision: 1, onEvent: (b) => events.push(...b) });
      const pending = s.create('/v/b', '2');
      // One turn later the batch is committed and its fdatasync is in flight on the thread pool.
      await new Promise((r) => setImmediate(r));
      assert.equal(await s.currentRevision(), 1);
      assert.deepEqual((await s.list('/v/')).items.map((i) => i.key), ['/v/a']);
      assert.equal(await s.get('/v/b'), null);
      assert.equal(await s.count('/v/'), 1);
      assert.equal(events.length, 0);
      assert.equal((await pending).modRevision, 2);
      assert.equal(await s.currentRevision(), 2);
      assert.deepEqual((await s.list('/v/')).items.map((i) => i.key), ['/v/a', '/v/b']);
      await waitFor(() => events.length === 1);
    } finally {
      await s.close();
    }
  });

  test('hundreds of batches in a row (with checkpoints between them) settle in order', async () => {
    const s = SqliteStore.open(dbPath());
    try {
      let last = 0;
      for (let i = 0; i < 400; i++) {
        const kvs = await Promise.all([s.create(`/w/${i}-a`, 'x'.repeat(512)), s.create(`/w/${i}-b`, 'y')]);
        assert.ok(kvs[0].modRevision > last);
        last = kvs[1].modRevision;
      }
      assert.equal(await s.count('/w/'), 800);
      assert.equal(await s.currentRevision(), 800);
    } finally {
      await s.close();
    }
  });

  test('close commits writes that were already accepted', async () => {
    const path = dbPath();
    const s1 = SqliteStore.open(path);
    const pending = s1.create('/p/a', '1');
    await s1.close();
    assert.equal((await pending).modRevision, 1);
    const s2 = SqliteStore.open(path);
    try {
      assert.equal((await s2.get('/p/a'))?.value, '1');
    } finally {
      await s2.close();
    }
  });

  test('every acknowledged write survives SIGKILL of the writing process', async () => {
    const path = dbPath();
    const storeModule = join(fileURLToPath(new URL('.', import.meta.url)), 'sqlite.js');
    // The child acknowledges each committed write on stdout, and keeps writing until killed.
    const script = `
      import { SqliteStore } from ${JSON.stringify(storeModule)};
      const s = SqliteStore.open(${JSON.stringify(path)});
      for (let i = 0; ; i++) {
        const batch = [];
        for (let j = 0; j < 5; j++) batch.push(s.create('/k/' + i + '-' + j, JSON.stringify({ i, j })));
        for (const kv of await Promise.all(batch)) process.stdout.write(kv.key + '\\n');
      }`;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    const acked: string[] = [];
    let buf = '';
    await new Promise<void>((resolve, reject) => {
      child.on('error', reject);
      child.on('exit', () => resolve());
      child.stdout.on('data', (d: Buffer) => {
        buf += d.toString();
        const lines = buf.split('\n');
        buf = lines.pop() ?? '';
        acked.push(...lines);
        if (acked.length >= 300 && child.exitCode === null && !child.killed) child.kill('SIGKILL');
      });
    });
    assert.equal(child.signalCode, 'SIGKILL');
    const s = SqliteStore.open(path);
    try {
      const stored = new Set((await s.list('/k/')).items.map((i) => i.key));
      const lost = acked.filter((k) => !stored.has(k));
      assert.deepEqual(lost, []);
      assert.ok(stored.size >= acked.length);
      assert.equal(await s.currentRevision(), stored.size);
    } finally {
      await s.close();
    }
  });
});

async function waitFor(cond: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 2));
  }
}

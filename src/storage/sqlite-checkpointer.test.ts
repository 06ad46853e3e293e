import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { WalCheckpointer } from './sqlite-checkpointer.js';

let dir = '';
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'skiff-checkpointer-test-'));
});
after(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** Frames in the WAL right now (a PASSIVE checkpoint reports them). */
function walFrames(db: Database.Database): number {
  return (db.pragma('wal_checkpoint(PASSIVE)') as { log: number }[])[0].log;
}

test('a worker checkpoint backfills the WAL so the next commit restarts it', async () => {
  const path = join(dir, 'a.db');
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('wal_autocheckpoint = 0');
  db.exec('CREATE TABLE t (k INTEGER PRIMARY KEY, v TEXT)');
  const insert = db.prepare('INSERT INTO t (v) VALUES (?)');
  for (let i = 0; i < 200; i++) insert.run('x'.repeat(1000));
  const cp = new WalCheckpointer(path);
  try {
    const deadline = Date.now() + 10_000;
    while (!cp.available) {
      assert.ok(Date.now() < deadline, 'worker did not start');
      await new Promise((r) => setTimeout(r, 5));
    }
    assert.equal((await cp.checkpoint()).ok, true);
    // Everything was copied back, so this commit starts the WAL over from its first frame.
    insert.run('after');
    assert.ok(walFrames(db) < 5, `WAL kept growing: ${walFrames(db)} frames`);
    assert.equal((db.prepare('SELECT COUNT(*) AS n FROM t').get() as { n: number }).n, 201);
  } finally {
    await cp.close();
    db.close();
  }
  assert.equal(cp.dead, true);
  assert.equal((await cp.checkpoint()).ok, false, 'a closed checkpointer refuses work');
});

test('without the worker checkpoint the WAL keeps every frame (the control case)', () => {
  const path = join(dir, 'b.db');
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('wal_autocheckpoint = 0');
  db.exec('CREATE TABLE t (k INTEGER PRIMARY KEY, v TEXT)');
  const insert = db.prepare('INSERT INTO t (v) VALUES (?)');
  for (let i = 0; i < 200; i++) insert.run('x'.repeat(1000));
  assert.ok(walFrames(db) > 100);
  db.close();
});

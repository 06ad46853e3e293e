import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lstatSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeAtomic } from './atomic-writer.js';
import { checkHostPath } from './volume-manager.js';

test('files appear through ..data symlinks and updates swap atomically', () => {
  const dir = mkdtempSync(join(tmpdir(), 'skiff-aw-'));
  try {
    const f = (s: string, mode = 0o644) => ({ data: Buffer.from(s), mode });
    assert.equal(writeAtomic(dir, new Map([['a.txt', f('one')], ['sub/b.txt', f('two', 0o600)]])), true);
    assert.equal(readFileSync(join(dir, 'a.txt'), 'utf8'), 'one');
    assert.equal(readFileSync(join(dir, 'sub/b.txt'), 'utf8'), 'two');
    assert.ok(lstatSync(join(dir, 'a.txt')).isSymbolicLink());
    assert.equal(readlinkSync(join(dir, 'a.txt')), '..data/a.txt');
    assert.equal(statSync(join(dir, 'sub/b.txt')).mode & 0o777, 0o600);
    const first = readlinkSync(join(dir, '..data'));
    assert.equal(writeAtomic(dir, new Map([['a.txt', f('one')], ['sub/b.txt', f('two', 0o600)]])), false, 'same content: no swap');
    assert.equal(writeAtomic(dir, new Map([['a.txt', f('uno')]])), true);
    assert.equal(readFileSync(join(dir, 'a.txt'), 'utf8'), 'uno');
    assert.notEqual(readlinkSync(join(dir, '..data')), first);
    assert.deepEqual(readdirSync(dir).filter((e) => !e.startsWith('..')), ['a.txt'], 'removed keys disappear');
    assert.equal(readdirSync(dir).filter((e) => e.startsWith('..') && e !== '..data').length, 1, 'old timestamp dir removed');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('hostPath type checks', () => {
  const dir = mkdtempSync(join(tmpdir(), 'skiff-hp-'));
  try {
    assert.throws(() => checkHostPath(join(dir, 'missing'), 'Directory'), /hostPath type check failed: .* is not a directory/);
    checkHostPath(join(dir, 'made'), 'DirectoryOrCreate');
    assert.ok(statSync(join(dir, 'made')).isDirectory());
    checkHostPath(join(dir, 'f'), 'FileOrCreate');
    assert.throws(() => checkHostPath(join(dir, 'f'), 'Directory'), /not a directory/);
    assert.throws(() => checkHostPath(dir, 'File'), /not a file/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

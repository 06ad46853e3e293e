#!/usr/bin/env node
// Runs every compiled *.test.js under dist/ with node's built-in test runner.
// Node 20's `node --test` has no glob support, so collect the files here.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

const roots = ['dist/src', 'dist/test'];
const only = process.argv.slice(2); // optional path filters, e.g. `npm test -- storage`
const files = [];
function walk(dir) {
  let entries;
  try { entries = readdirSync(dir); } catch { return; }
  for (const e of entries) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) walk(p);
    else if (p.endsWith('.test.js') && (only.length === 0 || only.some((o) => p.includes(o)))) files.push(p);
  }
}
roots.forEach(walk);
files.sort();
if (files.length === 0) { console.error('no test files found under dist/ (did the build run?)'); process.exit(1); }
const concurrency = process.env.SKIFF_TEST_CONCURRENCY ?? '2';
const r = spawnSync(process.execPath, ['--test', `--test-concurrency=${concurrency}`, '--test-reporter=spec', ...files], { stdio: 'inherit' });
process.exit(r.status ?? 1);

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HostCommandError, HostShell } from './host-shell.js';
import { shQuote } from './launch.js';

describe('HostShell', () => {
  test('runs command lines in order and reports failures with their stderr', async () => {
    const sh = new HostShell();
    const dir = mkdtempSync(join(tmpdir(), 'skiff-hostsh-test-'));
    try {
      const f = shQuote(join(dir, 'out'));
      // Issued together: they still run one after the other, in order.
      await Promise.all([1, 2, 3].map((i) => sh.run(`echo ${i} >> ${f}`)));
      assert.equal(readFileSync(join(dir, 'out'), 'utf8'), '1\n2\n3\n');
      // Pipelines and && work; stdout is discarded, the helper's stdin is not readable.
      await sh.run(`printf '%s\\n' a b | wc -l > ${f} && cat >> ${f}`);
      assert.equal(readFileSync(join(dir, 'out'), 'utf8').replace(/ /g, ''), '2\n');
      const err = await sh.run(`echo first line >&2; echo second >&2; exit 3`).catch((e) => e);
      assert.ok(err instanceof HostCommandError);
      assert.equal(err.exitCode, 3);
      assert.equal(err.stderr, 'first line second');
      // `exit` ended only the command's subshell: the same helper answers the next request.
      const pid = (sh as unknown as { proc?: { pid?: number } }).proc?.pid;
      await sh.run('true');
      assert.equal((sh as unknown as { proc?: { pid?: number } }).proc?.pid, pid);
    } finally {
      sh.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a hung command times out, and the next request gets a fresh helper', async () => {
    const sh = new HostShell(300);
    try {
      const err = (await sh.run('sleep 5').catch((e: Error) => e)) as Error;
      assert.match(err.message, /timed out after 300 ms/);
      await sh.run('true');
      await assert.rejects(sh.run('false'), HostCommandError);
    } finally {
      sh.close();
    }
  });

  test('multi-line commands are refused', async () => {
    const sh = new HostShell();
    await assert.rejects(sh.run('true\ntrue'), /single lines/);
    sh.close();
  });
});

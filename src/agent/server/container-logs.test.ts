import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  CriLogFormatter, fixedNanoTimestamp, parseCriRecord, parseLogOptions, streamContainerLog, LogOptionsError,
  type LogSink, type StreamLogOptions,
} from './container-logs.js';

const dir = mkdtempSync(join(tmpdir(), 'skiff-logs-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

const LOG = [
  '2024-05-01T10:00:00.000000001Z stdout F first line',
  '2024-05-01T10:00:01.5Z stderr F oops',
  '2024-05-01T10:00:02.123456789Z stdout P part-a ',
  '2024-05-01T10:00:02.223456789Z stdout F part-b',
  '2024-05-01T10:00:03.000000000Z stdout F last',
].join('\n') + '\n';

function collect(): LogSink & { text(): string } {
  const chunks: Buffer[] = [];
  return { closed: false, write: async (c) => void chunks.push(c), text: () => Buffer.concat(chunks).toString() };
}

async function read(content: string, opts: Partial<StreamLogOptions>): Promise<string> {
  const p = join(dir, `log-${Math.random()}`);
  writeFileSync(p, content);
  const sink = collect();
  await streamContainerLog(p, { follow: false, previous: false, timestamps: false, ...opts }, sink);
  return sink.text();
}

describe('CRI records', () => {
  test('parse stream, tag and content', () => {
    const r = parseCriRecord(Buffer.from('2024-05-01T10:00:00.5Z stderr P hello world'))!;
    assert.equal(r.stream, 'stderr');
    assert.equal(r.partial, true);
    assert.equal(r.content.toString(), 'hello world');
    assert.equal(r.timeMs, Date.parse('2024-05-01T10:00:00.500Z'));
    assert.equal(parseCriRecord(Buffer.from('garbage')), undefined);
    assert.equal(parseCriRecord(Buffer.from('2024-05-01T10:00:00Z stdin F x')), undefined);
    assert.equal(parseCriRecord(Buffer.from('2024-05-01T10:00:00Z stdout F'))!.content.length, 0);
  });

  test('timestamps print with nine fractional digits', () => {
    assert.equal(fixedNanoTimestamp('2024-05-01T10:00:01.5Z'), '2024-05-01T10:00:01.500000000Z');
    assert.equal(fixedNanoTimestamp('2024-05-01T10:00:01Z'), '2024-05-01T10:00:01.000000000Z');
    assert.equal(fixedNanoTimestamp('2024-05-01T10:00:01.123456789+02:00'), '2024-05-01T10:00:01.123456789+02:00');
  });

  test('partial records join into one line with one timestamp', () => {
    const f = new CriLogFormatter({ timestamps: true });
    const a = f.format(parseCriRecord(Buffer.from('2024-05-01T10:00:02.1Z stdout P ab'))!)!;
    const b = f.format(parseCriRecord(Buffer.from('2024-05-01T10:00:02.2Z stdout F cd'))!)!;
    assert.equal(Buffer.concat([a, b]).toString(), '2024-05-01T10:00:02.100000000Z abcd\n');
  });
});

describe('log options', () => {
  test('parses kubelet query parameters', () => {
    const o = parseLogOptions(new URLSearchParams('follow=true&tailLines=5&timestamps=1&sinceSeconds=10&limitBytes=100'), 1_000_000);
    assert.deepEqual(o, { follow: true, previous: false, timestamps: true, tailLines: 5, limitBytes: 100, sinceMs: 990_000 });
  });
  test('rejects bad values like upstream validation', () => {
    assert.throws(() => parseLogOptions(new URLSearchParams('tailLines=-1')), (e: Error) => e instanceof LogOptionsError && /tailLines: Invalid value: -1: must be greater than or equal to 0/.test(e.message));
    assert.throws(() => parseLogOptions(new URLSearchParams('sinceSeconds=5&sinceTime=2024-01-01T00:00:00Z')), /at most one of/);
    assert.throws(() => parseLogOptions(new URLSearchParams('limitBytes=0')), /must be greater than 0/);
  });
});

describe('streamContainerLog', () => {
  test('whole file, stdout and stderr interleaved', async () => {
    assert.equal(await read(LOG, {}), 'first line\noops\npart-a part-b\nlast\n');
  });
  test('tailLines counts records from the end', async () => {
    assert.equal(await read(LOG, { tailLines: 1 }), 'last\n');
    assert.equal(await read(LOG, { tailLines: 2 }), 'part-b\nlast\n');
    assert.equal(await read(LOG, { tailLines: 0 }), '');
    assert.equal(await read(LOG, { tailLines: 100 }), 'first line\noops\npart-a part-b\nlast\n');
    assert.equal(await read(LOG.trimEnd(), { tailLines: 1 }), 'last\n'); // last record without newline
  });
  test('since skips older lines; timestamps prefix each line', async () => {
    assert.equal(await read(LOG, { sinceMs: Date.parse('2024-05-01T10:00:02Z') }), 'part-a part-b\nlast\n');
    const ts = await read(LOG, { timestamps: true, tailLines: 1 });
    assert.equal(ts, '2024-05-01T10:00:03.000000000Z last\n');
  });
  test('limitBytes truncates output', async () => {
    assert.equal(await read(LOG, { limitBytes: 8 }), 'first li');
  });
  test('missing file without follow is empty', async () => {
    const sink = collect();
    await streamContainerLog(join(dir, 'nope.log'), { follow: false, previous: false, timestamps: false }, sink);
    assert.equal(sink.text(), '');
  });

  test('follow streams appends, survives rotation, and ends when the container stops', async () => {
    const p = join(dir, 'follow.log');
    writeFileSync(p, '2024-05-01T10:00:00Z stdout F one\n');
    let running = true;
    const sink = collect();
    const done = streamContainerLog(p, { follow: true, previous: false, timestamps: false, pollMs: 20, isRunning: async () => running }, sink);
    await sleep(60);
    appendFileSync(p, '2024-05-01T10:00:01Z stdout F two\n2024-05-01T10:00:02Z stdout F thr');
    await sleep(60);
    assert.equal(sink.text(), 'one\ntwo\n', 'incomplete records wait for their newline');
    appendFileSync(p, 'ee\n');
    // Rotation: the file is renamed away and a new one takes its path.
    renameSync(p, `${p}.1`);
    appendFileSync(`${p}.1`, '2024-05-01T10:00:03Z stdout F four\n');
    writeFileSync(p, '2024-05-01T10:00:04Z stdout F five\n');
    await sleep(100);
    running = false;
    await done;
    assert.equal(sink.text(), 'one\ntwo\nthree\nfour\nfive\n');
  });

  test('follow stops when the client goes away', async () => {
    const p = join(dir, 'gone.log');
    writeFileSync(p, '2024-05-01T10:00:00Z stdout F one\n');
    const sink = { ...collect(), closed: false };
    const done = streamContainerLog(p, { follow: true, previous: false, timestamps: false, pollMs: 20, isRunning: async () => true }, sink);
    await sleep(50);
    sink.closed = true;
    await done; // resolves instead of polling forever
  });
});

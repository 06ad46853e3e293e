// Serving container logs from CRI log files (`<RFC3339Nano> <stdout|stderr> <F|P> <text>` per
// record): tail, since, timestamps, limitBytes, and follow (including the file being rotated
// underneath us) — the kubelet's /containerLogs behaviour.
import { open, stat, type FileHandle } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';

export interface LogOptions {
  follow: boolean;
  previous: boolean;
  /** Last N records; undefined = all. */
  tailLines?: number;
  /** Skip records older than this (ms epoch). */
  sinceMs?: number;
  timestamps: boolean;
  limitBytes?: number;
}

export class LogOptionsError extends Error {}

/** kubelet's query parameters; throws LogOptionsError with upstream-style messages. */
export function parseLogOptions(q: URLSearchParams, now = Date.now()): LogOptions {
  const bool = (k: string) => ['true', '1'].includes((q.get(k) ?? '').toLowerCase());
  const int = (k: string, min: number): number | undefined => {
    const v = q.get(k);
    if (v === null || v === '') return undefined;
    const n = Number(v);
    if (!Number.isInteger(n)) throw new LogOptionsError(`${k}: Invalid value: "${v}": must be an integer`);
    if (n < min) throw new LogOptionsError(`${k}: Invalid value: ${n}: must be greater than ${min === 0 ? 'or equal to 0' : '0'}`);
    return n;
  };
  const opts: LogOptions = { follow: bool('follow'), previous: bool('previous'), timestamps: bool('timestamps') };
  opts.tailLines = int('tailLines', 0);
  opts.limitBytes = int('limitBytes', 1);
  const sinceSeconds = int('sinceSeconds', 1);
  const sinceTime = q.get('sinceTime');
  if (sinceSeconds !== undefined && sinceTime) throw new LogOptionsError('at most one of `sinceTime` or `sinceSeconds` may be specified');
  if (sinceSeconds !== undefined) opts.sinceMs = now - sinceSeconds * 1000;
  if (sinceTime) {
    const t = Date.parse(sinceTime);
    if (Number.isNaN(t)) throw new LogOptionsError(`sinceTime: Invalid value: "${sinceTime}": must be an RFC3339 time`);
    opts.sinceMs = t;
  }
  return opts;
}

export interface CriRecord {
  /** The timestamp as written. */
  timestamp: string;
  timeMs: number;
  stream: 'stdout' | 'stderr';
  partial: boolean;
  content: Buffer;
}

/** One CRI log record (without its trailing newline); undefined if malformed. */
export function parseCriRecord(line: Buffer): CriRecord | undefined {
  const s1 = line.indexOf(0x20);
  if (s1 <= 0) return undefined;
  const s2 = line.indexOf(0x20, s1 + 1);
  if (s2 < 0) return undefined;
  const timestamp = line.toString('latin1', 0, s1);
  const stream = line.toString('latin1', s1 + 1, s2);
  if (stream !== 'stdout' && stream !== 'stderr') return undefined;
  const s3 = line.indexOf(0x20, s2 + 1);
  const tag = line.toString('latin1', s2 + 1, s3 < 0 ? line.length : s3);
  // The tag field may carry several ':'-separated tags; the first is F (full) or P (partial).
  const first = tag.split(':')[0];
  if (first !== 'F' && first !== 'P') return undefined;
  const timeMs = parseTimestamp(timestamp);
  if (Number.isNaN(timeMs)) return undefined;
  return { timestamp, timeMs, stream, partial: first === 'P', content: s3 < 0 ? Buffer.alloc(0) : line.subarray(s3 + 1) };
}

function parseTimestamp(ts: string): number {
  // Date.parse wants at most millisecond precision.
  return Date.parse(ts.replace(/(\.\d{3})\d+/, '$1'));
}

/** RFC3339 with exactly nine fractional digits, as kubelet prints `--timestamps`. */
export function fixedNanoTimestamp(ts: string): string {
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:\d{2})$/.exec(ts);
  if (!m) return ts;
  return `${m[1]}.${(m[2] ?? '').padEnd(9, '0').slice(0, 9)}${m[3]}`;
}

/** Turns records into output bytes: since filtering, timestamps on line starts, partial joins. */
export class CriLogFormatter {
  private atLineStart = true;
  private skipping = false;

  constructor(private readonly opts: Pick<LogOptions, 'sinceMs' | 'timestamps'>) {}

  format(rec: CriRecord): Buffer | undefined {
    if (this.atLineStart) this.skipping = this.opts.sinceMs !== undefined && rec.timeMs < this.opts.sinceMs;
    const startsLine = this.atLineStart;
    this.atLineStart = !rec.partial;
    if (this.skipping) return undefined;
    const parts: Buffer[] = [];
    if (startsLine && this.opts.timestamps) parts.push(Buffer.from(`${fixedNanoTimestamp(rec.timestamp)} `));
    parts.push(rec.content);
    if (!rec.partial) parts.push(Buffer.from('\n'));
    return Buffer.concat(parts);
  }
}

/** Byte offset where the last `n` records of the file start (reads backwards in chunks). */
export async function tailOffset(fh: FileHandle, size: number, n: number): Promise<number> {
  if (n === 0) return size;
  const CHUNK = 64 * 1024;
  let pos = size;
  let newlines = 0;
  // A final record without its newline yet still counts as a record.
  let skipFinal = true;
  while (pos > 0) {
    const len = Math.min(CHUNK, pos);
    pos -= len;
    const buf = Buffer.alloc(len);
    await fh.read(buf, 0, len, pos);
    for (let i = len - 1; i >= 0; i--) {
      if (buf[i] !== 0x0a) {
        skipFinal = false;
        continue;
      }
      if (skipFinal && pos + i === size - 1) {
        skipFinal = false;
        continue; // the newline that ends the last record
      }
      newlines++;
      if (newlines === n) return pos + i + 1;
    }
  }
  return 0;
}

export interface LogSink {
  /** Resolves once the bytes may be written again (backpressure). */
  write(chunk: Buffer): Promise<void>;
  readonly closed: boolean;
}

export interface StreamLogOptions extends LogOptions {
  /** While following: is the container still running? When not, the stream ends at EOF. */
  isRunning?: () => Promise<boolean>;
  pollMs?: number;
}

/** Streams a CRI log file to `sink` per `opts`. Resolves when done (or the sink closed). */
export async function streamContainerLog(path: string, opts: StreamLogOptions, sink: LogSink): Promise<void> {
  const formatter = new CriLogFormatter(opts);
  let budget = opts.limitBytes ?? Infinity;
  const pollMs = opts.pollMs ?? 200;

  let first: FileHandle | undefined;
  try {
    first = await open(path, 'r');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    if (!opts.follow) return; // no output yet
    first = await waitForFile(path, opts, pollMs, sink);
  }
  if (!first) return;
  let fh: FileHandle = first;
  let offset = 0;
  let carry = Buffer.alloc(0);
  const emit = async (line: Buffer): Promise<boolean> => {
    if (line.length && line[line.length - 1] === 0x0d) line = line.subarray(0, -1);
    const rec = parseCriRecord(line);
    if (!rec) return true;
    let out = formatter.format(rec);
    if (!out) return true;
    if (out.length > budget) out = out.subarray(0, budget);
    budget -= out.length;
    await sink.write(out);
    return budget > 0 && !sink.closed;
  };
  /** Reads to EOF, emitting complete records. False = stop (limit reached / sink closed). */
  const drain = async (): Promise<boolean> => {
    const buf = Buffer.alloc(64 * 1024);
    for (;;) {
      const { bytesRead } = await fh.read(buf, 0, buf.length, offset);
      if (bytesRead === 0) return true;
      offset += bytesRead;
      let data = carry.length ? Buffer.concat([carry, buf.subarray(0, bytesRead)]) : Buffer.from(buf.subarray(0, bytesRead));
      let nl: number;
      while ((nl = data.indexOf(0x0a)) >= 0) {
        if (!(await emit(data.subarray(0, nl)))) return false;
        data = data.subarray(nl + 1);
      }
      carry = Buffer.from(data);
    }
  };

  try {
    const size = (await fh.stat()).size;
    if (opts.tailLines !== undefined) offset = await tailOffset(fh, size, opts.tailLines);
    if (!(await drain())) return;
    if (!opts.follow) {
      if (carry.length) await emit(carry);
      return;
    }
    for (;;) {
      if (sink.closed) return;
      const running = opts.isRunning ? await opts.isRunning().catch(() => false) : true;
      // Rotation: the path now names a new file (or was truncated); finish the old one first.
      const rotated = await rotatedAway(path, fh, offset);
      if (!(await drain())) return;
      if (rotated) {
        await fh.close().catch(() => undefined);
        const next = await open(path, 'r').catch(() => undefined);
        const reopened = next ?? (await waitForFile(path, opts, pollMs, sink));
        if (!reopened) return;
        fh = reopened;
        offset = 0;
        carry = Buffer.alloc(0);
        continue;
      }
      if (!running) {
        if (carry.length) await emit(carry);
        return;
      }
      await sleep(pollMs);
    }
  } finally {
    await fh.close().catch(() => undefined);
  }
}

async function rotatedAway(path: string, fh: FileHandle, offset: number): Promise<boolean> {
  try {
    const [cur, mine] = await Promise.all([stat(path), fh.stat()]);
    return cur.ino !== mine.ino || cur.dev !== mine.dev || mine.size < offset;
  } catch {
    return false; // renamed away and not yet recreated: keep draining the open file
  }
}

async function waitForFile(path: string, opts: StreamLogOptions, pollMs: number, sink: LogSink): Promise<FileHandle | undefined> {
  for (;;) {
    if (sink.closed) return undefined;
    const fh = await open(path, 'r').catch(() => undefined);
    if (fh) return fh;
    const running = opts.isRunning ? await opts.isRunning().catch(() => false) : true;
    if (!running) return undefined;
    await sleep(pollMs);
  }
}

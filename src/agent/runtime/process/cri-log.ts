// Container log files in the CRI format that kubelet and `kubectl logs` expect:
//   <RFC3339Nano timestamp> <stdout|stderr> <F|P> <line>
// A line longer than MAX_LINE is split into partial (P) records ending with a full (F) one.
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { dirname } from 'node:path';
import type { Readable } from 'node:stream';

const MAX_LINE = 16 * 1024;

/** RFC 3339 with nanoseconds, as containerd writes it: 2024-05-01T10:00:00.123456789Z. */
export function rfc3339Nano(ms: number = Date.now()): string {
  const iso = new Date(ms).toISOString(); // ...HH:MM:SS.mmmZ
  const sub = String(process.hrtime()[1] % 1_000_000).padStart(6, '0');
  return `${iso.slice(0, -1)}${sub}Z`;
}

export class CriLogWriter {
  private readonly out: WriteStream;
  private readonly pending: Record<'stdout' | 'stderr', string> = { stdout: '', stderr: '' };
  private open = 0;
  private closed?: Promise<void>;

  constructor(readonly path: string) {
    mkdirSync(dirname(path), { recursive: true });
    this.out = createWriteStream(path, { flags: 'a' });
    this.out.on('error', () => {
      /* a vanished pod directory must not crash the agent */
    });
  }

  /** Copy a child's stream into the log, line by line. */
  follow(stream: Readable, kind: 'stdout' | 'stderr'): void {
    this.open++;
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => this.write(kind, chunk));
    stream.on('close', () => this.endStream(kind));
    stream.on('error', () => undefined);
  }

  write(kind: 'stdout' | 'stderr', chunk: string): void {
    let buf = this.pending[kind] + chunk;
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      this.record(kind, buf.slice(0, nl), 'F');
      buf = buf.slice(nl + 1);
    }
    while (buf.length > MAX_LINE) {
      this.record(kind, buf.slice(0, MAX_LINE), 'P');
      buf = buf.slice(MAX_LINE);
    }
    this.pending[kind] = buf;
  }

  private record(kind: string, line: string, tag: 'F' | 'P'): void {
    this.out.write(`${rfc3339Nano()} ${kind} ${tag} ${line}\n`);
  }

  private endStream(kind: 'stdout' | 'stderr'): void {
    if (this.pending[kind]) this.record(kind, this.pending[kind], 'F');
    this.pending[kind] = '';
    this.open--;
  }

  close(): Promise<void> {
    if (!this.closed) {
      for (const k of ['stdout', 'stderr'] as const) if (this.pending[k]) this.endStream(k);
      this.closed = new Promise((res) => this.out.end(() => res()));
    }
    return this.closed;
  }
}

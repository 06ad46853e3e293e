// exec and attach, independent of the wire (WebSocket channels or SPDY streams): parse the
// request options, run the command through the ContainerRuntime with the caller's streams, and
// report the outcome as the Status kubectl reads from the error stream.
import type { Readable, Writable } from 'node:stream';
import type { Status } from 'kubernetes-types/meta/v1.js';
import type { ContainerRuntime } from '../runtime/runtime.js';

export interface RemoteCommandOptions {
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  tty: boolean;
}

export interface TerminalSize {
  width: number;
  height: number;
}

/** Options from the query string; stderr is dropped with a TTY (the terminal merges it). */
export function remoteCommandOptions(q: URLSearchParams): RemoteCommandOptions {
  const flag = (k: string) => ['true', '1'].includes((q.get(k) ?? '').toLowerCase());
  const tty = flag('tty');
  return { stdin: flag('stdin'), stdout: flag('stdout'), stderr: flag('stderr') && !tty, tty };
}

/** The reason a request is unusable, in upstream's words; undefined when fine. */
export function validateRemoteCommand(kind: 'exec' | 'attach', opts: RemoteCommandOptions, command: string[]): string | undefined {
  if (!opts.stdin && !opts.stdout && !opts.stderr) return 'you must specify at least 1 of stdin, stdout, stderr';
  if (kind === 'exec' && command.length === 0) return 'you must specify at least one command for the container';
  return undefined;
}

/** A push-fed async iterable (terminal resizes arriving from the client). */
export class AsyncQueue<T> implements AsyncIterable<T> {
  private items: T[] = [];
  private waiters: ((r: IteratorResult<T>) => void)[] = [];
  private done = false;

  push(item: T): void {
    if (this.done) return;
    const w = this.waiters.shift();
    if (w) w({ value: item, done: false });
    else this.items.push(item);
  }

  end(): void {
    this.done = true;
    for (const w of this.waiters.splice(0)) w({ value: undefined as never, done: true });
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    return {
      next: () => {
        if (this.items.length) return Promise.resolve({ value: this.items.shift()!, done: false });
        if (this.done) return Promise.resolve({ value: undefined as never, done: true });
        return new Promise((resolve) => this.waiters.push(resolve));
      },
      return: () => {
        this.end();
        return Promise.resolve({ value: undefined as never, done: true });
      },
    };
  }
}

export interface RemoteCommandStreams {
  stdin?: Readable;
  stdout?: Writable;
  stderr?: Writable;
  resize?: AsyncQueue<TerminalSize>;
}

/** What the error stream carries when the command ends. Marshalled like kubelet's metav1.Status (no TypeMeta). */
export type CommandOutcome = { exitCode: number } | { error: string };

export function outcomeStatus(o: CommandOutcome): Status {
  if ('error' in o) {
    return { metadata: {}, status: 'Failure', message: o.error, reason: 'InternalError', code: 500, details: { causes: [{ message: o.error }] } };
  }
  if (o.exitCode === 0) return { metadata: {}, status: 'Success' };
  return {
    metadata: {},
    status: 'Failure',
    message: `command terminated with non-zero exit code: exit status ${o.exitCode}`,
    reason: 'NonZeroExitCode',
    details: { causes: [{ reason: 'ExitCode', message: String(o.exitCode) }] },
  };
}

/** Text for the pre-v4 protocols, whose error stream is a bare message (empty on success). */
export function outcomeText(o: CommandOutcome): string {
  if ('error' in o) return o.error;
  return o.exitCode === 0 ? '' : `command terminated with non-zero exit code: exit status ${o.exitCode}`;
}

/** Runs exec/attach and resolves with the outcome once output is flushed. Never rejects. */
export async function runRemoteCommand(
  runtime: ContainerRuntime,
  kind: 'exec' | 'attach',
  containerId: string,
  command: string[],
  opts: RemoteCommandOptions,
  streams: RemoteCommandStreams,
): Promise<CommandOutcome> {
  const streamOpts = {
    stdin: opts.stdin ? streams.stdin : undefined,
    stdout: opts.stdout ? streams.stdout : undefined,
    stderr: opts.stderr ? streams.stderr : undefined,
    tty: opts.tty,
    resize: opts.tty ? streams.resize : undefined,
  };
  let outcome: CommandOutcome;
  try {
    if (kind === 'exec') outcome = { exitCode: await runtime.exec(containerId, command, streamOpts) };
    else {
      await runtime.attach(containerId, streamOpts);
      outcome = { exitCode: 0 };
    }
  } catch (e) {
    const msg = (e as Error).message ?? String(e);
    outcome = { error: kind === 'exec' ? `error executing command in container: ${msg}` : `error attaching to container: ${msg}` };
  }
  streams.resize?.end();
  await Promise.all([finish(streamOpts.stdout), finish(streamOpts.stderr)]);
  return outcome;
}

/** Ends a writable (if the runtime has not) and waits until everything written is flushed. */
function finish(w: Writable | undefined): Promise<void> {
  if (!w || w.destroyed || w.writableFinished) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => resolve();
    w.once('finish', done);
    w.once('close', done);
    w.once('error', done);
    if (!w.writableEnded) w.end();
  });
}

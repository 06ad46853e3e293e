// exec/attach over SPDY (kubectl before 1.30, or when WebSocket is refused): the client opens
// one stream per role, named by its `streamtype` header, and the server waits for all of them.
import type { SpdySession, SpdyStream } from './spdy-session.js';
import {
  AsyncQueue, outcomeStatus, outcomeText, type CommandOutcome, type RemoteCommandOptions,
  type RemoteCommandStreams, type TerminalSize,
} from './remote-command.js';

/** SPDY subprotocols for remote commands, newest first. v5 over SPDY behaves like v4. */
export const SPDY_REMOTE_COMMAND_PROTOCOLS = ['v5.channel.k8s.io', 'v4.channel.k8s.io', 'v3.channel.k8s.io', 'v2.channel.k8s.io'];

/** How long a client may take to open every stream it announced. */
export const STREAM_CREATION_TIMEOUT_MS = 30_000;

export interface SpdyCommandStreams {
  streams: RemoteCommandStreams;
  finish(outcome: CommandOutcome): void;
}

/** Collects the role streams; resolves once all expected ones exist (rejects on timeout/close). */
export function collectSpdyStreams(
  protocol: string,
  opts: RemoteCommandOptions,
  onStream: (handler: (s: SpdyStream) => void) => void,
  session: () => SpdySession,
  timeoutMs = STREAM_CREATION_TIMEOUT_MS,
): Promise<SpdyCommandStreams> {
  const resizable = opts.tty && protocol !== 'v2.channel.k8s.io';
  const expected = new Set(['error']);
  if (opts.stdin) expected.add('stdin');
  if (opts.stdout) expected.add('stdout');
  if (opts.stderr) expected.add('stderr');
  if (resizable) expected.add('resize');
  const got = new Map<string, SpdyStream>();

  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('timed out waiting for client to create streams')), timeoutMs);
    timer.unref();
    onStream((s) => {
      const type = s.headers['streamtype'] ?? '';
      if (!expected.has(type) || got.has(type)) {
        s.destroy(); // unexpected or duplicate stream: reset it
        return;
      }
      got.set(type, s);
      if (type === 'error') s.resume(); // the client never writes on it; drain to keep flow going
      if (got.size === expected.size) {
        clearTimeout(timer);
        resolve(build(protocol, got, session));
      }
    });
  });
}

function build(protocol: string, got: Map<string, SpdyStream>, session: () => SpdySession): SpdyCommandStreams {
  let resize: AsyncQueue<TerminalSize> | undefined;
  const resizeStream = got.get('resize');
  if (resizeStream) {
    const queue = new AsyncQueue<TerminalSize>();
    resize = queue;
    let pending = '';
    resizeStream.setEncoding('utf8');
    resizeStream.on('data', (text: string) => {
      // The client json-encodes one {"Width","Height"} object per line.
      pending += text;
      let nl: number;
      while ((nl = pending.indexOf('\n')) >= 0) {
        const line = pending.slice(0, nl).trim();
        pending = pending.slice(nl + 1);
        if (!line) continue;
        try {
          const o = JSON.parse(line) as { Width: number; Height: number };
          queue.push({ width: Number(o.Width), height: Number(o.Height) });
        } catch {
          /* ignore a malformed resize */
        }
      }
    });
    resizeStream.on('end', () => queue.end());
  }
  const errorStream = got.get('error')!;
  return {
    streams: { stdin: got.get('stdin'), stdout: got.get('stdout'), stderr: got.get('stderr'), resize },
    finish(outcome) {
      const structured = protocol === 'v4.channel.k8s.io' || protocol === 'v5.channel.k8s.io';
      const body = structured ? JSON.stringify(outcomeStatus(outcome)) : outcomeText(outcome);
      for (const s of got.values()) if (s !== errorStream && !s.writableEnded) s.end();
      errorStream.end(body ? Buffer.from(body) : undefined, () => session().close());
    },
  };
}

// A long-lived `sh` that runs short host command lines (ip, …) for the runtime. Spawning from
// the agent blocks its event loop until the child has exec'd (several ms each on a busy
// machine), and a pod's network set-up needs several tools: sent to this helper instead, the
// forks happen in a small shell process and the agent only writes a line and reads one back.
// Requests run one at a time in order (rtnetlink serializes the kernel work anyway).
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// Each request is one line "<id> <command line>"; the reply is "<id> <exit code> <stderr>"
// with the stderr lines joined by spaces. Commands run in a subshell (an `exit` ends only that)
// and read /dev/null, so they never eat requests.
const LOOP = `
while IFS= read -r line; do
  id=\${line%% *}
  ( eval "\${line#* }" ) </dev/null >/dev/null 2>"$1"
  rc=$?
  msg=
  while IFS= read -r l || [ -n "$l" ]; do msg="$msg $l"; done <"$1"
  printf '%s %s%s\\n' "$id" "$rc" "$msg"
done
`;

export class HostCommandError extends Error {
  constructor(
    readonly command: string,
    readonly exitCode: number,
    readonly stderr: string,
  ) {
    super(`${command}: ${stderr || `exit status ${exitCode}`}`);
  }
}

interface Pending {
  command: string;
  resolve: () => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

export class HostShell {
  private proc?: ChildProcessWithoutNullStreams;
  private dir?: string;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private buf = '';

  constructor(private readonly timeoutMs = 10_000) {}

  /**
   * Run one shell command line (`a && b | c` is fine; no newlines). Resolves when it exits 0,
   * rejects with a HostCommandError carrying its stderr otherwise.
   */
  run(command: string): Promise<void> {
    if (command.includes('\n')) return Promise.reject(new Error('host shell commands are single lines'));
    const p = this.ensure();
    const id = this.nextId++;
    return new Promise<void>((resolve, reject) => {
      // A hung tool would block every later request: kill the shell, the next call starts anew.
      const timer = setTimeout(() => this.fail(p, new Error(`${command}: timed out after ${this.timeoutMs} ms`)), this.timeoutMs);
      this.pending.set(id, { command, resolve, reject, timer });
      p.stdin.write(`${id} ${command}\n`);
    });
  }

  /** End the helper (pending requests fail). */
  close(): void {
    if (this.proc) this.fail(this.proc, new Error('host shell closed'));
  }

  private ensure(): ChildProcessWithoutNullStreams {
    if (this.proc) return this.proc;
    this.dir = mkdtempSync(join(tmpdir(), 'skiff-hostsh-'));
    const p = spawn('sh', ['-c', LOOP, 'skiff-host-shell', join(this.dir, 'stderr')], { stdio: 'pipe', detached: true });
    this.proc = p;
    this.buf = '';
    p.stdout.setEncoding('utf8');
    p.stdout.on('data', (d: string) => this.onData(d));
    p.stdin.on('error', () => undefined);
    p.on('error', (e) => this.fail(p, e));
    p.on('exit', (code, signal) => this.fail(p, new Error(`host shell exited (${signal ?? code})`)));
    // The helper must not keep the agent alive on its own.
    p.unref();
    (p.stdout as unknown as { unref?: () => void }).unref?.();
    (p.stdin as unknown as { unref?: () => void }).unref?.();
    return p;
  }

  private onData(d: string): void {
    this.buf += d;
    let i;
    while ((i = this.buf.indexOf('\n')) >= 0) {
      const line = this.buf.slice(0, i);
      this.buf = this.buf.slice(i + 1);
      const m = /^(\d+) (\d+)(.*)$/.exec(line);
      if (!m) continue;
      const req = this.pending.get(Number(m[1]));
      if (!req) continue;
      this.pending.delete(Number(m[1]));
      clearTimeout(req.timer);
      const code = Number(m[2]);
      if (code === 0) req.resolve();
      else req.reject(new HostCommandError(req.command, code, m[3].trim()));
    }
  }

  private fail(p: ChildProcessWithoutNullStreams, err: Error): void {
    if (this.proc !== p) return;
    this.proc = undefined;
    // Its own process group (detached), so a hung tool goes with it. Without us it ends too:
    // its stdin closes.
    try {
      if (p.pid) process.kill(-p.pid, 'SIGKILL');
    } catch {
      /* gone */
    }
    if (this.dir) rmSync(this.dir, { recursive: true, force: true });
    this.dir = undefined;
    for (const [id, req] of this.pending) {
      clearTimeout(req.timer);
      this.pending.delete(id);
      req.reject(err);
    }
  }
}

// Terminals for `tty: true` containers and `kubectl exec -it`. Node has no pty API, so a tiny
// python3 helper (stdlib `pty`) allocates one: it forks the command on the pty's slave side
// (new session, controlling terminal), copies its stdin to the master and the master to its
// stdout, applies window sizes written as "COLS ROWS\n" lines to fd 3, forwards SIGTERM/SIGINT/
// SIGHUP to the command's process group and exits with the command's status (128+n for a signal).
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { Writable } from 'node:stream';

const HELPER = String.raw`
import os, sys, pty, select, struct, fcntl, termios, signal, errno
argv = sys.argv[1:]
pid, master = pty.fork()
if pid == 0:
    try:
        os.execvp(argv[0], argv)
    except OSError as e:
        os.write(2, ('exec: "%s": %s\r\n' % (argv[0], 'executable file not found in $PATH' if e.errno == errno.ENOENT else e.strerror)).encode())
        os._exit(127 if e.errno == errno.ENOENT else 126)
def fwd(sig, _frame):
    try: os.killpg(pid, sig)
    except OSError: pass
for s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
    signal.signal(s, fwd)
def winsize(cols, rows):
    fcntl.ioctl(master, termios.TIOCSWINSZ, struct.pack('HHHH', rows, cols, 0, 0))
size = os.environ.get('SKIFF_PTY_SIZE')
if size:
    c, r = size.split('x'); winsize(int(c), int(r))
fds = [master, 0]
try:
    os.fstat(3); fds.append(3)
except OSError:
    pass
ctl = b''
while True:
    try:
        ready, _, _ = select.select(fds, [], [])
    except InterruptedError:
        continue
    if master in ready:
        try:
            data = os.read(master, 65536)
        except OSError:
            data = b''
        if not data:
            break
        try:
            os.write(1, data)
        except OSError:
            pass
    if 0 in ready:
        data = os.read(0, 65536)
        if data:
            os.write(master, data)
        else:
            fds.remove(0)
            os.write(master, b'\x04')
    if 3 in ready:
        data = os.read(3, 4096)
        if not data:
            fds.remove(3)
        ctl += data
        while b'\n' in ctl:
            line, ctl = ctl.split(b'\n', 1)
            parts = line.split()
            if len(parts) == 2:
                winsize(int(parts[0]), int(parts[1]))
while True:
    try:
        _, status = os.waitpid(pid, 0)
        break
    except InterruptedError:
        continue
sys.exit(os.WEXITSTATUS(status) if os.WIFEXITED(status) else 128 + os.WTERMSIG(status))
`;

let python: string | undefined | null = null;

/** The python3 that runs the helper (system python first: pyenv shims start slowly). */
export function ptyHelperPython(): string | undefined {
  if (python === null) {
    const env = process.env.PATH ?? '';
    const candidates = ['/usr/bin/python3', '/usr/local/bin/python3', ...env.split(':').filter(Boolean).map((d) => `${d}/python3`)];
    python = candidates.find((p) => existsSync(p));
  }
  return python ?? undefined;
}

/** Argv that runs argv on a new pseudo-terminal. */
export function ptyArgv(argv: string[]): string[] {
  const py = ptyHelperPython();
  if (!py) throw new Error('tty: true needs python3 on the node (the process runtime uses its pty module to allocate terminals)');
  return [py, '-c', HELPER, ...argv];
}

/**
 * Spawn argv on a pty. stdio: 0 = terminal input, 1 = terminal output (stdout and stderr
 * merged, as on a real terminal), 2 = helper errors, 3 = window size control.
 */
export function spawnPty(argv: string[], opts: Omit<SpawnOptions, 'stdio'> & { size?: { width: number; height: number } }): ChildProcess {
  const [file, ...args] = ptyArgv(argv);
  const env = { ...(opts.env ?? process.env), ...(opts.size ? { SKIFF_PTY_SIZE: `${opts.size.width}x${opts.size.height}` } : {}) };
  return spawn(file, args, { ...opts, env, stdio: ['pipe', 'pipe', 'pipe', 'pipe'] });
}

/** Forward terminal size changes to a helper started by spawnPty. */
export async function forwardResizes(child: ChildProcess, resize: AsyncIterable<{ width: number; height: number }> | undefined): Promise<void> {
  const ctl = child.stdio[3] as Writable | null | undefined;
  if (!resize || !ctl) return;
  ctl.on('error', () => undefined);
  for await (const s of resize) {
    if (child.exitCode !== null || child.signalCode !== null) break;
    ctl.write(`${Math.max(1, Math.floor(s.width))} ${Math.max(1, Math.floor(s.height))}\n`);
  }
}

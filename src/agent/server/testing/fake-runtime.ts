// A ContainerRuntime for tests of the agent server: "containers" are records whose exec runs the
// command as a host process (so `tar` for kubectl cp works), attach talks to a long-running host
// process, and port-forward dials 127.0.0.1. Logs are whatever the test writes to the log path.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { connect, type Socket } from 'node:net';
import type {
  ContainerRuntime, ContainerStatus, ContainerStats, ExecResult, PodSandboxStatus, RuntimeInfo, StreamOptions,
} from '../../runtime/runtime.js';

function shellQuote(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

export interface FakeContainer {
  id: string;
  name: string;
  sandboxId: string;
  logPath: string;
  running: boolean;
  /** Started by attachProcess(): what `attach` connects to. */
  proc?: ChildProcessWithoutNullStreams;
}

export class FakeRuntime implements ContainerRuntime {
  readonly containers = new Map<string, FakeContainer>();
  readonly sandboxes = new Map<string, { id: string; uid: string; name: string; namespace: string; createdAt: number }>();
  /** Ports in the "pod network" map to these local ports (identity when absent). */
  readonly portMap = new Map<number, number>();
  readonly resizes: { width: number; height: number }[] = [];
  private exitCbs: ((id: string) => void)[] = [];

  addSandbox(id: string, meta: { uid: string; name: string; namespace: string }): void {
    this.sandboxes.set(id, { id, ...meta, createdAt: Date.now() });
  }

  addContainer(c: Omit<FakeContainer, 'running'> & { running?: boolean }): FakeContainer {
    const full = { running: true, ...c };
    this.containers.set(c.id, full);
    return full;
  }

  /** Gives a container a main process for attach (e.g. `cat`, `sh`). */
  attachProcess(id: string, cmd: string[]): ChildProcessWithoutNullStreams {
    const c = this.mustGet(id);
    const proc = spawn(cmd[0], cmd.slice(1), { stdio: 'pipe' });
    c.proc = proc;
    proc.on('exit', () => {
      c.running = false;
      for (const cb of this.exitCbs) cb(id);
    });
    return proc;
  }

  setRunning(id: string, running: boolean): void {
    this.mustGet(id).running = running;
  }

  info(): RuntimeInfo {
    return { runtimeName: 'fake', runtimeVersion: '0', nodeRuntimeVersion: 'fake://0', podNetwork: false, enforcesLimits: false };
  }
  async runPodSandbox(): Promise<string> {
    throw new Error('not supported by FakeRuntime');
  }
  async stopPodSandbox(): Promise<void> {}
  async removePodSandbox(): Promise<void> {}
  async podSandboxStatus(id: string): Promise<PodSandboxStatus> {
    return { id, state: 'SANDBOX_READY', createdAt: this.sandboxes.get(id)?.createdAt ?? 0, ip: '127.0.0.1', additionalIps: [] };
  }
  async listPodSandboxes() {
    return [...this.sandboxes.values()].map((s) => ({ id: s.id, state: 'SANDBOX_READY' as const, createdAt: s.createdAt, ip: '127.0.0.1', additionalIps: [], uid: s.uid, name: s.name, namespace: s.namespace }));
  }
  async createContainer(): Promise<string> {
    throw new Error('not supported by FakeRuntime');
  }
  async startContainer(): Promise<void> {}
  async stopContainer(id: string): Promise<void> {
    this.mustGet(id).proc?.kill();
    this.mustGet(id).running = false;
  }
  async removeContainer(id: string): Promise<void> {
    this.containers.delete(id);
  }
  async containerStatus(id: string): Promise<ContainerStatus> {
    const c = this.mustGet(id);
    return {
      id, name: c.name, attempt: 0, state: c.running ? 'CONTAINER_RUNNING' : 'CONTAINER_EXITED',
      createdAt: 0, startedAt: 0, image: 'fake', imageRef: 'fake', logPath: c.logPath,
    };
  }
  async listContainers(sandboxId?: string): Promise<ContainerStatus[]> {
    const all = [...this.containers.values()].filter((c) => !sandboxId || c.sandboxId === sandboxId);
    return Promise.all(all.map((c) => this.containerStatus(c.id)));
  }
  onContainerExit(cb: (id: string) => void): void {
    this.exitCbs.push(cb);
  }

  async execSync(id: string, cmd: string[]): Promise<ExecResult> {
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    const { PassThrough } = await import('node:stream');
    const stdout = new PassThrough().on('data', (d: Buffer) => out.push(d));
    const stderr = new PassThrough().on('data', (d: Buffer) => err.push(d));
    const exitCode = await this.exec(id, cmd, { stdout, stderr, tty: false });
    return { exitCode, stdout: Buffer.concat(out), stderr: Buffer.concat(err) };
  }

  exec(id: string, cmd: string[], streams: StreamOptions): Promise<number> {
    this.mustGet(id);
    return new Promise((resolve, reject) => {
      // A TTY needs a real pseudo-terminal (line discipline, echo): borrow one from script(1).
      const argv = streams.tty ? ['script', '-qfec', cmd.map(shellQuote).join(' '), '/dev/null'] : cmd;
      const proc = spawn(argv[0], argv.slice(1), { stdio: 'pipe' });
      proc.on('error', reject);
      if (streams.stdin) streams.stdin.pipe(proc.stdin);
      else proc.stdin.end();
      proc.stdin.on('error', () => undefined);
      if (streams.stdout) proc.stdout.pipe(streams.stdout, { end: false });
      else proc.stdout.resume();
      const errOut = streams.tty ? streams.stdout : streams.stderr;
      if (errOut) proc.stderr.pipe(errOut, { end: false });
      else proc.stderr.resume();
      void this.collectResizes(streams);
      // 'close' fires after stdio drained, so all output has been handed on.
      proc.on('close', (code, signal) => resolve(code ?? (signal ? 128 + 9 : 1)));
    });
  }

  attach(id: string, streams: StreamOptions): Promise<void> {
    const c = this.mustGet(id);
    const proc = c.proc;
    if (!proc) return Promise.reject(new Error(`container ${id} has no attachable process`));
    return new Promise((resolve) => {
      const onOut = (d: Buffer) => streams.stdout?.write(d);
      const onErr = (d: Buffer) => (streams.tty ? streams.stdout : streams.stderr)?.write(d);
      proc.stdout.on('data', onOut);
      proc.stderr.on('data', onErr);
      const stdinData = (d: Buffer) => proc.stdin.write(d);
      streams.stdin?.on('data', stdinData);
      void this.collectResizes(streams);
      const done = () => {
        proc.stdout.off('data', onOut);
        proc.stderr.off('data', onErr);
        streams.stdin?.off('data', stdinData);
        resolve();
      };
      proc.once('exit', done);
      // Like a detaching client: give the process a moment to answer what it was last sent.
      streams.stdin?.once('end', () => setTimeout(done, 200));
    });
  }

  async portForward(_sandboxId: string, port: number): Promise<Socket> {
    const target = this.portMap.get(port) ?? port;
    return new Promise((resolve, reject) => {
      const s = connect({ host: '127.0.0.1', port: target }, () => {
        s.off('error', reject);
        resolve(s);
      });
      s.once('error', reject);
    });
  }

  async containerStats(id: string): Promise<ContainerStats | undefined> {
    const c = this.containers.get(id);
    if (!c?.running) return undefined;
    return { containerId: id, name: c.name, timestamp: Date.now(), cpuUsageCoreNanoSeconds: 1_000_000, memoryWorkingSetBytes: 4096 };
  }

  async shutdown(): Promise<void> {
    for (const c of this.containers.values()) c.proc?.kill();
  }

  private async collectResizes(streams: StreamOptions): Promise<void> {
    if (!streams.resize) return;
    for await (const r of streams.resize) this.resizes.push(r);
  }

  private mustGet(id: string): FakeContainer {
    const c = this.containers.get(id);
    if (!c) throw new Error(`container ${id} not found`);
    return c;
  }
}

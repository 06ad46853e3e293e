// The `process` runtime: each container is a host process group running the container's
// command (or a built-in image program). As root on Linux each pod gets its own network
// namespace on a node bridge, containers get their own mount namespace with the volumes bind-
// mounted and cgroup v1 limits; without root, pods share the host network and filesystem.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, createHash } from 'node:crypto';
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, rmdirSync, rmSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { dirname, join, isAbsolute } from 'node:path';
import pino, { type Logger } from 'pino';
import type {
  ContainerConfig,
  ContainerRuntime,
  ContainerStats,
  ContainerStatus,
  ExecResult,
  PodSandboxConfig,
  PodSandboxStatus,
  RuntimeInfo,
  StreamOptions,
} from '../runtime.js';
import { ImageUnavailableError } from '../runtime.js';
import { CriLogWriter } from './cri-log.js';
import { resolveArgv, builtinImage } from './builtin-images.js';
import { isolatedLaunch, lookPath, notFoundMessage, type LaunchPlan } from './launch.js';
import { PodNetwork } from './pod-network.js';
import { Cgroups } from './cgroups.js';
import { hasTool } from './host-command.js';
import { forwardResizes, ptyArgv, spawnPty } from './pty.js';

export const PROCESS_RUNTIME_VERSION = '0.1.0';

export interface ProcessRuntimeOptions {
  /** Runtime state (pid file) goes under DATA_DIR/runtime. */
  dataDir: string;
  /** The node's pod CIDR, for per-pod network namespaces (root only). */
  podCidr?: string;
  /** false disables per-pod networks even as root; default: on when root and `ip` exists. */
  podNetwork?: boolean;
  /** IP pods get when they share the host network. */
  hostIP?: string;
  logger?: Logger;
}

interface Sandbox {
  id: string;
  config: PodSandboxConfig;
  state: 'SANDBOX_READY' | 'SANDBOX_NOTREADY';
  createdAt: number;
  ip: string;
  netnsPath?: string;
}

interface Container {
  id: string;
  sandboxId: string;
  config: ContainerConfig;
  argv: string[];
  state: ContainerStatus['state'];
  createdAt: number;
  startedAt?: number;
  finishedAt?: number;
  exitCode?: number;
  reason?: string;
  message?: string;
  logPath: string;
  proc?: ChildProcess;
  log?: CriLogWriter;
  exited?: Promise<void>;
  cgroup: boolean;
  /** Mount points that did not exist on the host and were created for this container. */
  createdPaths: string[];
  /** Start time of the process (field 22 of /proc/PID/stat), recorded with its pid. */
  pidStartTime?: string;
}

function newId(): string {
  return randomBytes(16).toString('hex');
}

const SIGNALS: Record<string, number> = { SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGABRT: 6, SIGKILL: 9, SIGSEGV: 11, SIGPIPE: 13, SIGALRM: 14, SIGTERM: 15 };

export class ProcessRuntime implements ContainerRuntime {
  private readonly sandboxes = new Map<string, Sandbox>();
  private readonly containers = new Map<string, Container>();
  private readonly exitListeners: ((id: string) => void)[] = [];
  private readonly log: Logger;
  private readonly root: boolean;
  private readonly tag: string;
  private readonly pidFile: string;
  private network?: PodNetwork;
  private cgroups?: Cgroups;
  private hostIP: string;
  private recordPending = false;
  private recordWrite?: Promise<void>;
  private closed = false;

  private constructor(private readonly opts: ProcessRuntimeOptions) {
    this.log = (opts.logger ?? pino({ level: 'silent' })).child({ component: 'process-runtime' });
    this.root = process.platform === 'linux' && process.getuid?.() === 0;
    this.tag = createHash('sha256').update(opts.dataDir).digest('hex').slice(0, 8);
    this.pidFile = join(opts.dataDir, 'runtime', 'process-groups.json');
    this.hostIP = opts.hostIP ?? '127.0.0.1';
  }

  /** Create the runtime, removing whatever an earlier (crashed) run of the same data dir left. */
  static async create(opts: ProcessRuntimeOptions): Promise<ProcessRuntime> {
    const rt = new ProcessRuntime(opts);
    await rt.init();
    return rt;
  }

  private async init(): Promise<void> {
    mkdirSync(join(this.opts.dataDir, 'runtime'), { recursive: true });
    this.killRecordedGroups();
    if (this.root && Cgroups.available() && (await hasTool('unshare'))) {
      this.cgroups = new Cgroups(this.tag);
      this.cgroups.cleanup();
    }
    const wantNet = this.opts.podNetwork ?? true;
    if (this.root && wantNet && this.opts.podCidr && (await hasTool('ip')) && (await hasTool('nsenter'))) {
      const net = new PodNetwork(this.opts.podCidr, this.tag);
      try {
        await net.init();
        this.network = net;
        this.hostIP = net.gateway;
      } catch (e) {
        this.log.warn({ err: (e as Error).message }, 'per-pod networking unavailable; pods share the host network');
      }
    }
  }

  /** The node address pods can reach (the bridge address with per-pod networks). */
  nodeIP(): string {
    return this.hostIP;
  }

  info(): RuntimeInfo {
    return {
      runtimeName: 'process',
      runtimeVersion: PROCESS_RUNTIME_VERSION,
      nodeRuntimeVersion: `process://${PROCESS_RUNTIME_VERSION}`,
      podNetwork: !!this.network,
      enforcesLimits: !!this.cgroups,
      mountNamespaces: !!this.cgroups,
    };
  }

  // ---- sandboxes ----

  async runPodSandbox(config: PodSandboxConfig): Promise<string> {
    const id = newId();
    const sb: Sandbox = { id, config, state: 'SANDBOX_READY', createdAt: Date.now(), ip: this.hostIP };
    // The pod directory and the pod network are made at the same time.
    const dir = mkdir(config.logDirectory, { recursive: true });
    try {
      if (this.network && !config.hostNetwork) {
        sb.ip = await this.network.add(id);
        sb.netnsPath = this.network.nsPath(id);
      }
    } finally {
      await dir;
    }
    this.sandboxes.set(id, sb);
    return id;
  }

  async stopPodSandbox(sandboxId: string): Promise<void> {
    const sb = this.sandboxes.get(sandboxId);
    if (!sb) return;
    await Promise.all([...this.containers.values()].filter((c) => c.sandboxId === sandboxId).map((c) => this.stopContainer(c.id, 0)));
    if (sb.netnsPath && this.network) await this.network.remove(sandboxId, sb.ip);
    sb.netnsPath = undefined;
    sb.state = 'SANDBOX_NOTREADY';
  }

  async removePodSandbox(sandboxId: string): Promise<void> {
    await this.stopPodSandbox(sandboxId);
    for (const c of [...this.containers.values()]) if (c.sandboxId === sandboxId) await this.removeContainer(c.id);
    this.sandboxes.delete(sandboxId);
  }

  async podSandboxStatus(sandboxId: string): Promise<PodSandboxStatus> {
    const sb = this.sandboxes.get(sandboxId);
    if (!sb) throw new Error(`pod sandbox ${sandboxId} not found`);
    return { id: sb.id, state: sb.state, createdAt: sb.createdAt, ip: sb.ip, additionalIps: [], netnsPath: sb.netnsPath };
  }

  async listPodSandboxes(): Promise<(PodSandboxStatus & { uid: string; name: string; namespace: string })[]> {
    const out = [];
    for (const sb of this.sandboxes.values()) {
      out.push({ ...(await this.podSandboxStatus(sb.id)), uid: sb.config.uid, name: sb.config.name, namespace: sb.config.namespace });
    }
    return out;
  }

  // ---- containers ----

  async createContainer(sandboxId: string, config: ContainerConfig, sandbox: PodSandboxConfig): Promise<string> {
    const sb = this.sandboxes.get(sandboxId);
    if (!sb) throw new Error(`pod sandbox ${sandboxId} not found`);
    let argv: string[];
    try {
      argv = resolveArgv(config.image, config.command, config.args);
    } catch (e) {
      // No image filesystems here: an image that is neither built in nor given a command
      // cannot be "pulled".
      throw new ImageUnavailableError(config.image, (e as Error).message);
    }
    const id = newId();
    const logPath = isAbsolute(config.logPath) ? config.logPath : join(sandbox.logDirectory, config.logPath);
    this.containers.set(id, { id, sandboxId, config, argv, state: 'CONTAINER_CREATED', createdAt: Date.now(), logPath, cgroup: false, createdPaths: [] });
    return id;
  }

  async startContainer(containerId: string): Promise<void> {
    const c = this.mustGet(containerId);
    if (c.state !== 'CONTAINER_CREATED') throw new Error(`container ${containerId} is not in created state`);
    const sb = this.sandboxes.get(c.sandboxId)!;
    const env: Record<string, string> = {};
    for (const e of c.config.env) env[e.name] = e.value;
    env.PATH ??= process.env.PATH ?? '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
    if (!lookPath(c.argv[0], env.PATH)) {
      c.state = 'CONTAINER_EXITED';
      c.exitCode = 128;
      c.reason = 'StartError';
      c.message = notFoundMessage(c.argv[0]);
      c.startedAt = c.finishedAt = Date.now();
      throw new Error(c.message);
    }
    // A tty container runs on a pseudo-terminal: its output (stdout and stderr merged) is the
    // terminal's, and attach talks to the terminal.
    const argv = c.config.tty ? ptyArgv(c.argv) : c.argv;
    let plan: LaunchPlan = { file: argv[0], args: argv.slice(1) };
    if (this.root && this.cgroups) {
      c.cgroup = true;
      const procs = await this.cgroups.create(containerId, c.config.resources ?? {});
      if (this.containers.get(containerId) !== c || c.state !== 'CONTAINER_CREATED') throw new Error(`container ${containerId} was removed while starting`);
      c.createdPaths = c.config.mounts.map((m) => firstMissing(m.containerPath)).filter((p): p is string => !!p);
      plan = isolatedLaunch(argv, {
        netnsPath: sb.netnsPath,
        hostname: sb.netnsPath ? sb.config.hostname : undefined,
        cgroupProcs: procs,
        mounts: c.config.mounts,
        workingDir: c.config.workingDir,
      });
    }
    const cwd = !this.cgroups && c.config.workingDir ? c.config.workingDir : '/';
    if (cwd !== '/') mkdirSync(cwd, { recursive: true });
    c.log = new CriLogWriter(c.logPath);
    const proc = spawn(plan.file, plan.args, {
      cwd,
      env,
      detached: true,
      stdio: c.config.tty ? ['pipe', 'pipe', 'pipe', 'pipe'] : [c.config.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'],
    });
    c.proc = proc;
    c.log.follow(proc.stdout!, 'stdout');
    c.log.follow(proc.stderr!, 'stderr');
    proc.stdin?.on('error', () => undefined);
    c.state = 'CONTAINER_RUNNING';
    c.startedAt = Date.now();
    c.exited = new Promise((resolve) => {
      proc.once('error', (err) => {
        c.message = err.message;
        if (proc.exitCode === null && proc.signalCode === null) this.onExit(c, 128, null).then(resolve);
      });
      proc.once('exit', (code, signal) => void this.onExit(c, code, signal).then(resolve));
    });
    this.recordGroups();
    this.log.debug({ container: c.config.name, pid: proc.pid, argv: c.argv }, 'container started');
  }

  private async onExit(c: Container, code: number | null, signal: NodeJS.Signals | null): Promise<void> {
    if (c.state === 'CONTAINER_EXITED') return;
    c.state = 'CONTAINER_EXITED';
    c.finishedAt = Date.now();
    c.exitCode = code ?? (signal ? 128 + (SIGNALS[signal] ?? 9) : 128);
    if (c.cgroup && this.cgroups?.oomKilled(c.id)) c.reason = 'OOMKilled';
    else c.reason = c.exitCode === 0 ? 'Completed' : 'Error';
    // Children that left the process group stay in the container's cgroup: end them too.
    if (c.proc?.pid) killGroup(c.proc.pid, 'SIGKILL');
    // Let the pipes drain so the last lines reach the log.
    const proc = c.proc;
    if (proc && proc.stdout && !proc.stdout.closed) {
      await new Promise<void>((r) => {
        const t = setTimeout(r, 500);
        proc.once('close', () => {
          clearTimeout(t);
          r();
        });
      });
    }
    await c.log?.close();
    this.recordGroups();
    for (const l of this.exitListeners) {
      try {
        l(c.id);
      } catch (e) {
        this.log.error({ err: e }, 'container exit listener failed');
      }
    }
  }

  async stopContainer(containerId: string, timeoutSeconds: number): Promise<void> {
    const c = this.containers.get(containerId);
    if (!c || c.state !== 'CONTAINER_RUNNING' || !c.proc?.pid) return;
    const pid = c.proc.pid;
    if (timeoutSeconds > 0) {
      killGroup(pid, 'SIGTERM');
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([c.exited, new Promise((r) => (timer = setTimeout(r, timeoutSeconds * 1000)))]);
      clearTimeout(timer);
    }
    if ((c.state as string) === 'CONTAINER_RUNNING') {
      killGroup(pid, 'SIGKILL');
      await c.exited;
    }
  }

  async removeContainer(containerId: string): Promise<void> {
    const c = this.containers.get(containerId);
    if (!c) return;
    await this.stopContainer(containerId, 0);
    if (c.cgroup) this.cgroups?.remove(containerId);
    // Mount points made on the host for this container go again (only while still empty).
    const live = [...this.containers.values()].filter((o) => o !== c && o.state === 'CONTAINER_RUNNING');
    for (const p of c.createdPaths) {
      if (!live.some((o) => o.config.mounts.some((m) => m.containerPath === p || m.containerPath.startsWith(p + '/')))) removeEmptyTree(p);
    }
    rmSync(c.logPath, { force: true });
    this.containers.delete(containerId);
  }

  async containerStatus(containerId: string): Promise<ContainerStatus> {
    return this.statusOf(this.mustGet(containerId));
  }

  async listContainers(sandboxId?: string): Promise<ContainerStatus[]> {
    return [...this.containers.values()].filter((c) => !sandboxId || c.sandboxId === sandboxId).map((c) => this.statusOf(c));
  }

  private statusOf(c: Container): ContainerStatus {
    const builtin = builtinImage(c.config.image);
    return {
      id: c.id,
      name: c.config.name,
      attempt: c.config.attempt,
      state: c.state,
      createdAt: c.createdAt,
      startedAt: c.startedAt,
      finishedAt: c.finishedAt,
      exitCode: c.exitCode,
      reason: c.reason,
      message: c.message,
      image: c.config.image,
      imageRef: builtin ? `skiff-builtin://${builtin}` : `host://${c.argv[0]}`,
      logPath: c.logPath,
      pid: c.state === 'CONTAINER_RUNNING' ? c.proc?.pid : undefined,
    };
  }

  onContainerExit(cb: (containerId: string) => void): void {
    this.exitListeners.push(cb);
  }

  // ---- exec / attach / port-forward ----

  /** Argv that runs cmd in the container's namespaces with its environment. */
  private execPlan(c: Container, cmd: string[]): { file: string; args: string[]; env: Record<string, string>; cwd: string } {
    const env: Record<string, string> = { PATH: process.env.PATH ?? '/usr/bin:/bin' };
    for (const e of c.config.env) env[e.name] = e.value;
    const pid = c.proc?.pid;
    if (c.state !== 'CONTAINER_RUNNING' || !pid) throw new Error(`container ${c.config.name} is not running`);
    const cwd = c.config.workingDir ?? '/';
    if (this.root && this.cgroups) {
      const sb = this.sandboxes.get(c.sandboxId);
      const ns = ['-t', String(pid), '-m', ...(sb?.netnsPath ? ['-n', '-u'] : [])];
      return { file: 'nsenter', args: [...ns, `--wd=${cwd}`, '--', ...cmd], env, cwd: '/' };
    }
    return { file: cmd[0], args: cmd.slice(1), env, cwd };
  }

  async execSync(containerId: string, cmd: string[], timeoutSeconds: number): Promise<ExecResult> {
    const c = this.mustGet(containerId);
    const p = this.execPlan(c, cmd);
    return new Promise((resolve, reject) => {
      const child = spawn(p.file, p.args, { env: p.env, cwd: p.cwd, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      child.stdout!.on('data', (d) => out.push(d));
      child.stderr!.on('data', (d) => err.push(d));
      const timer = setTimeout(() => {
        if (child.pid) killGroup(child.pid, 'SIGKILL');
        reject(new Error(`command "${cmd.join(' ')}" timed out after ${timeoutSeconds}s`));
      }, Math.max(1, timeoutSeconds) * 1000);
      child.on('error', (e) => {
        clearTimeout(timer);
        resolve({ exitCode: 126, stdout: Buffer.alloc(0), stderr: Buffer.from(e.message) });
      });
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        resolve({ exitCode: code ?? 128 + (SIGNALS[signal ?? 'SIGKILL'] ?? 9), stdout: Buffer.concat(out), stderr: Buffer.concat(err) });
      });
    });
  }

  async exec(containerId: string, cmd: string[], streams: StreamOptions): Promise<number> {
    const c = this.mustGet(containerId);
    const p = this.execPlan(c, cmd);
    return new Promise((resolve) => {
      const child = streams.tty
        ? spawnPty([p.file, ...p.args], { env: p.env, cwd: p.cwd })
        : spawn(p.file, p.args, { env: p.env, cwd: p.cwd, stdio: [streams.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'] });
      if (streams.tty) void forwardResizes(child, streams.resize).catch(() => undefined);
      if (streams.stdin && child.stdin) {
        streams.stdin.pipe(child.stdin);
        child.stdin.on('error', () => undefined);
      }
      if (streams.stdout) child.stdout!.pipe(streams.stdout, { end: false });
      const errOut = streams.tty ? streams.stdout : streams.stderr;
      if (errOut) child.stderr!.pipe(errOut, { end: false });
      child.on('error', (e) => {
        errOut?.write(`${e.message}\n`);
        resolve(126);
      });
      child.on('close', (code, signal) => resolve(code ?? 128 + (SIGNALS[signal ?? 'SIGKILL'] ?? 9)));
    });
  }

  async attach(containerId: string, streams: StreamOptions): Promise<void> {
    const c = this.mustGet(containerId);
    const proc = c.proc;
    if (!proc || c.state !== 'CONTAINER_RUNNING') throw new Error(`container ${c.config.name} is not running`);
    const onOut = (d: Buffer) => streams.stdout?.write(d);
    const onErr = (d: Buffer) => (streams.tty ? streams.stdout : streams.stderr)?.write(d);
    proc.stdout!.on('data', onOut);
    proc.stderr!.on('data', onErr);
    if (streams.stdin && proc.stdin) {
      streams.stdin.on('data', (d) => proc.stdin!.write(d));
      if (c.config.stdinOnce) streams.stdin.on('end', () => proc.stdin!.end());
    }
    if (c.config.tty && streams.tty) void forwardResizes(proc, streams.resize).catch(() => undefined);
    await new Promise<void>((resolve) => {
      void c.exited?.then(() => resolve());
      streams.stdin?.on('end', () => resolve());
      streams.stdin?.on('close', () => resolve());
    });
    proc.stdout!.off('data', onOut);
    proc.stderr!.off('data', onErr);
  }

  async portForward(sandboxId: string, port: number): Promise<Socket> {
    const sb = this.sandboxes.get(sandboxId);
    if (!sb) throw new Error(`pod sandbox ${sandboxId} not found`);
    const host = sb.netnsPath ? sb.ip : '127.0.0.1';
    return new Promise((resolve, reject) => {
      const s = connect({ host, port }, () => {
        s.off('error', reject);
        resolve(s);
      });
      s.once('error', reject);
    });
  }

  async containerStats(containerId: string): Promise<ContainerStats | undefined> {
    const c = this.containers.get(containerId);
    if (!c || c.state !== 'CONTAINER_RUNNING') return undefined;
    const base = { containerId, name: c.config.name, timestamp: Date.now() };
    const cg = c.cgroup ? this.cgroups?.stats(containerId) : undefined;
    if (cg) return { ...base, cpuUsageCoreNanoSeconds: cg.cpuNs, memoryWorkingSetBytes: cg.memoryBytes };
    const pid = c.proc?.pid;
    if (!pid) return undefined;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const ticks = Number(fields[11]) + Number(fields[12]);
      const rss = Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) * 1024;
      return { ...base, cpuUsageCoreNanoSeconds: (ticks * 1e9) / 100, memoryWorkingSetBytes: rss };
    } catch {
      return undefined;
    }
  }

  async shutdown(): Promise<void> {
    await Promise.all([...this.containers.values()].map((c) => this.stopContainer(c.id, 2)));
    for (const sb of [...this.sandboxes.values()]) await this.removePodSandbox(sb.id);
    this.cgroups?.cleanup();
    await this.network?.teardown();
    this.closed = true; // no coalesced pid-file write after this point
    await this.recordWrite;
    rmSync(this.pidFile, { force: true });
  }

  private mustGet(id: string): Container {
    const c = this.containers.get(id);
    if (!c) throw new Error(`container ${id} not found`);
    return c;
  }

  /**
   * Remember running process groups so a restarted runtime can end them (no orphans). Writes
   * are coalesced per event-loop turn: a burst of container starts rewrites the file once.
   */
  private recordGroups(): void {
    if (this.recordPending) return;
    this.recordPending = true;
    // One write in flight at a time; changes meanwhile are written by the next one.
    const write = () => {
      this.recordPending = false;
      if (this.closed) return;
      this.recordWrite = this.writeGroups().finally(() => {
        this.recordWrite = undefined;
      });
    };
    if (this.recordWrite) void this.recordWrite.then(write);
    else setImmediate(write);
  }

  private async writeGroups(): Promise<void> {
    const pids: number[] = [];
    const startTime: Record<string, string> = {};
    for (const c of this.containers.values()) {
      const pid = c.proc?.pid;
      if (c.state !== 'CONTAINER_RUNNING' || !pid) continue;
      // A pid's start time never changes: read /proc once per container, not once per write.
      c.pidStartTime ??= processStartTimes([pid])[pid];
      if (!c.pidStartTime) continue;
      pids.push(pid);
      startTime[pid] = c.pidStartTime;
    }
    try {
      await writeFile(this.pidFile, JSON.stringify({ pids, startTime }));
    } catch {
      /* data dir gone (tests cleaning up) */
    }
  }

  private killRecordedGroups(): void {
    let rec: { pids: number[]; startTime: Record<string, string> };
    try {
      rec = JSON.parse(readFileSync(this.pidFile, 'utf8'));
    } catch {
      return;
    }
    // Only kill a pid that is still the process we started (pids are reused).
    const now = processStartTimes(rec.pids);
    for (const pid of rec.pids) if (now[pid] && now[pid] === rec.startTime[pid]) killGroup(pid, 'SIGKILL');
    rmSync(this.pidFile, { force: true });
  }
}

/** The top-most ancestor of path that does not exist yet (what mkdir -p would create). */
function firstMissing(path: string): string | undefined {
  if (existsSync(path)) return undefined;
  let p = path;
  while (!existsSync(dirname(p)) && dirname(p) !== p) p = dirname(p);
  return p;
}

function removeEmptyTree(p: string): void {
  try {
    const st = lstatSync(p);
    if (st.isDirectory()) {
      for (const e of readdirSync(p)) removeEmptyTree(join(p, e));
      rmdirSync(p);
    } else if (st.isFile() && st.size === 0) rmSync(p);
  } catch {
    /* in use or not empty: leave it */
  }
}

function killGroup(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(-pid, sig);
  } catch {
    try {
      process.kill(pid, sig);
    } catch {
      /* already gone */
    }
  }
}

function processStartTimes(pids: number[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      out[pid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
    } catch {
      /* gone */
    }
  }
  return out;
}

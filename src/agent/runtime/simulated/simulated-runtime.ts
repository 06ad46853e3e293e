// The `simulated` runtime for hollow nodes (kwok-style): sandboxes get an address from the
// node's pod CIDR and containers are Running at once, without any process. exec answers
// success, so exec probes pass; the agent skips network probes for this runtime.
// Containers run forever, except (as kwok's pod-complete stage) those of Job pods, which exit 0,
// and those of pods annotated skiff.dev/simulated-exit-code, which exit with that code;
// skiff.dev/simulated-run-ms delays the exit (default 0).
import { randomBytes } from 'node:crypto';
import { Socket } from 'node:net';
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

export const SIMULATED_RUNTIME_NAME = 'simulated';
export const SIMULATED_EXIT_CODE_ANNOTATION = 'skiff.dev/simulated-exit-code';
export const SIMULATED_RUN_MS_ANNOTATION = 'skiff.dev/simulated-run-ms';

/** When (and how) a container of this pod exits on its own; undefined = runs until stopped. */
function exitPlan(sandbox: PodSandboxConfig | undefined): { code: number; afterMs: number } | undefined {
  if (!sandbox) return undefined;
  const a = sandbox.annotations ?? {};
  const explicit = a[SIMULATED_EXIT_CODE_ANNOTATION];
  const isJobPod = !!sandbox.labels?.['batch.kubernetes.io/job-name'];
  if (explicit === undefined && !isJobPod) return undefined;
  const code = explicit === undefined ? 0 : Number.parseInt(explicit, 10);
  const afterMs = Number.parseInt(a[SIMULATED_RUN_MS_ANNOTATION] ?? '0', 10);
  return { code: Number.isFinite(code) ? code : 1, afterMs: Number.isFinite(afterMs) && afterMs > 0 ? afterMs : 0 };
}

interface SimSandbox {
  status: PodSandboxStatus;
  config: PodSandboxConfig;
}

export class SimulatedRuntime implements ContainerRuntime {
  private readonly sandboxes = new Map<string, SimSandbox>();
  private readonly containers = new Map<string, ContainerStatus & { sandboxId: string; exit?: { code: number; afterMs: number } }>();
  private readonly exitTimers = new Map<string, NodeJS.Timeout>();
  private readonly listeners: ((id: string) => void)[] = [];
  private nextHost = 2;
  private readonly base: number[];

  /** podCidr: the node's pod CIDR (an IPv4 /24 or larger); pods get consecutive addresses. */
  constructor(podCidr = '10.244.0.0/24', private readonly nodeIP = '10.0.0.1') {
    this.base = podCidr.split('/')[0].split('.').map(Number);
  }

  info(): RuntimeInfo {
    return { runtimeName: SIMULATED_RUNTIME_NAME, runtimeVersion: '0.1.0', nodeRuntimeVersion: 'simulated://0.1.0', podNetwork: true, enforcesLimits: false };
  }

  private allocateIP(): string {
    const n = this.nextHost++;
    const b = this.base;
    return `${b[0]}.${b[1]}.${b[2] + Math.floor(n / 256)}.${n % 256}`;
  }

  async runPodSandbox(config: PodSandboxConfig): Promise<string> {
    const id = randomBytes(16).toString('hex');
    const ip = config.hostNetwork ? this.nodeIP : this.allocateIP();
    this.sandboxes.set(id, { config, status: { id, state: 'SANDBOX_READY', createdAt: Date.now(), ip, additionalIps: [] } });
    return id;
  }
  async stopPodSandbox(id: string): Promise<void> {
    const sb = this.sandboxes.get(id);
    if (!sb) return;
    for (const c of this.containers.values()) if (c.sandboxId === id) await this.stopContainer(c.id);
    sb.status.state = 'SANDBOX_NOTREADY';
  }
  async removePodSandbox(id: string): Promise<void> {
    await this.stopPodSandbox(id);
    for (const c of [...this.containers.values()]) if (c.sandboxId === id) this.containers.delete(c.id);
    this.sandboxes.delete(id);
  }
  async podSandboxStatus(id: string): Promise<PodSandboxStatus> {
    const sb = this.sandboxes.get(id);
    if (!sb) throw new Error(`pod sandbox ${id} not found`);
    return { ...sb.status };
  }
  async listPodSandboxes() {
    return [...this.sandboxes.values()].map((s) => ({ ...s.status, uid: s.config.uid, name: s.config.name, namespace: s.config.namespace }));
  }

  async createContainer(sandboxId: string, config: ContainerConfig, sandbox?: PodSandboxConfig): Promise<string> {
    if (!this.sandboxes.has(sandboxId)) throw new Error(`pod sandbox ${sandboxId} not found`);
    const id = randomBytes(16).toString('hex');
    this.containers.set(id, {
      id,
      sandboxId,
      name: config.name,
      attempt: config.attempt,
      state: 'CONTAINER_CREATED',
      createdAt: Date.now(),
      image: config.image,
      imageRef: `simulated://${config.image}`,
      logPath: config.logPath,
      exit: exitPlan(sandbox ?? this.sandboxes.get(sandboxId)?.config),
    });
    return id;
  }
  async startContainer(id: string): Promise<void> {
    const c = this.must(id);
    c.state = 'CONTAINER_RUNNING';
    c.startedAt = Date.now();
    const plan = c.exit;
    if (plan) {
      const t = setTimeout(() => {
        this.exitTimers.delete(id);
        this.exited(id, plan.code, plan.code === 0 ? 'Completed' : 'Error');
      }, plan.afterMs);
      t.unref();
      this.exitTimers.set(id, t);
    }
  }
  private exited(id: string, exitCode: number, reason: string): void {
    const c = this.containers.get(id);
    if (!c || c.state !== 'CONTAINER_RUNNING') return;
    c.state = 'CONTAINER_EXITED';
    c.finishedAt = Date.now();
    c.exitCode = exitCode;
    c.reason = reason;
    for (const l of this.listeners) l(id);
  }
  async stopContainer(id: string): Promise<void> {
    clearTimeout(this.exitTimers.get(id));
    this.exitTimers.delete(id);
    this.exited(id, 0, 'Completed');
  }
  async removeContainer(id: string): Promise<void> {
    clearTimeout(this.exitTimers.get(id));
    this.exitTimers.delete(id);
    this.containers.delete(id);
  }
  async containerStatus(id: string): Promise<ContainerStatus> {
    const { sandboxId: _s, exit: _e, ...st } = this.must(id);
    return st;
  }
  async listContainers(sandboxId?: string): Promise<ContainerStatus[]> {
    return [...this.containers.values()].filter((c) => !sandboxId || c.sandboxId === sandboxId).map(({ sandboxId: _s, exit: _e, ...st }) => st);
  }
  onContainerExit(cb: (id: string) => void): void {
    this.listeners.push(cb);
  }
  async execSync(): Promise<ExecResult> {
    return { exitCode: 0, stdout: Buffer.alloc(0), stderr: Buffer.alloc(0) };
  }
  async exec(_id: string, _cmd: string[], _streams: StreamOptions): Promise<number> {
    return 0;
  }
  async attach(): Promise<void> {}
  async portForward(): Promise<Socket> {
    throw new Error('port-forward is not available on simulated nodes (their pods run no processes)');
  }
  async containerStats(id: string): Promise<ContainerStats | undefined> {
    const c = this.containers.get(id);
    if (!c || c.state !== 'CONTAINER_RUNNING') return undefined;
    return { containerId: id, name: c.name, timestamp: Date.now(), cpuUsageCoreNanoSeconds: 0, memoryWorkingSetBytes: 0 };
  }
  async shutdown(): Promise<void> {
    for (const t of this.exitTimers.values()) clearTimeout(t);
    this.exitTimers.clear();
    this.sandboxes.clear();
    this.containers.clear();
  }
  private must(id: string) {
    const c = this.containers.get(id);
    if (!c) throw new Error(`container ${id} not found`);
    return c;
  }
}

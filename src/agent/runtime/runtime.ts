// The CRI-shaped interface between the node agent and a container runtime (process,
// containerd, simulated). Shapes follow the CRI RuntimeService: sandboxes hold the pod's
// shared namespaces (network), containers run inside them.
import type { Readable, Writable } from 'node:stream';

export interface PodSandboxConfig {
  /** Pod identity, used for naming and labels. */
  name: string;
  namespace: string;
  uid: string;
  attempt: number;
  hostname: string;
  hostNetwork: boolean;
  /** Host ports to map (hostPort → containerPort). */
  portMappings: { containerPort: number; hostPort?: number; protocol: 'TCP' | 'UDP' | 'SCTP'; hostIP?: string }[];
  dnsConfig?: { servers: string[]; searches: string[]; options: string[] };
  labels: Record<string, string>;
  annotations: Record<string, string>;
  /** Directory the agent prepared for this pod (volumes, logs, etc.). */
  podDir: string;
  logDirectory: string;
  cgroupParent?: string;
}

export type SandboxState = 'SANDBOX_READY' | 'SANDBOX_NOTREADY';

export interface PodSandboxStatus {
  id: string;
  state: SandboxState;
  createdAt: number; // ms epoch
  /** Pod IP (the node IP when hostNetwork or no per-pod network). */
  ip: string;
  additionalIps: string[];
  /** Path of the network namespace, when the pod has its own. */
  netnsPath?: string;
}

export interface Mount {
  containerPath: string;
  hostPath: string;
  readonly: boolean;
  /** subPath already resolved into hostPath by the agent. */
}

export interface ContainerConfig {
  name: string;
  attempt: number;
  image: string;
  /** Resolved command + args (after $(VAR) expansion); empty means "image default". */
  command: string[];
  args: string[];
  workingDir?: string;
  env: { name: string; value: string }[];
  mounts: Mount[];
  stdin: boolean;
  stdinOnce: boolean;
  tty: boolean;
  /** Relative to the sandbox's logDirectory, e.g. "web/0.log" (CRI log format lines). */
  logPath: string;
  resources?: { cpuMillis?: number; memoryLimitBytes?: number; cpuRequestMillis?: number };
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

export type ContainerState = 'CONTAINER_CREATED' | 'CONTAINER_RUNNING' | 'CONTAINER_EXITED' | 'CONTAINER_UNKNOWN';

export interface ContainerStatus {
  id: string;
  name: string;
  attempt: number;
  state: ContainerState;
  createdAt: number;
  startedAt?: number;
  finishedAt?: number;
  exitCode?: number;
  /** e.g. 'Completed', 'Error', 'OOMKilled', 'ContainerCannotRun' */
  reason?: string;
  message?: string;
  image: string;
  imageRef: string;
  logPath: string;
  pid?: number;
}

export interface ExecResult {
  exitCode: number;
  stdout: Buffer;
  stderr: Buffer;
}

/** Streams for an interactive exec/attach. stdout/stderr are merged into stdout when tty. */
export interface StreamOptions {
  stdin?: Readable;
  stdout?: Writable;
  stderr?: Writable;
  tty: boolean;
  /** Terminal size changes (TTY only). */
  resize?: AsyncIterable<{ width: number; height: number }>;
}

export interface ContainerStats {
  containerId: string;
  name: string;
  timestamp: number;
  cpuUsageCoreNanoSeconds: number;
  memoryWorkingSetBytes: number;
}

export interface RuntimeInfo {
  runtimeName: string; // e.g. "process"
  runtimeVersion: string;
  /** Shown as the Node's containerRuntimeVersion, e.g. "process://0.1.0". */
  nodeRuntimeVersion: string;
  /** Whether pods get their own network namespace (else they share the host network). */
  podNetwork: boolean;
  /** Whether cgroup limits are enforced. */
  enforcesLimits: boolean;
  /**
   * Whether containers get their own mount namespace, so ContainerConfig.mounts (volumes, the
   * pod's /etc/hosts and /etc/resolv.conf) appear at their container paths.
   */
  mountNamespaces?: boolean;
}

/**
 * createContainer's error when the image cannot be made available (the agent reports it as
 * upstream does: ErrImagePull → ImagePullBackOff, or ErrImageNeverPull).
 */
export class ImageUnavailableError extends Error {
  constructor(
    readonly image: string,
    message: string,
  ) {
    super(message);
  }
}

export interface ContainerRuntime {
  info(): RuntimeInfo;
  runPodSandbox(config: PodSandboxConfig): Promise<string>;
  stopPodSandbox(sandboxId: string): Promise<void>;
  removePodSandbox(sandboxId: string): Promise<void>;
  podSandboxStatus(sandboxId: string): Promise<PodSandboxStatus>;
  listPodSandboxes(): Promise<(PodSandboxStatus & { uid: string; name: string; namespace: string })[]>;

  createContainer(sandboxId: string, config: ContainerConfig, sandbox: PodSandboxConfig): Promise<string>;
  startContainer(containerId: string): Promise<void>;
  /** SIGTERM, wait up to timeoutSeconds, then SIGKILL. */
  stopContainer(containerId: string, timeoutSeconds: number): Promise<void>;
  removeContainer(containerId: string): Promise<void>;
  containerStatus(containerId: string): Promise<ContainerStatus>;
  listContainers(sandboxId?: string): Promise<ContainerStatus[]>;
  /** Invoked when a container exits (so the agent reacts without polling). */
  onContainerExit(cb: (containerId: string) => void): void;

  execSync(containerId: string, cmd: string[], timeoutSeconds: number): Promise<ExecResult>;
  /** Interactive exec; resolves with the exit code. */
  exec(containerId: string, cmd: string[], streams: StreamOptions): Promise<number>;
  attach(containerId: string, streams: StreamOptions): Promise<void>;
  /** Open a TCP connection to `port` inside the pod's network. */
  portForward(sandboxId: string, port: number): Promise<import('node:net').Socket>;

  containerStats(containerId: string): Promise<ContainerStats | undefined>;
  /** Stop everything this runtime started (agent shutdown). */
  shutdown(): Promise<void>;
}

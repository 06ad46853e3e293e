// One pod's sync loop (kubelet's podWorker + SyncPod), level-triggered: each sync compares the
// pod spec with what the runtime reports and takes the next steps — sandbox, volumes, init
// containers in order, sidecars, app containers, restarts with back-off — then writes the
// computed status. Syncs of one pod never overlap; a trigger during a sync runs another after it.
import type { Container, ContainerStatus as K8sContainerStatus, ContainerState, Pod, PodStatus } from 'kubernetes-types/core/v1.js';
import type { Logger } from 'pino';
import { createServer } from 'node:net';
import type { Clock } from '../client/clock.js';
import { cpuMillis, bytes } from '../api/quantity.js';
import { ImageUnavailableError, type ContainerConfig, type ContainerRuntime, type ContainerStatus as RtStatus, type Mount, type PodSandboxConfig } from './runtime/runtime.js';
import { CrashBackoff, formatDuration } from './backoff.js';
import { ContainerConfigError, resolveEnv, type EnvSources } from './env.js';
import { buildPodStatus, isSidecar, sameStatus, terminatedState, wireTime } from './pod-status.js';
import { VolumeError, type VolumeManager } from './volumes/volume-manager.js';
import { ProbeWorker, type ProbeKind } from './probes/probe-worker.js';
import type { ProbeTarget } from './probes/prober.js';
import { hookFailureMessage, runHook } from './lifecycle-hooks.js';
import { podHostname, writePodEtcFiles } from './pod-etc-files.js';

const RESYNC_MS = 10_000;
const RETRY_MS = 2_000;

export interface PodEvents {
  event(pod: Pod, type: 'Normal' | 'Warning', reason: string, message: string): void;
}

export interface PodWorkerDeps {
  runtime: ContainerRuntime;
  volumes: VolumeManager;
  events: PodEvents;
  clock: Clock;
  backoff: CrashBackoff;
  log: Logger;
  nodeIP: () => string;
  /** Lookups for env resolution (ConfigMaps, Secrets, Service variables). */
  envSources: (pod: Pod) => Promise<Omit<EnvSources, 'podIP' | 'hostIP' | 'nodeAllocatable'>>;
  nodeAllocatable: EnvSources['nodeAllocatable'];
  /** false: there is no pod object to write to (yet), e.g. a static pod without its mirror. */
  writeStatus: (pod: Pod, status: PodStatus) => Promise<boolean | void>;
  /** The pod has been stopped after deletion: remove it from the API (grace 0). */
  finalizeDeletion: (pod: Pod) => Promise<void>;
  probesEnabled: boolean;
  /** ClusterFirst nameserver and cluster domain for the pod's /etc/resolv.conf. */
  dns: { clusterDNS: () => string; clusterDomain: string };
}

interface ContainerRecord {
  id?: string;
  restartCount: number;
  prevTerminated?: ContainerState['terminated'];
  waiting?: { reason: string; message?: string };
  probes: ProbeWorker[];
  postStartFailed?: boolean;
  /** Set while the agent kills the container for a failed liveness/startup probe. */
  killing?: boolean;
  /** When the last create/start attempt failed (back-off for config errors). */
  failedAt?: number;
}

interface VolumeDirs {
  dirs: Map<string, string>;
}

function podKey(pod: Pod): string {
  return `${pod.metadata?.name}_${pod.metadata?.namespace}(${pod.metadata?.uid})`;
}

export class PodWorker {
  private pod: Pod;
  private sandboxId?: string;
  private sandboxConfig?: PodSandboxConfig;
  private podIP?: string;
  /** /etc/hosts and /etc/resolv.conf of the pod, mounted into every container. */
  private etcMounts: Mount[] = [];
  private readonly records = new Map<string, ContainerRecord>();
  private syncing = false;
  private dirty = false;
  private timer?: unknown;
  private timerDue = Infinity;
  private stopped = false;
  private finished = false;
  private terminated = false;
  private startTime: number;
  private lastStatus?: PodStatus;
  private rt = new Map<string, RtStatus>();
  private idle?: Promise<void>;
  private idleResolve?: () => void;
  /** Start-up phase timestamps (ms since the worker was created), logged once at debug level. */
  private phases?: Record<string, number> = {};
  private readonly born = performance.now();
  private readonly bornAt = Date.now();

  constructor(
    pod: Pod,
    private readonly deps: PodWorkerDeps,
  ) {
    this.pod = pod;
    this.startTime = pod.status?.startTime ? Date.parse(pod.status.startTime) : deps.clock.now();
    // Keep restart counts across agent restarts.
    for (const s of [...(pod.status?.containerStatuses ?? []), ...(pod.status?.initContainerStatuses ?? [])]) {
      this.records.set(s.name, { restartCount: s.restartCount ?? 0, probes: [] });
    }
  }

  private mark(phase: string): void {
    if (this.phases && this.phases[phase] === undefined) this.phases[phase] = Math.round(performance.now() - this.born);
  }

  get uid(): string {
    return this.pod.metadata!.uid!;
  }

  get current(): Pod {
    return this.pod;
  }

  /** Container ids this worker owns (exit events are routed by them). */
  owns(containerId: string): boolean {
    for (const r of this.records.values()) if (r.id === containerId) return true;
    return false;
  }

  /** Write the status again even if unchanged (a mirror pod was re-created). */
  resendStatus(): void {
    this.lastStatus = undefined;
    this.trigger();
  }

  update(pod: Pod): void {
    this.pod = pod;
    this.trigger();
  }

  trigger(delayMs = 0): void {
    if (this.stopped) return;
    if (delayMs > 0) {
      const due = this.deps.clock.now() + delayMs;
      if (due >= this.timerDue) return;
      if (this.timer !== undefined) this.deps.clock.clearTimeout(this.timer);
      this.timerDue = due;
      this.timer = this.deps.clock.setTimeout(() => {
        this.timer = undefined;
        this.timerDue = Infinity;
        this.trigger();
      }, delayMs);
      return;
    }
    this.dirty = true;
    if (!this.syncing) void this.loop();
  }

  private async loop(): Promise<void> {
    this.syncing = true;
    while (this.dirty && !this.stopped) {
      this.dirty = false;
      try {
        await this.sync();
      } catch (e) {
        this.deps.log.error({ pod: podKey(this.pod), err: (e as Error).message }, 'pod sync failed');
        this.trigger(RETRY_MS);
      }
    }
    this.syncing = false;
    this.idleResolve?.();
  }

  /** Resolves when no sync is running (tests). */
  async settled(): Promise<void> {
    while (this.syncing || this.dirty) {
      this.idle = new Promise((r) => (this.idleResolve = r));
      await this.idle;
    }
  }

  /** The pod is gone from the API (or the agent stops): stop everything, no more status writes. */
  async stop(graceSeconds: number, removeSandbox = true): Promise<void> {
    this.stopped = true;
    if (this.timer !== undefined) this.deps.clock.clearTimeout(this.timer);
    await this.killPod(graceSeconds, removeSandbox);
  }

  private async sync(): Promise<void> {
    const pod = this.pod;
    if (this.terminated) return;
    if (pod.metadata?.deletionTimestamp) {
      const grace = pod.metadata.deletionGracePeriodSeconds ?? pod.spec?.terminationGracePeriodSeconds ?? 30;
      await this.killPod(grace, true);
      this.terminated = true;
      await this.deps.finalizeDeletion(pod);
      return;
    }
    if (this.finished) return;

    if (!(await this.ensureSandbox())) return;
    const ctx = await this.prepareVolumes();
    if (!ctx) return;
    await this.refreshRuntime();

    const initDone = await this.syncInitContainers(ctx);
    if (initDone === 'failed') {
      await this.writeStatus();
      await this.finish();
      return;
    }
    let nextMs = RESYNC_MS;
    if (initDone === true) {
      for (const c of pod.spec?.containers ?? []) {
        const wait = await this.syncContainer(c, this.shouldRestartApp.bind(this), ctx);
        if (wait > 0) nextMs = Math.min(nextMs, wait);
      }
    }
    await this.refreshRuntime();
    const status = await this.writeStatus();
    if (status && (status.phase === 'Succeeded' || status.phase === 'Failed')) {
      await this.finish();
      return;
    }
    this.trigger(nextMs);
  }

  // ---- sandbox and volumes ----

  private async ensureSandbox(): Promise<boolean> {
    if (this.sandboxId) return true;
    const pod = this.pod;
    const meta = pod.metadata!;
    const logDirectory = this.deps.volumes.podDir(meta.uid!);
    const cfg: PodSandboxConfig = {
      name: meta.name!,
      namespace: meta.namespace ?? 'default',
      uid: meta.uid!,
      attempt: 0,
      hostname: podHostname(pod),
      hostNetwork: !!pod.spec?.hostNetwork,
      portMappings: (pod.spec?.containers ?? []).flatMap((c) =>
        (c.ports ?? []).filter((p) => p.hostPort).map((p) => ({ containerPort: p.containerPort, hostPort: p.hostPort, protocol: (p.protocol ?? 'TCP') as 'TCP', hostIP: p.hostIP })),
      ),
      labels: { ...(meta.labels ?? {}) },
      annotations: { ...(meta.annotations ?? {}) },
      podDir: logDirectory,
      logDirectory,
    };
    try {
      this.mark('sandboxStart');
      this.sandboxId = await this.deps.runtime.runPodSandbox(cfg);
      this.mark('sandbox');
      this.sandboxConfig = cfg;
      const st = await this.deps.runtime.podSandboxStatus(this.sandboxId);
      this.podIP = st.ip;
      this.prepareEtcFiles(logDirectory);
      return true;
    } catch (e) {
      this.deps.events.event(pod, 'Warning', 'FailedCreatePodSandBox', `Failed to create pod sandbox: ${(e as Error).message}`);
      this.setAllWaiting('ContainerCreating');
      await this.writeStatus();
      this.trigger(RETRY_MS * 5);
      return false;
    }
  }

  private prepareEtcFiles(podDir: string): void {
    const pod = this.pod;
    if (this.deps.runtime.info().mountNamespaces) {
      this.etcMounts = writePodEtcFiles(pod, podDir, { podIP: this.podIP ?? '', clusterDNS: this.deps.dns.clusterDNS(), clusterDomain: this.deps.dns.clusterDomain });
      return;
    }
    const policy = pod.spec?.dnsPolicy ?? 'ClusterFirst';
    if (this.deps.runtime.info().runtimeName === 'simulated' || policy === 'Default' || (policy === 'ClusterFirst' && pod.spec?.hostNetwork)) return;
    this.deps.events.event(
      pod,
      'Normal',
      'DNSConfigForming',
      `dnsPolicy ${policy} is not applied: without root the ${this.deps.runtime.info().runtimeName} runtime gives containers no mount namespace, so they use the node's /etc/resolv.conf and /etc/hosts`,
    );
  }

  private async prepareVolumes(): Promise<VolumeDirs | undefined> {
    const pod = this.pod;
    try {
      const dirs = await this.deps.volumes.setUp(pod, { podIP: this.podIP!, hostIP: this.deps.nodeIP(), nodeAllocatable: this.deps.nodeAllocatable });
      this.mark('volumes');
      return { dirs };
    } catch (e) {
      if (!(e instanceof VolumeError)) throw e;
      this.deps.events.event(pod, 'Warning', 'FailedMount', e.message);
      // Containers that never started wait in ContainerCreating until the volumes are ready.
      const anyStarted = [...this.records.values()].some((r) => r.id);
      if (!anyStarted) {
        this.setAllWaiting('ContainerCreating');
        await this.writeStatus();
      }
      this.trigger(RETRY_MS * 2);
      return undefined;
    }
  }

  private setAllWaiting(reason: string): void {
    for (const c of [...(this.pod.spec?.initContainers ?? []), ...(this.pod.spec?.containers ?? [])]) {
      const r = this.record(c.name);
      if (!r.id) r.waiting = { reason };
    }
  }

  private async refreshRuntime(): Promise<void> {
    this.rt.clear();
    if (!this.sandboxId) return;
    for (const s of await this.deps.runtime.listContainers(this.sandboxId)) this.rt.set(s.id, s);
  }

  private record(name: string): ContainerRecord {
    let r = this.records.get(name);
    if (!r) this.records.set(name, (r = { restartCount: 0, probes: [] }));
    return r;
  }

  private currentStatus(name: string): RtStatus | undefined {
    const id = this.records.get(name)?.id;
    return id ? this.rt.get(id) : undefined;
  }

  // ---- containers ----

  private shouldRestartApp(exitCode: number): boolean {
    const policy = this.pod.spec?.restartPolicy ?? 'Always';
    return policy === 'Always' || (policy === 'OnFailure' && exitCode !== 0);
  }

  /** Returns 'failed' when an init container failed for good, true when all are done. */
  private async syncInitContainers(ctx: VolumeDirs): Promise<boolean | 'failed'> {
    const appStarted = (this.pod.spec?.containers ?? []).some((c) => this.records.get(c.name)?.id);
    for (const c of this.pod.spec?.initContainers ?? []) {
      if (isSidecar(c)) {
        await this.syncContainer(c, () => true, ctx);
        const st = this.currentStatus(c.name);
        if (!appStarted && (!st || st.state !== 'CONTAINER_RUNNING' || !this.isStarted(c.name))) return false;
        continue;
      }
      if (appStarted) continue; // init containers ran once; they are not re-run
      const st = this.currentStatus(c.name);
      if (st?.state === 'CONTAINER_EXITED' && st.exitCode === 0) continue;
      const never = (this.pod.spec?.restartPolicy ?? 'Always') === 'Never';
      if (st?.state === 'CONTAINER_EXITED' && never) return 'failed';
      await this.syncContainer(c, (code) => code !== 0, ctx);
      return false;
    }
    return true;
  }

  /**
   * Start, keep or restart one container. Returns ms until a back-off expires (0 = none).
   */
  private async syncContainer(c: Container, shouldRestart: (exitCode: number) => boolean, ctx: VolumeDirs): Promise<number> {
    const r = this.record(c.name);
    const st = this.currentStatus(c.name);
    if (st && (st.state === 'CONTAINER_RUNNING' || st.state === 'CONTAINER_CREATED')) return 0;
    if (st && st.state === 'CONTAINER_EXITED') {
      if (!shouldRestart(st.exitCode ?? 0)) return 0;
      const key = `${this.uid}/${c.name}`;
      const wait = this.deps.backoff.check(key, st.finishedAt ?? this.deps.clock.now(), this.deps.clock.now());
      if (wait > 0) {
        const first = r.waiting?.reason !== 'CrashLoopBackOff';
        r.waiting = {
          reason: 'CrashLoopBackOff',
          message: `back-off ${formatDuration(this.deps.backoff.current(key))} restarting failed container=${c.name} pod=${podKey(this.pod)}`,
        };
        if (first) this.deps.events.event(this.pod, 'Warning', 'BackOff', `Back-off restarting failed container ${c.name} in pod ${podKey(this.pod)}`);
        return wait;
      }
    } else if (r.waiting && r.waiting.reason !== 'ContainerCreating' && r.waiting.reason !== 'PodInitializing') {
      // A failed create (config error, image …) retries with back-off too.
      const key = `${this.uid}/${c.name}/create`;
      const wait = this.deps.backoff.check(key, r.failedAt ?? 0, this.deps.clock.now());
      if (wait > 0) {
        if (r.waiting.reason === 'ErrImagePull') {
          const msg = `Back-off pulling image "${c.image}"`;
          r.waiting = { reason: 'ImagePullBackOff', message: `${msg}: ErrImagePull: ${r.waiting.message ?? ''}` };
          this.deps.events.event(this.pod, 'Normal', 'BackOff', msg);
          this.deps.events.event(this.pod, 'Warning', 'Failed', 'Error: ImagePullBackOff');
        }
        return wait;
      }
    }
    return (await this.startContainer(c, r, st, ctx)) ?? 0;
  }

  /** The runtime cannot provide the image: upstream's pull errors, by imagePullPolicy. */
  private imageUnavailable(c: Container, r: ContainerRecord, e: ImageUnavailableError): number {
    const now = this.deps.clock.now();
    r.failedAt = now;
    // Start the back-off now, so the next sync reports ImagePullBackOff instead of retrying.
    this.deps.backoff.check(`${this.uid}/${c.name}/create`, now, now);
    if (c.imagePullPolicy === 'Never') {
      const msg = `Container image "${c.image}" is not present with pull policy of Never`;
      r.waiting = { reason: 'ErrImageNeverPull', message: `${msg}: ${e.message}` };
      this.deps.events.event(this.pod, 'Warning', 'ErrImageNeverPull', r.waiting.message!);
      return 0;
    }
    r.waiting = { reason: 'ErrImagePull', message: e.message };
    this.deps.events.event(this.pod, 'Normal', 'Pulling', `Pulling image "${c.image}"`);
    this.deps.events.event(this.pod, 'Warning', 'Failed', `Failed to pull image "${c.image}": ${e.message}`);
    this.deps.events.event(this.pod, 'Warning', 'Failed', 'Error: ErrImagePull');
    return 1_000;
  }

  private isStarted(name: string): boolean {
    const r = this.records.get(name);
    const sp = r?.probes.find((p) => p.kind === 'startup');
    return !sp || sp.current === true;
  }

  private async startContainer(
    c: Container,
    r: ContainerRecord,
    prev: RtStatus | undefined,
    ctx: VolumeDirs,
  ): Promise<number | void> {
    const pod = this.pod;
    const rt = this.deps.runtime;
    const fail = (reason: string, message: string): void => {
      r.waiting = { reason, message };
      r.failedAt = this.deps.clock.now();
      this.deps.events.event(pod, 'Warning', 'Failed', `Error: ${message}`);
    };
    let resolved;
    try {
      const env = await this.deps.envSources(pod);
      resolved = await resolveEnv(pod, c, { ...env, nodeAllocatable: this.deps.nodeAllocatable, podIP: this.podIP ?? '', hostIP: this.deps.nodeIP() });
      this.mark('env');
    } catch (e) {
      if (e instanceof ContainerConfigError) return fail('CreateContainerConfigError', e.message);
      throw e;
    }
    if (resolved.invalidKeys.length) {
      this.deps.events.event(pod, 'Warning', 'InvalidEnvironmentVariableNames', `Keys [${resolved.invalidKeys.join(', ')}] from the EnvFrom configMap ${pod.metadata?.namespace}/${c.envFrom?.[0]?.configMapRef?.name ?? ''} were skipped since they are considered invalid environment variable names.`);
    }
    if (!rt.info().podNetwork || pod.spec?.hostNetwork) {
      const clash = await firstBusyPort(c);
      if (clash) {
        return fail(
          'RunContainerError',
          `port ${clash} is already in use on the node: pods share the host network here (per-pod network namespaces need root), so two containers cannot listen on the same port`,
        );
      }
    }
    const restarting = !!prev;
    const attempt = restarting ? r.restartCount + 1 : r.restartCount;
    const config: ContainerConfig = {
      name: c.name,
      attempt,
      image: c.image ?? '',
      command: resolved.command,
      args: resolved.args,
      workingDir: c.workingDir,
      env: resolved.env,
      mounts: withEtcMounts(this.deps.volumes.mountsFor(c, ctx.dirs), this.etcMounts),
      stdin: !!c.stdin,
      stdinOnce: !!c.stdinOnce,
      tty: !!c.tty,
      logPath: `${c.name}/${attempt}.log`,
      resources: resourcesOf(c),
      labels: { 'io.kubernetes.container.name': c.name, 'io.kubernetes.pod.uid': this.uid },
      annotations: {},
    };
    let id: string;
    try {
      id = await rt.createContainer(this.sandboxId!, config, this.sandboxConfig!);
      this.mark('created');
    } catch (e) {
      if (e instanceof ImageUnavailableError) return this.imageUnavailable(c, r, e);
      return fail('CreateContainerError', (e as Error).message);
    }
    // The new container replaces the old one; keep only the previous instance (logs --previous).
    for (const p of r.probes) p.stop();
    r.probes = [];
    if (prev) {
      r.prevTerminated = terminatedState(prev, rt.info().runtimeName).terminated;
      r.restartCount = attempt;
      for (const s of this.rt.values()) if (s.name === c.name && s.id !== prev.id) await rt.removeContainer(s.id);
    }
    r.id = id;
    r.waiting = undefined;
    r.failedAt = undefined;
    r.killing = false;
    this.deps.events.event(pod, 'Normal', 'Pulled', `Container image "${c.image}" already present on machine`);
    this.deps.events.event(pod, 'Normal', 'Created', `Created container ${c.name}`);
    try {
      await rt.startContainer(id);
      this.mark('started');
    } catch (e) {
      this.deps.events.event(pod, 'Warning', 'Failed', `Error: failed to start container "${c.name}": ${(e as Error).message}`);
      return;
    }
    this.deps.events.event(pod, 'Normal', 'Started', `Started container ${c.name}`);
    if (c.lifecycle?.postStart) {
      const res = await runHook(c.lifecycle.postStart, this.probeTarget(c, id)!, pod.spec?.terminationGracePeriodSeconds ?? 30);
      if (!res.ok) {
        this.deps.events.event(pod, 'Warning', 'FailedPostStartHook', hookFailureMessage(c.lifecycle.postStart, c.name, pod.metadata?.name ?? '', res.message));
        this.deps.events.event(pod, 'Normal', 'Killing', `FailedPostStartHook`);
        await rt.stopContainer(id, pod.spec?.terminationGracePeriodSeconds ?? 30);
        return;
      }
    }
    this.startProbes(c, id);
  }

  private probeTarget(c: Container, id: string): ProbeTarget | undefined {
    return { podIP: this.podIP ?? this.deps.nodeIP(), container: c, containerId: id, runtime: this.deps.runtime };
  }

  private startProbes(c: Container, id: string): void {
    if (!this.deps.probesEnabled) return;
    const r = this.record(c.name);
    const now = this.deps.clock.now();
    const mk = (kind: ProbeKind, probe: NonNullable<Container['livenessProbe']>): ProbeWorker =>
      new ProbeWorker(
        kind,
        probe,
        () => (this.records.get(c.name)?.id === id && !this.stopped ? this.probeTarget(c, id) : undefined),
        {
          onFailedAttempt: (k, message) => {
            if (this.records.get(c.name)?.id !== id) return;
            const label = k === 'liveness' ? 'Liveness' : k === 'readiness' ? 'Readiness' : 'Startup';
            this.deps.events.event(this.pod, 'Warning', 'Unhealthy', `${label} probe failed: ${message}`);
          },
          onResult: (k, ok) => {
            if (this.records.get(c.name)?.id !== id) return;
            if (k === 'startup' && ok) for (const p of r.probes) p.setPaused(false);
            if ((k === 'liveness' || k === 'startup') && !ok) void this.killForProbe(c, id, k);
            this.trigger();
          },
        },
        this.deps.clock,
        now,
      );
    if (c.startupProbe) r.probes.push(mk('startup', c.startupProbe));
    if (c.livenessProbe) r.probes.push(mk('liveness', c.livenessProbe));
    if (c.readinessProbe) r.probes.push(mk('readiness', c.readinessProbe));
    if (c.startupProbe) for (const p of r.probes) if (p.kind !== 'startup') p.setPaused(true);
  }

  private async killForProbe(c: Container, id: string, kind: ProbeKind): Promise<void> {
    const r = this.record(c.name);
    if (r.killing) return;
    r.killing = true;
    const what = kind === 'liveness' ? 'liveness' : 'startup';
    this.deps.events.event(this.pod, 'Normal', 'Killing', `Container ${c.name} failed ${what} probe, will be restarted`);
    const probe = kind === 'liveness' ? c.livenessProbe : c.startupProbe;
    const grace = probe?.terminationGracePeriodSeconds ?? this.pod.spec?.terminationGracePeriodSeconds ?? 30;
    await this.runPreStop(c, id, grace);
    await this.deps.runtime.stopContainer(id, grace);
  }

  private async runPreStop(c: Container, id: string, grace: number): Promise<void> {
    const h = c.lifecycle?.preStop;
    if (!h) return;
    const res = await runHook(h, this.probeTarget(c, id)!, grace);
    if (!res.ok) this.deps.events.event(this.pod, 'Warning', 'FailedPreStopHook', hookFailureMessage(h, c.name, this.pod.metadata?.name ?? '', res.message));
  }

  /** preStop, SIGTERM, wait up to the grace period, SIGKILL — app containers first, then sidecars. */
  private async killPod(graceSeconds: number, removeSandbox: boolean): Promise<void> {
    const rt = this.deps.runtime;
    for (const r of this.records.values()) for (const p of r.probes) p.stop();
    if (this.sandboxId) {
      await this.refreshRuntime().catch(() => undefined);
      const deadline = this.deps.clock.now() + graceSeconds * 1000;
      const stopGroup = async (containers: Container[]) => {
        await Promise.all(
          containers.map(async (c) => {
            const st = this.currentStatus(c.name);
            if (!st || st.state !== 'CONTAINER_RUNNING') return;
            this.deps.events.event(this.pod, 'Normal', 'Killing', `Stopping container ${c.name}`);
            await this.runPreStop(c, st.id, graceSeconds);
            const left = Math.max(0, Math.ceil((deadline - this.deps.clock.now()) / 1000));
            await rt.stopContainer(st.id, graceSeconds === 0 ? 0 : Math.max(left, 2));
          }),
        );
      };
      await stopGroup(this.pod.spec?.containers ?? []);
      await stopGroup([...(this.pod.spec?.initContainers ?? [])].reverse());
      if (removeSandbox) await rt.removePodSandbox(this.sandboxId);
      else await rt.stopPodSandbox(this.sandboxId);
    }
    if (removeSandbox) {
      this.sandboxId = undefined;
      await this.deps.volumes.tearDown(this.uid);
      this.deps.backoff.forgetPrefix(`${this.uid}/`);
    }
  }

  /** The pod reached Succeeded/Failed: stop what still runs (sidecars), keep logs. */
  private async finish(): Promise<void> {
    this.finished = true;
    for (const r of this.records.values()) for (const p of r.probes) p.stop();
    if (this.sandboxId) await this.deps.runtime.stopPodSandbox(this.sandboxId);
    await this.refreshRuntime();
    await this.writeStatus();
  }

  // ---- status ----

  private containerView(c: Container, isInit: boolean, initDone: boolean): K8sContainerStatus {
    const r = this.records.get(c.name);
    const st = this.currentStatus(c.name);
    const runtimeName = this.deps.runtime.info().runtimeName;
    const base = {
      name: c.name,
      image: c.image ?? '',
      imageID: st?.imageRef ?? '',
      restartCount: r?.restartCount ?? 0,
      ...(st ? { containerID: `${runtimeName}://${st.id}` } : {}),
    };
    let state: ContainerState;
    let lastState: ContainerState = r?.prevTerminated ? { terminated: r.prevTerminated } : {};
    let ready = false;
    let started = false;
    if (r?.waiting && (!st || st.state === 'CONTAINER_EXITED')) {
      state = { waiting: { reason: r.waiting.reason, ...(r.waiting.message ? { message: r.waiting.message } : {}) } };
      if (st) lastState = terminatedState(st, runtimeName);
    } else if (!st) {
      state = { waiting: { reason: !isInit && !initDone ? 'PodInitializing' : 'ContainerCreating' } };
    } else if (st.state === 'CONTAINER_RUNNING') {
      state = { running: { startedAt: wireTime(st.startedAt ?? st.createdAt) } };
      started = this.isStarted(c.name);
      const rp = r?.probes.find((p) => p.kind === 'readiness');
      ready = started && (!rp || rp.current === true) && !r?.killing;
    } else if (st.state === 'CONTAINER_EXITED') {
      state = terminatedState(st, runtimeName);
    } else {
      state = { waiting: { reason: 'ContainerCreating' } };
    }
    return { ...base, state, lastState, ready, started };
  }

  private computeStatus(): PodStatus {
    const spec = this.pod.spec!;
    const initStatuses = (spec.initContainers ?? []).map((c) => this.containerView(c, true, true));
    const initDone = (spec.initContainers ?? []).every((c) => {
      const v = initStatuses.find((s) => s.name === c.name)!;
      return isSidecar(c) ? !!v.started : v.state?.terminated?.exitCode === 0;
    });
    const appStarted = (spec.containers ?? []).some((c) => this.records.get(c.name)?.id);
    const app = (spec.containers ?? []).map((c) => this.containerView(c, false, initDone || appStarted));
    for (const s of initStatuses) if (!isSidecar(spec.initContainers!.find((c) => c.name === s.name)!)) delete s.started;
    return buildPodStatus({
      pod: this.pod,
      init: initStatuses,
      app,
      sandboxReady: !!this.sandboxId && !this.finished,
      podIP: this.podIP,
      hostIP: this.deps.nodeIP(),
      startTime: this.startTime,
      now: this.deps.clock.now(),
    });
  }

  private async writeStatus(): Promise<PodStatus | undefined> {
    if (this.stopped) return undefined;
    const status = this.computeStatus();
    if (this.lastStatus && sameStatus(this.lastStatus, status)) return status;
    try {
      this.mark(`write:${status.phase}`);
      if ((await this.deps.writeStatus(this.pod, status)) !== false) this.lastStatus = status;
      this.mark(`written:${status.phase}`);
      if (this.phases && status.phase !== 'Pending') {
        this.deps.log.debug({ pod: podKey(this.pod), phases: this.phases, workerCreatedAt: this.bornAt }, 'pod start-up phases');
        this.phases = undefined;
      }
    } catch (e) {
      this.deps.log.warn({ pod: podKey(this.pod), err: (e as Error).message }, 'could not write pod status');
      this.trigger(RETRY_MS);
    }
    return status;
  }
}

function resourcesOf(c: Container): ContainerConfig['resources'] {
  const lim = (c.resources?.limits ?? {}) as Record<string, string | number>;
  const req = (c.resources?.requests ?? {}) as Record<string, string | number>;
  return {
    cpuMillis: lim.cpu !== undefined ? cpuMillis(lim.cpu) : undefined,
    memoryLimitBytes: lim.memory !== undefined ? bytes(lim.memory) : undefined,
    cpuRequestMillis: req.cpu !== undefined ? cpuMillis(req.cpu) : lim.cpu !== undefined ? cpuMillis(lim.cpu) : undefined,
  };
}

/** The pod's /etc files go after the volumes, unless a volume already mounts that path. */
function withEtcMounts(volumes: Mount[], etc: Mount[]): Mount[] {
  return [...volumes, ...etc.filter((e) => !volumes.some((v) => v.containerPath === e.containerPath))];
}

/** A declared TCP container port that something on the host already listens on. */
async function firstBusyPort(c: Container): Promise<number | undefined> {
  for (const p of c.ports ?? []) {
    if ((p.protocol ?? 'TCP') !== 'TCP') continue;
    const busy = await new Promise<boolean>((resolve) => {
      const srv = createServer();
      srv.once('error', (e: NodeJS.ErrnoException) => resolve(e.code === 'EADDRINUSE'));
      srv.listen({ port: p.containerPort, host: '0.0.0.0', exclusive: true }, () => srv.close(() => resolve(false)));
    });
    if (busy) return p.containerPort;
  }
  return undefined;
}

// The node agent (Skiff's kubelet): registers the Node, keeps its Lease fresh, watches the pods
// bound to the node and runs each through a PodWorker against the container runtime. Static pods
// from DATA_DIR/manifests run too and are mirrored into the API.
import type { ConfigMap, PersistentVolume, PersistentVolumeClaim, Pod, PodStatus, Secret, Service } from 'kubernetes-types/core/v1.js';
import { join } from 'node:path';
import pino, { type Logger } from 'pino';
import { findByKind } from '../api/registry.js';
import { bytes, cpuMillis } from '../api/quantity.js';
import { serviceEnvVars } from '../api/service-env.js';
import { isAlreadyExists, isNotFound, type ApiClient, type KubeObject } from '../client/api.js';
import { realClock, type Clock } from '../client/clock.js';
import { EventRecorder } from '../client/events.js';
import { namespaceIndex, SharedInformer } from '../client/informer.js';
import type { ContainerRuntime } from './runtime/runtime.js';
import { CrashBackoff } from './backoff.js';
import { hostCapacity, NodeStatusReporter, type NodeCapacity } from './node-status.js';
import { PodWorker, type PodWorkerDeps } from './pod-worker.js';
import { VolumeManager, type VolumeSources } from './volumes/volume-manager.js';
import { MIRROR_ANNOTATION, StaticPodSource } from './static-pods.js';
import { DEFAULT_CLUSTER_DNS, DEFAULT_CLUSTER_DOMAIN } from './pod-etc-files.js';

const podsRT = findByKind('', 'Pod')!;
const configMapsRT = findByKind('', 'ConfigMap')!;
const secretsRT = findByKind('', 'Secret')!;
const servicesRT = findByKind('', 'Service')!;
const pvcRT = findByKind('', 'PersistentVolumeClaim')!;
const pvRT = findByKind('', 'PersistentVolume')!;
const saRT = findByKind('', 'ServiceAccount')!;

/** How long a container start waits for the Service cache before listing Services directly. */
const SERVICES_SYNC_WAIT_MS = 2_000;

/** Kubernetes version reported as kubeletVersion when the caller does not pass one. */
export const DEFAULT_KUBELET_VERSION = 'v1.32.0';

export interface NodeAgentOptions {
  nodeName: string;
  dataDir: string;
  clock?: Clock;
  logger?: Logger;
  /** Address pods and the API server reach the node at. */
  nodeIP?: string;
  podCidr?: string;
  kubeletPort?: number;
  labels?: Record<string, string>;
  /** kubeletVersion shown by `kubectl get nodes`. */
  version?: string;
  /** Override host capacity (simulated nodes). */
  capacity?: NodeCapacity;
  simulated?: boolean;
  /** Run static pods from DATA_DIR/manifests (default true). */
  staticPods?: boolean;
  /** Where static pod manifests are read from (default DATA_DIR/manifests). */
  manifestDir?: string;
  /** How often the manifest directory is scanned (default 5 s). */
  manifestPollMs?: number;
  /** Grace period cap when the agent stops and ends its pods (default 3 s). */
  shutdownGraceSeconds?: number;
  /**
   * Nameserver of ClusterFirst pods. Default: the kube-dns Service IP (10.96.0.10) when pods
   * have their own network (the service proxy forwards it), else the node IP.
   */
  clusterDNS?: string;
  clusterDomain?: string;
}

type K<T> = T & { [k: string]: unknown };

export class NodeAgent {
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly workers = new Map<string, PodWorker>();
  private readonly backoff = new CrashBackoff();
  private readonly events: EventRecorder;
  private readonly volumes: VolumeManager;
  private readonly nodeStatus: NodeStatusReporter;
  private readonly capacity: NodeCapacity;
  private readonly nodeIP: string;
  private informer?: SharedInformer<K<Pod>>;
  /** Services of every namespace, for containers' service environment variables (as kubelet). */
  private services?: SharedInformer<K<Service>>;
  private servicesSynced?: Promise<boolean>;
  private staticSource?: StaticPodSource;
  private staticPods = new Map<string, Pod>();
  private stopped = false;
  private readonly deps: PodWorkerDeps;

  /** The address pods and other nodes reach this node at. */
  nodeAddress(): string {
    return this.nodeIP;
  }

  /** Whether pods get their own network namespaces here. */
  podNetwork(): boolean {
    return this.runtime.info().podNetwork;
  }

  constructor(
    private readonly client: ApiClient,
    private readonly runtime: ContainerRuntime,
    private readonly opts: NodeAgentOptions,
  ) {
    this.clock = opts.clock ?? realClock;
    this.log = (opts.logger ?? pino({ level: 'silent' })).child({ component: 'agent', node: opts.nodeName });
    this.nodeIP = opts.nodeIP ?? '127.0.0.1';
    this.capacity = opts.capacity ?? hostCapacity(opts.dataDir);
    this.events = new EventRecorder(client, { component: 'kubelet', host: opts.nodeName }, { clock: this.clock });
    const canMount = process.platform === 'linux' && process.getuid?.() === 0 && runtime.info().runtimeName === 'process';
    this.volumes = new VolumeManager(join(opts.dataDir, 'pods'), this.volumeSources(), canMount);
    this.nodeStatus = new NodeStatusReporter(client, {
      nodeName: opts.nodeName,
      nodeIP: this.nodeIP,
      podCidr: opts.podCidr,
      labels: opts.labels,
      kubeletPort: opts.kubeletPort,
      version: opts.version ?? DEFAULT_KUBELET_VERSION,
      runtime: runtime.info(),
      capacity: this.capacity,
      clock: this.clock,
      log: this.log,
      simulated: opts.simulated,
    });
    const simulated = runtime.info().runtimeName === 'simulated';
    this.deps = {
      runtime,
      volumes: this.volumes,
      events: { event: (pod, type, reason, message) => this.events.event({ apiVersion: 'v1', kind: 'Pod', metadata: pod.metadata as KubeObject['metadata'] }, type, reason, message) },
      clock: this.clock,
      backoff: this.backoff,
      log: this.log,
      nodeIP: () => this.nodeIP,
      envSources: (pod) => this.envSources(pod),
      nodeAllocatable: {
        cpuMillis: cpuMillis(this.capacity.cpu),
        memoryBytes: bytes(this.capacity.memory),
        ephemeralBytes: bytes(this.capacity['ephemeral-storage']),
      },
      writeStatus: (pod, status) => this.writeStatus(pod, status),
      finalizeDeletion: (pod) => this.finalizeDeletion(pod),
      probesEnabled: !simulated,
      dns: {
        clusterDNS: () => opts.clusterDNS ?? (runtime.info().podNetwork ? DEFAULT_CLUSTER_DNS : this.nodeIP),
        clusterDomain: opts.clusterDomain ?? DEFAULT_CLUSTER_DOMAIN,
      },
    };
  }

  get name(): string {
    return this.opts.nodeName;
  }

  /** The runtime (the agent's streaming server uses it for logs/exec/attach/port-forward). */
  get containerRuntime(): ContainerRuntime {
    return this.runtime;
  }

  async start(): Promise<void> {
    await this.nodeStatus.register();
    this.nodeStatus.start();
    this.runtime.onContainerExit((id) => {
      for (const w of this.workers.values()) if (w.owns(id)) w.trigger();
    });
    this.services = new SharedInformer<K<Service>>(this.client, servicesRT, { resyncMs: 0 });
    // Not awaited here: only container starts need it, and they wait for it (bounded).
    this.servicesSynced = this.services.start().then(() => this.services!.hasSynced());
    this.informer = new SharedInformer<K<Pod>>(this.client, podsRT, { fieldSelector: `spec.nodeName=${this.opts.nodeName}`, resyncMs: 0 });
    this.informer.addEventHandler({
      onAdd: (p) => this.onPod(p),
      onUpdate: (_o, p) => this.onPod(p),
      onDelete: (p) => this.onPodDeleted(p),
    });
    await this.informer.start();
    // Pod directories of pods that are no longer bound here (agent restart) are removed.
    const keep = new Set((this.informer.list() as Pod[]).map((p) => p.metadata!.uid!));
    await this.volumes.cleanupExcept(keep);
    if (this.opts.staticPods !== false) {
      this.staticSource = new StaticPodSource(this.opts.manifestDir ?? join(this.opts.dataDir, 'manifests'), this.opts.nodeName, (pods) => this.onStaticPods(pods), this.log, this.opts.manifestPollMs);
      this.staticSource.start();
    }
    this.log.info({ runtime: this.runtime.info().runtimeName, nodeIP: this.nodeIP }, 'node agent started');
  }

  /** Stop the agent and every pod it runs (nothing is left running). */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.informer?.stop();
    this.services?.stop();
    this.staticSource?.stop();
    this.nodeStatus.stop();
    const grace = this.opts.shutdownGraceSeconds ?? 3;
    await Promise.all([...this.workers.values()].map((w) => w.stop(Math.min(grace, w.current.spec?.terminationGracePeriodSeconds ?? 30)).catch(() => undefined)));
    this.workers.clear();
    await this.runtime.shutdown();
    await this.events.flush();
  }

  /** Wait until no pod worker is syncing (tests). */
  async settled(): Promise<void> {
    await Promise.all([...this.workers.values()].map((w) => w.settled()));
  }

  private onPod(pod: Pod): void {
    if (this.stopped) return;
    const ann = pod.metadata?.annotations ?? {};
    if (ann[MIRROR_ANNOTATION] !== undefined) {
      // Mirror pods only reflect static pods; a deleted one is finalized and re-created.
      if (pod.metadata?.deletionTimestamp) void this.finalizeDeletion(pod).then(() => this.syncMirror(pod.metadata!.name!));
      return;
    }
    const uid = pod.metadata!.uid!;
    const w = this.workers.get(uid);
    if (w) w.update(pod);
    else {
      const nw = new PodWorker(pod, this.deps);
      this.workers.set(uid, nw);
      nw.trigger();
    }
  }

  private onPodDeleted(pod: Pod): void {
    if (pod.metadata?.annotations?.[MIRROR_ANNOTATION] !== undefined) {
      void this.syncMirror(pod.metadata!.name!);
      return;
    }
    const uid = pod.metadata!.uid!;
    const w = this.workers.get(uid);
    if (!w) return;
    this.workers.delete(uid);
    void w.stop(Math.min(2, pod.spec?.terminationGracePeriodSeconds ?? 30)).catch((e) => this.log.error({ err: (e as Error).message }, 'stopping a deleted pod failed'));
  }

  // ---- static pods ----

  private onStaticPods(pods: Pod[]): void {
    const next = new Map(pods.map((p) => [p.metadata!.uid!, p]));
    for (const [uid, p] of this.staticPods) {
      if (next.has(uid)) continue;
      const w = this.workers.get(uid);
      this.workers.delete(uid);
      void w?.stop(p.spec?.terminationGracePeriodSeconds ?? 30);
      void this.client.delete(podsRT, p.metadata!.namespace, p.metadata!.name!, { gracePeriodSeconds: 0 }).catch(() => undefined);
    }
    this.staticPods = next;
    for (const [uid, p] of next) {
      if (!this.workers.has(uid)) {
        const w = new PodWorker(p, this.deps);
        this.workers.set(uid, w);
        w.trigger();
      }
      void this.syncMirror(p.metadata!.name!);
    }
  }

  /** Make sure the mirror pod of a static pod exists (and matches its current manifest). */
  private async syncMirror(name: string): Promise<void> {
    const p = [...this.staticPods.values()].find((x) => x.metadata?.name === name);
    if (!p || this.stopped) return;
    const ns = p.metadata!.namespace!;
    try {
      const cur = await this.client.get<K<Pod>>(podsRT, ns, name).catch((e) => (isNotFound(e) ? undefined : Promise.reject(e)));
      if (cur && cur.metadata?.annotations?.[MIRROR_ANNOTATION] === p.metadata!.annotations![MIRROR_ANNOTATION] && !cur.metadata?.deletionTimestamp) return;
      if (cur) await this.client.delete(podsRT, ns, name, { gracePeriodSeconds: 0 }).catch(() => undefined);
      const { uid: _u, resourceVersion: _r, ...meta } = p.metadata!;
      const mirror = {
        ...p,
        metadata: { ...meta, ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: this.opts.nodeName, uid: (await this.nodeUid()) ?? '', controller: true }] },
        status: undefined,
      };
      await this.client.create<K<Pod>>(podsRT, ns, mirror as K<Pod>);
      this.workers.get(p.metadata!.uid!)?.resendStatus();
    } catch (e) {
      if (!isAlreadyExists(e)) this.log.warn({ pod: name, err: (e as Error).message }, 'could not create mirror pod');
    }
  }

  private async nodeUid(): Promise<string | undefined> {
    try {
      return (await this.client.get<K<{ metadata?: { uid?: string } }>>(findByKind('', 'Node')!, undefined, this.opts.nodeName)).metadata?.uid;
    } catch {
      return undefined;
    }
  }

  // ---- API writes ----

  private async writeStatus(pod: Pod, status: PodStatus): Promise<boolean> {
    const body = { status: { ...status, reason: status.reason ?? null, message: status.message ?? null } };
    try {
      await this.client.patch(podsRT, pod.metadata!.namespace, pod.metadata!.name!, 'merge', body, { subresource: 'status' });
      return true;
    } catch (e) {
      // Static pods without a mirror yet, or pods deleted meanwhile: nothing to update.
      if (!isNotFound(e)) throw e;
      return false;
    }
  }

  private async finalizeDeletion(pod: Pod): Promise<void> {
    try {
      await this.client.delete(podsRT, pod.metadata!.namespace, pod.metadata!.name!, { gracePeriodSeconds: 0, preconditions: { uid: pod.metadata!.uid } });
    } catch (e) {
      if (!isNotFound(e) && !(e as { code?: number }).code) throw e;
    }
  }

  // ---- lookups for env and volumes ----

  private async getOrUndefined<T>(p: Promise<T>): Promise<T | undefined> {
    try {
      return await p;
    } catch (e) {
      if (isNotFound(e)) return undefined;
      throw e;
    }
  }

  private volumeSources(): VolumeSources {
    return {
      configMap: (ns, name) => this.getOrUndefined(this.client.get<K<ConfigMap>>(configMapsRT, ns, name)),
      secret: (ns, name) => this.getOrUndefined(this.client.get<K<Secret>>(secretsRT, ns, name)),
      pvc: (ns, name) => this.getOrUndefined(this.client.get<K<PersistentVolumeClaim>>(pvcRT, ns, name)),
      pv: (name) => this.getOrUndefined(this.client.get<K<PersistentVolume>>(pvRT, undefined, name)),
      token: async (ns, sa, audience, expirationSeconds) => {
        try {
          const tr = await this.client.createSubresource<K<{ status?: { token?: string } }>>(saRT, ns, sa, 'token', {
            apiVersion: 'authentication.k8s.io/v1',
            kind: 'TokenRequest',
            spec: { audiences: audience ? [audience] : [], expirationSeconds },
          });
          return tr.status?.token;
        } catch {
          return undefined;
        }
      },
    };
  }

  /** The namespace's Services plus default/kubernetes: from the informer once it has synced. */
  private async servicesFor(ns: string): Promise<Service[]> {
    const synced = this.servicesSynced && (await Promise.race([this.servicesSynced, new Promise<false>((r) => setTimeout(() => r(false), SERVICES_SYNC_WAIT_MS).unref())]));
    if (synced && this.services) {
      const own = this.services.byIndex(namespaceIndex, ns);
      const def = ns === 'default' ? undefined : this.services.get('default', 'kubernetes');
      return def ? [...own, def] : own;
    }
    // No cache (yet): ask the API server.
    const own = (await this.client.list<K<Service>>(servicesRT, ns)).items;
    const def = ns === 'default' ? [] : (await this.client.list<K<Service>>(servicesRT, 'default')).items.filter((s) => s.metadata?.name === 'kubernetes');
    return [...own, ...def];
  }

  private async envSources(pod: Pod) {
    const ns = pod.metadata?.namespace ?? 'default';
    const sources = this.volumeSources();
    let services: Service[] = [];
    try {
      services = await this.servicesFor(ns);
    } catch (e) {
      this.log.debug({ err: (e as Error).message }, 'could not list services for environment variables');
    }
    return {
      configMap: sources.configMap,
      secret: sources.secret,
      serviceEnv: serviceEnvVars(services, ns, pod.spec?.enableServiceLinks ?? true),
    };
  }
}

// The Node object this agent owns: registration (labels, pod CIDR, capacity from the host),
// status (conditions, addresses, nodeInfo) and the heartbeat Lease in kube-node-lease.
import type { Node, NodeCondition, NodeStatus } from 'kubernetes-types/core/v1.js';
import type { Lease } from 'kubernetes-types/coordination/v1.js';
import { createHash } from 'node:crypto';
import { readFileSync, statfsSync } from 'node:fs';
import { cpus, networkInterfaces, release, totalmem } from 'node:os';
import type { Logger } from 'pino';
import { findByKind } from '../api/registry.js';
import { isAlreadyExists, isConflict, isNotFound, type ApiClient } from '../client/api.js';
import type { Clock } from '../client/clock.js';
import type { RuntimeInfo } from './runtime/runtime.js';
import { wireTime } from './pod-status.js';

const nodesRT = findByKind('', 'Node')!;
const leasesRT = findByKind('coordination.k8s.io', 'Lease')!;
const namespacesRT = findByKind('', 'Namespace')!;

export const LEASE_NAMESPACE = 'kube-node-lease';
export const LEASE_DURATION_SECONDS = 40;
export const LEASE_RENEW_MS = 10_000;
/** Status is re-posted this often even when nothing changed (kubelet nodeStatusReportFrequency is 5m; shorter keeps heartbeats visible). */
const STATUS_REPORT_MS = 60_000;
export const LIMITS_ANNOTATION = 'skiff.dev/resource-limits';

export interface NodeCapacity {
  cpu: string;
  memory: string;
  'ephemeral-storage': string;
  pods: string;
  [k: string]: string;
}

export function hostCapacity(dataDir: string): NodeCapacity {
  let storageKi = 0;
  try {
    const s = statfsSync(dataDir);
    storageKi = Math.floor((s.blocks * s.bsize) / 1024);
  } catch {
    /* unknown */
  }
  return {
    cpu: String(cpus().length),
    memory: `${Math.floor(totalmem() / 1024)}Ki`,
    'ephemeral-storage': `${storageKi}Ki`,
    pods: '110',
    'hugepages-1Gi': '0',
    'hugepages-2Mi': '0',
  };
}

/** First non-internal IPv4 address, else 127.0.0.1. */
export function defaultNodeIP(): string {
  if (process.env.SKIFF_NODE_IP) return process.env.SKIFF_NODE_IP;
  // Without root, pods share the host network: loopback is the address that always works on a
  // single node (and keeps test traffic on 127.0.0.0/8). Set SKIFF_NODE_IP for other setups.
  if (process.getuid?.() !== 0) return '127.0.0.1';
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return '127.0.0.1';
}

/** A /24 from 10.42.0.0/16 chosen by node name (the server's own node uses 10.42.0.0/24). */
export function podCidrFor(nodeName: string): string {
  const h = createHash('sha256').update(nodeName).digest();
  return `10.42.${1 + (h[0] % 254)}.0/24`;
}

function readTrim(path: string): string {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return '';
  }
}

function osImage(): string {
  const m = /^PRETTY_NAME="?([^"\n]*)"?/m.exec(readTrim('/etc/os-release'));
  return m?.[1] ?? 'Linux';
}

export function goArch(): string {
  return ({ x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386', ppc64: 'ppc64le', s390x: 's390x' } as Record<string, string>)[process.arch] ?? process.arch;
}

export interface NodeStatusOptions {
  nodeName: string;
  nodeIP: string;
  podCidr?: string;
  labels?: Record<string, string>;
  kubeletPort?: number;
  version: string;
  runtime: RuntimeInfo;
  capacity: NodeCapacity;
  clock: Clock;
  log: Logger;
  /** Simulated nodes report a fixed nodeInfo instead of the host's. */
  simulated?: boolean;
}

export class NodeStatusReporter {
  private leaseTimer?: unknown;
  private statusTimer?: unknown;
  private nodeUid?: string;
  private stopped = false;
  private lastConditions?: string;

  constructor(
    private readonly client: ApiClient,
    private readonly o: NodeStatusOptions,
  ) {}

  private limitsMessage(): string | undefined {
    if (this.o.runtime.enforcesLimits) return undefined;
    return this.o.simulated
      ? 'resource limits are not enforced: pods on simulated nodes run no processes'
      : 'resource limits are not enforced: the process runtime needs root and cgroups v1 to apply memory and CPU limits';
  }

  private conditions(now: number, old?: NodeCondition[]): NodeCondition[] {
    const c = (type: string, status: string, reason: string, message: string): NodeCondition => {
      const prev = old?.find((x) => x.type === type);
      return {
        type,
        status,
        reason,
        message,
        lastHeartbeatTime: wireTime(now),
        lastTransitionTime: prev && prev.status === status && prev.lastTransitionTime ? prev.lastTransitionTime : wireTime(now),
      };
    };
    const limits = this.limitsMessage();
    return [
      c('MemoryPressure', 'False', 'KubeletHasSufficientMemory', 'kubelet has sufficient memory available'),
      c('DiskPressure', 'False', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure'),
      c('PIDPressure', 'False', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available'),
      c('Ready', 'True', 'KubeletReady', limits ? `kubelet is posting ready status; ${limits}` : 'kubelet is posting ready status'),
    ];
  }

  buildStatus(now: number, old?: NodeStatus): NodeStatus {
    const cap = this.o.capacity;
    return {
      capacity: { ...cap },
      allocatable: { ...cap },
      conditions: this.conditions(now, old?.conditions),
      addresses: [
        { type: 'InternalIP', address: this.o.nodeIP },
        { type: 'Hostname', address: this.o.nodeName },
      ],
      daemonEndpoints: { kubeletEndpoint: { Port: this.o.kubeletPort ?? 10250 } },
      nodeInfo: {
        machineID: this.o.simulated ? '' : readTrim('/etc/machine-id'),
        systemUUID: this.o.simulated ? '' : readTrim('/sys/class/dmi/id/product_uuid'),
        bootID: this.o.simulated ? '' : readTrim('/proc/sys/kernel/random/boot_id'),
        kernelVersion: this.o.simulated ? 'simulated' : release(),
        osImage: this.o.simulated ? 'Simulated Node' : osImage(),
        containerRuntimeVersion: this.o.runtime.nodeRuntimeVersion,
        kubeletVersion: this.o.version,
        kubeProxyVersion: this.o.version,
        operatingSystem: 'linux',
        architecture: goArch(),
      },
    };
  }

  private baseLabels(): Record<string, string> {
    return {
      'beta.kubernetes.io/arch': goArch(),
      'beta.kubernetes.io/os': 'linux',
      'kubernetes.io/arch': goArch(),
      'kubernetes.io/hostname': this.o.nodeName,
      'kubernetes.io/os': 'linux',
      ...(this.o.labels ?? {}),
    };
  }

  private annotations(): Record<string, string> {
    const a: Record<string, string> = { 'node.alpha.kubernetes.io/ttl': '0', 'volumes.kubernetes.io/controller-managed-attach-detach': 'true' };
    a[LIMITS_ANNOTATION] = this.limitsMessage() ? 'not-enforced' : 'enforced';
    return a;
  }

  /** Create the Node, or bring an existing one up to date. */
  async register(): Promise<Node> {
    const now = this.o.clock.now();
    const spec = this.o.podCidr ? { podCIDR: this.o.podCidr, podCIDRs: [this.o.podCidr] } : {};
    let node: Node;
    try {
      node = await this.client.create<Node & { [k: string]: unknown }>(nodesRT, undefined, {
        apiVersion: 'v1',
        kind: 'Node',
        metadata: { name: this.o.nodeName, labels: this.baseLabels(), annotations: this.annotations() },
        spec,
        status: this.buildStatus(now),
      });
    } catch (e) {
      if (!isAlreadyExists(e)) throw e;
      const cur = await this.client.get<Node & { [k: string]: unknown }>(nodesRT, undefined, this.o.nodeName);
      const patch: Record<string, unknown> = { metadata: { labels: this.baseLabels(), annotations: this.annotations() } };
      if (!cur.spec?.podCIDR && this.o.podCidr) patch.spec = spec;
      node = await this.client.patch<Node & { [k: string]: unknown }>(nodesRT, undefined, this.o.nodeName, 'merge', patch);
    }
    this.nodeUid = node.metadata?.uid;
    return this.postStatus(node.status);
  }

  private async postStatus(old?: NodeStatus): Promise<Node> {
    const status = this.buildStatus(this.o.clock.now(), old);
    this.lastConditions = JSON.stringify(status.conditions?.map((c) => [c.type, c.status, c.message]));
    return this.client.patch<Node & { [k: string]: unknown }>(nodesRT, undefined, this.o.nodeName, 'merge', { status }, { subresource: 'status' });
  }

  /** Start the lease heartbeat and periodic status reports. */
  start(): void {
    void this.renewLease();
    this.scheduleStatus();
  }

  private scheduleStatus(): void {
    if (this.stopped) return;
    this.statusTimer = this.o.clock.setTimeout(async () => {
      try {
        const cur = await this.client.get<Node & { [k: string]: unknown }>(nodesRT, undefined, this.o.nodeName);
        await this.postStatus(cur.status);
      } catch (e) {
        if (isNotFound(e)) await this.register().catch(() => undefined);
        else this.o.log.warn({ err: (e as Error).message }, 'node status update failed');
      }
      this.scheduleStatus();
    }, STATUS_REPORT_MS);
  }

  private async ensureLeaseNamespace(): Promise<void> {
    try {
      await this.client.create(namespacesRT, undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: LEASE_NAMESPACE } });
    } catch (e) {
      if (!isAlreadyExists(e)) throw e;
    }
  }

  /** Create or renew the node's Lease (renewTime as MicroTime). */
  async renewLease(): Promise<void> {
    if (this.stopped) return;
    const renewTime = new Date(this.o.clock.now()).toISOString().replace(/Z$/, '000Z');
    try {
      let lease: Lease | undefined;
      try {
        lease = await this.client.get<Lease & { [k: string]: unknown }>(leasesRT, LEASE_NAMESPACE, this.o.nodeName);
      } catch (e) {
        if (!isNotFound(e)) throw e;
      }
      if (!lease) {
        await this.ensureLeaseNamespace();
        await this.client.create<Lease & { [k: string]: unknown }>(leasesRT, LEASE_NAMESPACE, {
          apiVersion: 'coordination.k8s.io/v1',
          kind: 'Lease',
          metadata: {
            name: this.o.nodeName,
            namespace: LEASE_NAMESPACE,
            ownerReferences: this.nodeUid ? [{ apiVersion: 'v1', kind: 'Node', name: this.o.nodeName, uid: this.nodeUid }] : undefined,
          },
          spec: { holderIdentity: this.o.nodeName, leaseDurationSeconds: LEASE_DURATION_SECONDS, renewTime },
        });
      } else {
        await this.client.update<Lease & { [k: string]: unknown }>(leasesRT, LEASE_NAMESPACE, { ...lease, spec: { ...lease.spec, holderIdentity: this.o.nodeName, leaseDurationSeconds: LEASE_DURATION_SECONDS, renewTime } });
      }
    } catch (e) {
      if (!isConflict(e) && !isAlreadyExists(e)) this.o.log.warn({ err: (e as Error).message }, 'node lease renewal failed');
    }
    if (!this.stopped) this.leaseTimer = this.o.clock.setTimeout(() => void this.renewLease(), LEASE_RENEW_MS);
  }

  stop(): void {
    this.stopped = true;
    if (this.leaseTimer !== undefined) this.o.clock.clearTimeout(this.leaseTimer);
    if (this.statusTimer !== undefined) this.o.clock.clearTimeout(this.statusTimer);
  }
}

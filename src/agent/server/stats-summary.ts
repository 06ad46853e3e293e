// The kubelet Summary API (/stats/summary, stats.k8s.io/v1alpha1 shape) that metrics-server
// scrapes: node and per-pod/per-container CPU and memory. Rates (usageNanoCores) are derived
// from the previous sample of the cumulative counters.
import { cpus, freemem, totalmem, uptime } from 'node:os';
import type { ContainerRuntime } from '../runtime/runtime.js';

export interface CpuStats {
  time: string;
  usageNanoCores?: number;
  usageCoreNanoSeconds: number;
}

export interface MemoryStats {
  time: string;
  availableBytes?: number;
  usageBytes?: number;
  workingSetBytes: number;
}

export interface ContainerSummary {
  name: string;
  startTime: string;
  cpu?: CpuStats;
  memory?: MemoryStats;
}

export interface PodSummary {
  podRef: { name: string; namespace: string; uid: string };
  startTime: string;
  containers: ContainerSummary[];
  cpu?: CpuStats;
  memory?: MemoryStats;
}

export interface Summary {
  node: { nodeName: string; startTime: string; cpu: CpuStats; memory: MemoryStats };
  pods: PodSummary[];
}

interface Sample {
  atNs: bigint;
  cpuNs: number;
}

export class SummaryProvider {
  private readonly previous = new Map<string, Sample>();
  private readonly bootTime = new Date(Date.now() - uptime() * 1000).toISOString();

  constructor(
    private readonly runtime: ContainerRuntime,
    private readonly nodeName: string,
  ) {
    this.nodeCpu(); // prime the node's rate baseline
  }

  async summary(): Promise<Summary> {
    const now = new Date().toISOString();
    const memTotal = totalmem();
    const memFree = freemem();
    const node = {
      nodeName: this.nodeName,
      startTime: this.bootTime,
      cpu: this.nodeCpu(),
      memory: { time: now, availableBytes: memFree, usageBytes: memTotal - memFree, workingSetBytes: memTotal - memFree },
    };
    const pods: PodSummary[] = [];
    const seen = new Set(['node']);
    const sandboxes = await this.runtime.listPodSandboxes();
    for (const sb of sandboxes) {
      if (sb.state !== 'SANDBOX_READY') continue;
      const containers: ContainerSummary[] = [];
      let cpuNanoCores = 0;
      let cpuTotal = 0;
      let mem = 0;
      for (const c of await this.runtime.listContainers(sb.id)) {
        if (c.state !== 'CONTAINER_RUNNING') continue;
        const st = await this.runtime.containerStats(c.id).catch(() => undefined);
        const entry: ContainerSummary = { name: c.name, startTime: new Date(c.startedAt ?? c.createdAt).toISOString() };
        if (st) {
          const time = new Date(st.timestamp).toISOString();
          seen.add(`c/${c.id}`);
          const usageNanoCores = this.rate(`c/${c.id}`, st.cpuUsageCoreNanoSeconds);
          entry.cpu = { time, usageCoreNanoSeconds: st.cpuUsageCoreNanoSeconds, ...(usageNanoCores !== undefined ? { usageNanoCores } : {}) };
          entry.memory = { time, workingSetBytes: st.memoryWorkingSetBytes, usageBytes: st.memoryWorkingSetBytes };
          cpuNanoCores += usageNanoCores ?? 0;
          cpuTotal += st.cpuUsageCoreNanoSeconds;
          mem += st.memoryWorkingSetBytes;
        }
        containers.push(entry);
      }
      pods.push({
        podRef: { name: sb.name, namespace: sb.namespace, uid: sb.uid },
        startTime: new Date(sb.createdAt).toISOString(),
        containers,
        cpu: { time: now, usageNanoCores: cpuNanoCores, usageCoreNanoSeconds: cpuTotal },
        memory: { time: now, workingSetBytes: mem, usageBytes: mem },
      });
    }
    for (const k of this.previous.keys()) if (!seen.has(k)) this.previous.delete(k);
    return { node, pods };
  }

  private nodeCpu(): CpuStats {
    // Busy time of all cores (ms in os.cpus) as cumulative core-nanoseconds.
    const busyMs = cpus().reduce((sum, c) => sum + c.times.user + c.times.nice + c.times.sys + c.times.irq, 0);
    const total = busyMs * 1e6;
    const usageNanoCores = this.rate('node', total);
    return { time: new Date().toISOString(), usageCoreNanoSeconds: total, ...(usageNanoCores !== undefined ? { usageNanoCores } : {}) };
  }

  /** Cores in nano-units used since the last sample of `key` (undefined on the first one). */
  private rate(key: string, cpuNs: number): number | undefined {
    const atNs = process.hrtime.bigint();
    const prev = this.previous.get(key);
    this.previous.set(key, { atNs, cpuNs });
    if (!prev) return undefined;
    const dt = Number(atNs - prev.atNs);
    if (dt <= 0 || cpuNs < prev.cpuNs) return undefined;
    return Math.round(((cpuNs - prev.cpuNs) / dt) * 1e9);
  }
}

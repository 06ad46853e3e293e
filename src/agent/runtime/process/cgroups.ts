// cgroup v1 limits for containers of the process runtime (these machines run cgroups v1
// hybrid): memory.limit_in_bytes for memory limits (the kernel OOM-kills over it) and CFS quota
// for CPU limits. Groups live under <hierarchy>/skiff/<instance tag>/<container id>.
import { existsSync, readFileSync, readdirSync, rmdirSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

const ROOT = '/sys/fs/cgroup';
const CFS_PERIOD_US = 100_000;

export class Cgroups {
  /** cpuacct is its own hierarchy (not co-mounted with cpu). */
  private readonly separateCpuacct = existsSync(join(ROOT, 'cpuacct')) && !existsSync(join(ROOT, 'cpu', 'cpuacct.usage'));

  constructor(private readonly tag: string) {}

  /** Whether v1 memory and cpu hierarchies are writable here. */
  static available(): boolean {
    if (process.getuid?.() !== 0) return false;
    return existsSync(join(ROOT, 'memory', 'memory.limit_in_bytes')) && existsSync(join(ROOT, 'cpu', 'cpu.cfs_quota_us'));
  }

  private dir(hierarchy: string, id?: string): string {
    return id ? join(ROOT, hierarchy, 'skiff', this.tag, id) : join(ROOT, hierarchy, 'skiff', this.tag);
  }

  /**
   * Create the container's groups with its limits; returns the cgroup.procs files to join.
   * cgroupfs mkdirs are slow kernel calls: they run on libuv's pool, off the event loop.
   */
  async create(id: string, limits: { memoryLimitBytes?: number; cpuMillis?: number; cpuRequestMillis?: number }): Promise<string[]> {
    const mem = this.dir('memory', id);
    const cpu = this.dir('cpu', id);
    const acct = this.separateCpuacct ? this.dir('cpuacct', id) : undefined;
    await Promise.all([mem, cpu, ...(acct ? [acct] : [])].map((d) => mkdir(d, { recursive: true })));
    const writes: Promise<void>[] = [];
    if (limits.memoryLimitBytes) {
      const limit = String(limits.memoryLimitBytes);
      // No swap beyond the limit, so going over it means an OOM kill as upstream (memsw after
      // the plain limit: it may not be set below it; it is absent when swap accounting is off).
      writes.push(writeFile(join(mem, 'memory.limit_in_bytes'), limit).then(() => writeFile(join(mem, 'memory.memsw.limit_in_bytes'), limit).catch(() => undefined)));
    }
    if (limits.cpuMillis) writes.push(writeFile(join(cpu, 'cpu.cfs_quota_us'), String(Math.max(1000, Math.round((limits.cpuMillis * CFS_PERIOD_US) / 1000)))));
    // cpu.shares from the request, as kubelet (1024 per core, minimum 2).
    writes.push(writeFile(join(cpu, 'cpu.shares'), String(Math.max(2, Math.round(((limits.cpuRequestMillis ?? 0) * 1024) / 1000)) || 2)));
    await Promise.all(writes);
    return [join(mem, 'cgroup.procs'), join(cpu, 'cgroup.procs'), ...(acct ? [join(acct, 'cgroup.procs')] : [])];
  }

  /** Whether the kernel OOM-killed a process of this container's group. */
  oomKilled(id: string): boolean {
    try {
      const text = readFileSync(join(this.dir('memory', id), 'memory.oom_control'), 'utf8');
      const m = /oom_kill (\d+)/.exec(text);
      if (m) return Number(m[1]) > 0;
      return Number(readFileSync(join(this.dir('memory', id), 'memory.failcnt'), 'utf8')) > 0 && /under_oom 1/.test(text);
    } catch {
      return false;
    }
  }

  stats(id: string): { cpuNs: number; memoryBytes: number } | undefined {
    try {
      const acct = existsSync(join(this.dir('cpu', id), 'cpuacct.usage')) ? this.dir('cpu', id) : this.dir('cpuacct', id);
      const cpuNs = Number(readFileSync(join(acct, 'cpuacct.usage'), 'utf8'));
      const usage = Number(readFileSync(join(this.dir('memory', id), 'memory.usage_in_bytes'), 'utf8'));
      const stat = readFileSync(join(this.dir('memory', id), 'memory.stat'), 'utf8');
      const inactive = Number(/total_inactive_file (\d+)/.exec(stat)?.[1] ?? 0);
      return { cpuNs, memoryBytes: Math.max(0, usage - inactive) };
    } catch {
      return undefined;
    }
  }

  /** Kill whatever is left in the group and remove it. */
  remove(id: string): void {
    for (const h of ['memory', 'cpu', 'cpuacct']) {
      const d = this.dir(h, id);
      if (!existsSync(d)) continue;
      killAll(join(d, 'cgroup.procs'));
      try {
        rmdirSync(d);
      } catch {
        /* processes still exiting; removed by the next cleanup */
      }
    }
  }

  /** Remove every group of this instance (left by a crashed run). */
  cleanup(): void {
    for (const h of ['memory', 'cpu', 'cpuacct']) {
      const d = this.dir(h);
      if (!existsSync(d)) continue;
      for (const id of readdirSync(d, { withFileTypes: true })) if (id.isDirectory()) this.remove(id.name);
      for (const dir of [d, join(ROOT, h, 'skiff')]) {
        try {
          rmdirSync(dir);
        } catch {
          /* busy, or shared with another instance */
        }
      }
    }
  }
}

function killAll(procsFile: string): void {
  try {
    for (const pid of readFileSync(procsFile, 'utf8').split('\n').filter(Boolean)) {
      try {
        process.kill(Number(pid), 'SIGKILL');
      } catch {
        /* gone */
      }
    }
  } catch {
    /* no group */
  }
}

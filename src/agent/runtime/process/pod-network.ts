// Per-pod network namespaces on a node bridge, set up with iproute2 (no CNI plugins needed):
// the bridge carries the first address of the node's pod CIDR, each pod gets a veth into its own
// namespace with the next free address. Namespace names carry an instance tag so that cleanup
// after a crash removes only this runtime's namespaces (/run/netns is shared host-wide).
import { existsSync, readdirSync } from 'node:fs';
import { run } from './host-command.js';

export interface PodCidr {
  base: number; // network address as a 32-bit number
  prefix: number;
}

export function parseCidr(cidr: string): PodCidr {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)\/(\d+)$/.exec(cidr);
  if (!m) throw new Error(`invalid IPv4 CIDR "${cidr}"`);
  const ip = ((+m[1] << 24) >>> 0) + (+m[2] << 16) + (+m[3] << 8) + +m[4];
  const prefix = +m[5];
  const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  return { base: (ip & mask) >>> 0, prefix };
}

export function ipString(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

export class PodNetwork {
  readonly gateway: string;
  private readonly cidr: PodCidr;
  private readonly used = new Set<number>();
  private readonly bridge: string;

  constructor(
    podCidr: string,
    private readonly tag: string,
  ) {
    this.cidr = parseCidr(podCidr);
    this.gateway = ipString(this.cidr.base + 1);
    this.bridge = `skbr${tag.slice(0, 6)}`;
  }

  nsName(sandboxId: string): string {
    return `skiff-${this.tag}-${sandboxId.slice(0, 12)}`;
  }

  nsPath(sandboxId: string): string {
    return `/run/netns/${this.nsName(sandboxId)}`;
  }

  /** Create the bridge (idempotent) and remove namespaces left by an earlier run of this instance. */
  async init(): Promise<void> {
    await this.cleanupLeftovers();
    const exists = await run('ip', ['link', 'show', this.bridge], { allowFail: true });
    if (!exists.trim()) {
      await run('ip', ['link', 'add', this.bridge, 'type', 'bridge']);
    }
    await run('ip', ['addr', 'replace', `${this.gateway}/${this.cidr.prefix}`, 'dev', this.bridge]);
    await run('ip', ['link', 'set', this.bridge, 'up']);
  }

  async cleanupLeftovers(): Promise<void> {
    if (!existsSync('/run/netns')) return;
    for (const n of readdirSync('/run/netns')) {
      if (n.startsWith(`skiff-${this.tag}-`)) await run('ip', ['netns', 'del', n], { allowFail: true });
    }
  }

  /** Create the pod's namespace and veth; returns the pod IP. */
  async add(sandboxId: string): Promise<string> {
    const ip = this.allocate();
    const ns = this.nsName(sandboxId);
    const host = `veth${sandboxId.slice(0, 10)}`;
    try {
      await run('ip', ['netns', 'add', ns]);
      await run('ip', ['link', 'add', host, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns]);
      await run('ip', ['link', 'set', host, 'master', this.bridge, 'up']);
      // Hairpin (kubelet's hairpin-veth): a pod reaching itself through its Service's cluster IP
      // is DNATed back to its own address, so the bridge must send the frame out the port it came in.
      await run('ip', ['link', 'set', 'dev', host, 'type', 'bridge_slave', 'hairpin', 'on']);
      await run('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
      await run('ip', ['-n', ns, 'addr', 'add', `${ipString(ip)}/${this.cidr.prefix}`, 'dev', 'eth0']);
      await run('ip', ['-n', ns, 'link', 'set', 'eth0', 'up']);
      await run('ip', ['-n', ns, 'route', 'add', 'default', 'via', this.gateway]);
    } catch (e) {
      this.used.delete(ip);
      await run('ip', ['netns', 'del', ns], { allowFail: true });
      await run('ip', ['link', 'del', host], { allowFail: true });
      throw e;
    }
    return ipString(ip);
  }

  async remove(sandboxId: string, ip?: string): Promise<void> {
    await run('ip', ['netns', 'del', this.nsName(sandboxId)], { allowFail: true });
    await run('ip', ['link', 'del', `veth${sandboxId.slice(0, 10)}`], { allowFail: true });
    if (ip) this.used.delete(parseCidr(`${ip}/32`).base);
  }

  /** Remove the bridge (runtime shutdown). */
  async teardown(): Promise<void> {
    await this.cleanupLeftovers();
    await run('ip', ['link', 'del', this.bridge], { allowFail: true });
  }

  private allocate(): number {
    const size = 2 ** (32 - this.cidr.prefix);
    for (let i = 2; i < size - 1; i++) {
      const ip = this.cidr.base + i;
      if (!this.used.has(ip)) {
        this.used.add(ip);
        return ip;
      }
    }
    throw new Error(`no free pod IP left in ${ipString(this.cidr.base)}/${this.cidr.prefix}`);
  }
}

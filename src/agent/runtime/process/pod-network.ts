// Per-pod network namespaces on a node bridge, set up with iproute2 (no CNI plugins needed):
// the bridge carries the first address of the node's pod CIDR, each pod gets a veth into its own
// namespace with the next free address. Namespace names carry an instance tag so that cleanup
// after a crash removes only this runtime's namespaces (/run/netns is shared host-wide).
import { existsSync, readdirSync } from 'node:fs';
import { HostShell } from './host-shell.js';
import { shQuote } from './launch.js';

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
  private readonly shell = new HostShell();

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

  private vethName(sandboxId: string): string {
    return `veth${sandboxId.slice(0, 10)}`;
  }

  nsPath(sandboxId: string): string {
    return `/run/netns/${this.nsName(sandboxId)}`;
  }

  /** Create the bridge (idempotent) and remove namespaces left by an earlier run of this instance. */
  async init(): Promise<void> {
    await this.cleanupLeftovers();
    // One helper request (it also starts the helper, so the first pod does not wait for that).
    const br = this.bridge;
    await this.shell.run(`{ ip link show ${br} >/dev/null 2>&1 || ip link add ${br} type bridge; } && ip addr replace ${this.gateway}/${this.cidr.prefix} dev ${br} && ip link set ${br} up`);
  }

  async cleanupLeftovers(): Promise<void> {
    if (!existsSync('/run/netns')) return;
    const names = readdirSync('/run/netns').filter((n) => n.startsWith(`skiff-${this.tag}-`));
    if (names.length) await this.shell.run(`${names.map((n) => `ip netns del ${shQuote(n)} 2>/dev/null`).join('; ')}; true`).catch(() => undefined);
  }

  /** Create the pod's namespace and veth; returns the pod IP. */
  async add(sandboxId: string): Promise<string> {
    const ip = this.allocate();
    const ns = this.nsName(sandboxId);
    const host = this.vethName(sandboxId);
    // One helper request per pod: the namespace, then the host side and the pod side of the veth
    // as one `ip -batch` each. Hairpin (kubelet's hairpin-veth): a pod reaching itself through
    // its Service's cluster IP is DNATed back to its own address, so the bridge must send the
    // frame out the port it came in.
    const hostSide = [`link add ${host} type veth peer name eth0 netns ${ns}`, `link set ${host} master ${this.bridge} up`, `link set dev ${host} type bridge_slave hairpin on`];
    const podSide = ['link set lo up', `addr add ${ipString(ip)}/${this.cidr.prefix} dev eth0`, 'link set eth0 up', `route add default via ${this.gateway}`];
    try {
      await this.shell.run(`ip netns add ${ns} && ${batch(hostSide)} | ip -batch - && ${batch(podSide)} | ip -n ${ns} -batch -`);
    } catch (e) {
      this.used.delete(ip);
      await this.shell.run(`ip netns del ${ns} 2>/dev/null; ip link del ${host} 2>/dev/null; true`).catch(() => undefined);
      throw e;
    }
    return ipString(ip);
  }

  async remove(sandboxId: string, ip?: string): Promise<void> {
    // Deleting the veth first makes the pair go now rather than with the namespace's async cleanup.
    await this.shell.run(`ip link del ${this.vethName(sandboxId)} 2>/dev/null; ip netns del ${this.nsName(sandboxId)} 2>/dev/null; true`).catch(() => undefined);
    if (ip) this.used.delete(parseCidr(`${ip}/32`).base);
  }

  /** Remove the bridge (runtime shutdown). */
  async teardown(): Promise<void> {
    await this.cleanupLeftovers();
    await this.shell.run(`ip link del ${this.bridge} 2>/dev/null; true`).catch(() => undefined);
    this.shell.close();
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

/** printf that feeds `ip -batch -` one command per line. */
function batch(lines: string[]): string {
  return `printf '%s\\n' ${lines.map(shQuote).join(' ')}`;
}

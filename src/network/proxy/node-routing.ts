// Kernel settings the iptables data path depends on, applied by the proxy at start:
//  - net.ipv4.ip_forward=1: a pod reaching another pod through a cluster IP is DNATed on the
//    node and routed back out of the bridge (what the bridge CNI plugin enables).
//  - net.ipv4.conf.all.route_localnet=1: lets the proxy DNAT to endpoints on 127.0.0.0/8 — the
//    API server and cluster DNS listen on loopback by default, and pods reach them through the
//    `kubernetes` and `kube-dns` cluster IPs (kube-proxy sets the same for localhost node ports;
//    iptables-rules.ts adds its guard that drops other non-loopback traffic to 127/8).
//  - a route for the service CIDR via the node bridge when the node has none (no default route,
//    e.g. an isolated network namespace), so node-originated connections to cluster IPs get
//    past the routing decision and into the OUTPUT chain's DNAT.
// stop() undoes route_localnet and the route (ip_forward stays on, as on any Kubernetes node).
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { networkInterfaces } from 'node:os';

const IP_FORWARD = '/proc/sys/net/ipv4/ip_forward';
const ROUTE_LOCALNET = '/proc/sys/net/ipv4/conf/all/route_localnet';

function ip(args: string[]): Promise<{ ok: boolean; out: string }> {
  return new Promise((resolve) => execFile('ip', args, { encoding: 'utf8' }, (err, stdout, stderr) => resolve({ ok: !err, out: err ? stderr : stdout })));
}

function readSysctl(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return undefined;
  }
}

function writeSysctl(path: string, value: string): void {
  writeFileSync(path, value);
}

/** The interface that carries `address`, if it is local. */
export function interfaceOf(address: string): string | undefined {
  for (const [name, list] of Object.entries(networkInterfaces())) if (list?.some((a) => a.address === address)) return name;
  return undefined;
}

/** First usable address of an IPv4 CIDR ("10.96.0.0/12" → "10.96.0.1"). */
export function firstAddress(cidr: string): string {
  const [base] = cidr.split('/');
  const p = base.split('.').map(Number);
  const n = (((p[0] << 24) >>> 0) + (p[1] << 16) + (p[2] << 8) + p[3] + 1) >>> 0;
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

export class NodeRouting {
  private restoreLocalnet?: string;
  private addedRoute?: string[];

  constructor(private readonly opts: { nodeIP: string; serviceCIDR: string }) {}

  async apply(): Promise<string[]> {
    const notes: string[] = [];
    if (readSysctl(IP_FORWARD) === '0') {
      writeSysctl(IP_FORWARD, '1');
      notes.push('enabled net.ipv4.ip_forward');
    }
    const localnet = readSysctl(ROUTE_LOCALNET);
    if (localnet === '0') {
      writeSysctl(ROUTE_LOCALNET, '1');
      this.restoreLocalnet = localnet;
      notes.push('enabled net.ipv4.conf.all.route_localnet');
    }
    const probe = await ip(['route', 'get', firstAddress(this.opts.serviceCIDR)]);
    const dev = interfaceOf(this.opts.nodeIP);
    if (!probe.ok && dev && dev !== 'lo') {
      const route = [this.opts.serviceCIDR, 'dev', dev, 'src', this.opts.nodeIP];
      const r = await ip(['route', 'replace', ...route]);
      if (r.ok) {
        this.addedRoute = route;
        notes.push(`added route ${route.join(' ')}`);
      } else notes.push(`could not add a route for ${this.opts.serviceCIDR}: ${r.out.trim()}`);
    }
    return notes;
  }

  async undo(): Promise<void> {
    if (this.addedRoute) await ip(['route', 'del', ...this.addedRoute]);
    this.addedRoute = undefined;
    if (this.restoreLocalnet !== undefined) {
      try {
        writeSysctl(ROUTE_LOCALNET, this.restoreLocalnet);
      } catch {
        // best effort: the namespace may already be gone
      }
    }
    this.restoreLocalnet = undefined;
  }
}

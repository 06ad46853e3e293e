// iptables rules for the service data path, in iptables-restore format (kube-proxy's layout with
// SKIFF- chain names): nat SKIFF-SERVICES → per-port SKIFF-SVC-* → per-endpoint SKIFF-SEP-*
// (DNAT, picked with `-m statistic --mode random`), SKIFF-NODEPORTS for node ports,
// SKIFF-EXT-* for external traffic (masquerade, or local endpoints only with
// externalTrafficPolicy Local), `-m recent` for sessionAffinity ClientIP, and hairpin
// masquerade (a pod reaching itself through its service). filter SKIFF-SERVICES rejects
// service ports that have no endpoints and, as kube-proxy's KUBE-FIREWALL does, drops traffic
// to 127.0.0.0/8 from other sources unless it was DNATed there (route_localnet is on so that
// loopback endpoints such as the API server work; see node-routing.ts).
import { createHash } from 'node:crypto';
import type { ServicePortInfo } from './service-ports.js';

export const MASQ_MARK = '0x4000';
/** Jumps from built-in chains: [table, chain, target]. */
export const JUMPS: [string, string, string][] = [
  ['nat', 'PREROUTING', 'SKIFF-SERVICES'],
  ['nat', 'OUTPUT', 'SKIFF-SERVICES'],
  ['nat', 'POSTROUTING', 'SKIFF-POSTROUTING'],
  ['filter', 'INPUT', 'SKIFF-SERVICES'],
  ['filter', 'FORWARD', 'SKIFF-SERVICES'],
  ['filter', 'OUTPUT', 'SKIFF-SERVICES'],
];
const NAT_BASE = ['SKIFF-SERVICES', 'SKIFF-NODEPORTS', 'SKIFF-POSTROUTING', 'SKIFF-MARK-MASQ'];
const FILTER_BASE = ['SKIFF-SERVICES'];

export interface RuleOptions {
  nodeName: string;
  /** Pod CIDR: traffic to a cluster IP from outside it is masqueraded (kube-proxy --cluster-cidr). */
  clusterCIDR?: string;
}

export interface RuleSet {
  /** iptables-restore input for the nat and filter tables (use with --noflush). */
  text: string;
  natChains: Set<string>;
  filterChains: Set<string>;
}

function chain(prefix: string, ...parts: string[]): string {
  const h = createHash('sha256').update(parts.join('|')).digest('hex').slice(0, 16).toUpperCase();
  return `${prefix}-${h}`;
}

function comment(s: string): string {
  return `-m comment --comment "${s.replace(/"/g, "'")}"`;
}

function proto(p: ServicePortInfo): string {
  const l = p.protocol.toLowerCase();
  return `-p ${l} -m ${l}`;
}

export function buildRules(ports: ServicePortInfo[], opts: RuleOptions, stale: { nat?: Iterable<string>; filter?: Iterable<string> } = {}): RuleSet {
  const nat: string[] = [];
  const natChains = new Set(NAT_BASE);
  const filter: string[] = [];
  const filterChains = new Set(FILTER_BASE);

  nat.push(`-A SKIFF-POSTROUTING -m mark ! --mark ${MASQ_MARK}/${MASQ_MARK} -j RETURN`);
  nat.push(`-A SKIFF-POSTROUTING -j MARK --xor-mark ${MASQ_MARK}`);
  nat.push(`-A SKIFF-POSTROUTING ${comment('skiff service traffic requiring SNAT')} -j MASQUERADE`);
  nat.push(`-A SKIFF-MARK-MASQ -j MARK --or-mark ${MASQ_MARK}`);
  filter.push(`-A SKIFF-SERVICES ! -s 127.0.0.0/8 -d 127.0.0.0/8 ${comment('block incoming localnet connections')} -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP`);

  for (const p of ports) {
    const pr = proto(p);
    if (p.backends.length === 0) {
      const why = comment(`${p.id} has no endpoints`);
      if (p.clusterIP) filter.push(`-A SKIFF-SERVICES -d ${p.clusterIP}/32 ${pr} ${why} --dport ${p.port} -j REJECT --reject-with icmp-port-unreachable`);
      for (const ip of [...p.externalIPs, ...p.loadBalancerIPs]) filter.push(`-A SKIFF-SERVICES -d ${ip}/32 ${pr} ${why} --dport ${p.port} -j REJECT --reject-with icmp-port-unreachable`);
      if (p.nodePort) filter.push(`-A SKIFF-SERVICES -m addrtype --dst-type LOCAL ${pr} ${why} --dport ${p.nodePort} -j REJECT --reject-with icmp-port-unreachable`);
      continue;
    }
    const svc = chain('SKIFF-SVC', p.id, p.protocol);
    natChains.add(svc);
    const seps = p.backends.map((b) => ({ b, name: chain('SKIFF-SEP', p.id, p.protocol, `${b.ip}:${b.port}`) }));
    for (const s of seps) natChains.add(s.name);

    if (p.clusterIP) {
      nat.push(`-A SKIFF-SERVICES -d ${p.clusterIP}/32 ${pr} ${comment(`${p.id} cluster IP`)} --dport ${p.port} -j ${svc}`);
      if (opts.clusterCIDR) nat.push(`-A ${svc} ! -s ${opts.clusterCIDR} -d ${p.clusterIP}/32 ${pr} ${comment(`${p.id} cluster IP`)} --dport ${p.port} -j SKIFF-MARK-MASQ`);
    }
    spread(nat, svc, p, seps);

    // External traffic: node ports, external IPs, load-balancer IPs.
    const external = p.nodePort || p.externalIPs.length || p.loadBalancerIPs.length;
    if (external) {
      const ext = chain('SKIFF-EXT', p.id, p.protocol);
      natChains.add(ext);
      if (p.externalLocal) {
        // Keep the client address: no masquerade, and only endpoints on this node.
        const local = seps.filter((s) => s.b.nodeName === opts.nodeName);
        if (local.length) spread(nat, ext, p, local);
      } else {
        nat.push(`-A ${ext} ${comment('masquerade traffic for ' + p.id + ' external destinations')} -j SKIFF-MARK-MASQ`);
        nat.push(`-A ${ext} -j ${svc}`);
      }
      for (const ip of p.externalIPs) nat.push(`-A SKIFF-SERVICES -d ${ip}/32 ${pr} ${comment(`${p.id} external IP`)} --dport ${p.port} -j ${ext}`);
      for (const ip of p.loadBalancerIPs) nat.push(`-A SKIFF-SERVICES -d ${ip}/32 ${pr} ${comment(`${p.id} loadbalancer IP`)} --dport ${p.port} -j ${ext}`);
      if (p.nodePort) nat.push(`-A SKIFF-NODEPORTS ${pr} ${comment(p.id)} --dport ${p.nodePort} -j ${ext}`);
    }

    for (const s of seps) {
      nat.push(`-A ${s.name} -s ${s.b.ip}/32 ${comment(p.id)} -j SKIFF-MARK-MASQ`);
      const recent = p.affinitySeconds !== undefined ? ` -m recent --name ${s.name} --set` : '';
      nat.push(`-A ${s.name} ${pr} ${comment(p.id)}${recent} -j DNAT --to-destination ${s.b.ip}:${s.b.port}`);
    }
  }
  nat.push(`-A SKIFF-SERVICES ${comment('skiff service nodeports; NOTE: this must be the last rule in this chain')} -m addrtype --dst-type LOCAL -j SKIFF-NODEPORTS`);

  const staleNat = [...(stale.nat ?? [])].filter((c) => !natChains.has(c));
  const staleFilter = [...(stale.filter ?? [])].filter((c) => !filterChains.has(c));
  const lines: string[] = ['*nat'];
  for (const c of [...natChains, ...staleNat]) lines.push(`:${c} - [0:0]`);
  lines.push(...nat);
  for (const c of staleNat) lines.push(`-X ${c}`);
  lines.push('COMMIT', '*filter');
  for (const c of [...filterChains, ...staleFilter]) lines.push(`:${c} - [0:0]`);
  lines.push(...filter);
  for (const c of staleFilter) lines.push(`-X ${c}`);
  lines.push('COMMIT', '');
  return { text: lines.join('\n'), natChains, filterChains };
}

/** Jump to one of `seps` at random (probability 1/n, 1/(n-1), …, last unconditional), honouring affinity. */
function spread(out: string[], from: string, p: ServicePortInfo, seps: { b: { ip: string; port: number }; name: string }[]): void {
  if (p.affinitySeconds !== undefined) {
    for (const s of seps) out.push(`-A ${from} ${comment(`${p.id} -> ${s.b.ip}:${s.b.port}`)} -m recent --name ${s.name} --rcheck --seconds ${p.affinitySeconds} --reap -j ${s.name}`);
  }
  seps.forEach((s, i) => {
    const left = seps.length - i;
    const stat = left > 1 ? ` -m statistic --mode random --probability ${(1 / left).toFixed(10)}` : '';
    out.push(`-A ${from} ${comment(`${p.id} -> ${s.b.ip}:${s.b.port}`)}${stat} -j ${s.name}`);
  });
}

/** Input that removes every SKIFF chain named (flush all first, then delete). */
export function teardownRules(nat: Iterable<string>, filter: Iterable<string>): string {
  const n = [...nat];
  const f = [...filter];
  return ['*nat', ...n.map((c) => `:${c} - [0:0]`), ...n.map((c) => `-X ${c}`), 'COMMIT', '*filter', ...f.map((c) => `:${c} - [0:0]`), ...f.map((c) => `-X ${c}`), 'COMMIT', ''].join('\n');
}

/** SKIFF-* chain names in iptables-save output of one table. */
export function skiffChainsIn(save: string): string[] {
  const out: string[] = [];
  for (const line of save.split('\n')) {
    const m = /^:(SKIFF-[A-Z0-9-]+) /.exec(line);
    if (m) out.push(m[1]);
  }
  return out;
}

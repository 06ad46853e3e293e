// The /etc/resolv.conf a pod gets (kubelet dns.go): ClusterFirst points at the cluster DNS with
// the search path <ns>.svc.<zone> svc.<zone> <zone> (+ the host's search domains) and ndots:5;
// Default uses the node's resolv.conf; None uses only spec.dnsConfig; dnsConfig is merged into
// the others. ClusterFirst on a hostNetwork pod falls back to Default unless the policy is
// ClusterFirstWithHostNet.
import type { Pod } from 'kubernetes-types/core/v1.js';

export interface ResolvConfOptions {
  dnsServer: string;
  clusterDomain: string;
  /** Text of the node's /etc/resolv.conf. */
  hostResolvConf: string;
}

interface Parsed {
  nameservers: string[];
  searches: string[];
  options: string[];
}

/** Upstream limits: 3 nameservers, 32 search domains, 2048 characters of search path. */
const MAX_NAMESERVERS = 3;
const MAX_SEARCHES = 32;
const MAX_SEARCH_CHARS = 2048;

export function parseResolvConf(text: string): Parsed {
  const p: Parsed = { nameservers: [], searches: [], options: [] };
  for (const raw of text.split('\n')) {
    const line = raw.replace(/[#;].*$/, '').trim();
    const [key, ...rest] = line.split(/\s+/);
    if (key === 'nameserver' && rest[0]) p.nameservers.push(rest[0]);
    else if (key === 'search' || key === 'domain') p.searches = rest.filter(Boolean);
    else if (key === 'options') p.options.push(...rest.filter(Boolean));
  }
  return p;
}

function uniq<T>(xs: T[]): T[] {
  return [...new Set(xs)];
}

/** Merge options by name, later values winning (ndots:5 + ndots:2 → ndots:2). */
function mergeOptions(base: string[], extra: { name?: string; value?: string }[]): string[] {
  const byName = new Map<string, string>();
  for (const o of base) {
    const [n, v] = o.split(':');
    byName.set(n, v === undefined ? n : `${n}:${v}`);
  }
  for (const o of extra) {
    if (!o.name) continue;
    byName.set(o.name, o.value !== undefined && o.value !== '' ? `${o.name}:${o.value}` : o.name);
  }
  return [...byName.values()];
}

function trimSearches(s: string[]): string[] {
  const out: string[] = [];
  let chars = 0;
  for (const d of uniq(s)) {
    if (out.length >= MAX_SEARCHES || chars + d.length + 1 > MAX_SEARCH_CHARS) break;
    out.push(d);
    chars += d.length + 1;
  }
  return out;
}

export function resolvConfFor(pod: Pod, opts: ResolvConfOptions): string {
  const host = parseResolvConf(opts.hostResolvConf);
  const ns = pod.metadata?.namespace ?? 'default';
  const zone = opts.clusterDomain.replace(/\.$/, '');
  let policy = pod.spec?.dnsPolicy ?? 'ClusterFirst';
  if (policy === 'ClusterFirst' && pod.spec?.hostNetwork) policy = 'Default';
  let p: Parsed;
  if (policy === 'None') p = { nameservers: [], searches: [], options: [] };
  else if (policy === 'Default') p = { nameservers: host.nameservers, searches: host.searches, options: host.options };
  else p = { nameservers: [opts.dnsServer], searches: [`${ns}.svc.${zone}`, `svc.${zone}`, zone, ...host.searches], options: ['ndots:5'] };
  const cfg = pod.spec?.dnsConfig;
  if (cfg) {
    p.nameservers = uniq([...p.nameservers, ...(cfg.nameservers ?? [])]);
    p.searches = [...p.searches, ...(cfg.searches ?? [])];
    p.options = mergeOptions(p.options, cfg.options ?? []);
  }
  const lines: string[] = [];
  for (const n of uniq(p.nameservers).slice(0, MAX_NAMESERVERS)) lines.push(`nameserver ${n}`);
  const searches = trimSearches(p.searches);
  if (searches.length) lines.push(`search ${searches.join(' ')}`);
  if (p.options.length) lines.push(`options ${p.options.join(' ')}`);
  return lines.join('\n') + '\n';
}

// The /etc/hosts and /etc/resolv.conf a pod's containers see, written into the pod directory and
// bind-mounted over the container's paths where the runtime gives containers their own mount
// namespace (kubelet's managed etc-hosts file and dns.go).
import type { Pod } from 'kubernetes-types/core/v1.js';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { resolvConfFor } from '../api/resolv-conf.js';

export const DEFAULT_CLUSTER_DNS = '10.96.0.10';
export const DEFAULT_CLUSTER_DOMAIN = 'cluster.local';

export interface PodEtcOptions {
  podIP: string;
  /** Nameserver for ClusterFirst (the kube-dns Service IP when pods have their own network). */
  clusterDNS: string;
  clusterDomain: string;
  /** The node's /etc/hosts and /etc/resolv.conf (read from the host when omitted). */
  hostHosts?: string;
  hostResolvConf?: string;
}

function readOr(path: string, fallback: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return fallback;
  }
}

/** The pod's hostname as kubelet sets it: spec.hostname, else the pod name, at most 63 characters. */
export function podHostname(pod: Pod): string {
  return (pod.spec?.hostname || pod.metadata?.name || '').slice(0, 63).replace(/[-.]+$/, '');
}

/** kubelet's managed hosts file: loopback entries, the pod's own name, then hostAliases. */
export function hostsFileFor(pod: Pod, o: Pick<PodEtcOptions, 'podIP' | 'clusterDomain' | 'hostHosts'>): string {
  let out: string;
  if (pod.spec?.hostNetwork) {
    out = '# Kubernetes-managed hosts file (host network).\n' + (o.hostHosts ?? readOr('/etc/hosts', ''));
    if (!out.endsWith('\n')) out += '\n';
  } else {
    const host = podHostname(pod);
    const sub = pod.spec?.subdomain;
    const self = sub ? `${o.podIP}\t${host}.${sub}.${pod.metadata?.namespace ?? 'default'}.svc.${o.clusterDomain}\t${host}` : `${o.podIP}\t${host}`;
    out = [
      '# Kubernetes-managed hosts file.',
      '127.0.0.1\tlocalhost',
      '::1\tlocalhost ip6-localhost ip6-loopback',
      'fe00::0\tip6-localnet',
      'fe00::0\tip6-mcastprefix',
      'fe00::1\tip6-allnodes',
      'fe00::2\tip6-allrouters',
      self,
      '',
    ].join('\n');
  }
  const aliases = pod.spec?.hostAliases ?? [];
  if (aliases.length) {
    out += '\n# Entries added by HostAliases.\n';
    for (const a of aliases) if (a.ip && a.hostnames?.length) out += `${a.ip}\t${a.hostnames.join('\t')}\n`;
  }
  return out;
}

export function resolvConfOf(pod: Pod, o: Pick<PodEtcOptions, 'clusterDNS' | 'clusterDomain' | 'hostResolvConf'>): string {
  return resolvConfFor(pod, {
    dnsServer: o.clusterDNS,
    clusterDomain: o.clusterDomain,
    hostResolvConf: o.hostResolvConf ?? readOr('/etc/resolv.conf', ''),
  });
}

/** Write both files into podDir; returns the mounts that put them at /etc/hosts and /etc/resolv.conf. */
export function writePodEtcFiles(pod: Pod, podDir: string, o: PodEtcOptions): { containerPath: string; hostPath: string; readonly: boolean }[] {
  const hosts = join(podDir, 'etc-hosts');
  const resolv = join(podDir, 'resolv.conf');
  writeFileSync(hosts, hostsFileFor(pod, o), { mode: 0o644 });
  writeFileSync(resolv, resolvConfOf(pod, o), { mode: 0o644 });
  return [
    { containerPath: '/etc/hosts', hostPath: hosts, readonly: false },
    { containerPath: '/etc/resolv.conf', hostPath: resolv, readonly: false },
  ];
}

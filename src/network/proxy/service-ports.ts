// The proxy's model: one entry per Service port with the addresses it answers on (cluster IP,
// node port, external and load-balancer IPs) and the endpoints that serve it. Both proxy modes
// are computed from this table.
import type { Service, ServicePort } from 'kubernetes-types/core/v1.js';
import { usableBackends, type Backend, type ServiceCatalog } from '../service-catalog.js';

export interface ServicePortInfo {
  /** "ns/name:portName" (portName may be empty). */
  id: string;
  namespace: string;
  name: string;
  portName: string;
  protocol: 'TCP' | 'UDP' | 'SCTP';
  clusterIP?: string;
  port: number;
  nodePort?: number;
  externalIPs: string[];
  loadBalancerIPs: string[];
  /** externalTrafficPolicy Local: external traffic only to endpoints on this node. */
  externalLocal: boolean;
  /** sessionAffinity ClientIP timeout, in seconds. */
  affinitySeconds?: number;
  /** Endpoints traffic may go to (ready, or terminating-but-serving when none is ready). */
  backends: Backend[];
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

function portInfo(svc: Service, sp: ServicePort, backends: Backend[]): ServicePortInfo {
  const ns = svc.metadata!.namespace!;
  const name = svc.metadata!.name!;
  const spec = svc.spec!;
  const clusterIP = spec.clusterIP && IPV4.test(spec.clusterIP) ? spec.clusterIP : undefined;
  const type = spec.type ?? 'ClusterIP';
  return {
    id: `${ns}/${name}:${sp.name ?? ''}`,
    namespace: ns,
    name,
    portName: sp.name ?? '',
    protocol: (sp.protocol ?? 'TCP') as ServicePortInfo['protocol'],
    clusterIP,
    port: sp.port,
    nodePort: (type === 'NodePort' || type === 'LoadBalancer') && sp.nodePort ? sp.nodePort : undefined,
    externalIPs: (spec.externalIPs ?? []).filter((ip) => IPV4.test(ip)),
    loadBalancerIPs: type === 'LoadBalancer' ? (svc.status?.loadBalancer?.ingress ?? []).map((i) => i.ip).filter((ip): ip is string => !!ip && IPV4.test(ip)) : [],
    externalLocal: spec.externalTrafficPolicy === 'Local',
    affinitySeconds: spec.sessionAffinity === 'ClientIP' ? (spec.sessionAffinityConfig?.clientIP?.timeoutSeconds ?? 10800) : undefined,
    backends,
  };
}

/** Every proxied Service port. Headless and ExternalName services are not proxied. */
export function servicePortTable(catalog: ServiceCatalog): ServicePortInfo[] {
  const out: ServicePortInfo[] = [];
  for (const svc of catalog.allServices()) {
    const spec = svc.spec;
    if (!spec || spec.type === 'ExternalName' || spec.clusterIP === 'None' || !spec.clusterIP) continue;
    for (const sp of spec.ports ?? []) {
      const backends = usableBackends(catalog.backends(svc.metadata!.namespace!, svc.metadata!.name!, sp.name ?? '', sp.protocol ?? 'TCP'));
      out.push(portInfo(svc, sp, backends));
    }
  }
  return out.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : a.protocol < b.protocol ? -1 : 1));
}

/**
 * The loopback address a cluster IP is reachable at in userspace mode: 10.x.y.z → 127.x.y.z.
 * All of 127.0.0.0/8 is local on Linux, so no address has to be added to bind it.
 */
export function loopbackAlias(clusterIP: string): string {
  const p = clusterIP.split('.');
  return p.length === 4 ? `127.${p[1]}.${p[2]}.${p[3]}` : clusterIP;
}

// Printers for Service, Endpoints, EndpointSlice, Ingress, IngressClass and NetworkPolicy.
import type { Endpoints, Service, ServicePort } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import type { Ingress, IngressClass, NetworkPolicy } from 'kubernetes-types/networking/v1.js';
import { ageColumn, column, nameColumn, wide } from './columns.js';
import { formatAge, formatLabelSelector, formatLabels, joinHostPort, listWithMore } from './format.js';
import type { PrintContext, Printer, TableCell } from './types.js';

const age = (o: { metadata?: { creationTimestamp?: string } }, ctx: PrintContext) => formatAge(o.metadata?.creationTimestamp, ctx.now);
const name = (o: { metadata?: { name?: string } }) => o.metadata?.name ?? '';

/** Load-balancer ingress points: IPs (else hostnames), de-duplicated and sorted. */
function loadBalancerAddresses(ingress: { ip?: string; hostname?: string }[] | undefined): string {
  const set = new Set<string>();
  for (const i of ingress ?? []) {
    if (i.ip) set.add(i.ip);
    else if (i.hostname) set.add(i.hostname);
  }
  return [...set].sort().join(',');
}

/** EXTERNAL-IP cell: `<none>`, `<pending>`, ingress/external IPs, or the ExternalName. */
export function serviceExternalIP(svc: Service): string {
  const externalIPs = svc.spec?.externalIPs ?? [];
  switch (svc.spec?.type ?? 'ClusterIP') {
    case 'ClusterIP':
    case 'NodePort':
      return externalIPs.length > 0 ? externalIPs.join(',') : '<none>';
    case 'LoadBalancer': {
      const lb = loadBalancerAddresses(svc.status?.loadBalancer?.ingress);
      if (externalIPs.length > 0) return [...(lb ? lb.split(',') : []), ...externalIPs].join(',');
      return lb || '<pending>';
    }
    case 'ExternalName':
      return svc.spec?.externalName ?? '';
    default:
      return '<unknown>';
  }
}

/** PORT(S) cell: `80/TCP`, `8080:30856/TCP`, comma-joined. */
export function servicePorts(ports: ServicePort[] | undefined): string {
  const text = (ports ?? [])
    .map((p) => {
      const proto = p.protocol ?? 'TCP';
      return p.nodePort && p.nodePort > 0 ? `${p.port}:${p.nodePort}/${proto}` : `${p.port}/${proto}`;
    })
    .join(',');
  return text || '<none>';
}

export const servicePrinter: Printer = {
  columns: [
    nameColumn(),
    column('Type', 'string', 'type determines how the Service is exposed. Defaults to ClusterIP. Valid options are ExternalName, ClusterIP, NodePort, and LoadBalancer.'),
    column('Cluster-IP', 'string', 'clusterIP is the IP address of the service and is usually assigned randomly.'),
    column('External-IP', 'string', 'externalIPs is a list of IP addresses for which nodes in the cluster will also accept traffic for this service.'),
    column('Port(s)', 'string', 'The list of ports that are exposed by this service.'),
    ageColumn(),
    wide('Selector', 'string', 'Route service traffic to pods with label keys and values matching this selector.'),
  ],
  cells(svc: Service, ctx): TableCell[] {
    // Older stored objects may only carry the singular clusterIP.
    const clusterIP = svc.spec?.clusterIPs?.[0] || svc.spec?.clusterIP || '<none>';
    return [
      name(svc),
      svc.spec?.type ?? 'ClusterIP',
      clusterIP,
      serviceExternalIP(svc),
      servicePorts(svc.spec?.ports),
      age(svc, ctx),
      formatLabels(svc.spec?.selector),
    ];
  },
};

/** ENDPOINTS cell: up to three `ip:port` entries, then `+ N more...`; `<none>` without subsets. */
export function formatEndpoints(ep: Endpoints): string {
  const subsets = ep.subsets ?? [];
  if (subsets.length === 0) return '<none>';
  const max = 3;
  const list: string[] = [];
  let count = 0;
  for (const ss of subsets) {
    const addrs = ss.addresses ?? [];
    const ports = ss.ports ?? [];
    if (ports.length === 0) {
      // Headless services may have no ports.
      count += addrs.length;
      for (const a of addrs) if (list.length < max) list.push(a.ip);
      continue;
    }
    for (const p of ports) {
      count += addrs.length;
      for (const a of addrs) if (list.length < max) list.push(joinHostPort(a.ip, p.port));
    }
  }
  const text = list.join(',');
  return count > max ? `${text} + ${count - max} more...` : text;
}

export const endpointsPrinter: Printer = {
  columns: [
    nameColumn(),
    column('Endpoints', 'string', 'The set of all endpoints is the union of all subsets.'),
    ageColumn(),
  ],
  cells(ep: Endpoints, ctx): TableCell[] {
    return [name(ep), formatEndpoints(ep), age(ep, ctx)];
  },
};

export const endpointSlicePrinter: Printer = {
  columns: [
    nameColumn(),
    column('AddressType', 'string', 'addressType specifies the type of address carried by this EndpointSlice.'),
    column('Ports', 'string', 'ports specifies the list of network ports exposed by each endpoint in this slice.'),
    column('Endpoints', 'string', 'endpoints is a list of unique endpoints in this slice.'),
    ageColumn(),
  ],
  cells(s: EndpointSlice, ctx): TableCell[] {
    const ports = (s.ports ?? []).map((p) => (p.port !== undefined && p.port !== null ? String(p.port) : p.name ?? '*'));
    const addresses = (s.endpoints ?? []).flatMap((e) => e.addresses ?? []);
    return [name(s), s.addressType ?? '', listWithMore(ports, 3), listWithMore(addresses, 3), age(s, ctx)];
  },
};

/** HOSTS cell: up to three hosts, `*` when no rule names one. */
export function formatIngressHosts(rules: { host?: string }[] | undefined): string {
  const list: string[] = [];
  const max = 3;
  let more = false;
  for (const r of rules ?? []) {
    if (list.length === max) more = true;
    if (!more && r.host) list.push(r.host);
  }
  if (list.length === 0) return '*';
  const text = list.join(',');
  return more ? `${text} + ${(rules ?? []).length - max} more...` : text;
}

export const ingressPrinter: Printer = {
  columns: [
    nameColumn(),
    column('Class', 'string', 'The name of the IngressClass resource that should be used for additional configuration'),
    column('Hosts', 'string', 'Hosts that incoming requests are matched against before the ingress rule'),
    column('Address', 'string', 'Address is a list containing ingress points for the load-balancer'),
    column('Ports', 'string', 'Ports of TLS configurations that open'),
    ageColumn(),
  ],
  cells(ing: Ingress, ctx): TableCell[] {
    return [
      name(ing),
      ing.spec?.ingressClassName ?? '<none>',
      formatIngressHosts(ing.spec?.rules),
      loadBalancerAddresses(ing.status?.loadBalancer?.ingress),
      (ing.spec?.tls ?? []).length > 0 ? '80, 443' : '80',
      age(ing, ctx),
    ];
  },
};

export const ingressClassPrinter: Printer = {
  columns: [
    nameColumn(),
    column('Controller', 'string', 'Controller that is responsible for handling this class'),
    column('Parameters', 'string', 'A reference to a resource with additional parameters'),
    ageColumn(),
  ],
  cells(ic: IngressClass, ctx): TableCell[] {
    const p = ic.spec?.parameters;
    const params = p ? `${p.kind}${p.apiGroup ? `.${p.apiGroup}` : ''}/${p.name}` : '<none>';
    return [name(ic), ic.spec?.controller ?? '', params, age(ic, ctx)];
  },
};

export const networkPolicyPrinter: Printer = {
  columns: [
    nameColumn(),
    column('Pod-Selector', 'string', 'Selects the pods to which this NetworkPolicy object applies.'),
    ageColumn(),
  ],
  cells(np: NetworkPolicy, ctx): TableCell[] {
    return [name(np), formatLabelSelector(np.spec?.podSelector ?? {}), age(np, ctx)];
  },
};

// Defaults for Service, Endpoints, EndpointSlice, NetworkPolicy (upstream SetDefaults_*),
// plus the IP-family fields the Service REST layer fills before allocation.
/* eslint-disable @typescript-eslint/no-explicit-any */
import { isIPv6 } from '../validation/field.js';

export function defaultService(svc: any): void {
  const s = (svc.spec ??= {});
  s.sessionAffinity ||= 'None';
  if (s.sessionAffinity === 'None') delete s.sessionAffinityConfig;
  if (s.sessionAffinity === 'ClientIP' && s.sessionAffinityConfig?.clientIP?.timeoutSeconds == null)
    s.sessionAffinityConfig = { clientIP: { timeoutSeconds: 10800 } };
  s.type ||= 'ClusterIP';
  for (const p of s.ports ?? []) {
    if (!p) continue;
    p.protocol ||= 'TCP';
    if (p.targetPort === undefined || p.targetPort === null || p.targetPort === 0 || p.targetPort === '') p.targetPort = p.port;
  }
  const externallyAccessible =
    s.type === 'LoadBalancer' || s.type === 'NodePort' || (s.type === 'ClusterIP' && (s.externalIPs ?? []).length > 0);
  if (externallyAccessible) s.externalTrafficPolicy ||= 'Cluster';
  if (s.internalTrafficPolicy == null && s.type !== 'ExternalName') s.internalTrafficPolicy = 'Cluster';
  if (s.type === 'LoadBalancer') s.allocateLoadBalancerNodePorts ??= true;
  // clusterIP ⇄ clusterIPs[0] kept in step (upstream normalizeClusterIPs).
  if (s.clusterIP && !(s.clusterIPs ?? []).length) s.clusterIPs = [s.clusterIP];
  if (!s.clusterIP && (s.clusterIPs ?? []).length) s.clusterIP = s.clusterIPs[0];
  if (s.type !== 'ExternalName') {
    const headlessNoSelector = s.clusterIP === 'None' && (!s.selector || Object.keys(s.selector).length === 0);
    s.ipFamilyPolicy ||= headlessNoSelector ? 'RequireDualStack' : 'SingleStack';
    if (!(s.ipFamilies ?? []).length) {
      const ips = (s.clusterIPs ?? []).filter((ip: string) => ip && ip !== 'None');
      s.ipFamilies = ips.length ? ips.map((ip: string) => (isIPv6(ip) ? 'IPv6' : 'IPv4')) : ['IPv4'];
    }
  }
}

export function defaultEndpoints(ep: any): void {
  for (const ss of ep.subsets ?? []) for (const p of ss?.ports ?? []) if (p && !p.protocol) p.protocol = 'TCP';
}

export function defaultEndpointSlice(es: any): void {
  for (const p of es.ports ?? []) {
    if (!p) continue;
    p.protocol ||= 'TCP';
    p.name ??= '';
  }
}

export function defaultNetworkPolicy(np: any): void {
  const s = (np.spec ??= {});
  for (const r of [...(s.ingress ?? []), ...(s.egress ?? [])]) for (const p of r?.ports ?? []) if (p && !p.protocol) p.protocol = 'TCP';
  if (!(s.policyTypes ?? []).length) {
    s.policyTypes = ['Ingress'];
    if ((s.egress ?? []).length) s.policyTypes.push('Egress');
  }
}

// `skiff service NAME --url` (like `minikube service --url`): the URLs a Service is reachable at
// from the host — node ports on the node address, or the load-balancer address when the
// Service has no node ports.
import type { Service } from 'kubernetes-types/core/v1.js';
import type { ApiClient, KubeObject } from '../client/api.js';
import { SERVICES } from './service-catalog.js';

function scheme(name: string | undefined, port: number): string {
  return name === 'https' || port === 443 ? 'https' : 'http';
}

function hostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** URLs for a Service object (pure; exported for tests). */
export function urlsForService(svc: Service, nodeAddress: string): string[] {
  const ns = svc.metadata?.namespace ?? 'default';
  const name = svc.metadata?.name ?? '';
  const type = svc.spec?.type ?? 'ClusterIP';
  const ports = svc.spec?.ports ?? [];
  if (type === 'NodePort' || type === 'LoadBalancer') {
    const viaNode = ports.filter((p) => p.nodePort).map((p) => `${scheme(p.name, p.port)}://${hostPort(nodeAddress, p.nodePort!)}`);
    if (viaNode.length) return viaNode;
    const lb = (svc.status?.loadBalancer?.ingress ?? []).map((i) => i.ip ?? i.hostname).filter((h): h is string => !!h);
    const viaLb = lb.flatMap((h) => ports.map((p) => `${scheme(p.name, p.port)}://${hostPort(h, p.port)}`));
    if (viaLb.length) return viaLb;
  }
  throw new Error(`service ${ns}/${name} is not reachable from outside the cluster: type ${type} has no node port (expose it with --type=NodePort or LoadBalancer)`);
}

export async function serviceUrls(client: ApiClient, namespace: string, name: string, nodeAddress: string): Promise<string[]> {
  const svc = await client.get<Service & KubeObject>(SERVICES, namespace, name);
  return urlsForService(svc, nodeAddress);
}

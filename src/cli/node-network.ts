// The networking roles `skiff server` runs beside its node agent: cluster DNS (published as
// kube-system/kube-dns), the service proxy, the service load balancer and the ingress controller.
import type { Logger } from 'pino';
import type { ApiClient } from '../client/api.js';
import { ServiceCatalog } from '../network/service-catalog.js';
import { ClusterDns } from '../network/dns/server.js';
import { ServiceProxy } from '../network/proxy/service-proxy.js';
import { ServiceLoadBalancerController } from '../network/proxy/load-balancer.js';
import { IngressController } from '../network/ingress/controller.js';
import { loopbackAlias } from '../network/proxy/service-ports.js';

export interface NodeNetworkOptions {
  nodeName: string;
  nodeIP: string;
  /** True when pods have their own network namespaces (root): iptables mode; else userspace. */
  podNetwork: boolean;
  dnsListen: { host: string; port: number };
  ingressPorts: { http: number; https: number };
  /** Run only DNS (control plane without a node agent). */
  dnsOnly?: boolean;
  logger: Logger;
}

export interface NodeNetwork {
  dnsAddress(): { host: string; port: number };
  ingressPorts(): { http: number; https: number } | undefined;
  stop(): Promise<void>;
}

const isRoot = () => process.getuid?.() === 0;

/** Default ports: the well-known ones with root, high ones without (no privileged binds). */
export function defaultIngressPorts(): { http: number; https: number } {
  return isRoot() ? { http: 80, https: 443 } : { http: 10080, https: 10443 };
}

export function defaultDnsListen(nodeIP: string): { host: string; port: number } {
  return isRoot() ? { host: nodeIP, port: 53 } : { host: '127.0.0.1', port: 10053 };
}

export async function startNodeNetwork(client: ApiClient, o: NodeNetworkOptions): Promise<NodeNetwork> {
  const log = o.logger;
  const catalog = new ServiceCatalog(client, { withNamespaces: true });
  const stops: (() => Promise<void> | void)[] = [];
  const dns = new ClusterDns(client, {
    listen: o.dnsListen,
    catalog,
    // Without per-pod networks, cluster IPs are served on 127.x aliases by the userspace proxy.
    serviceAddress: o.podNetwork || o.dnsOnly ? undefined : loopbackAlias,
    logger: log.child({ component: 'cluster-dns' }),
  });
  await catalog.start();
  stops.push(() => catalog.stop());
  await dns.start();
  stops.unshift(() => dns.stop());
  let ingress: IngressController | undefined;
  if (!o.dnsOnly) {
    const proxy = new ServiceProxy(client, { nodeName: o.nodeName, mode: o.podNetwork ? 'iptables' : 'userspace', nodeIP: o.nodeIP, clusterCIDR: o.podNetwork ? '10.42.0.0/16' : undefined, catalog, logger: log.child({ component: 'service-proxy' }) });
    await proxy.start();
    stops.unshift(() => proxy.stop());
    const lb = new ServiceLoadBalancerController(client, { address: o.podNetwork ? o.nodeIP : '127.0.0.1', logger: log.child({ component: 'service-lb' }) });
    await lb.start();
    stops.unshift(() => lb.stop());
    ingress = new IngressController(client, { httpPort: o.ingressPorts.http, httpsPort: o.ingressPorts.https, host: '0.0.0.0', nodeAddress: o.podNetwork ? o.nodeIP : '127.0.0.1', catalog, logger: log.child({ component: 'ingress' }) });
    await ingress.start();
    stops.unshift(() => ingress!.stop());
  }
  return {
    dnsAddress: () => {
      const a = dns.listenAddress();
      return { host: a.host, port: a.udpPort };
    },
    ingressPorts: () => ingress?.ports(),
    async stop() {
      for (const s of stops) await Promise.resolve(s()).catch((e) => log.warn({ err: e }, 'network role stop failed'));
    },
  };
}

// `skiff service NAME [-n NS] --url`: print the URLs a Service is reachable at from this machine,
// like `minikube service --url`. The node address is the InternalIP of a Ready node (the node
// bridge address with per-pod networks, where node ports and load-balancer addresses are
// served); the cluster is the one named by --kubeconfig, else --data-dir's local cluster, else
// $KUBECONFIG, else the local cluster under ~/.skiff.
import { existsSync } from 'node:fs';
import type { Node } from 'kubernetes-types/core/v1.js';
import { findByKind } from '../api/registry.js';
import type { ApiClient, KubeObject } from '../client/api.js';
import { isNotFound } from '../client/api.js';
import { HttpTransport, loadKubeconfig } from '../client/http-transport.js';
import { RestClient } from '../client/rest-client.js';
import { serviceUrls } from '../network/service-url.js';
import { clusterDir, serverKubeconfig } from './local-cluster.js';

export interface ServiceCommandFlags {
  namespace?: string;
  url?: boolean;
  kubeconfig?: string;
  dataDir?: string;
}

export function kubeconfigFor(flags: Pick<ServiceCommandFlags, 'kubeconfig' | 'dataDir'>, env: NodeJS.ProcessEnv = process.env): string {
  if (flags.kubeconfig) return flags.kubeconfig;
  if (!flags.dataDir && env.KUBECONFIG) return env.KUBECONFIG.split(':')[0];
  return serverKubeconfig(clusterDir(flags.dataDir));
}

/** The address node ports are reachable at: a Ready node's InternalIP (then ExternalIP). */
export function nodeAddressOf(nodes: Node[]): string | undefined {
  const ready = (n: Node) => n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
  const ordered = [...nodes.filter(ready), ...nodes.filter((n) => !ready(n))];
  for (const type of ['InternalIP', 'ExternalIP']) {
    for (const n of ordered) {
      const a = n.status?.addresses?.find((x) => x.type === type)?.address;
      if (a) return a;
    }
  }
  return undefined;
}

export async function serviceUrlsVia(client: ApiClient, namespace: string, name: string): Promise<string[]> {
  const nodes = await client.list<Node & KubeObject>(findByKind('', 'Node')!, undefined);
  return serviceUrls(client, namespace, name, nodeAddressOf(nodes.items) ?? '127.0.0.1');
}

/** Runs the command; returns the exit code. */
export async function serviceCommand(name: string, flags: ServiceCommandFlags): Promise<number> {
  const kubeconfig = kubeconfigFor(flags);
  if (!existsSync(kubeconfig)) {
    console.error(`skiff service: no kubeconfig at ${kubeconfig}: start a cluster with \`skiff up\` or pass --kubeconfig`);
    return 1;
  }
  const client = new RestClient(new HttpTransport({ ...loadKubeconfig(kubeconfig), timeoutMs: 10_000 }), { userAgent: 'skiff-service' });
  const namespace = flags.namespace ?? 'default';
  try {
    const urls = await serviceUrlsVia(client, namespace, name);
    for (const u of urls) console.log(u);
    return 0;
  } catch (e) {
    if (isNotFound(e)) console.error(`skiff service: service "${name}" not found in namespace "${namespace}"`);
    else console.error(`skiff service: ${e instanceof Error ? e.message : String(e)}`);
    return 1;
  }
}

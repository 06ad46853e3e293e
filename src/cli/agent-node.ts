// `skiff agent`: a node that joins a server — the node agent (src/agent/), its kubelet endpoint
// for logs/exec/attach/port-forward (when given a serving certificate from the cluster CA: the
// API server verifies agents by that chain), and its own service proxy in iptables mode when
// pods have their own network namespaces. Cluster DNS, the load balancer and ingress stay with
// the server. Without per-pod networks the node shares the host network, where the server's
// userspace proxy already serves cluster IPs, so no proxy runs here.
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import pino, { type Logger } from 'pino';
import { HttpTransport } from '../client/http-transport.js';
import { RestClient } from '../client/rest-client.js';
import { createNodeAgent } from '../agent/create-agent.js';
import { freePort, startStreamingEndpoint } from '../agent/streaming-endpoint.js';
import { ServiceProxy } from '../network/proxy/service-proxy.js';

export interface AgentNodeFlags {
  server: string;
  token: string;
  nodeName?: string;
  dataDir?: string;
  runtime?: string;
  /** The cluster CA: verifies the API server, and the API server's client certificate on the kubelet endpoint. */
  caFile?: string;
  version?: string;
  labels?: Record<string, string>;
  /** This node's pod CIDR (default: one derived from the node name). */
  podCidr?: string;
  /** Kubelet endpoint port (default: a free one). */
  kubeletPort?: number;
  /** Kubelet serving certificate and key, signed by the cluster CA. */
  tlsCertFile?: string;
  tlsPrivateKeyFile?: string;
}

export interface RunningAgentNode {
  nodeName: string;
  stop(): Promise<void>;
}

const CLUSTER_CIDR = '10.42.0.0/16';

export async function startAgentNode(flags: AgentNodeFlags, logger?: Logger): Promise<RunningAgentNode> {
  if (!flags.server) throw new Error('--server URL is required');
  if (!flags.token) throw new Error('a join token is required: --token TOKEN or --token-file PATH');
  if (!!flags.tlsCertFile !== !!flags.tlsPrivateKeyFile) throw new Error('--tls-cert-file and --tls-private-key-file go together');
  if (flags.tlsCertFile && !flags.caFile) throw new Error('--tls-cert-file needs --ca-file (the cluster CA that signs the API server\'s client certificate)');
  const log = logger ?? pino({ level: process.env.SKIFF_LOG_LEVEL ?? 'info', base: { pid: process.pid } }, pino.destination(2));
  const ca = flags.caFile ? readFileSync(flags.caFile, 'utf8') : undefined;
  const tls = flags.tlsCertFile ? { cert: readFileSync(flags.tlsCertFile, 'utf8'), key: readFileSync(flags.tlsPrivateKeyFile!, 'utf8'), ca: ca! } : undefined;
  const transport = new HttpTransport({ server: flags.server, token: flags.token, ca, insecureSkipVerify: !ca });
  const client = new RestClient(transport, { userAgent: 'skiff-agent' });
  const kubeletPort = tls ? (flags.kubeletPort ?? (await freePort('0.0.0.0'))) : undefined;
  const stops: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    for (const s of stops.splice(0)) await s().catch((e) => log.warn({ component: 'agent', err: (e as Error).message }, 'stop failed'));
    transport.destroy();
  };
  try {
    const agent = await createNodeAgent(client, {
      runtime: flags.runtime,
      nodeName: flags.nodeName,
      dataDir: flags.dataDir ?? join(homedir(), '.skiff', 'agent'),
      logger: log,
      labels: flags.labels,
      version: flags.version,
      podCidr: flags.podCidr,
      kubeletPort,
    });
    // The agent stops its pods last: they keep serving while the proxy rules go.
    stops.unshift(() => agent.stop());
    await agent.start();
    if (tls && kubeletPort !== undefined) {
      const endpoint = await startStreamingEndpoint({ runtime: agent.containerRuntime, tls, host: '0.0.0.0', port: kubeletPort, nodeName: agent.name, logger: log.child({ component: 'agent' }) });
      stops.unshift(() => endpoint.stop());
    } else {
      log.warn({ component: 'agent' }, 'no kubelet serving certificate (--tls-cert-file): kubectl logs/exec/port-forward cannot reach pods on this node');
    }
    if (agent.podNetwork()) {
      const proxy = new ServiceProxy(client, { nodeName: agent.name, mode: 'iptables', nodeIP: agent.nodeAddress(), clusterCIDR: CLUSTER_CIDR, logger: log.child({ component: 'service-proxy' }) });
      await proxy.start();
      stops.unshift(() => proxy.stop());
    }
    return { nodeName: agent.name, stop: stopAll };
  } catch (e) {
    await stopAll();
    throw e;
  }
}

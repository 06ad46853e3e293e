// `skiff agent`: a node that joins a server — the node agent (src/agent/), its kubelet endpoint
// for logs/exec/attach/port-forward (with a serving certificate from the cluster CA — given, or
// requested through a CertificateSigningRequest: the API server verifies agents by that chain),
// and its own service proxy in iptables mode when pods have their own network namespaces.
// Cluster DNS, the load balancer and ingress stay with the server. Without per-pod networks the
// node shares the host network, where the server's userspace proxy already serves cluster IPs,
// so no proxy runs here.
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import pino, { type Logger } from 'pino';
import { startAgentProcess, type AgentFlags } from '../agent/standalone.js';
import { freePort, startStreamingEndpoint } from '../agent/streaming-endpoint.js';
import { ServiceProxy } from '../network/proxy/service-proxy.js';
import { obtainServingCert } from './kubelet-serving-cert.js';

/** caFile also verifies the API server's client certificate on the kubelet endpoint. */
export interface AgentNodeFlags extends AgentFlags {
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
  const tls = flags.tlsCertFile ? { cert: readFileSync(flags.tlsCertFile, 'utf8'), key: readFileSync(flags.tlsPrivateKeyFile!, 'utf8'), ca: readFileSync(flags.caFile!, 'utf8') } : undefined;
  // Without --tls-cert-file the agent asks the cluster for a serving certificate (a CSR). The
  // endpoint also needs the CA (--ca-file): it checks the API server's client certificate.
  const bootstrap = !tls && !!flags.caFile;
  const kubeletPort = tls || bootstrap ? (flags.kubeletPort ?? (await freePort('0.0.0.0'))) : undefined;
  const stops: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    for (const s of stops.splice(0)) await s().catch((e) => log.warn({ component: 'agent', err: (e as Error).message }, 'stop failed'));
  };
  try {
    const running = await startAgentProcess({ ...flags, kubeletPort }, log);
    const agent = running.agent;
    // The agent stops its pods last: they keep serving while the proxy rules go.
    stops.unshift(() => running.stop());
    const serve = async (pair: { cert: string; key: string; ca: string }, port: number) => {
      const endpoint = await startStreamingEndpoint({ runtime: agent.containerRuntime, tls: pair, host: '0.0.0.0', port, nodeName: agent.name, logger: log.child({ component: 'agent' }) });
      stops.unshift(() => endpoint.stop());
      return endpoint;
    };
    if (tls && kubeletPort !== undefined) await serve(tls, kubeletPort);
    else if (bootstrap && kubeletPort !== undefined) {
      // In the background: the node runs pods while its request waits for approval.
      const ca = readFileSync(flags.caFile!, 'utf8');
      const abort = new AbortController();
      stops.unshift(async () => abort.abort());
      const dir = join(flags.dataDir ?? join(homedir(), '.skiff', 'agent'), 'pki');
      void obtainServingCert(running.client, { nodeName: agent.name, hosts: [agent.nodeAddress(), agent.name], dir, ca, logger: log, signal: abort.signal })
        .then(async (pair) => {
          if (abort.signal.aborted) return;
          const endpoint = await serve({ ...pair, ca }, kubeletPort);
          if (abort.signal.aborted) await endpoint.stop(); // stopped while it was starting
        })
        .catch((e) => {
          if (!abort.signal.aborted) log.error({ component: 'agent', err: (e as Error).message }, 'no kubelet serving certificate: kubectl logs/exec/port-forward cannot reach pods on this node');
        });
    } else {
      log.warn({ component: 'agent' }, 'no kubelet serving certificate (--tls-cert-file, or --ca-file to request one): kubectl logs/exec/port-forward cannot reach pods on this node');
    }
    if (agent.podNetwork()) {
      const proxy = new ServiceProxy(running.client, { nodeName: agent.name, mode: 'iptables', nodeIP: agent.nodeAddress(), clusterCIDR: CLUSTER_CIDR, logger: log.child({ component: 'service-proxy' }) });
      await proxy.start();
      stops.unshift(() => proxy.stop());
    }
    return { nodeName: agent.name, stop: stopAll };
  } catch (e) {
    await stopAll();
    throw e;
  }
}

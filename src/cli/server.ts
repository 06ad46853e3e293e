// `skiff server`: wires storage, the API server and (as they land) the controller manager,
// scheduler and node agent into one process. The only module that knows every role.
import { mkdirSync } from 'node:fs';
import { homedir, hostname } from 'node:os';
import { join } from 'node:path';
import pino, { type Logger } from 'pino';
import type { Store } from '../storage/store.js';
import { MemoryStore } from '../storage/memory.js';
import { SqliteStore } from '../storage/sqlite.js';
import { ApiServer } from '../apiserver/server.js';
import { ensurePki } from '../apiserver/certs.js';
import { writeKubeconfig } from './kubeconfig.js';
import { InProcessTransport } from '../client/inprocess-transport.js';
import { RestClient } from '../client/rest-client.js';
import type { ApiClient } from '../client/api.js';
// Controllers, scheduler and node networking load after the kubeconfig is written (dynamic
// imports below): the API server answers /readyz without waiting for their modules.
import type { NodeNetwork } from './node-network.js';
import { agentTokenAuthenticator, ensureAgentToken } from './agent-token.js';

export interface ServerFlags {
  dataDir?: string;
  listen?: string;
  kubeconfig?: string;
  datastore?: string;
  runtime?: string;
  nodeName?: string;
  agent?: boolean; // commander maps --no-agent to agent=false
  simulatedNodes?: number;
  /** "HTTP,HTTPS" ports for the ingress controller; 0 picks free ports. */
  ingressPorts?: string;
  /** HOST:PORT for cluster DNS. */
  dnsListen?: string;
  /** Extra node agents (`<node>-m02`, …): see extra-nodes.ts. */
  extraNodes?: number;
}

export interface RunningServer {
  api: ApiServer;
  client: ApiClient;
  url: string;
  kubeconfigPath: string;
  stop(): Promise<void>;
}

export function defaultDataDir(): string {
  return join(homedir(), '.skiff', 'server');
}

export function parseListen(listen: string | undefined): { host: string; port: number } {
  const l = listen ?? '127.0.0.1:6443';
  const i = l.lastIndexOf(':');
  if (i < 0) throw new Error(`--listen must be HOST:PORT, got "${l}"`);
  const host = l.slice(0, i).replace(/^\[|\]$/g, '');
  const port = Number(l.slice(i + 1));
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--listen port must be 0-65535, got "${l.slice(i + 1)}"`);
  return { host, port };
}

function parsePorts(v: string): { http: number; https: number } {
  const [h, s] = v.split(',').map((x) => Number(x.trim()));
  if (!Number.isInteger(h) || !Number.isInteger(s) || h < 0 || s < 0 || h > 65535 || s > 65535) throw new Error(`--ingress-ports must be HTTP,HTTPS port numbers, got "${v}"`);
  return { http: h, https: s };
}

export function openStore(datastore: string | undefined, dataDir: string): Store {
  const ds = datastore ?? 'sqlite';
  if (ds === 'memory') return new MemoryStore();
  if (ds === 'sqlite') return SqliteStore.open(join(dataDir, 'db', 'state.db'));
  if (ds.startsWith('etcd://')) throw new Error('the etcd datastore is not available yet in this build; use --datastore sqlite or memory');
  throw new Error(`unknown --datastore "${ds}" (want sqlite, memory or etcd://host:port,...)`);
}

export function makeLogger(): Logger {
  return pino({ level: process.env.SKIFF_LOG_LEVEL ?? 'info', base: { pid: process.pid } }, pino.destination(2));
}

export async function startServer(flags: ServerFlags, log: Logger = makeLogger()): Promise<RunningServer> {
  // Refuse unknown runtimes before anything starts, not after the API server is up.
  if (flags.runtime && !['process', 'simulated'].includes(flags.runtime)) {
    throw new Error(`runtime "${flags.runtime}" is not available in this build; use --runtime process or simulated (containerd is planned)`);
  }
  const dataDir = flags.dataDir ?? defaultDataDir();
  mkdirSync(join(dataDir, 'db'), { recursive: true });
  // local-path volumes live under the data dir, so `skiff delete` removes them too.
  process.env.SKIFF_LOCAL_PATH_DIR ??= join(dataDir, 'storage');
  const { host, port } = parseListen(flags.listen);
  const hosts = [host, '127.0.0.1', 'localhost'];
  const extraNodes = Number(flags.extraNodes ?? 0);
  let extraNodesGateway: string | undefined;
  if (extraNodes > 0) {
    const { validateExtraNodes, NODE_GATEWAY } = await import('./extra-nodes.js');
    const problem = validateExtraNodes(extraNodes, flags.runtime ?? 'process');
    if (problem) throw new Error(`--extra-nodes ${extraNodes}: ${problem}`);
    if (flags.agent === false) throw new Error('--extra-nodes needs the local node agent (drop --no-agent)');
    hosts.push(NODE_GATEWAY); // extra nodes in their own namespaces reach the API server there
    extraNodesGateway = NODE_GATEWAY;
  }
  const pki = await ensurePki(join(dataDir, 'tls'), { hosts });
  const store = openStore(flags.datastore, dataDir);
  // Node agents joining with `skiff agent --token` (DATA_DIR/agent-token).
  const agentToken = ensureAgentToken(dataDir);
  // Pods on extra nodes in their own namespaces reach the `kubernetes` Service only through the
  // node network (a fixed port is needed up front; with port 0 it stays on the listen address).
  const advertise = extraNodes > 0 && flags.runtime !== 'simulated' && port !== 0 ? { ip: extraNodesGateway!, port } : undefined;
  const api = new ApiServer({ store, logger: log, tls: { cert: pki.serverCert, key: pki.serverKey, ca: pki.caCert }, host, port, advertise, tokenAuthenticators: [agentTokenAuthenticator(agentToken)] });
  await api.start();
  // pods/log, exec, attach and portforward are proxied to node agents with this identity.
  const { NodeAgentProxy } = await import('../apiserver/pod-proxy.js');
  const proxyCert = await pki.issueClientCert('system:kube-apiserver', ['system:masters']);
  const proxyClient = new RestClient(new InProcessTransport(api.handler, { username: 'system:kube-apiserver', groups: ['system:masters'] }), { userAgent: 'kube-apiserver' });
  const podProxy = new NodeAgentProxy({ client: proxyClient, tls: { ca: pki.caCert, ...proxyCert }, logger: log.child({ component: 'pod-proxy' }) });
  api.podStreaming = podProxy;
  // Approves node agents' serving-certificate requests and signs approved ones with the cluster CA.
  const { CsrSigner } = await import('../apiserver/csr-signer.js');
  const csrClient = new RestClient(new InProcessTransport(api.handler, { username: 'system:kube-controller-manager', groups: ['system:masters'] }), { userAgent: 'csr-signer' });
  const csrSigner = new CsrSigner({ client: csrClient, sign: (pem, o) => pki.signCsr(pem, o), logger: log });
  await csrSigner.start();
  const addr = api.address()!;
  const hostForUrl = addr.host.includes(':') ? `[${addr.host}]` : addr.host;
  const url = `https://${hostForUrl === '0.0.0.0' ? '127.0.0.1' : hostForUrl}:${addr.port}`;
  const client = new RestClient(new InProcessTransport(api.handler, { username: 'system:kube-controller-manager', groups: ['system:masters'] }), {
    userAgent: 'skiff-server',
  });
  const kubeconfigPath = flags.kubeconfig ?? join(dataDir, 'kubeconfig.yaml');
  const [{ ControllerManager }, { Scheduler }, { InformerFactory }, { startNodeNetwork, defaultDnsListen, defaultIngressPorts }] = await Promise.all([
    import('../controllers/manager.js'),
    import('../scheduler/scheduler.js'),
    import('../client/informer.js'),
    import('./node-network.js'),
  ]);
  // Control-plane roles are API clients over the in-process transport, each with its own identity.
  const cmClient = new RestClient(new InProcessTransport(api.handler, { username: 'system:kube-controller-manager', groups: ['system:masters'] }), { userAgent: 'kube-controller-manager' });
  const controllers = new ControllerManager(cmClient, { leaderElect: true, clusterCaPem: pki.caCert, logger: log.child({ component: 'controller-manager' }) });
  await controllers.start();
  const schedClient = new RestClient(new InProcessTransport(api.handler, { username: 'system:kube-scheduler', groups: ['system:masters'] }), { userAgent: 'kube-scheduler' });
  const schedInformers = new InformerFactory(schedClient);
  const scheduler = new Scheduler(schedClient, schedInformers, { logger: log.child({ component: 'scheduler' }) });
  await scheduler.start();
  // AGENT WIRING BEGIN
  const agents: { stop(): Promise<void> }[] = [];
  let localAgent: { nodeAddress(): string; podNetwork(): boolean } | undefined;
  {
    const { createNodeAgent } = await import('../agent/create-agent.js');
    const { startSimulatedNodes } = await import('../agent/simulated-nodes.js');
    const { versionInfo } = await import('../apiserver/discovery.js');
    const version = (versionInfo() as { gitVersion: string }).gitVersion;
    const agentLog = log.child({ component: 'agent' });
    if (flags.agent !== false) {
      const { freePort, startStreamingEndpoint } = await import('../agent/streaming-endpoint.js');
      const kubeletPort = await freePort('0.0.0.0');
      const agent = await createNodeAgent(client, {
        kubeletPort,
        runtime: flags.runtime,
        nodeName: flags.nodeName,
        dataDir: join(dataDir, 'agent'),
        logger: agentLog,
        version,
        podCidr: '10.42.0.0/24',
        manifestDir: join(dataDir, 'manifests'),
        labels: { 'node-role.kubernetes.io/control-plane': 'true', 'node-role.kubernetes.io/master': 'true' },
      });
      await agent.start();
      agents.push(agent);
      localAgent = agent;
      const nodeName = agent.name ?? flags.nodeName ?? hostname();
      const serving = await pki.issueServingCert(nodeName, [agent.nodeAddress(), '127.0.0.1', 'localhost', nodeName]);
      const endpoint = await startStreamingEndpoint({ runtime: agent.containerRuntime, tls: { ...serving, ca: pki.caCert }, host: '0.0.0.0', port: kubeletPort, nodeName, logger: agentLog });
      agents.unshift({ stop: () => endpoint.stop() });
    }
    if (flags.simulatedNodes) agents.push(await startSimulatedNodes(client, Number(flags.simulatedNodes), { dataDir: join(dataDir, 'agent'), logger: agentLog, version }));
  }
  // AGENT WIRING END
  const netClient = new RestClient(new InProcessTransport(api.handler, { username: 'system:kube-proxy', groups: ['system:masters'] }), { userAgent: 'skiff-network' });
  const nodeIP = localAgent?.nodeAddress() ?? '127.0.0.1';
  const network: NodeNetwork = await startNodeNetwork(netClient, {
    nodeName: flags.nodeName ?? hostname(),
    nodeIP,
    podNetwork: localAgent?.podNetwork() ?? false,
    dnsListen: flags.dnsListen ? parseListen(flags.dnsListen) : defaultDnsListen(nodeIP),
    ingressPorts: flags.ingressPorts ? parsePorts(flags.ingressPorts) : defaultIngressPorts(),
    dnsOnly: flags.agent === false || flags.runtime === 'simulated',
    logger: log,
  });
  let extra: { stop(): Promise<void> } | undefined;
  if (extraNodes > 0) {
    const { startExtraNodes } = await import('./extra-nodes.js');
    try {
      extra = await startExtraNodes({
        count: extraNodes,
        baseName: (flags.nodeName ?? hostname()).toLowerCase(),
        dataDir,
        runtime: flags.runtime === 'simulated' ? 'simulated' : 'process',
        api: addr,
        caFile: join(dataDir, 'tls', 'ca.crt'),
        tokenFile: join(dataDir, 'agent-token'),
        issueServingCert: (cn, names) => pki.issueServingCert(cn, names),
        logger: log,
      });
    } catch (e) {
      for (const a of agents.reverse()) await a.stop().catch(() => undefined);
      await network.stop();
      throw e;
    }
  }
  // Written last: a client holding the kubeconfig finds the node (and DNS, ingress) ready.
  writeKubeconfig(kubeconfigPath, { server: url, caCert: pki.caCert, clientCert: pki.adminCert, clientKey: pki.adminKey });
  log.info({ component: 'server', url, kubeconfig: kubeconfigPath, datastore: store.name }, 'skiff server ready');
  return {
    api,
    client,
    url,
    kubeconfigPath,
    async stop() {
      // Node agents first: they stop their pods and still need the API server for that.
      await extra?.stop().catch((e) => log.error({ component: 'extra-nodes', err: e }, 'extra nodes stop failed'));
      for (const a of agents.reverse()) await a.stop().catch((e) => log.error({ component: 'agent', err: e }, 'agent stop failed'));
      await network.stop();
      await scheduler.stop();
      schedInformers.stop();
      await controllers.stop();
      await csrSigner.stop();
      podProxy.close();
      await api.stop();
      await store.close();
    },
  };
}

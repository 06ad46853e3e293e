// One process holding the real API server (HTTPS), the NodeAgentProxy and an AgentServer backed
// by a FakeRuntime (exec runs host processes, port-forward dials 127.0.0.1), so the real kubectl
// can exercise logs/exec/attach/cp/port-forward end to end without a container runtime.
// kubectl must be spawned asynchronously: the servers live on this process's event loop.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { realpathSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import pino from 'pino';
import type { Node, Pod, Container } from 'kubernetes-types/core/v1.js';
import { MemoryStore } from '../../src/storage/memory.js';
import { ApiServer } from '../../src/apiserver/server.js';
import { ensurePki } from '../../src/apiserver/certs.js';
import { NodeAgentProxy } from '../../src/apiserver/pod-proxy.js';
import { InProcessTransport } from '../../src/client/inprocess-transport.js';
import { RestClient } from '../../src/client/rest-client.js';
import type { ApiClient, KubeObject } from '../../src/client/api.js';
import { findByKind } from '../../src/api/registry.js';
import { writeKubeconfig } from '../../src/cli/kubeconfig.js';
import { AgentServer, type ResolvedContainer } from '../../src/agent/server/agent-server.js';
import { FakeRuntime } from '../../src/agent/server/testing/fake-runtime.js';

export interface KubectlRun {
  code: number;
  stdout: string;
  stderr: string;
}

export interface StreamingCluster {
  dir: string;
  kubeconfig: string;
  client: ApiClient;
  runtime: FakeRuntime;
  /** Per pod: container name → what the agent resolves. */
  pods: Map<string, Map<string, ResolvedContainer>>;
  kubectl(bin: string, args: string[], opts?: { input?: string; env?: Record<string, string>; timeoutMs?: number }): Promise<KubectlRun>;
  /** Starts a long-running kubectl (port-forward, logs -f). */
  spawnKubectl(bin: string, args: string[], env?: Record<string, string>): ChildProcess;
  addPod(name: string, containers: (Partial<Container> & { name: string })[], labels?: Record<string, string>): Promise<void>;
  stop(): Promise<void>;
}

/** kubectl binaries by version ("1.31" → path), found beside the dispatcher on PATH. */
export function versionedKubectls(): Map<string, string> {
  const out = new Map<string, string>();
  const which = spawnSync('sh', ['-c', 'command -v kubectl'], { encoding: 'utf8' }).stdout.trim();
  if (!which) return out;
  const d = dirname(realpathSync(which));
  for (let minor = 27; minor <= 40; minor++) {
    const p = join(d, `kubectl.1.${minor}`);
    if (existsSync(p)) out.set(`1.${minor}`, p);
  }
  return out;
}

export async function startStreamingCluster(): Promise<StreamingCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'skiff-streaming-'));
  const home = join(dir, 'home');
  mkdirSync(home);
  const logger = pino({ level: process.env.SKIFF_LOG_LEVEL ?? 'silent' });
  const pki = await ensurePki(join(dir, 'tls'), { hosts: ['127.0.0.1'] });
  const store = new MemoryStore();
  const api = new ApiServer({ store, logger, tls: { cert: pki.serverCert, key: pki.serverKey, ca: pki.caCert }, host: '127.0.0.1', port: 0 });
  await api.start();
  const client = new RestClient(new InProcessTransport(api.handler, { username: 'test-admin', groups: ['system:masters'] }), { userAgent: 'skiff-test' });
  const proxyCert = await pki.issueClientCert('system:kube-apiserver', ['system:masters']);
  const proxy = new NodeAgentProxy({ client, tls: { ca: pki.caCert, ...proxyCert }, logger });
  api.podStreaming = proxy;

  const runtime = new FakeRuntime();
  const pods = new Map<string, Map<string, ResolvedContainer>>();
  const serving = await pki.issueServingCert('node-1', ['127.0.0.1', 'localhost']);
  const agent = new AgentServer({
    runtime, logger, nodeName: 'node-1', tls: { cert: serving.cert, key: serving.key, ca: pki.caCert },
    resolvePod: (ns, name) => {
      const containers = pods.get(`${ns}/${name}`);
      return containers ? { uid: `uid-${name}`, sandboxId: `sb-${name}`, containers } : undefined;
    },
  });
  const { port: agentPort } = await agent.start();

  const nodeRt = findByKind('', 'Node')!;
  const node: Node = { apiVersion: 'v1', kind: 'Node', metadata: { name: 'node-1' } };
  const created = (await client.create(nodeRt, undefined, node as KubeObject)) as Node;
  await client.updateStatus(nodeRt, undefined, {
    ...created,
    status: {
      addresses: [{ type: 'InternalIP', address: '127.0.0.1' }, { type: 'Hostname', address: 'node-1' }],
      daemonEndpoints: { kubeletEndpoint: { Port: agentPort } },
      conditions: [{ type: 'Ready', status: 'True', lastHeartbeatTime: new Date().toISOString(), lastTransitionTime: new Date().toISOString(), reason: 'KubeletReady', message: 'ready' }],
    },
  } as KubeObject);

  const addr = api.address()!;
  const kubeconfig = join(dir, 'kubeconfig.yaml');
  writeKubeconfig(kubeconfig, { server: `https://127.0.0.1:${addr.port}`, caCert: pki.caCert, clientCert: pki.adminCert, clientKey: pki.adminKey });
  const baseEnv = () => ({ ...process.env, KUBECONFIG: kubeconfig, HOME: home });
  const children = new Set<ChildProcess>();

  const podRt = findByKind('', 'Pod')!;
  return {
    dir, kubeconfig, client, runtime, pods,
    kubectl(bin, args, opts = {}) {
      return new Promise((resolve) => {
        const p = spawn(bin, args, { env: { ...baseEnv(), ...(opts.env ?? {}) }, stdio: ['pipe', 'pipe', 'pipe'] });
        children.add(p);
        let stdout = '';
        let stderr = '';
        p.stdout!.on('data', (d) => (stdout += d));
        p.stderr!.on('data', (d) => (stderr += d));
        const timer = setTimeout(() => p.kill('SIGKILL'), opts.timeoutMs ?? 30_000);
        p.on('close', (code) => {
          clearTimeout(timer);
          children.delete(p);
          resolve({ code: code ?? -1, stdout, stderr });
        });
        if (opts.input !== undefined) p.stdin!.end(opts.input);
        else p.stdin!.end();
      });
    },
    spawnKubectl(bin, args, env = {}) {
      const p = spawn(bin, args, { env: { ...baseEnv(), ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
      children.add(p);
      p.on('close', () => children.delete(p));
      return p;
    },
    async addPod(name, containers, labels = {}) {
      const pod: Pod = {
        apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default', labels },
        spec: { nodeName: 'node-1', containers: containers.map((c) => ({ image: 'busybox', ...c })) },
      };
      const created = (await client.create(podRt, 'default', pod as KubeObject)) as Pod;
      const now = new Date().toISOString();
      await client.updateStatus(podRt, 'default', {
        ...created,
        status: {
          phase: 'Running', podIP: '127.0.0.1', hostIP: '127.0.0.1', startTime: now,
          conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: now }],
          containerStatuses: containers.map((c) => ({
            name: c.name, ready: true, restartCount: 0, image: 'busybox', imageID: 'busybox', containerID: `fake://c-${name}-${c.name}`,
            state: { running: { startedAt: now } },
          })),
        },
      } as KubeObject);
    },
    async stop() {
      for (const c of children) c.kill('SIGKILL');
      await agent.stop();
      proxy.close();
      await api.stop();
      await store.close();
      await runtime.shutdown();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

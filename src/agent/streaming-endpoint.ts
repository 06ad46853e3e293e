// The node agent's HTTPS endpoint for logs/exec/attach/port-forward/stats (kubelet port):
// resolves a pod name to its sandbox and containers through the runtime, then serves
// AgentServer's routes. Only the API server (cluster-CA client cert) may call it.
import { createServer } from 'node:net';
import type { Logger } from 'pino';
import type { ContainerRuntime, ContainerStatus } from './runtime/runtime.js';
import { AgentServer, type ResolvedContainer, type ResolvedPod } from './server/agent-server.js';

/** Map a pod to its newest sandbox and, per container, the current and previous instances. */
export async function resolvePodFromRuntime(runtime: ContainerRuntime, namespace: string, name: string): Promise<ResolvedPod | undefined> {
  const sandboxes = (await runtime.listPodSandboxes()).filter((s) => s.namespace === namespace && s.name === name);
  if (sandboxes.length === 0) return undefined;
  sandboxes.sort((a, b) => (a.state === b.state ? b.createdAt - a.createdAt : a.state === 'SANDBOX_READY' ? -1 : 1));
  const sb = sandboxes[0];
  const byName = new Map<string, ContainerStatus[]>();
  for (const c of await runtime.listContainers(sb.id)) {
    const list = byName.get(c.name) ?? [];
    list.push(c);
    byName.set(c.name, list);
  }
  const containers = new Map<string, ResolvedContainer>();
  for (const [cname, list] of byName) {
    list.sort((a, b) => b.attempt - a.attempt);
    const current = list.find((c) => c.state === 'CONTAINER_RUNNING') ?? list[0];
    const previous = list.find((c) => c.attempt < current.attempt && c.state === 'CONTAINER_EXITED');
    containers.set(cname, { id: current.id, logPath: current.logPath, previousLogPath: previous?.logPath });
  }
  return { uid: sb.uid, sandboxId: sb.id, containers };
}

/** A free TCP port on `host` (the Node object must advertise the port before the server starts). */
export async function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, host, () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export async function startStreamingEndpoint(opts: {
  runtime: ContainerRuntime;
  tls: { cert: string; key: string; ca: string };
  host: string;
  port: number;
  nodeName: string;
  logger: Logger;
}): Promise<{ port: number; stop(): Promise<void> }> {
  const server = new AgentServer({
    runtime: opts.runtime,
    resolvePod: (ns, name) => resolvePodFromRuntime(opts.runtime, ns, name),
    tls: opts.tls,
    host: opts.host,
    port: opts.port,
    nodeName: opts.nodeName,
    logger: opts.logger.child({ component: 'agent-server' }),
  });
  const { port } = await server.start();
  return { port, stop: async () => server.stop() };
}

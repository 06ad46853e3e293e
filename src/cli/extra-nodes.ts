// Extra node agents for a multi-node cluster on one machine (`skiff up --nodes N`, `skiff server
// --extra-nodes N`), the way `minikube start --nodes N` adds `<name>-m02`, `-m03`, …
//
// With the process runtime (root only) each extra node gets a network namespace of its own,
// named skiff-<tag>-mNN, joined to the server's namespace by a veth on a small node network:
//
//   server ns: bridge sknet<tag> 10.41.0.1/24, routes 10.42.(i-1).0/24 via 10.41.0.i
//   node i   : eth0 10.41.0.i/24, default via 10.41.0.1, routes to the other nodes' pod CIDRs
//              via their node addresses; its own pod bridge 10.42.(i-1).1/24 (the node's IP)
//
// and `skiff agent` runs inside it (nsenter --net) with its own service proxy (iptables) and
// kubelet endpoint. The API server is reached at https://10.41.0.1:PORT (a TCP forwarder to the
// API server's own listen address, so it keeps listening where the user asked). With the
// simulated runtime the extra agents are plain processes sharing the host network.
// What was created is recorded in DATA_DIR/nodes/extra-nodes.json so that `skiff down` can
// still remove it when the server itself could not (it was killed).
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection, createServer, type Socket } from 'node:net';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { Logger } from 'pino';
import { removeRuntimeLeftovers } from './runtime-leftovers.js';

export const NODE_NETWORK_PREFIX = '10.41.0';
export const NODE_GATEWAY = `${NODE_NETWORK_PREFIX}.1`;
/** Node i (2 = m02) owns 10.42.(i-1).0/24; the server's own node keeps 10.42.0.0/24. */
export const MAX_NODES = 200;

export function extraNodeName(base: string, index: number): string {
  return `${base}-m${String(index).padStart(2, '0')}`;
}

export function nodePodCidr(index: number): string {
  return `10.42.${index - 1}.0/24`;
}

export function nodeNetworkAddress(index: number): string {
  return `${NODE_NETWORK_PREFIX}.${index}`;
}

/** Short tag of a cluster (its data dir) for host-wide names: /run/netns and link names are shared. */
export function clusterTag(dataDir: string): string {
  return createHash('sha256').update(resolve(dataDir)).digest('hex').slice(0, 6);
}

export interface ExtraNodeRecord {
  name: string;
  pid: number;
  dataDir: string;
  podCidr: string;
  /** Network namespace (process runtime). */
  netns?: string;
  /** Host-side veth in the server's namespace. */
  veth?: string;
  address?: string;
}

export interface ExtraNodesRecord {
  bridge?: string;
  nodes: ExtraNodeRecord[];
}

export interface ExtraNodesOptions {
  /** Number of extra nodes (m02 … m(count+1)). */
  count: number;
  /** Name of the server's own node; extra nodes are named `<base>-m02`, … */
  baseName: string;
  /** The server's data dir: node agents keep their state in DATA_DIR/nodes/<name>. */
  dataDir: string;
  runtime: 'process' | 'simulated';
  /** Where the API server listens. */
  api: { host: string; port: number };
  caFile: string;
  tokenFile: string;
  /** A kubelet serving certificate signed by the cluster CA (the API server verifies agents by chain). */
  issueServingCert(cn: string, hosts: string[]): Promise<{ cert: string; key: string }>;
  logger: Logger;
  /** How long stop() waits for an agent to end its pods before killing it (default 15 s). */
  stopTimeoutMs?: number;
}

export interface ExtraNodes {
  names(): string[];
  stop(): Promise<void>;
}

const recordPath = (dataDir: string) => join(dataDir, 'nodes', 'extra-nodes.json');

export function readExtraNodes(dataDir: string): ExtraNodesRecord | undefined {
  try {
    return JSON.parse(readFileSync(recordPath(dataDir), 'utf8')) as ExtraNodesRecord;
  } catch {
    return undefined;
  }
}

function writeRecord(dataDir: string, rec: ExtraNodesRecord): void {
  mkdirSync(join(dataDir, 'nodes'), { recursive: true });
  writeFileSync(recordPath(dataDir), JSON.stringify(rec, null, 2) + '\n');
}

function cmd(file: string, args: string[]): Promise<{ ok: boolean; out: string }> {
  return new Promise((res) => execFile(file, args, { encoding: 'utf8' }, (err, stdout, stderr) => res({ ok: !err, out: err ? `${stderr || err.message}`.trim() : stdout })));
}

async function must(file: string, args: string[]): Promise<string> {
  const r = await cmd(file, args);
  if (!r.ok) throw new Error(`${file} ${args.join(' ')}: ${r.out}`);
  return r.out;
}

/** Run a command inside a network namespace (nsenter, not `ip netns exec`: that remounts /sys). */
const inNs = (netns: string, args: string[]) => must('nsenter', [`--net=/run/netns/${netns}`, '--', ...args]);

function skiffEntry(): string {
  return fileURLToPath(new URL('../../../bin/skiff.js', import.meta.url));
}

/** Is `pid` the agent process recorded for `name`? (A pid may be reused after a crash.) */
function isAgent(pid: number, name: string): boolean {
  try {
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    return argv.includes('agent') && argv.includes(name);
  } catch {
    return false;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

async function waitGone(pid: number, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (alive(pid)) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 50));
  }
  return true;
}

/** Network namespaces the process runtime of a node left behind (it tags them by data dir). */
function podNamespacesOf(nodeDataDir: string): string[] {
  const tag = createHash('sha256').update(nodeDataDir).digest('hex').slice(0, 8);
  if (!existsSync('/run/netns')) return [];
  return readdirSync('/run/netns').filter((n) => n.startsWith(`skiff-${tag}-`));
}

/**
 * Stop whatever a (possibly crashed) run recorded: agent processes (SIGTERM, then SIGKILL),
 * their pods' namespaces, the node namespaces, veths and the node bridge. Returns what it removed.
 */
export async function cleanupExtraNodes(dataDir: string, opts: { timeoutMs?: number; log?: Logger } = {}): Promise<string[]> {
  const rec = readExtraNodes(dataDir);
  if (!rec) return [];
  const removed: string[] = [];
  const running = rec.nodes.filter((n) => n.pid && isAgent(n.pid, n.name) && alive(n.pid));
  for (const n of running) process.kill(n.pid, 'SIGTERM');
  for (const n of running) {
    if (!(await waitGone(n.pid, opts.timeoutMs ?? 15_000))) {
      opts.log?.warn({ component: 'extra-nodes', node: n.name, pid: n.pid }, 'node agent did not stop in time; killing it');
      try {
        process.kill(n.pid, 'SIGKILL');
      } catch {
        /* gone */
      }
      await waitGone(n.pid, 2000);
    }
    removed.push(`process ${n.pid} (${n.name})`);
  }
  for (const n of rec.nodes) {
    // A killed agent leaves its pods running; their namespaces' names say whose they are.
    if (await removeRuntimeLeftovers(n.dataDir).catch(() => false)) removed.push(`pods of ${n.name}`);
    for (const ns of podNamespacesOf(n.dataDir)) if ((await cmd('ip', ['netns', 'del', ns])).ok) removed.push(`netns ${ns}`);
    if (n.netns && existsSync(`/run/netns/${n.netns}`)) {
      await killRemaining(n.netns);
      if ((await cmd('ip', ['netns', 'del', n.netns])).ok) removed.push(`netns ${n.netns}`);
    }
    if (n.veth && (await cmd('ip', ['link', 'del', n.veth])).ok) removed.push(`link ${n.veth}`);
  }
  // Deleting the bridge takes the routes via the node addresses with it.
  if (rec.bridge && (await cmd('ip', ['link', 'del', rec.bridge])).ok) removed.push(`link ${rec.bridge}`);
  rmSync(recordPath(dataDir), { force: true });
  return removed;
}

/** Processes still inside a node namespace (pods of a killed agent) are killed before it goes. */
async function killRemaining(netns: string): Promise<void> {
  const r = await cmd('ip', ['netns', 'pids', netns]);
  const pids = r.ok ? r.out.split(/\s+/).filter(Boolean).map(Number) : [];
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
}

/** TCP forwarder from the node network to the API server's own address (TLS passes through). */
async function startApiForwarder(listenHost: string, port: number, target: { host: string; port: number }): Promise<{ close(): void }> {
  const open = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = createConnection({ host: target.host, port: target.port });
    open.add(client).add(upstream);
    const drop = () => {
      client.destroy();
      upstream.destroy();
      open.delete(client);
      open.delete(upstream);
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((res, rej) => {
    server.once('error', rej);
    server.listen(port, listenHost, () => res());
  });
  return {
    close() {
      server.close();
      for (const s of open) s.destroy();
    },
  };
}

export function validateExtraNodes(count: number, runtime: string): string | undefined {
  if (!Number.isInteger(count) || count < 0) return 'the number of extra nodes must be a non-negative integer';
  if (count + 1 > MAX_NODES) return `at most ${MAX_NODES} nodes are supported on one machine`;
  if (runtime === 'simulated') return undefined;
  if (runtime !== 'process') return `extra nodes need the process or simulated runtime, not "${runtime}"`;
  if (process.platform !== 'linux' || process.getuid?.() !== 0)
    return 'extra nodes with the process runtime need root on Linux (each node gets its own network namespace); run as root, or use --runtime simulated for hollow extra nodes';
  return undefined;
}

export async function startExtraNodes(o: ExtraNodesOptions): Promise<ExtraNodes> {
  const problem = validateExtraNodes(o.count, o.runtime);
  if (problem) throw new Error(problem);
  const log = o.logger.child({ component: 'extra-nodes' });
  // A previous run that was killed may have left namespaces, links or agents behind.
  const leftovers = await cleanupExtraNodes(o.dataDir, { timeoutMs: 5000, log });
  if (leftovers.length) log.info({ removed: leftovers }, 'removed what an earlier run left behind');
  const tag = clusterTag(o.dataDir);
  const isolated = o.runtime === 'process';
  const rec: ExtraNodesRecord = { nodes: [] };
  let forwarder: { close(): void } | undefined;
  let stopping = false;
  const stopTimeoutMs = o.stopTimeoutMs ?? 15_000;

  const stop = async () => {
    writeRecord(o.dataDir, rec);
    // Agents still report their pods' end through the forwarder: it closes last.
    const removed = await cleanupExtraNodes(o.dataDir, { timeoutMs: stopTimeoutMs, log });
    forwarder?.close();
    log.info({ removed }, 'extra nodes stopped');
  };

  try {
    let serverUrl: string;
    if (isolated) {
      const bridge = `sknet${tag}`;
      rec.bridge = bridge;
      writeRecord(o.dataDir, rec);
      if (!(await cmd('ip', ['link', 'show', bridge])).ok) await must('ip', ['link', 'add', bridge, 'type', 'bridge']);
      await must('ip', ['addr', 'replace', `${NODE_GATEWAY}/24`, 'dev', bridge]);
      await must('ip', ['link', 'set', bridge, 'up']);
      writeFileSync('/proc/sys/net/ipv4/ip_forward', '1');
      const wildcard = o.api.host === '0.0.0.0' || o.api.host === '::';
      if (!wildcard) forwarder = await startApiForwarder(NODE_GATEWAY, o.api.port, o.api);
      serverUrl = `https://${NODE_GATEWAY}:${o.api.port}`;
    } else {
      const host = o.api.host === '0.0.0.0' || o.api.host === '::' ? '127.0.0.1' : o.api.host;
      serverUrl = `https://${host.includes(':') ? `[${host}]` : host}:${o.api.port}`;
    }

    const total = o.count + 1;
    for (let i = 2; i <= total; i++) {
      const name = extraNodeName(o.baseName, i);
      const nodeDir = join(o.dataDir, 'nodes', name);
      mkdirSync(join(nodeDir, 'tls'), { recursive: true });
      const node: ExtraNodeRecord = { name, pid: 0, dataDir: nodeDir, podCidr: nodePodCidr(i) };
      rec.nodes.push(node);
      let kubeletPort = 10250;
      const hosts = [name, '127.0.0.1', 'localhost'];
      if (isolated) {
        node.netns = `skiff-${tag}-m${String(i).padStart(2, '0')}`;
        node.veth = `skv${tag}m${i}`;
        node.address = nodeNetworkAddress(i);
        writeRecord(o.dataDir, rec);
        await setUpNodeNamespace(node, i, total, rec.bridge!);
        hosts.push(node.address, `10.42.${i - 1}.1`);
      } else {
        kubeletPort = await freePort();
        writeRecord(o.dataDir, rec);
      }
      const serving = await o.issueServingCert(name, hosts);
      writeFileSync(join(nodeDir, 'tls', 'kubelet.crt'), serving.cert);
      writeFileSync(join(nodeDir, 'tls', 'kubelet.key'), serving.key, { mode: 0o600 });
      const agentArgs = [
        skiffEntry(), 'agent',
        '--server', serverUrl,
        '--token-file', o.tokenFile,
        '--ca-file', o.caFile,
        '--node-name', name,
        '--data-dir', nodeDir,
        '--runtime', o.runtime,
        '--pod-cidr', node.podCidr,
        '--kubelet-port', String(kubeletPort),
        '--tls-cert-file', join(nodeDir, 'tls', 'kubelet.crt'),
        '--tls-private-key-file', join(nodeDir, 'tls', 'kubelet.key'),
      ];
      const [file, args] = isolated ? ['nsenter', [`--net=/run/netns/${node.netns}`, '--', process.execPath, ...agentArgs]] : [process.execPath, agentArgs];
      const child = spawn(file, args as string[], { stdio: ['ignore', 'pipe', 'pipe'], env: process.env });
      node.pid = child.pid ?? 0;
      writeRecord(o.dataDir, rec);
      relayLines(child, name, log);
      child.once('exit', (code, signal) => {
        if (!stopping) log.error({ node: name, code, signal }, 'node agent exited');
      });
      log.info({ node: name, pid: node.pid, netns: node.netns, podCIDR: node.podCidr, server: serverUrl }, 'started node agent');
    }
  } catch (e) {
    stopping = true;
    await stop().catch(() => undefined);
    throw e;
  }
  return {
    names: () => rec.nodes.map((n) => n.name),
    async stop() {
      stopping = true;
      await stop();
    },
  };
}

async function setUpNodeNamespace(node: ExtraNodeRecord, index: number, total: number, bridgeName: string): Promise<void> {
  const ns = node.netns!;
  const veth = node.veth!;
  await must('ip', ['netns', 'add', ns]);
  await must('ip', ['link', 'add', veth, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns]);
  await must('ip', ['link', 'set', veth, 'master', bridgeName, 'up']);
  await inNs(ns, ['ip', 'link', 'set', 'lo', 'up']);
  await inNs(ns, ['ip', 'addr', 'add', `${node.address}/24`, 'dev', 'eth0']);
  await inNs(ns, ['ip', 'link', 'set', 'eth0', 'up']);
  await inNs(ns, ['ip', 'route', 'add', 'default', 'via', NODE_GATEWAY]);
  // Pods of the other extra nodes directly over the node network (the server's via the default route).
  for (let j = 2; j <= total; j++) if (j !== index) await inNs(ns, ['ip', 'route', 'add', nodePodCidr(j), 'via', nodeNetworkAddress(j)]);
  // The node routes for its pods (its service proxy would set it too).
  await inNs(ns, ['sh', '-c', 'echo 1 > /proc/sys/net/ipv4/ip_forward']);
  await must('ip', ['route', 'replace', node.podCidr, 'via', node.address!, 'dev', bridgeName]);
}

async function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '0.0.0.0', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => res(port));
    });
  });
}

/** An agent's log lines join the server's log (JSON lines stay whole; other output is wrapped). */
function relayLines(child: ChildProcess, node: string, log: Logger): void {
  for (const stream of [child.stdout, child.stderr]) {
    if (!stream) continue;
    createInterface({ input: stream }).on('line', (line) => {
      if (line.startsWith('{')) process.stderr.write(line + '\n');
      else if (line.trim()) log.warn({ node }, line);
    });
  }
}

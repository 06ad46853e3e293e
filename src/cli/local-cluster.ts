// `skiff up | down | delete | status | logs`: a local cluster run in the background. Its state
// lives in DATA_DIR/skiff.json (pid, settings, addresses), the server's data in DATA_DIR/server
// and its log in DATA_DIR/logs/server.log.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readFileSync, rmSync, unlinkSync, watch, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HttpTransport } from '../client/http-transport.js';
import { loadKubeconfig } from '../client/kubeconfig.js';
import { RestClient } from '../client/rest-client.js';
import { mergeKubeconfig, removeFromKubeconfig, userKubeconfigPath, kubeconfigContextInfo } from './kubeconfig-merge.js';
import { kubeDnsEndpoints, nodeReadiness, queryClusterDns, tcpOpen, type NodeReadiness } from './cluster-readiness.js';
import { announcedAddresses, formatLogRecord, knownComponents, matchesComponent, parseLogLine, readFrom, type AnnouncedAddresses } from './server-log.js';
import { Progress } from './progress.js';
import { cleanupExtraNodes, readExtraNodes, validateExtraNodes } from './extra-nodes.js';
import { removeRuntimeLeftovers } from './runtime-leftovers.js';

export interface UpFlags {
  dataDir?: string;
  listen?: string;
  runtime?: string;
  nodes?: number;
  datastore?: string;
  /** "HTTP,HTTPS" for the ingress controller (0 = any free port). */
  ingressPorts?: string;
  /** HOST:PORT for cluster DNS. */
  dnsListen?: string;
  wait?: number; // seconds
}

/** The settings a cluster was started with; a second `up` may not contradict them. */
interface Settings {
  listen: string;
  runtime: string;
  nodes: number;
  datastore: string;
  ingressPorts?: string;
  dnsListen?: string;
}

interface State {
  pid: number;
  flags: Settings;
  url?: string;
  dns?: { host: string; port: number };
  ingress?: { http: number; https: number };
  startedAt: string;
}

const DEFAULTS: Settings = { listen: '127.0.0.1:6443', runtime: 'process', nodes: 1, datastore: 'sqlite' };
const SETTING_FLAGS: Record<keyof Settings, string> = { listen: '--listen', runtime: '--runtime', nodes: '--nodes', datastore: '--datastore', ingressPorts: '--ingress-ports', dnsListen: '--dns-listen' };

export function clusterDir(dataDir?: string): string {
  return resolve(dataDir ?? join(process.env.HOME ?? homedir(), '.skiff'));
}

const statePath = (dir: string) => join(dir, 'skiff.json');
const serverDir = (dir: string) => join(dir, 'server');
export const logPath = (dir: string) => join(dir, 'logs', 'server.log');
export const serverKubeconfig = (dir: string) => join(serverDir(dir), 'kubeconfig.yaml');

function readState(dir: string): State | undefined {
  try {
    return JSON.parse(readFileSync(statePath(dir), 'utf8')) as State;
  } catch {
    return undefined;
  }
}

function writeState(dir: string, st: State): void {
  writeFileSync(statePath(dir), JSON.stringify(st, null, 2) + '\n');
}

/** Is `pid` a `skiff server` for this data dir? (A bare kill(0) would trust a reused pid.) */
function serverAlive(pid: number, dir: string): boolean {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    return argv.includes('server') && argv.includes(serverDir(dir));
  } catch {
    return true; // no /proc (not Linux): the signal check is all we have
  }
}

function splitHostPort(hostPort: string): { host: string; port: number } {
  const i = hostPort.lastIndexOf(':');
  return { host: hostPort.slice(0, i).replace(/^\[|\]$/g, ''), port: Number(hostPort.slice(i + 1)) };
}

async function portFree(host: string, port: number): Promise<boolean> {
  if (port === 0) return true;
  return new Promise((res) => {
    const s = createServer();
    s.once('error', () => res(false));
    s.listen(port, host, () => s.close(() => res(true)));
  });
}

/** The ingress ports the server will use: the flag, else its defaults (80/443 as root, else 10080/10443). */
function ingressPortsFor(s: Settings): { http: number; https: number } {
  if (s.ingressPorts) {
    const [http, https] = s.ingressPorts.split(',').map((p) => Number(p.trim()));
    return { http, https };
  }
  return process.getuid?.() === 0 ? { http: 80, https: 443 } : { http: 10080, https: 10443 };
}

/** Write a file into the data dir: the honest test (root passes access(W_OK) even on a read-only mount). */
function checkWritable(dir: string): string | undefined {
  try {
    mkdirSync(join(dir, 'logs'), { recursive: true });
    const probe = join(dir, `.write-test-${process.pid}`);
    writeFileSync(probe, '');
    unlinkSync(probe);
    return undefined;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code ?? (e as Error).message;
  }
}

/** A client of the local cluster; `close()` drops its keep-alive connections. */
function clientFor(dir: string): { client: RestClient; transport: HttpTransport; close(): void } {
  const transport = new HttpTransport({ ...loadKubeconfig(serverKubeconfig(dir)), timeoutMs: 3000 });
  return { client: new RestClient(transport, { userAgent: 'skiff-cli' }), transport, close: () => transport.destroy() };
}

class ServerExited extends Error {}

async function waitFor<T>(what: () => Promise<T | undefined>, deadline: number, isDead: () => boolean, describe: () => string): Promise<T> {
  let last = '';
  for (;;) {
    if (isDead()) throw new ServerExited('the server process exited');
    try {
      const v = await what();
      if (v !== undefined) return v;
    } catch (e) {
      last = (e as Error).message;
    }
    if (Date.now() > deadline) throw new Error(`timed out: ${describe()}${last ? ` (last error: ${last})` : ''}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function skiffEntry(): string {
  return resolve(fileURLToPath(new URL('../../../bin/skiff.js', import.meta.url)));
}

function describeSettings(s: Partial<Settings>): string {
  return (Object.keys(SETTING_FLAGS) as (keyof Settings)[])
    .filter((k) => s[k] !== undefined)
    .map((k) => `${SETTING_FLAGS[k]} ${s[k]}`)
    .join(' ');
}

/** Settings given on this command line (commander leaves unset flags undefined). */
function explicitSettings(flags: UpFlags): Partial<Settings> {
  const out: Partial<Settings> = {};
  for (const k of Object.keys(SETTING_FLAGS) as (keyof Settings)[]) if (flags[k] !== undefined) (out as Record<string, unknown>)[k] = flags[k];
  return out;
}

export async function up(flags: UpFlags): Promise<number> {
  const dir = clusterDir(flags.dataDir);
  const failed = checkWritable(dir);
  if (failed) {
    console.error(`skiff up: cannot write to the data directory ${dir} (${failed}); choose another with --data-dir`);
    return 1;
  }
  const explicit = explicitSettings(flags);
  const prev = readState(dir);
  const running = prev !== undefined && serverAlive(prev.pid, dir);
  // A stopped cluster restarts with the settings it had; flags given now override them.
  const wanted: Settings = { ...DEFAULTS, ...(prev?.flags ?? {}), ...explicit };
  if (wanted.nodes < 1) {
    console.error('skiff up: --nodes must be at least 1');
    return 1;
  }
  if (wanted.nodes > 1 && !running) {
    const problem = validateExtraNodes(wanted.nodes - 1, wanted.runtime);
    if (problem) {
      console.error(`skiff up: --nodes ${wanted.nodes}: ${problem}`);
      return 1;
    }
  }
  const waitMs = (flags.wait ?? 60) * 1000;
  const progress = new Progress();
  let state: State;
  if (running) {
    const conflicts = (Object.keys(explicit) as (keyof Settings)[]).filter((k) => String(explicit[k]) !== String(prev.flags[k] ?? DEFAULTS[k] ?? ''));
    if (conflicts.length > 0) {
      const asked = Object.fromEntries(conflicts.map((k) => [k, explicit[k]])) as Partial<Settings>;
      const has = Object.fromEntries(conflicts.map((k) => [k, prev.flags[k] ?? '(default)'])) as Partial<Settings>;
      console.error(
        `skiff up: a cluster is already running from ${dir} (pid ${prev.pid}) with different settings: it has ${describeSettings(has)}, you asked for ${describeSettings(asked)}.\n` +
          `Run \`skiff down\` first to restart it with the new settings, or use another --data-dir for a second cluster.`,
      );
      return 1;
    }
    console.log(`✔ skiff is already running (pid ${prev.pid}, ${prev.url ?? wanted.listen})`);
    state = prev;
  } else {
    const started = await start(dir, wanted, progress, waitMs);
    if (typeof started === 'number') return started;
    state = started;
  }
  const ok = await waitUntilReady(dir, state, progress, Date.now() + waitMs, () => !serverAlive(state.pid, dir));
  if (!ok) return 1;
  const target = userKubeconfigPath();
  let backup: string | undefined;
  try {
    backup = mergeKubeconfig(serverKubeconfig(dir), target);
  } catch (e) {
    console.error(`skiff up: the cluster runs, but merging the "skiff" context into ${target} failed: ${(e as Error).message}\nUse it directly: export KUBECONFIG=${serverKubeconfig(dir)}`);
    return 1;
  }
  console.log(`✔ kubectl is now configured to use "skiff" (${target}${backup ? `; the previous file is saved as ${backup}` : ''})`);
  const http = state.ingress?.http;
  console.log(
    [
      '',
      'Next steps:',
      '  kubectl get nodes',
      '  kubectl create deployment hello --image=skiff/echo-server',
      '  kubectl expose deployment hello --type=NodePort --port=8080',
      '  kubectl get service hello          # then curl http://<node address>:<node port>/',
      ...(http ? [`  ingress: http://127.0.0.1:${http}/ (see examples/ingress)`] : []),
      '  skiff status | skiff logs [component] | skiff down | skiff delete',
    ].join('\n'),
  );
  return 0;
}

/** Spawn the server in the background and wait for its kubeconfig; the new state, or an exit code. */
async function start(dir: string, wanted: Settings, progress: Progress, waitMs: number): Promise<State | number> {
  const api = splitHostPort(wanted.listen);
  if (!Number.isInteger(api.port) || !api.host) {
    console.error(`skiff up: --listen must be HOST:PORT, got "${wanted.listen}"`);
    return 1;
  }
  if (!(await portFree(api.host, api.port))) {
    console.error(`skiff up: ${wanted.listen} is already in use (another skiff, minikube or kube-apiserver?); choose another with --listen, or stop what listens there`);
    return 1;
  }
  if (wanted.runtime !== 'simulated') {
    const ing = ingressPortsFor(wanted);
    for (const [what, port] of [['HTTP', ing.http], ['HTTPS', ing.https]] as const) {
      if (!(await portFree('0.0.0.0', port))) {
        console.error(`skiff up: port ${port} (ingress ${what}) is already in use; choose free ports with --ingress-ports HTTP,HTTPS (0 picks any free port)`);
        return 1;
      }
    }
  }
  progress.step('Starting the control plane');
  const log = logPath(dir);
  const logStart = readFrom(log, 0).end;
  const out = openSync(log, 'a');
  const args = [skiffEntry(), 'server', '--data-dir', serverDir(dir), '--listen', wanted.listen, '--datastore', wanted.datastore, '--runtime', wanted.runtime];
  if (wanted.ingressPorts) args.push('--ingress-ports', wanted.ingressPorts);
  if (wanted.dnsListen) args.push('--dns-listen', wanted.dnsListen);
  if (wanted.nodes > 1) args.push('--extra-nodes', String(wanted.nodes - 1));
  if (existsSync(serverKubeconfig(dir))) rmSync(serverKubeconfig(dir));
  // `up` reads the addresses the server announces at info level, so don't let a quieter level hide them.
  const level = ['trace', 'debug'].includes(process.env.SKIFF_LOG_LEVEL ?? '') ? process.env.SKIFF_LOG_LEVEL : 'info';
  const child = spawn(process.execPath, args, { detached: true, stdio: ['ignore', out, out], env: { ...process.env, SKIFF_LOG_LEVEL: level } });
  child.unref();
  const state: State = { pid: child.pid ?? 0, flags: wanted, startedAt: new Date().toISOString() };
  writeState(dir, state);
  const dead = () => child.exitCode !== null || child.signalCode !== null;
  try {
    await waitFor(async () => (existsSync(serverKubeconfig(dir)) ? true : undefined), Date.now() + waitMs, dead, () => 'the API server did not answer /readyz');
    state.url = loadKubeconfig(serverKubeconfig(dir)).server;
    progress.done();
  } catch (e) {
    progress.done(false);
    reportFailure(dir, e as Error, logStart);
    return 1;
  }
  // The addresses the server announces (DNS, ingress) once all its roles run.
  const announced = await waitFor(
    async () => {
      const a: AnnouncedAddresses = announcedAddresses(readFrom(log, logStart).text);
      return a.ready ? a : undefined;
    },
    Date.now() + waitMs,
    dead,
    () => 'the server did not finish starting',
  ).catch((e: Error) => e);
  if (announced instanceof Error) {
    reportFailure(dir, announced, logStart);
    return 1;
  }
  state.dns = announced.dns;
  state.ingress = announced.ingress;
  writeState(dir, state);
  return state;
}

function reportFailure(dir: string, e: Error, logStart = 0): void {
  const lines = readFrom(logPath(dir), logStart)
    .text.trimEnd()
    .split('\n')
    .slice(-15)
    .map((l) => {
      const r = parseLogLine(l);
      return r ? formatLogRecord(r) : l;
    })
    .join('\n');
  const cause = /EADDRINUSE/.test(lines) ? '\nA port the server needs is in use (see the log above); choose others with --listen / --ingress-ports / --dns-listen.' : '';
  console.error(`skiff up: the cluster did not come up: ${e.message}. Last log lines (${logPath(dir)}):\n${lines || '(empty)'}${cause}`);
}

/** Node Ready, cluster DNS answering, ingress listening; each shown as a progress step. */
async function waitUntilReady(dir: string, st: State, progress: Progress, deadline: number, dead: () => boolean): Promise<boolean> {
  const conn = clientFor(dir);
  const client = conn.client;
  const steps: [string, () => Promise<unknown>, () => string][] = [
    [
      `Waiting for ${st.flags.nodes === 1 ? 'the node' : `${st.flags.nodes} nodes`} to be Ready`,
      async () => {
        const nodes = await nodeReadiness(client);
        return nodes.filter((n) => n.ready).length >= st.flags.nodes ? true : undefined;
      },
      () => 'no Ready node',
    ],
    [
      'Waiting for cluster DNS (kube-system/kube-dns)',
      async () => {
        if ((await kubeDnsEndpoints(client)).length === 0) return undefined;
        if (!st.dns) return true; // an older server that did not announce its address
        return (await queryClusterDns(st.dns)).length > 0 ? true : undefined;
      },
      () => `kube-dns has no ready endpoints or ${st.dns ? `${st.dns.host}:${st.dns.port}` : 'the DNS server'} does not answer`,
    ],
  ];
  if (st.ingress) {
    const http = st.ingress.http;
    steps.push([`Waiting for the ingress controller (port ${http})`, async () => ((await tcpOpen('127.0.0.1', http)) ? true : undefined), () => `nothing accepts connections on port ${http}`]);
  }
  try {
    for (const [title, check, why] of steps) {
      progress.step(title);
      await waitFor(check, deadline, dead, why);
      progress.done();
    }
    return true;
  } catch (e) {
    progress.done(false);
    reportFailure(dir, e as Error);
    return false;
  } finally {
    conn.close();
  }
}

export async function down(flags: { dataDir?: string }): Promise<number> {
  const dir = clusterDir(flags.dataDir);
  const st = readState(dir);
  if (!st || !serverAlive(st.pid, dir)) {
    await removeLeftovers(dir);
    console.log('skiff is not running');
    return 0;
  }
  const t0 = Date.now();
  process.kill(st.pid, 'SIGTERM');
  while (serverAlive(st.pid, dir) && Date.now() - t0 < 40_000) await new Promise((r) => setTimeout(r, 20));
  if (serverAlive(st.pid, dir)) {
    process.kill(st.pid, 'SIGKILL');
    console.error(`skiff down: the server did not stop in 40 s; killed pid ${st.pid}`);
  }
  // The server stops its pods and extra node agents itself; this only finds what a killed server left.
  await removeLeftovers(dir);
  console.log(`✔ skiff stopped in ${((Date.now() - t0) / 1000).toFixed(1)}s (data kept in ${dir}; \`skiff up\` starts it again)`);
  return 0;
}

/** Extra node agents, pods and pod networks of a server that was killed (SIGKILL, crash). */
async function removeLeftovers(dir: string): Promise<void> {
  const removed = await cleanupExtraNodes(serverDir(dir));
  // The server's own node uses 10.42.0.0/24 (server.ts) in this namespace.
  if (await removeRuntimeLeftovers(join(serverDir(dir), 'agent'), '10.42.0.0/24').catch(() => false)) removed.push('pods of the server\'s node');
  if (removed.length) console.log(`✔ removed what the server left behind: ${removed.join(', ')}`);
}

export async function deleteCluster(flags: { dataDir?: string }): Promise<number> {
  await down(flags);
  const dir = clusterDir(flags.dataDir);
  rmSync(dir, { recursive: true, force: true });
  const removed = removeFromKubeconfig(userKubeconfigPath());
  console.log(`✔ deleted ${dir}${removed ? ` and the "skiff" context in ${userKubeconfigPath()}` : ''}`);
  return 0;
}

/**
 * `minikube status`-style report. Exit code as minikube's: 0 all running, else bits
 * 1 (host/server not running) | 2 (node agent not running) | 4 (apiserver/kubeconfig not OK).
 */
export async function status(flags: { dataDir?: string }): Promise<number> {
  const dir = clusterDir(flags.dataDir);
  const st = readState(dir);
  const running = !!st && serverAlive(st.pid, dir);
  const rows: [string, string][] = [];
  let nodes: NodeReadiness[] = [];
  let apiserver = running ? 'Error' : 'Stopped';
  let dns = running ? 'Unknown' : 'Stopped';
  let ingress = running ? (st?.flags.runtime === 'simulated' ? 'Disabled (simulated runtime)' : 'Unknown') : 'Stopped';
  let server = '';
  if (running) {
    const conn = clientFor(dir);
    const client = conn.client;
    try {
      nodes = await nodeReadiness(client);
      apiserver = 'Running';
      const eps = await kubeDnsEndpoints(client).catch(() => []);
      const answers = st.dns ? await queryClusterDns(st.dns).catch(() => []) : [];
      dns = eps.length && (!st.dns || answers.length) ? `Running (kube-dns endpoints ${eps.join(', ')})` : 'NotReady';
      if (st.ingress && st.flags.runtime !== 'simulated') ingress = (await tcpOpen('127.0.0.1', st.ingress.http)) ? `Running (http :${st.ingress.http}, https :${st.ingress.https})` : 'NotListening';
      const v = await conn.transport.request({ method: 'GET', path: '/version' }).catch(() => undefined);
      if (v && v.status === 200) server = JSON.parse(v.body.toString()).gitVersion;
    } catch {
      /* apiserver stays "Error" */
    } finally {
      conn.close();
    }
  }
  const kc = kubeconfigContextInfo(userKubeconfigPath());
  const kubeconfig = !kc.present ? 'Misconfigured' : st?.url && kc.server !== st.url ? `Misconfigured (points at ${kc.server}; run \`skiff up\`)` : 'Configured';
  rows.push(['type', 'Control Plane']);
  rows.push(['host', running ? `Running (pid ${st.pid})` : 'Stopped']);
  rows.push(['apiserver', running ? `${apiserver}${st.url ? ` (${st.url})` : ''}` : 'Stopped']);
  if (nodes.length === 0) rows.push(['kubelet', running ? 'NotRegistered' : 'Stopped']);
  // Extra node agents (`--nodes N`) run as their own processes, some in their own network namespaces.
  const extra = new Map((running ? (readExtraNodes(serverDir(dir))?.nodes ?? []) : []).map((n) => [n.name, n]));
  for (const n of nodes) {
    const agent = extra.get(n.name);
    extra.delete(n.name);
    const where = agent ? `, pid ${agent.pid}${agent.netns ? `, netns ${agent.netns}` : ''}` : '';
    rows.push(['kubelet', `${n.ready ? 'Running' : 'NotReady'} (node ${n.name}${n.roles.length ? `, ${n.roles.join(',')}` : ''}${where})`]);
  }
  for (const a of extra.values()) rows.push(['kubelet', `NotRegistered (node ${a.name}, pid ${a.pid}${a.netns ? `, netns ${a.netns}` : ''})`]);
  rows.push(['dns', dns]);
  rows.push(['ingress', ingress]);
  rows.push(['kubeconfig', `${kubeconfig} (${userKubeconfigPath()}${kc.present ? `, current context: ${kc.current ?? '<none>'}` : ''})`]);
  const { SKIFF_VERSION } = await import('../apiserver/discovery.js');
  rows.push(['version', `skiff ${SKIFF_VERSION}${server ? `, Kubernetes ${server}` : ''}${nodes[0]?.version ? `, kubelet ${nodes[0].version}` : ''}`]);
  rows.push(['data', dir]);
  if (st?.flags) rows.push(['settings', describeSettings(st.flags)]);
  console.log('skiff');
  for (const [k, v] of rows) console.log(`${k}: ${v}`);
  let code = 0;
  if (!running) code |= 1;
  if (nodes.filter((n) => n.ready).length < Math.max(1, st?.flags.nodes ?? 1)) code |= 2;
  if (apiserver !== 'Running' || kubeconfig !== 'Configured') code |= 4;
  return code;
}

/** Print the server log (one component's lines when given), optionally following it. */
export async function logs(flags: { dataDir?: string; follow?: boolean; component?: string; json?: boolean; tail?: number }): Promise<number> {
  const path = logPath(clusterDir(flags.dataDir));
  if (!existsSync(path)) {
    console.error(`skiff logs: no log at ${path} (has \`skiff up\` run with this --data-dir?)`);
    return 1;
  }
  const component = flags.component;
  if (component && !knownComponents().includes(component) && !/^[a-z-]+$/.test(component)) {
    console.error(`skiff logs: unknown component "${component}"; try one of ${knownComponents().join(', ')}`);
    return 1;
  }
  const render = (text: string): string[] => {
    const out: string[] = [];
    for (const line of text.split('\n')) {
      if (!line) continue;
      const r = parseLogLine(line);
      if (component && (!r || !matchesComponent(r, component))) continue;
      out.push(flags.json || !r ? line : formatLogRecord(r));
    }
    return out;
  };
  let { text, end } = readFrom(path, 0);
  let lines = render(text);
  if (flags.tail !== undefined) lines = lines.slice(-flags.tail);
  if (lines.length) console.log(lines.join('\n'));
  if (!flags.follow) return 0;
  await new Promise<void>(() => {
    const more = () => {
      ({ text, end } = readFrom(path, end));
      const next = render(text);
      if (next.length) console.log(next.join('\n'));
    };
    watch(path, more);
    setInterval(more, 1000); // a watcher can miss a rotation; poll as well
  });
  return 0;
}

// `skiff up | down | delete | status | logs`: a local cluster run in the background, its state
// in DATA_DIR/skiff.json (pid, flags, URL), logs in DATA_DIR/logs/server.log.
import { spawn } from 'node:child_process';
import { accessSync, constants, createReadStream, existsSync, mkdirSync, openSync, readFileSync, rmSync, statSync, watch, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HttpTransport, loadKubeconfig } from '../client/http-transport.js';
import { RestClient } from '../client/rest-client.js';
import { findByKind } from '../api/registry.js';
import type { Node } from 'kubernetes-types/core/v1.js';
import { mergeKubeconfig, removeFromKubeconfig, userKubeconfigPath, kubeconfigHasContext } from './kubeconfig-merge.js';

export interface UpFlags {
  dataDir?: string;
  listen?: string;
  runtime?: string;
  nodes?: number;
  datastore?: string;
  wait?: number; // seconds
}

interface State {
  pid: number;
  flags: { listen: string; runtime: string; nodes: number; datastore: string };
  url?: string;
  startedAt: string;
}

export function clusterDir(dataDir?: string): string {
  return resolve(dataDir ?? join(homedir(), '.skiff'));
}

const statePath = (dir: string) => join(dir, 'skiff.json');
const serverDir = (dir: string) => join(dir, 'server');
const logPath = (dir: string) => join(dir, 'logs', 'server.log');
export const serverKubeconfig = (dir: string) => join(serverDir(dir), 'kubeconfig.yaml');

function readState(dir: string): State | undefined {
  try {
    return JSON.parse(readFileSync(statePath(dir), 'utf8')) as State;
  } catch {
    return undefined;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function portFree(hostPort: string): Promise<boolean> {
  const i = hostPort.lastIndexOf(':');
  const host = hostPort.slice(0, i);
  const port = Number(hostPort.slice(i + 1));
  if (port === 0) return true;
  return new Promise((res) => {
    const s = createServer();
    s.once('error', () => res(false));
    s.listen(port, host, () => s.close(() => res(true)));
  });
}

class Progress {
  private readonly tty = process.stdout.isTTY === true;
  private frame = 0;
  private timer?: NodeJS.Timeout;
  private text = '';
  step(text: string): void {
    this.done();
    this.text = text;
    if (!this.tty) {
      console.log(`* ${text} ...`);
      return;
    }
    const frames = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
    this.timer = setInterval(() => process.stdout.write(`\r${frames[this.frame++ % frames.length]} ${this.text}`), 80);
  }
  done(ok = true): void {
    if (this.timer) {
      clearInterval(this.timer);
      this.timer = undefined;
      process.stdout.write(`\r${ok ? '✔' : '✖'} ${this.text}\n`);
    }
  }
}

function clientFor(dir: string): RestClient {
  return new RestClient(new HttpTransport({ ...loadKubeconfig(serverKubeconfig(dir)), timeoutMs: 5000 }), { userAgent: 'skiff-cli' });
}

async function waitFor<T>(what: () => Promise<T | undefined>, timeoutMs: number, isDead: () => boolean): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (isDead()) throw new Error('the server process exited');
    try {
      const v = await what();
      if (v !== undefined) return v;
    } catch {
      /* not yet */
    }
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 100));
  }
}

function skiffEntry(): string {
  return resolve(fileURLToPath(new URL('../../../bin/skiff.js', import.meta.url)));
}

export async function up(flags: UpFlags): Promise<number> {
  const dir = clusterDir(flags.dataDir);
  const wanted = { listen: flags.listen ?? '127.0.0.1:6443', runtime: flags.runtime ?? 'process', nodes: flags.nodes ?? 1, datastore: flags.datastore ?? 'sqlite' };
  const progress = new Progress();
  try {
    mkdirSync(join(dir, 'logs'), { recursive: true });
    accessSync(dir, constants.W_OK);
  } catch (e) {
    console.error(`skiff up: the data directory ${dir} is not writable (${(e as Error).message}); choose another with --data-dir`);
    return 1;
  }
  if (wanted.nodes !== 1) {
    console.error('skiff up: --nodes other than 1 is not supported by this build yet (extra node agents in their own network namespaces are being built)');
    return 1;
  }
  const prev = readState(dir);
  if (prev && alive(prev.pid)) {
    if (JSON.stringify(prev.flags) !== JSON.stringify(wanted)) {
      console.error(
        `skiff up: a cluster is already running from ${dir} with different settings (${describeFlags(prev.flags)}; asked for ${describeFlags(wanted)}).\n` +
          `Run \`skiff down\` first, or use another --data-dir.`,
      );
      return 1;
    }
    console.log(`✔ skiff is already running (pid ${prev.pid})`);
  } else {
    if (!(await portFree(wanted.listen))) {
      console.error(`skiff up: ${wanted.listen} is already in use (another skiff, minikube or kube-apiserver?); choose another with --listen`);
      return 1;
    }
    progress.step('Starting the control plane');
    const out = openSync(logPath(dir), 'a');
    const args = [skiffEntry(), 'server', '--data-dir', serverDir(dir), '--listen', wanted.listen, '--datastore', wanted.datastore, '--runtime', wanted.runtime];
    if (existsSync(serverKubeconfig(dir))) rmSync(serverKubeconfig(dir));
    const child = spawn(process.execPath, args, { detached: true, stdio: ['ignore', out, out] });
    child.unref();
    writeFileSync(statePath(dir), JSON.stringify({ pid: child.pid ?? 0, flags: wanted, startedAt: new Date().toISOString() } satisfies State, null, 2));
    const dead = () => child.exitCode !== null || !alive(child.pid!);
    try {
      await waitFor(async () => (existsSync(serverKubeconfig(dir)) ? true : undefined), (flags.wait ?? 60) * 1000, dead);
      progress.done();
      progress.step('Waiting for the node to be Ready');
      const client = clientFor(dir);
      const nodeType = findByKind('', 'Node')!;
      await waitFor(
        async () => {
          const nodes = await client.list<Node & { [k: string]: unknown }>(nodeType);
          const ready = nodes.items.filter((n) => n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
          return ready.length >= wanted.nodes ? ready.length : undefined;
        },
        (flags.wait ?? 60) * 1000,
        dead,
      );
      progress.done();
    } catch (e) {
      progress.done(false);
      console.error(`skiff up: the cluster did not come up: ${(e as Error).message}. Last log lines:\n${tail(logPath(dir), 15)}`);
      return 1;
    }
  }
  const target = userKubeconfigPath();
  const backup = mergeKubeconfig(serverKubeconfig(dir), target);
  console.log(`✔ kubectl is now configured to use "skiff" (${target}${backup ? `; previous file saved as ${backup}` : ''})`);
  console.log(`\nNext steps:\n  kubectl get nodes\n  kubectl create deployment hello --image=skiff/echo-server\n  kubectl expose deployment hello --type=NodePort --port=8080\n  skiff status | skiff logs | skiff down`);
  return 0;
}

function describeFlags(f: State['flags']): string {
  return `--listen ${f.listen} --runtime ${f.runtime} --nodes ${f.nodes} --datastore ${f.datastore}`;
}

function tail(path: string, n: number): string {
  try {
    return readFileSync(path, 'utf8').trimEnd().split('\n').slice(-n).join('\n');
  } catch {
    return '(no log)';
  }
}

export async function down(flags: { dataDir?: string }): Promise<number> {
  const dir = clusterDir(flags.dataDir);
  const st = readState(dir);
  if (!st || !alive(st.pid)) {
    console.log('skiff is not running');
    return 0;
  }
  const t0 = Date.now();
  process.kill(st.pid, 'SIGTERM');
  while (alive(st.pid) && Date.now() - t0 < 40_000) await new Promise((r) => setTimeout(r, 50));
  if (alive(st.pid)) {
    process.kill(st.pid, 'SIGKILL');
    console.error(`skiff down: the server did not stop in 40 s; killed pid ${st.pid}`);
  }
  console.log(`✔ skiff stopped in ${((Date.now() - t0) / 1000).toFixed(1)}s (data kept in ${dir})`);
  return 0;
}

export async function deleteCluster(flags: { dataDir?: string }): Promise<number> {
  await down(flags);
  const dir = clusterDir(flags.dataDir);
  rmSync(dir, { recursive: true, force: true });
  const removed = removeFromKubeconfig(userKubeconfigPath());
  console.log(`✔ deleted ${dir}${removed ? ' and the "skiff" kubeconfig context' : ''}`);
  return 0;
}

export async function status(flags: { dataDir?: string }): Promise<number> {
  const dir = clusterDir(flags.dataDir);
  const st = readState(dir);
  const running = !!st && alive(st.pid);
  let apiserver = 'Stopped';
  let nodes: string[] = [];
  let version = '';
  if (running) {
    try {
      const client = clientFor(dir);
      const list = await client.list<Node & { [k: string]: unknown }>(findByKind('', 'Node')!);
      nodes = list.items.map((n) => `${n.metadata?.name}: ${n.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True' ? 'Running' : 'NotReady'}`);
      apiserver = 'Running';
      version = list.items[0]?.status?.nodeInfo?.kubeletVersion ?? '';
    } catch {
      apiserver = 'Error';
    }
  }
  console.log('skiff');
  console.log('type: Control Plane');
  console.log(`host: ${running ? 'Running' : 'Stopped'}`);
  console.log(`apiserver: ${apiserver}`);
  if (nodes.length === 0) console.log(`kubelet: ${running ? 'Stopped' : 'Stopped'}`);
  for (const n of nodes) console.log(`kubelet (${n})`);
  console.log(`kubeconfig: ${kubeconfigHasContext(userKubeconfigPath()) ? 'Configured' : 'Misconfigured'}`);
  if (version) console.log(`version: ${version}`);
  if (st?.flags) console.log(`settings: ${describeFlags(st.flags)}`);
  return running && apiserver === 'Running' ? 0 : 7;
}

/** Print the server log, optionally only one component's lines, optionally following. */
export async function logs(flags: { dataDir?: string; follow?: boolean; component?: string }): Promise<number> {
  const path = logPath(clusterDir(flags.dataDir));
  if (!existsSync(path)) {
    console.error(`no log at ${path} (has \`skiff up\` run?)`);
    return 1;
  }
  const keep = (line: string) => {
    if (!flags.component) return true;
    try {
      return JSON.parse(line).component === flags.component;
    } catch {
      return false;
    }
  };
  let offset = 0;
  const printFrom = () =>
    new Promise<void>((res) => {
      const size = statSync(path).size;
      if (size < offset) offset = 0;
      const s = createReadStream(path, { start: offset, end: Math.max(offset, size - 1) });
      let buf = '';
      s.on('data', (d) => (buf += d));
      s.on('end', () => {
        offset = size;
        for (const l of buf.split('\n')) if (l && keep(l)) console.log(l);
        res();
      });
    });
  await printFrom();
  if (!flags.follow) return 0;
  await new Promise<void>(() => {
    watch(path, () => void printFrom());
  });
  return 0;
}

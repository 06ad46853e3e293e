// `npm run bench -- startup`: the first-run experience in numbers, with the real CLI.
// - `skiff up` until the node is Ready, and until it returns (DNS and ingress checked too)
// - a first pod (the built-in kuard) from create to Running, and from `skiff up` to Running
// - idle RSS of the whole cluster (the server process and all its descendants) after it has
//   sat idle for SKIFF_BENCH_IDLE_SECONDS (default 60) with no workload
// - `skiff down` until the server has exited
// Targets: Ready < 1.5 s, first pod Running < 2 s, idle RSS < 150 MB.
// Each run uses a fresh temporary HOME (so ~/.skiff and ~/.kube/config are never the real
// ones). As root the measurement re-runs itself inside ../shared/tools/in-netns: the node
// agent's bridge, pod namespaces and the default ports then live in a private namespace.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HttpTransport } from '../src/client/http-transport.js';
import { loadKubeconfig } from '../src/client/kubeconfig.js';
import { RestClient } from '../src/client/rest-client.js';
import { findByKind } from '../src/api/registry.js';
import type { KubeObject } from '../src/client/api.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { ROOT, printTable, summarize, writeResults } from './util.js';

const RUNS = Number(process.env.SKIFF_BENCH_RUNS ?? 3);
const IDLE_SECONDS = Number(process.env.SKIFF_BENCH_IDLE_SECONDS ?? 60);
const IN_NETNS = resolve(ROOT, '..', 'shared', 'tools', 'in-netns');
const SKIFF = join(ROOT, 'bin', 'skiff.js');
const SELF = fileURLToPath(import.meta.url);

interface RunResult {
  readyMs: number;
  upMs: number;
  podRunningMs: number;
  upToPodMs: number;
  downMs: number;
  idleRssMb?: number;
  idleProcesses?: number;
}

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

/** RSS (MB) summed over `pid` and all its descendants, and how many processes that is. */
export function treeRssMb(pid: number): { mb: number; processes: number } {
  const children = new Map<number, number[]>();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(d)]);
    } catch {
      /* exited meanwhile */
    }
  }
  let kb = 0;
  let processes = 0;
  const stack = [pid];
  while (stack.length) {
    const p = stack.pop()!;
    try {
      const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${p}/status`, 'utf8'));
      if (m) kb += Number(m[1]);
      processes++;
    } catch {
      /* exited meanwhile */
    }
    stack.push(...(children.get(p) ?? []));
  }
  return { mb: kb / 1024, processes };
}

async function oneRun(measureIdle: boolean): Promise<RunResult> {
  const home = mkdtempSync(join(tmpdir(), 'skiff-bench-home-'));
  const env: NodeJS.ProcessEnv = { ...process.env, HOME: home, KUBECONFIG: join(home, '.kube', 'config') };
  delete env.SKIFF_LOG_LEVEL;
  const flags = process.env.SKIFF_TEST_NETNS ? [] : ['--listen', `127.0.0.1:${await freePort()}`, '--ingress-ports', '0,0', '--dns-listen', '127.0.0.1:0'];
  const dataDir = join(home, '.skiff');
  try {
    const t0 = performance.now();
    let readyAt = 0;
    const upProc = spawn(process.execPath, [SKIFF, 'up', ...flags], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    upProc.stdout.on('data', (d: Buffer) => {
      out += d;
      if (!readyAt && /✔ Waiting for the node to be Ready/.test(out)) readyAt = performance.now();
    });
    upProc.stderr.on('data', (d: Buffer) => (out += d));
    const code = await new Promise<number | null>((r) => upProc.once('exit', r));
    const upAt = performance.now();
    if (code !== 0) throw new Error(`skiff up failed (${code}):\n${out}`);
    // A first pod, created over the API the moment `up` returns.
    const transport = new HttpTransport(loadKubeconfig(join(dataDir, 'server', 'kubeconfig.yaml')));
    const client = new RestClient(transport, { userAgent: 'bench-startup' });
    const pods = findByKind('', 'Pod')!;
    const c0 = performance.now();
    await client.create<Pod & KubeObject>(pods, 'default', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'first' }, spec: { containers: [{ name: 'kuard', image: 'skiff/kuard' }] } });
    for (;;) {
      const p = await client.get<Pod & KubeObject>(pods, 'default', 'first');
      if (p.status?.phase === 'Running') break;
      if (performance.now() - c0 > 30_000) throw new Error(`the first pod is not Running after 30 s: ${JSON.stringify(p.status)}`);
      await new Promise((r) => setTimeout(r, 10));
    }
    const runningAt = performance.now();
    let idle: { mb: number; processes: number } | undefined;
    if (measureIdle) {
      await client.delete(pods, 'default', 'first', { gracePeriodSeconds: 0 });
      const pid = JSON.parse(readFileSync(join(dataDir, 'skiff.json'), 'utf8')).pid as number;
      await new Promise((r) => setTimeout(r, IDLE_SECONDS * 1000));
      idle = treeRssMb(pid);
    }
    transport.destroy();
    const d0 = performance.now();
    const down = spawnSync(process.execPath, [SKIFF, 'down'], { env, encoding: 'utf8' });
    const downMs = performance.now() - d0;
    if (down.status !== 0) throw new Error(`skiff down failed: ${down.stderr}`);
    return { readyMs: readyAt - t0, upMs: upAt - t0, podRunningMs: runningAt - c0, upToPodMs: runningAt - t0, downMs, idleRssMb: idle?.mb, idleProcesses: idle?.processes };
  } finally {
    spawnSync(process.execPath, [SKIFF, 'delete'], { env, encoding: 'utf8' });
    rmSync(home, { recursive: true, force: true });
  }
}

async function measure(): Promise<void> {
  const runs: RunResult[] = [];
  for (let i = 0; i < RUNS; i++) runs.push(await oneRun(i === RUNS - 1));
  const row = (name: string, key: keyof RunResult, target: string): (string | number)[] => {
    const s = summarize(runs.map((r) => r[key] as number));
    return [name, s.p50, Math.max(...runs.map((r) => r[key] as number)), target];
  };
  const idle = runs.at(-1)!;
  printTable(`skiff startup (${RUNS} runs, ${process.env.SKIFF_TEST_NETNS ? 'root, process runtime with pod network namespaces' : 'process runtime on the host network'})`, ['measure', 'p50 ms', 'max ms', 'target'], [
    row('skiff up → node Ready', 'readyMs', '< 1500'),
    row('skiff up → returns (DNS, ingress ready)', 'upMs', ''),
    row('first pod: create → Running', 'podRunningMs', ''),
    row('skiff up → first pod Running', 'upToPodMs', '< 2000'),
    row('skiff down', 'downMs', ''),
  ]);
  printTable(`idle cluster after ${IDLE_SECONDS} s`, ['measure', 'value', 'target'], [[`RSS of the server process tree (${idle.idleProcesses} processes), MB`, idle.idleRssMb ?? NaN, '< 150']]);
  const p = writeResults('startup', { runs, idleSeconds: IDLE_SECONDS, netns: !!process.env.SKIFF_TEST_NETNS });
  console.log(`\nresults: ${p}`);
}

export async function run(): Promise<void> {
  if (process.getuid?.() === 0 && !process.env.SKIFF_TEST_NETNS && existsSync(IN_NETNS)) {
    const r = spawnSync(IN_NETNS, ['--', process.execPath, SELF, '--measure'], { stdio: 'inherit' });
    if (r.status !== 0) throw new Error(`the startup benchmark failed inside the network namespace (exit ${r.status})`);
    return;
  }
  await measure();
}

if (process.argv[1] === SELF && process.argv.includes('--measure')) {
  measure().then(
    () => process.exit(0),
    (e) => {
      console.error(e);
      process.exit(1);
    },
  );
}

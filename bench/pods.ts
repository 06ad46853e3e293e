// Node agent benchmark (`npm run bench -- pods`), process runtime:
//  1. `skiff server` exec → local Node Ready, and → a first (scheduled) pod Running;
//  2. 100 pods on one node created at a steady rate: create → Running and → Ready, p50/p99;
//  3. RSS of a standalone `skiff agent` (process runtime) running those 100 pods.
// As root the whole benchmark re-runs inside ../shared/tools/in-netns (pod networks, bridge).
import https from 'node:https';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ROOT, printTable, startBenchServer, summarize, writeResults, type BenchServer } from './util.js';

const PODS = 100;
const RATE = 20; // pod creations per second
const IN_NETNS = resolve(ROOT, '..', 'shared', 'tools', 'in-netns');

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const pod = (name: string, nodeName?: string) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, labels: { bench: 'pods' } },
  spec: { ...(nodeName ? { nodeName } : {}), terminationGracePeriodSeconds: 1, containers: [{ name: 'c', image: 'busybox', command: ['sleep', '3600'] }] },
});

interface PodView {
  metadata: { name: string };
  status?: { phase?: string; conditions?: { type: string; status: string }[] };
}

const isReady = (p: PodView) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;

async function waitFor(what: string, timeoutMs: number, fn: () => Promise<boolean>): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!(await fn().catch(() => false))) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

/** exec → Node Ready and exec → first pod Running, with the in-process node agent. */
async function startup(): Promise<{ apiReadyMs: number; nodeReadyMs: number; firstPodRunningMs: number }> {
  const t0 = performance.now();
  const s = await startBenchServer('sqlite', ['--node-name', 'bench-node']);
  try {
    let nodeReadyMs = NaN;
    let firstPodRunningMs = NaN;
    const nodeReady = waitFor('node Ready', 30_000, async () => {
      const r = await s.request('GET', '/api/v1/nodes/bench-node');
      const ok = r.status === 200 && JSON.parse(r.body).status?.conditions?.some((c: { type: string; status: string }) => c.type === 'Ready' && c.status === 'True');
      if (ok) nodeReadyMs = performance.now() - t0;
      return ok;
    });
    // The pod is created as soon as the API answers and goes through the scheduler.
    await waitFor('the first pod to be accepted', 30_000, async () => (await s.request('POST', '/api/v1/namespaces/default/pods', pod('first'))).status === 201);
    await waitFor('the first pod Running', 30_000, async () => {
      const r = await s.request('GET', '/api/v1/namespaces/default/pods/first');
      const ok = r.status === 200 && JSON.parse(r.body).status?.phase === 'Running';
      if (ok) firstPodRunningMs = performance.now() - t0;
      return ok;
    });
    await nodeReady;
    return { apiReadyMs: s.readyMs, nodeReadyMs, firstPodRunningMs };
  } finally {
    await s.stop();
  }
}

/** Watch pods and call back with each object as it arrives. */
function watchPods(s: BenchServer, onPod: (p: PodView) => void): () => void {
  const req = https.request({ method: 'GET', hostname: s.url.hostname, port: s.url.port, path: '/api/v1/namespaces/default/pods?watch=1&labelSelector=bench%3Dpods', agent: new https.Agent({ ...s.agent.options, keepAlive: false }) }, (res) => {
    let buf = '';
    res.on('data', (d: Buffer) => {
      buf += d.toString();
      let i;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        if (line.trim()) onPod(JSON.parse(line).object);
      }
    });
  });
  req.on('error', () => undefined);
  req.end();
  return () => req.destroy();
}

function rssMb(pid: number | undefined): number {
  try {
    return Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]) / 1024;
  } catch {
    return NaN;
  }
}

/** 100 pods on one standalone agent: start-up latency and the agent's RSS. */
async function hundredPods(): Promise<{ running: ReturnType<typeof summarize>; ready: ReturnType<typeof summarize>; agentRssIdleMb: number; agentRssMb: number; serverRssMb: number }> {
  const s = await startBenchServer('sqlite', ['--no-agent']);
  const dataDir = mkdtempSync(join(tmpdir(), 'skiff-bench-agent-'));
  const serverDir = findServerDir(s);
  const token = readFileSync(join(serverDir, 'agent-token'), 'utf8').trim();
  // SKIFF_BENCH_CPU_PROF=DIR: the agent writes a V8 CPU profile too; SKIFF_BENCH_AGENT_LOG=LEVEL
  // passes its log (e.g. debug: per-pod start-up phases) through to stderr.
  const prof = process.env.SKIFF_BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${resolve(process.env.SKIFF_BENCH_CPU_PROF)}`] : [];
  const agentLog = process.env.SKIFF_BENCH_AGENT_LOG;
  const agent = spawn(process.execPath, [...prof, join(ROOT, 'bin', 'skiff.js'), 'agent', '--server', s.url.origin, '--token', token, '--node-name', 'bench-agent', '--data-dir', dataDir, '--runtime', 'process', '--ca-file', join(serverDir, 'tls', 'ca.crt')], {
    stdio: ['ignore', 'ignore', agentLog ? 'inherit' : 'pipe'],
    env: { ...process.env, SKIFF_LOG_LEVEL: agentLog ?? 'error' },
  });
  let agentErr = '';
  agent.stderr?.on('data', (d) => (agentErr += d));
  const created = new Map<string, number>();
  const running = new Map<string, number>();
  const ready = new Map<string, number>();
  const stopWatch = watchPods(s, (p) => {
    const t0 = created.get(p.metadata.name);
    if (t0 === undefined) return;
    const now = performance.now();
    if (p.status?.phase === 'Running' && !running.has(p.metadata.name)) running.set(p.metadata.name, now - t0);
    if (isReady(p) && !ready.has(p.metadata.name)) ready.set(p.metadata.name, now - t0);
  });
  try {
    await waitFor('the agent node Ready', 30_000, async () => {
      if (agent.exitCode !== null) throw new Error(`skiff agent exited: ${agentErr}`);
      const r = await s.request('GET', '/api/v1/nodes/bench-agent');
      return r.status === 200 && JSON.parse(r.body).status?.conditions?.some((c: { type: string; status: string }) => c.type === 'Ready' && c.status === 'True');
    });
    await sleep(1000);
    const agentRssIdleMb = rssMb(agent.pid);
    const tStart = performance.now();
    const creates: Promise<void>[] = [];
    for (let i = 0; i < PODS; i++) {
      const wait = tStart + i * (1000 / RATE) - performance.now();
      if (wait > 0) await sleep(wait);
      const name = `p-${i}`;
      created.set(name, performance.now());
      if (agentLog) console.error(JSON.stringify({ bench: 'created', pod: name, at: Date.now() }));
      creates.push(
        s.request('POST', '/api/v1/namespaces/default/pods', pod(name, 'bench-agent')).then((r) => {
          if (r.status !== 201) throw new Error(`create ${name}: ${r.status} ${r.body}`);
        }),
      );
    }
    await Promise.all(creates);
    await waitFor(`${PODS} pods Ready`, 60_000, async () => ready.size >= PODS);
    await sleep(1000);
    return { running: summarize([...running.values()]), ready: summarize([...ready.values()]), agentRssIdleMb, agentRssMb: rssMb(agent.pid), serverRssMb: s.rssMb() };
  } finally {
    stopWatch();
    const exited = new Promise((r) => agent.once('exit', r));
    agent.kill('SIGTERM');
    const t = setTimeout(() => agent.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(t);
    await s.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** The bench server's data directory (its process was started with --data-dir). */
function findServerDir(s: BenchServer): string {
  const args = readFileSync(`/proc/${s.proc.pid}/cmdline`, 'utf8').split('\0');
  return args[args.indexOf('--data-dir') + 1];
}

export async function run(): Promise<unknown> {
  if (process.getuid?.() === 0 && !process.env.SKIFF_TEST_NETNS) {
    if (!existsSync(IN_NETNS)) throw new Error(`${IN_NETNS} is missing: as root the pods benchmark must run in a network namespace`);
    const r = spawnSync(IN_NETNS, ['--', process.execPath, join(ROOT, 'dist', 'bench', 'main.js'), 'pods'], { stdio: 'inherit' });
    if (r.status !== 0) throw new Error('the pods benchmark failed inside the network namespace');
    return JSON.parse(readFileSync(join(ROOT, 'bench', 'results', 'pods.json'), 'utf8'));
  }
  const boot = await startup();
  const load = await hundredPods();
  const results = { root: process.getuid?.() === 0, pods: PODS, createRatePerSec: RATE, ...boot, ...load };
  printTable(`Node agent, process runtime (${PODS} pods on one node, created at ${RATE}/s${results.root ? ', per-pod network namespaces' : ', host network'})`, ['metric', 'value', 'target'], [
    ['exec → API ready (ms)', boot.apiReadyMs, ''],
    ['exec → node Ready (ms)', boot.nodeReadyMs, '< 1500'],
    ['exec → first pod Running (ms)', boot.firstPodRunningMs, '< 1500'],
    ['create → Running p50 / p99 (ms)', `${load.running.p50.toFixed(0)} / ${load.running.p99.toFixed(0)}`, 'p99 < 500'],
    ['create → Ready p50 / p99 (ms)', `${load.ready.p50.toFixed(0)} / ${load.ready.p99.toFixed(0)}`, 'p99 < 500'],
    ['agent RSS idle / with 100 pods (MB)', `${load.agentRssIdleMb.toFixed(0)} / ${load.agentRssMb.toFixed(0)}`, ''],
    ['server RSS (control plane, MB)', load.serverRssMb, ''],
  ]);
  console.log(`results: ${writeResults('pods', results)}`);
  return results;
}

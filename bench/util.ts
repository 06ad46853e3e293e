// Shared benchmark plumbing: a real `skiff server` process, an HTTPS client with the admin
// certificate, percentiles, RSS, and result tables/JSON.
import https from 'node:https';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import YAML from 'yaml';

export const ROOT = resolve(new URL('../..', import.meta.url).pathname);

export interface BenchServer {
  proc: ChildProcess;
  url: URL;
  agent: https.Agent;
  readyMs: number;
  request(method: string, path: string, body?: unknown, contentType?: string): Promise<{ status: number; body: string }>;
  rssMb(): number;
  stop(): Promise<void>;
}

export async function startBenchServer(datastore: string, extra: string[] = ['--no-agent']): Promise<BenchServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'skiff-bench-'));
  const kubeconfig = join(dataDir, 'kubeconfig.yaml');
  const t0 = performance.now();
  // SKIFF_BENCH_CPU_PROF=DIR: the server writes a V8 CPU profile into DIR when it stops.
  const prof = process.env.SKIFF_BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${resolve(process.env.SKIFF_BENCH_CPU_PROF)}`] : [];
  const proc = spawn(process.execPath, [...prof, join(ROOT, 'bin', 'skiff.js'), 'server', '--data-dir', dataDir, '--listen', '127.0.0.1:0', '--datastore', datastore, '--ingress-ports', '0,0', '--dns-listen', '127.0.0.1:0', ...extra], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, SKIFF_LOG_LEVEL: 'error' },
  });
  let err = '';
  let stopping = false;
  proc.stderr!.on('data', (d) => (err = (err + d).slice(-20_000)));
  // A server that dies mid-benchmark says why (the client only sees ECONNRESET).
  proc.once('exit', (code, signal) => {
    if (!stopping) console.error(`skiff server (${datastore}) exited unexpectedly (${code ?? signal}):\n${err.slice(-4000)}`);
  });
  while (!existsSync(kubeconfig)) {
    if (proc.exitCode !== null) throw new Error(`server exited: ${err}`);
    if (performance.now() - t0 > 30_000) throw new Error('server start timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
  const readyMs = performance.now() - t0;
  const kc = YAML.parse(readFileSync(kubeconfig, 'utf8'));
  const url = new URL(kc.clusters[0].cluster.server);
  const agent = new https.Agent({
    keepAlive: true,
    maxSockets: 64,
    ca: Buffer.from(kc.clusters[0].cluster['certificate-authority-data'], 'base64'),
    cert: Buffer.from(kc.users[0].user['client-certificate-data'], 'base64'),
    key: Buffer.from(kc.users[0].user['client-key-data'], 'base64'),
  });
  const request = (method: string, path: string, body?: unknown, contentType = 'application/json') =>
    new Promise<{ status: number; body: string }>((res, rej) => {
      const req = https.request({ method, hostname: url.hostname, port: url.port, path, agent, headers: { 'content-type': contentType, accept: 'application/json' } }, (r) => {
        const chunks: Buffer[] = [];
        r.on('data', (c) => chunks.push(c));
        r.on('end', () => res({ status: r.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
      });
      req.on('error', rej);
      if (body !== undefined) req.write(typeof body === 'string' ? body : JSON.stringify(body));
      req.end();
    });
  return {
    proc,
    url,
    agent,
    readyMs,
    request,
    rssMb() {
      try {
        const st = readFileSync(`/proc/${proc.pid}/status`, 'utf8');
        const m = /VmRSS:\s+(\d+) kB/.exec(st);
        return m ? Number(m[1]) / 1024 : NaN;
      } catch {
        return NaN;
      }
    },
    async stop() {
      stopping = true;
      agent.destroy();
      const done = new Promise((r) => proc.once('exit', r));
      proc.kill('SIGTERM');
      const t = setTimeout(() => proc.kill('SIGKILL'), 10_000);
      await done;
      clearTimeout(t);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
}

export function summarize(samples: number[]): { p50: number; p99: number; n: number } {
  const s = [...samples].sort((a, b) => a - b);
  return { p50: percentile(s, 50), p99: percentile(s, 99), n: s.length };
}

export function printTable(title: string, header: string[], rows: (string | number)[][]): void {
  const cells = [header, ...rows.map((r) => r.map((c) => (typeof c === 'number' ? (Number.isInteger(c) ? String(c) : c.toFixed(1)) : c)))];
  const widths = header.map((_, i) => Math.max(...cells.map((r) => String(r[i]).length)));
  console.log(`\n${title}`);
  for (const r of cells) console.log(r.map((c, i) => String(c).padEnd(widths[i])).join('  '));
}

export function writeResults(name: string, data: unknown): string {
  const dir = join(ROOT, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const p = join(dir, `${name}.json`);
  writeFileSync(p, JSON.stringify({ date: new Date().toISOString(), node: process.version, ...((data as object) ?? {}) }, null, 2));
  return p;
}

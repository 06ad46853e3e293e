// Spawns a real `skiff server` process and runs the real kubectl against it.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import YAML from 'yaml';

export const ROOT = resolve(new URL('../../..', import.meta.url).pathname);
export const SKIFF_BIN = join(ROOT, 'bin', 'skiff.js');

/** The kubectl to use: SKIFF_KUBECTL, else the dispatcher on PATH; undefined when absent. */
export function findKubectl(): string | undefined {
  const explicit = process.env.SKIFF_KUBECTL;
  if (explicit) return explicit;
  const r = spawnSync('sh', ['-c', 'command -v kubectl'], { encoding: 'utf8' });
  const p = r.stdout.trim();
  return p || undefined;
}

export const KUBECTL = findKubectl();
export const NO_KUBECTL_REASON = 'kubectl is not installed on this machine: e2e tests against the real kubectl are skipped';

export interface ServerHandle {
  proc: ChildProcess;
  dataDir: string;
  kubeconfig: string;
  url: string;
  logs: () => string;
  kubectl(args: string[], opts?: { input?: string; env?: Record<string, string>; timeoutMs?: number }): KubectlResult;
  kubectlOk(args: string[], opts?: { input?: string; env?: Record<string, string> }): string;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

// Servers this test process started: if the process ends early (a timeout, a crash), they must
// not outlive it.
const started = new Set<ChildProcess>();
process.once('exit', () => {
  for (const p of started) if (p.exitCode === null) p.kill('SIGKILL');
});
for (const sig of ['SIGTERM', 'SIGINT'] as const) {
  process.once(sig, () => {
    for (const p of started) if (p.exitCode === null) p.kill('SIGTERM');
    process.exit(128 + (sig === 'SIGTERM' ? 15 : 2));
  });
}

export async function startSkiff(extraArgs: string[] = ['--no-agent'], opts: { dataDir?: string; datastore?: string } = {}): Promise<ServerHandle> {
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'skiff-e2e-'));
  const kubeconfig = join(dataDir, 'kubeconfig.yaml');
  if (existsSync(kubeconfig)) rmSync(kubeconfig);
  // Free ports for every listener, so test files can run side by side.
  const args = [SKIFF_BIN, 'server', '--data-dir', dataDir, '--listen', '127.0.0.1:0', '--datastore', opts.datastore ?? 'sqlite', '--ingress-ports', '0,0', '--dns-listen', '127.0.0.1:0', ...extraArgs];
  const proc = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, SKIFF_LOG_LEVEL: process.env.SKIFF_LOG_LEVEL ?? 'warn' } });
  started.add(proc);
  proc.once('exit', () => started.delete(proc));
  let out = '';
  proc.stdout!.on('data', (d) => (out += d));
  proc.stderr!.on('data', (d) => (out += d));
  const deadline = Date.now() + 20_000;
  while (!existsSync(kubeconfig)) {
    if (proc.exitCode !== null) throw new Error(`skiff server exited with ${proc.exitCode}:\n${out}`);
    if (Date.now() > deadline) {
      proc.kill('SIGKILL');
      throw new Error(`skiff server did not write its kubeconfig in time:\n${out}`);
    }
    await sleep(50);
  }
  const kc = YAML.parse(readFileSync(kubeconfig, 'utf8'));
  const url: string = kc.clusters[0].cluster.server;
  const home = mkdtempSync(join(tmpdir(), 'skiff-e2e-home-'));
  const kubectl = (kargs: string[], o: { input?: string; env?: Record<string, string>; timeoutMs?: number } = {}): KubectlResult => {
    if (!KUBECTL) throw new Error(NO_KUBECTL_REASON);
    const r = spawnSync(KUBECTL, kargs, {
      input: o.input,
      encoding: 'utf8',
      timeout: o.timeoutMs ?? 30_000,
      env: { ...process.env, KUBECONFIG: kubeconfig, HOME: home, ...(o.env ?? {}) },
    });
    return { code: r.status ?? -1, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
  };
  return {
    proc,
    dataDir,
    kubeconfig,
    url,
    logs: () => out,
    kubectl,
    kubectlOk(kargs, o) {
      const r = kubectl(kargs, o);
      if (r.code !== 0) throw new Error(`kubectl ${kargs.join(' ')} failed (${r.code}):\n${r.stderr}\n${r.stdout}`);
      return r.stdout;
    },
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (proc.exitCode !== null) return proc.exitCode;
      const done = new Promise<number | null>((res) => proc.once('exit', (code) => res(code)));
      proc.kill(signal);
      const t = setTimeout(() => proc.kill('SIGKILL'), 10_000);
      const code = await done;
      clearTimeout(t);
      if (!opts.dataDir && signal !== 'SIGKILL') rmSync(dataDir, { recursive: true, force: true });
      rmSync(home, { recursive: true, force: true });
      return code;
    },
  };
}

const tempDirs: string[] = [];
process.once('exit', () => {
  for (const d of tempDirs) rmSync(d, { recursive: true, force: true });
});

/** A temporary directory removed when the test process exits. */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  tempDirs.push(dir);
  return dir;
}

export function writeTemp(name: string, content: string): string {
  const dir = tempDir('skiff-manifest-');
  const p = join(dir, name);
  writeFileSync(p, content);
  return p;
}

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  json(): any;
}

/** One HTTPS request to the server with the admin client certificate (or none: anonymous). */
export async function apiRequest(
  s: Pick<ServerHandle, 'kubeconfig' | 'url'>,
  method: string,
  path: string,
  body?: string | Buffer,
  headers: Record<string, string> = {},
  opts: { anonymous?: boolean } = {},
): Promise<RawResponse> {
  const https = await import('node:https');
  const kc = YAML.parse(readFileSync(s.kubeconfig, 'utf8'));
  const ca = Buffer.from(kc.clusters[0].cluster['certificate-authority-data'], 'base64');
  const cert = Buffer.from(kc.users[0].user['client-certificate-data'], 'base64');
  const key = Buffer.from(kc.users[0].user['client-key-data'], 'base64');
  const u = new URL(path, s.url);
  return new Promise((resolveP, reject) => {
    const req = https.request(
      { method, hostname: u.hostname, port: u.port, path: u.pathname + u.search, ca, ...(opts.anonymous ? {} : { cert, key }), headers: { 'content-type': 'application/json', ...headers } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString();
          resolveP({ status: res.statusCode ?? 0, headers: res.headers, body: text, json: () => JSON.parse(text) });
        });
      },
    );
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

/** The repository's sibling tool that runs a command in a fresh loopback-only network namespace. */
export const IN_NETNS = join(ROOT, '..', 'shared', 'tools', 'in-netns');

/**
 * Registers one test that re-runs the calling test file under in-netns, so node bridges, pod
 * namespaces and iptables rules never touch the host's network namespace (DESIGN.md rules).
 * Call it only as root outside a test namespace; the re-run sees SKIFF_TEST_NETNS set.
 */
export function rerunInFreshNetns(title: string, metaUrl: string, timeoutMs: number, skip: string | false = false): void {
  test(`${title} (re-run inside a fresh network namespace)`, { skip: skip || (existsSync(IN_NETNS) ? false : `${IN_NETNS} is missing: root tests that start node agents need it`) }, () => {
    // A nested `node --test` only runs its file when it does not think it is a child runner.
    const env = { ...process.env };
    delete env.NODE_TEST_CONTEXT;
    const r = spawnSync(IN_NETNS, ['--', process.execPath, '--test', '--test-reporter=spec', fileURLToPath(metaUrl)], { stdio: 'inherit', timeout: timeoutMs, env });
    assert.equal(r.status, 0, `${title} failed inside the network namespace (see output above)`);
  });
}

/**
 * Polls `fn` until it returns a truthy value (errors count as "not yet"), failing after
 * `timeoutMs` with the last error in the message.
 */
export async function until<T>(what: string, fn: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 30_000, everyMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await sleep(everyMs);
  }
}

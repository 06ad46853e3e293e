// `skiff agent --server URL --token TOKEN` joins a running `skiff server`: the server writes its
// join token to DATA_DIR/agent-token (0600), the agent registers its Node over HTTPS with it, the
// Node becomes Ready and the scheduler places pods on it. The joining agent uses the simulated
// runtime, so nothing touches the host network and no network namespace is needed.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { KUBECTL, NO_KUBECTL_REASON, SKIFF_BIN, startSkiff, type ServerHandle, until } from './harness.js';


interface AgentProc {
  proc: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

function startAgent(args: string[]): AgentProc {
  const proc = spawn(process.execPath, [SKIFF_BIN, 'agent', ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, SKIFF_LOG_LEVEL: 'warn' } });
  let out = '';
  proc.stdout!.on('data', (d) => (out += d));
  proc.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
  return { proc, output: () => out, exited };
}

describe('skiff agent joins a server', { skip: KUBECTL ? false : NO_KUBECTL_REASON }, () => {
  let s: ServerHandle;
  let agent: AgentProc | undefined;
  const agentDir = mkdtempSync(join(tmpdir(), 'skiff-join-'));

  before(async () => {
    s = await startSkiff(['--no-agent'], { datastore: 'memory' });
  });
  after(async () => {
    if (agent && agent.proc.exitCode === null) {
      agent.proc.kill('SIGKILL');
      await agent.exited;
    }
    await s?.stop();
    rmSync(agentDir, { recursive: true, force: true });
  });

  test('the server keeps a private join token', () => {
    const file = join(s.dataDir, 'agent-token');
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.match(readFileSync(file, 'utf8').trim(), /^\S{32,}$/);
  });

  test('a wrong token is refused', async () => {
    const bad = startAgent(['--server', s.url, '--token', 'not-the-token', '--node-name', 'intruder', '--runtime', 'simulated', '--data-dir', join(agentDir, 'bad'), '--ca-file', join(s.dataDir, 'tls', 'ca.crt')]);
    const code = await Promise.race([bad.exited, sleep(15_000).then(() => 'timeout' as const)]);
    if (code === 'timeout') bad.proc.kill('SIGKILL');
    assert.equal(code, 1, bad.output());
    assert.match(bad.output(), /skiff agent: .*(forbidden|Unauthorized|cannot)/i);
    assert.equal(s.kubectl(['get', 'node', 'intruder']).code, 1);
  });

  test('an agent with the token registers a Ready node that runs scheduled pods', async () => {
    const token = readFileSync(join(s.dataDir, 'agent-token'), 'utf8').trim();
    agent = startAgent(['--server', s.url, '--token', token, '--node-name', 'joiner', '--runtime', 'simulated', '--data-dir', join(agentDir, 'good'), '--ca-file', join(s.dataDir, 'tls', 'ca.crt')]);
    await until('node joiner Ready', () => agent!.proc.exitCode === null && /^joiner\s+Ready\s/m.test(s.kubectl(['get', 'nodes', '--no-headers']).stdout)).catch((e) => {
      throw new Error(`${(e as Error).message}\nagent output:\n${agent!.output()}`);
    });
    const lease = JSON.parse(s.kubectlOk(['get', 'lease', '-n', 'kube-node-lease', 'joiner', '-o', 'json']));
    assert.equal(lease.spec.holderIdentity, 'joiner');

    s.kubectlOk(['create', 'deployment', 'hello', '--image=skiff/echo-server', '--replicas=2']);
    await until('2 pods Running on joiner', () => {
      const pods = JSON.parse(s.kubectlOk(['get', 'pods', '-l', 'app=hello', '-o', 'json'])).items;
      return pods.length === 2 && pods.every((p: any) => p.spec.nodeName === 'joiner' && p.status.phase === 'Running');
    });

    agent.proc.kill('SIGTERM');
    assert.equal(await agent.exited, 0, agent.output());
  });
});

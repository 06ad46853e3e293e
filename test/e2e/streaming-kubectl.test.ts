// The real kubectl (1.31–1.33 over WebSocket, plus SPDY via older kubectl and the opt-out env
// vars) doing logs, exec, attach, cp and port-forward through the API server's NodeAgentProxy to
// an AgentServer. The agent's runtime is a FakeRuntime whose exec runs host processes.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { connect, createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { findByKind } from '../../src/api/registry.js';
import type { KubeObject } from '../../src/client/api.js';
import { rfc3339Nano } from '../../src/agent/runtime/process/cri-log.js';
import { startStreamingCluster, versionedKubectls, type StreamingCluster } from './streaming-fixture.js';

const KUBECTLS = versionedKubectls();
const WS_VERSIONS = ['1.31', '1.32', '1.33'].filter((v) => KUBECTLS.has(v));
const skip = WS_VERSIONS.length ? false : 'versioned kubectl binaries (kubectl.1.31 …) are not installed';
const HAVE_TMUX = spawnSync('sh', ['-c', 'command -v tmux'], { encoding: 'utf8' }).stdout.trim() !== '';

let c: StreamingCluster;
let echo: Server;
let echoPort: number;
let webLog: string;
const WEB_LOG = '2024-05-01T10:00:00.1Z stdout F hello\n2024-05-01T10:00:01.2Z stderr F world\n';

/** Talks to a forwarded local port: sends `msg`, returns what comes back. */
function roundTrip(port: number, msg: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port }, () => s.end(msg));
    let got = '';
    s.on('data', (d) => (got += d));
    s.on('close', () => resolve(got));
    s.on('error', reject);
  });
}

/** Runs `kubectl port-forward …`, waits for its "Forwarding from" line, returns the local port. */
async function portForward(bin: string, target: string, remote: number, env: Record<string, string> = {}): Promise<{ port: number; stop(): void; output(): string }> {
  const p = c.spawnKubectl(bin, ['port-forward', target, `:${remote}`], env);
  let out = '';
  p.stdout!.on('data', (d) => (out += d));
  p.stderr!.on('data', (d) => (out += d));
  const deadline = Date.now() + 15_000;
  for (;;) {
    const m = /Forwarding from 127\.0\.0\.1:(\d+) -> (\d+)/.exec(out);
    if (m) return { port: Number(m[1]), stop: () => p.kill('SIGTERM'), output: () => out };
    if (p.exitCode !== null || Date.now() > deadline) {
      p.kill('SIGKILL');
      throw new Error(`port-forward did not start: ${out}`);
    }
    await sleep(50);
  }
}

describe('kubectl streaming through the API server to the node agent', { skip }, () => {
  before(async () => {
    c = await startStreamingCluster();
    echo = createServer((s) => s.pipe(s));
    await new Promise<void>((r) => echo.listen(0, '127.0.0.1', r));
    echoPort = (echo.address() as { port: number }).port;

    webLog = join(c.dir, 'web.log');
    writeFileSync(webLog, WEB_LOG);
    writeFileSync(join(c.dir, 'web-prev.log'), '2024-05-01T09:00:00Z stdout F crashed before\n');
    writeFileSync(join(c.dir, 'side.log'), `${rfc3339Nano()} stdout F side is up\n`);
    c.runtime.addSandbox('sb-web', { uid: 'uid-web', name: 'web', namespace: 'default' });
    c.runtime.addContainer({ id: 'c-web', name: 'web', sandboxId: 'sb-web', logPath: webLog });
    c.runtime.addContainer({ id: 'c-side', name: 'side', sandboxId: 'sb-web', logPath: join(c.dir, 'side.log') });
    c.runtime.attachProcess('c-side', ['cat']);
    c.pods.set('default/web', new Map([
      ['web', { id: 'c-web', logPath: webLog, previousLogPath: join(c.dir, 'web-prev.log') }],
      ['side', { id: 'c-side', logPath: join(c.dir, 'side.log') }],
    ]));
    await c.addPod('web', [{ name: 'web', ports: [{ containerPort: echoPort }] }, { name: 'side', stdin: true }], { app: 'web' });
    await c.client.create(findByKind('', 'Service')!, 'default', {
      apiVersion: 'v1', kind: 'Service', metadata: { name: 'web' },
      spec: { selector: { app: 'web' }, ports: [{ port: 80, targetPort: echoPort }] },
    } as KubeObject);
  });

  after(async () => {
    echo?.close();
    await c?.stop();
  });

  for (const version of WS_VERSIONS) {
    describe(`kubectl ${version}`, () => {
      const k = () => KUBECTLS.get(version)!;

      test('logs: -c, --tail, --timestamps, --previous, -l, --since', async () => {
        assert.equal((await c.kubectl(k(), ['logs', 'web', '-c', 'web'])).stdout, 'hello\nworld\n');
        assert.equal((await c.kubectl(k(), ['logs', 'web', '-c', 'web', '--tail=1', '--timestamps'])).stdout, '2024-05-01T10:00:01.200000000Z world\n');
        assert.equal((await c.kubectl(k(), ['logs', 'web', '-c', 'web', '--previous'])).stdout, 'crashed before\n');
        const prev = await c.kubectl(k(), ['logs', 'web', '-c', 'side', '-p']);
        assert.equal(prev.code, 1);
        assert.equal(prev.stderr, 'Error from server (BadRequest): previous terminated container "side" in pod "web" not found\n');
        assert.equal((await c.kubectl(k(), ['logs', '-l', 'app=web', '-c', 'web'])).stdout, 'hello\nworld\n');
        assert.equal((await c.kubectl(k(), ['logs', 'web', '-c', 'side', '--since=1h'])).stdout, 'side is up\n');
        assert.equal((await c.kubectl(k(), ['logs', 'web', '-c', 'web', '--since=1h'])).stdout, '');
      });

      test('logs -f follows new lines and ends when the container stops', async () => {
        const p = c.spawnKubectl(k(), ['logs', '-f', 'web', '-c', 'web']);
        let out = '';
        p.stdout!.on('data', (d) => (out += d));
        const exited = new Promise<number | null>((r) => p.on('close', r));
        await waitFor(() => out === 'hello\nworld\n');
        appendFileSync(webLog, `${rfc3339Nano()} stdout F followed ${version}\n`);
        await waitFor(() => out.includes(`followed ${version}\n`));
        c.runtime.setRunning('c-web', false);
        try {
          assert.equal(await exited, 0);
        } finally {
          c.runtime.setRunning('c-web', true);
          writeFileSync(webLog, WEB_LOG);
        }
      });

      test('exec: output, exit codes and stdin', async () => {
        const r = await c.kubectl(k(), ['exec', 'web', '-c', 'web', '--', 'echo', 'hi', version]);
        assert.equal(r.stdout, `hi ${version}\n`);
        assert.equal(r.code, 0);
        const fail = await c.kubectl(k(), ['exec', 'web', '-c', 'web', '--', 'sh', '-c', 'echo to-stderr >&2; exit 3']);
        assert.equal(fail.code, 3);
        assert.match(fail.stderr, /to-stderr\ncommand terminated with exit code 3\n$/);
        const cat = await c.kubectl(k(), ['exec', '-i', 'web', '-c', 'web', '--', 'cat'], { input: 'piped through\n' });
        assert.equal(cat.stdout, 'piped through\n');
      });

      test('cp both ways (tar over exec)', async () => {
        const local = join(c.dir, `local-${version}.txt`);
        const remoteDir = join(c.dir, `in-pod-${version}`);
        mkdirSync(remoteDir);
        writeFileSync(local, `payload ${version}\n`.repeat(1000));
        const up = await c.kubectl(k(), ['cp', local, `web:${remoteDir}/copied.txt`, '-c', 'web']);
        assert.equal(up.code, 0, up.stderr);
        assert.equal(readFileSync(join(remoteDir, 'copied.txt'), 'utf8'), readFileSync(local, 'utf8'));
        const back = join(c.dir, `back-${version}.txt`);
        const down = await c.kubectl(k(), ['cp', `web:${remoteDir}/copied.txt`, back, '-c', 'web']);
        assert.equal(down.code, 0, down.stderr);
        assert.equal(readFileSync(back, 'utf8'), readFileSync(local, 'utf8'));
      });

      test('attach -i sends stdin to the running process', async () => {
        const r = await c.kubectl(k(), ['attach', 'web', '-c', 'side', '-i'], { input: `attached ${version}\n` });
        assert.match(r.stdout, new RegExp(`attached ${version}\n`));
      });

      test('port-forward pod/web and svc/web', async () => {
        const pf = await portForward(k(), 'pod/web', echoPort);
        try {
          assert.equal(await roundTrip(pf.port, 'via pod'), 'via pod');
          assert.equal(await roundTrip(pf.port, 'second connection'), 'second connection');
        } finally {
          pf.stop();
        }
        const svc = await portForward(k(), 'svc/web', 80);
        try {
          assert.match(svc.output(), new RegExp(`-> ${echoPort}`));
          assert.equal(await roundTrip(svc.port, 'via service'), 'via service');
        } finally {
          svc.stop();
        }
      });
    });
  }

  describe('SPDY (older kubectl, or WebSockets turned off)', () => {
    const spdyEnv = { KUBECTL_REMOTE_COMMAND_WEBSOCKETS: 'false', KUBECTL_PORT_FORWARD_WEBSOCKETS: 'false' };
    const spdyKubectls = [
      ...['1.27', '1.28', '1.29'].filter((v) => KUBECTLS.has(v)).map((v) => ({ name: `kubectl ${v}`, bin: KUBECTLS.get(v)!, env: {} })),
      ...(KUBECTLS.has('1.32') ? [{ name: 'kubectl 1.32 with websockets disabled', bin: KUBECTLS.get('1.32')!, env: spdyEnv }] : []),
    ];
    for (const kc of spdyKubectls) {
      test(`${kc.name}: exec, stdin, exit code, port-forward`, async () => {
        const r = await c.kubectl(kc.bin, ['exec', 'web', '-c', 'web', '--', 'echo', 'spdy'], { env: kc.env });
        assert.equal(r.stdout, 'spdy\n', r.stderr);
        const cat = await c.kubectl(kc.bin, ['exec', '-i', 'web', '-c', 'web', '--', 'cat'], { input: 'spdy stdin\n', env: kc.env });
        assert.equal(cat.stdout, 'spdy stdin\n');
        const fail = await c.kubectl(kc.bin, ['exec', 'web', '-c', 'web', '--', 'sh', '-c', 'exit 4'], { env: kc.env });
        assert.equal(fail.code, 4);
        const pf = await portForward(kc.bin, 'pod/web', echoPort, kc.env);
        try {
          assert.equal(await roundTrip(pf.port, 'spdy forward'), 'spdy forward');
        } finally {
          pf.stop();
        }
      });
    }
  });

  test('exec -it through a terminal (tmux)', { skip: HAVE_TMUX ? false : 'tmux is not installed' }, async () => {
    const bin = KUBECTLS.get(WS_VERSIONS[WS_VERSIONS.length - 1])!;
    const sock = `skiff-test-${process.pid}`;
    const tmux = (...args: string[]) => spawnSync('tmux', ['-L', sock, ...args], { encoding: 'utf8' });
    const cmd = `env KUBECONFIG=${c.kubeconfig} HOME=${c.dir} ${bin} exec -it web -c web -- sh; sleep 30`;
    // tmux's server must stay off this event loop's back: start it detached (it forks).
    assert.equal(tmux('new-session', '-d', '-s', 'it', '-x', '120', '-y', '30', cmd).status, 0);
    try {
      await sleep(1500);
      tmux('send-keys', '-t', 'it', 'echo answer=$((6*7))', 'Enter');
      await waitFor(() => /answer=42/.test(tmux('capture-pane', '-p', '-t', 'it').stdout), 10_000);
      tmux('send-keys', '-t', 'it', 'exit', 'Enter');
    } finally {
      tmux('kill-server');
    }
  });
});

async function waitFor(cond: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(50);
  }
}

import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer as createHttp2Server, type Http2Server } from 'node:http2';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createTcpServer, type Server, type AddressInfo } from 'node:net';
import type { Container, Probe } from 'kubernetes-types/core/v1.js';
import { FakeClock } from '../../client/clock.js';
import type { ContainerRuntime, ExecResult } from '../runtime/runtime.js';
import { runProbe, type ProbeTarget } from './prober.js';
import { ProbeWorker, type ProbeKind } from './probe-worker.js';
import { hookFailureMessage, runHook } from '../lifecycle-hooks.js';

/** A runtime whose execSync answers from a table (exec probes and hooks). */
function execRuntime(answers: Record<string, ExecResult>, calls: string[][] = []): ContainerRuntime {
  return {
    execSync: async (_id: string, cmd: string[]) => {
      calls.push(cmd);
      const a = answers[cmd.join(' ')];
      if (!a) throw new Error(`unexpected command ${cmd.join(' ')}`);
      return a;
    },
  } as unknown as ContainerRuntime;
}

const container: Container = { name: 'app', ports: [{ name: 'grpc', containerPort: 0 }] };
const target = (runtime: ContainerRuntime, c: Container = container): ProbeTarget => ({ podIP: '127.0.0.1', container: c, containerId: 'c1', runtime });
const ok = (out = ''): ExecResult => ({ exitCode: 0, stdout: Buffer.from(out), stderr: Buffer.alloc(0) });
const bad = (code: number, err = ''): ExecResult => ({ exitCode: code, stdout: Buffer.alloc(0), stderr: Buffer.from(err) });

/** grpc.health.v1.Health/Check answering per service name (status 1 = SERVING, 2 = NOT_SERVING). */
function healthServer(statusOf: (service: string) => number | 'unimplemented'): Http2Server {
  const srv = createHttp2Server();
  srv.on('stream', (stream) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => {
      const msg = Buffer.concat(chunks).subarray(5);
      const service = msg.length > 2 && msg[0] === 0x0a ? msg.subarray(2, 2 + msg[1]).toString() : '';
      const st = statusOf(service);
      stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
      stream.once('wantTrailers', () => {
        if (st === 'unimplemented') stream.sendTrailers({ 'grpc-status': '12', 'grpc-message': 'unknown service grpc.health.v1.Health' });
        else stream.sendTrailers({ 'grpc-status': '0' });
      });
      if (st === 'unimplemented') stream.end();
      else stream.end(Buffer.from([0, 0, 0, 0, 2, 0x08, st]));
    });
  });
  return srv;
}

function listen(s: Server | Http2Server | HttpServer): Promise<number> {
  return new Promise((r) => s.listen(0, '127.0.0.1', () => r((s.address() as AddressInfo).port)));
}

describe('probe handlers', () => {
  let tcp: Server;
  let tcpPort = 0;
  let grpc: Http2Server;
  let grpcPort = 0;
  let grpcBroken: Http2Server;
  let grpcBrokenPort = 0;
  before(async () => {
    tcp = createTcpServer((s) => s.end());
    tcpPort = await listen(tcp);
    grpc = healthServer((svc) => (svc === '' || svc === 'ready' ? 1 : 2));
    grpcPort = await listen(grpc);
    grpcBroken = healthServer(() => 'unimplemented');
    grpcBrokenPort = await listen(grpcBroken);
  });
  after(() => {
    tcp.close();
    grpc.close();
    grpcBroken.close();
  });

  test('tcpSocket: a connect succeeds, a refused port fails with the dial error', async () => {
    assert.deepEqual(await runProbe({ tcpSocket: { port: tcpPort } }, target(execRuntime({}))), { ok: true, message: '' });
    const closed = createTcpServer();
    const port = await listen(closed);
    await new Promise((r) => closed.close(r));
    assert.deepEqual(await runProbe({ tcpSocket: { port } }, target(execRuntime({}))), { ok: false, message: `dial tcp 127.0.0.1:${port}: connect: connection refused` });
    // A named port resolves through the container's ports.
    const named: Container = { name: 'app', ports: [{ name: 'svc', containerPort: tcpPort }] };
    assert.equal((await runProbe({ tcpSocket: { port: 'svc' } }, target(execRuntime({}), named))).ok, true);
    assert.deepEqual(await runProbe({ tcpSocket: { port: 'nope' } }, target(execRuntime({}), named)), { ok: false, message: "couldn't find port nope in container app" });
  });

  test('exec: exit 0 passes, other codes fail with the output', async () => {
    const rt = execRuntime({ 'cat /tmp/healthy': ok('fine'), 'test -f /missing': bad(1), 'sh -c broken': bad(2, 'sh: broken: not found') });
    assert.deepEqual(await runProbe({ exec: { command: ['cat', '/tmp/healthy'] } }, target(rt)), { ok: true, message: 'fine' });
    assert.deepEqual(await runProbe({ exec: { command: ['test', '-f', '/missing'] } }, target(rt)), { ok: false, message: 'command "test -f /missing" exited with 1' });
    assert.deepEqual(await runProbe({ exec: { command: ['sh', '-c', 'broken'] } }, target(rt)), { ok: false, message: 'sh: broken: not found' });
  });

  test('grpc: health v1 Check with and without a service name', async () => {
    const rt = execRuntime({});
    assert.deepEqual(await runProbe({ grpc: { port: grpcPort } }, target(rt)), { ok: true, message: '' });
    assert.deepEqual(await runProbe({ grpc: { port: grpcPort, service: 'ready' } }, target(rt)), { ok: true, message: '' });
    assert.deepEqual(await runProbe({ grpc: { port: grpcPort, service: 'db' } }, target(rt)), { ok: false, message: 'service unhealthy (responded with "NOT_SERVING")' });
    assert.deepEqual(await runProbe({ grpc: { port: grpcBrokenPort } }, target(rt)), { ok: false, message: "this server doesn't implement the grpc health protocol (grpc.health.v1.Health): unknown service grpc.health.v1.Health" });
  });
});

describe('probe worker', () => {
  function run(kind: ProbeKind, probe: Probe, results: boolean[]) {
    const clock = new FakeClock();
    const flips: [ProbeKind, boolean][] = [];
    const failed: string[] = [];
    let i = 0;
    const rt = { execSync: async () => (results[Math.min(i++, results.length - 1)] ? ok() : bad(1)) } as unknown as ContainerRuntime;
    const w = new ProbeWorker(kind, { exec: { command: ['check'] }, ...probe }, () => target(rt), { onResult: (k, r) => flips.push([k, r]), onFailedAttempt: (_k, m) => failed.push(m) }, clock, clock.now());
    return { clock, w, flips, failed, attempts: () => i };
  }
  const tick = async (clock: FakeClock, ms: number) => {
    clock.advance(ms);
    for (let k = 0; k < 5; k++) await new Promise((r) => setImmediate(r));
  };

  test('initialDelaySeconds, periodSeconds and failureThreshold', async () => {
    const { clock, flips, failed, attempts, w } = run('liveness', { initialDelaySeconds: 5, periodSeconds: 2, failureThreshold: 2 }, [true, false, false]);
    await tick(clock, 4_000);
    assert.equal(attempts(), 0, 'nothing before the initial delay');
    await tick(clock, 1_000);
    assert.equal(attempts(), 1);
    await tick(clock, 2_000);
    assert.deepEqual(flips, [['liveness', true]]);
    await tick(clock, 2_000);
    assert.deepEqual(flips, [['liveness', true], ['liveness', false]], 'fails after failureThreshold attempts');
    assert.equal(failed.length, 2);
    w.stop();
  });

  test('a startup probe gates the others until it succeeds', async () => {
    const clock = new FakeClock();
    let started = false;
    const order: string[] = [];
    const rt = { execSync: async (_id: string, cmd: string[]) => (order.push(cmd[0]), cmd[0] === 'startup' ? (started ? ok() : bad(1)) : ok()) } as unknown as ContainerRuntime;
    const listener = { onResult: () => undefined, onFailedAttempt: () => undefined };
    const startup = new ProbeWorker('startup', { exec: { command: ['startup'] }, periodSeconds: 1, failureThreshold: 30 }, () => target(rt), { ...listener, onResult: (_k, r) => r && liveness.setPaused(false) }, clock, clock.now());
    const liveness = new ProbeWorker('liveness', { exec: { command: ['liveness'] }, periodSeconds: 1 }, () => target(rt), listener, clock, clock.now());
    liveness.setPaused(true);
    for (let s = 0; s < 3; s++) await tick(clock, 1_000);
    assert.deepEqual([...new Set(order)], ['startup'], 'liveness waits while the startup probe fails');
    started = true;
    await tick(clock, 1_000);
    assert.equal(startup.current, true);
    order.length = 0;
    for (let s = 0; s < 3; s++) await tick(clock, 1_000);
    assert.deepEqual([...new Set(order)], ['liveness'], 'the startup probe stops after success; liveness runs');
    startup.stop();
    liveness.stop();
  });
});

describe('lifecycle hooks', () => {
  let http: HttpServer;
  let port = 0;
  const seen: string[] = [];
  before(async () => {
    http = createHttpServer((req, res) => {
      seen.push(`${req.method} ${req.url} ${req.headers['x-hook'] ?? ''}`);
      res.statusCode = req.url === '/fail' ? 500 : 200;
      res.end();
    });
    port = await listen(http);
  });
  after(() => http.close());

  test('exec and httpGet postStart/preStop handlers run, failures produce upstream messages', async () => {
    const calls: string[][] = [];
    const rt = execRuntime({ 'sh -c echo started > /tmp/started': ok(), 'false': bad(1, 'boom') }, calls);
    assert.equal((await runHook({ exec: { command: ['sh', '-c', 'echo started > /tmp/started'] } }, target(rt), 30)).ok, true);
    assert.deepEqual(calls, [['sh', '-c', 'echo started > /tmp/started']]);
    assert.equal((await runHook({ httpGet: { path: '/drain', port, httpHeaders: [{ name: 'X-Hook', value: 'preStop' }] } }, target(rt), 30)).ok, true);
    assert.deepEqual(seen, ['GET /drain preStop']);
    const failed = await runHook({ httpGet: { path: '/fail', port } }, target(rt), 30);
    assert.deepEqual(failed, { ok: false, message: 'HTTP probe failed with statuscode: 500' });
    assert.equal(hookFailureMessage({ httpGet: { path: '/fail', port } }, 'app', 'web', failed.message), 'HTTP lifecycle hook (/fail) for Container "app" in Pod "web" failed - error: HTTP probe failed with statuscode: 500');
    const ex = await runHook({ exec: { command: ['false'] } }, target(rt), 30);
    assert.equal(ex.ok, false);
    assert.equal(hookFailureMessage({ exec: { command: ['false'] } }, 'app', 'web', ex.message), `Exec lifecycle hook ([false]) for Container "app" in Pod "web" failed - error: command 'false' exited with non-zero status, message: "boom"`);
  });
});

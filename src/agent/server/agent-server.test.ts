import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { WebSocket } from 'ws';
import { ensurePki } from '../../apiserver/certs.js';
import { AgentServer, type ResolvedPod } from './agent-server.js';
import { FakeRuntime } from './testing/fake-runtime.js';
import { readAll, spdyUpgrade, type ClientTls } from './testing/spdy-client.js';
import { SpdySession } from './spdy-session.js';
import { rawWebSocket } from './testing/raw-websocket.js';

const dir = mkdtempSync(join(tmpdir(), 'skiff-agent-server-'));
const runtime = new FakeRuntime();
let server: AgentServer;
let port: number;
let apiTls: ClientTls; // system:kube-apiserver
let adminTls: ClientTls; // system:masters
let strangerTls: ClientTls; // valid cert, wrong identity
let ca: string;
let echo: Server;
let echoPort: number;

const pods = new Map<string, ResolvedPod>();

before(async () => {
  const pki = await ensurePki(join(dir, 'pki'), { hosts: ['127.0.0.1'] });
  ca = pki.caCert;
  const serving = await pki.issueServingCert('node-1', ['127.0.0.1', 'localhost']);
  apiTls = { ca, ...(await pki.issueClientCert('system:kube-apiserver', [])) };
  adminTls = { ca, cert: pki.adminCert, key: pki.adminKey };
  strangerTls = { ca, ...(await pki.issueClientCert('bob', ['devs'])) };

  writeFileSync(join(dir, 'web.log'), '2024-05-01T10:00:00.1Z stdout F hello\n2024-05-01T10:00:01.2Z stderr F world\n');
  writeFileSync(join(dir, 'web-prev.log'), '2024-05-01T09:00:00Z stdout F crashed\n');
  runtime.addSandbox('sb1', { uid: 'uid-1', name: 'web', namespace: 'default' });
  runtime.addContainer({ id: 'c-web', name: 'web', sandboxId: 'sb1', logPath: join(dir, 'web.log') });
  runtime.addContainer({ id: 'c-side', name: 'side', sandboxId: 'sb1', logPath: join(dir, 'side.log') });
  runtime.attachProcess('c-side', ['cat']);
  pods.set('default/web', {
    uid: 'uid-1', sandboxId: 'sb1',
    containers: new Map([
      ['web', { id: 'c-web', logPath: join(dir, 'web.log'), previousLogPath: join(dir, 'web-prev.log') }],
      ['side', { id: 'c-side', logPath: join(dir, 'side.log') }],
      ['init', { id: '', logPath: '', waitingReason: 'ImagePullBackOff' }],
    ]),
  });

  server = new AgentServer({
    runtime, tls: { cert: serving.cert, key: serving.key, ca }, logger: pino({ level: 'silent' }), nodeName: 'node-1',
    resolvePod: (ns, name) => pods.get(`${ns}/${name}`),
  });
  ({ port } = await server.start());

  echo = createServer((s) => s.pipe(s));
  await new Promise<void>((r) => echo.listen(0, '127.0.0.1', r));
  echoPort = (echo.address() as { port: number }).port;
});

after(async () => {
  await server.stop();
  echo.close();
  await runtime.shutdown();
  rmSync(dir, { recursive: true, force: true });
});

function get(path: string, tls?: ClientTls): Promise<{ status: number; body: string; type?: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, ca, ...(tls ?? {}), checkServerIdentity: () => undefined as unknown as Error }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, type: res.headers['content-type'] }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Runs a command over a WebSocket channel protocol; collects output per channel. */
function wsExec(path: string, opts: { protocol?: string; send?: (ws: WebSocket) => void } = {}): Promise<{ out: string; err: string; status: any; protocol: string }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`wss://127.0.0.1:${port}${path}`, [opts.protocol ?? 'v5.channel.k8s.io'], { ...apiTls });
    let out = '';
    let err = '';
    let status = '';
    ws.on('open', () => opts.send?.(ws));
    ws.on('message', (d: Buffer) => {
      if (d[0] === 1) out += d.subarray(1).toString();
      if (d[0] === 2) err += d.subarray(1).toString();
      if (d[0] === 3) status += d.subarray(1).toString();
    });
    ws.on('close', () => resolve({ out, err, status: status ? JSON.parse(status) : undefined, protocol: ws.protocol }));
    ws.on('error', reject);
  });
}

describe('authentication', () => {
  test('healthz is open', async () => {
    assert.deepEqual(await get('/healthz'), { status: 200, body: 'ok', type: 'text/plain' });
  });
  test('no client certificate → 401', async () => {
    const r = await get('/stats/summary');
    assert.equal(r.status, 401);
    assert.equal(JSON.parse(r.body).reason, 'Unauthorized');
  });
  test('a certificate that is not the API server → 403', async () => {
    const r = await get('/containerLogs/default/web/web', strangerTls);
    assert.equal(r.status, 403);
    assert.match(JSON.parse(r.body).message, /user=bob/);
  });
  test('system:masters may call', async () => {
    assert.equal((await get('/containerLogs/default/web/web', adminTls)).status, 200);
  });
});

describe('container logs', () => {
  test('current log, with tail and timestamps', async () => {
    assert.deepEqual(await get('/containerLogs/default/web/web', apiTls), { status: 200, body: 'hello\nworld\n', type: 'text/plain' });
    const r = await get('/containerLogs/default/web/web?tailLines=1&timestamps=true', apiTls);
    assert.equal(r.body, '2024-05-01T10:00:01.200000000Z world\n');
  });
  test('previous log, and the upstream error when there is none', async () => {
    assert.equal((await get('/containerLogs/default/web/web?previous=true', apiTls)).body, 'crashed\n');
    const r = await get('/containerLogs/default/web/side?previous=true', apiTls);
    assert.equal(r.status, 400);
    assert.equal(JSON.parse(r.body).message, 'previous terminated container "side" in pod "web" not found');
  });
  test('waiting container and unknown pod', async () => {
    const w = await get('/containerLogs/default/web/init', apiTls);
    assert.equal(w.status, 400);
    assert.equal(JSON.parse(w.body).message, 'container "init" in pod "web" is waiting to start: trying and failing to pull image');
    assert.equal((await get('/containerLogs/default/nope/web', apiTls)).status, 404);
  });
  test('bad options → 400', async () => {
    const r = await get('/containerLogs/default/web/web?tailLines=-3', apiTls);
    assert.equal(r.status, 400);
  });
});

describe('exec and attach over WebSocket', () => {
  test('exit code, stdout and stderr (v5)', async () => {
    const q = ['sh', '-c', 'echo hello; echo oops >&2; exit 3'].map((c) => `command=${encodeURIComponent(c)}`).join('&');
    const r = await wsExec(`/exec/default/web/web?${q}&stdout=true&stderr=true`);
    assert.equal(r.protocol, 'v5.channel.k8s.io');
    assert.equal(r.out, 'hello\n');
    assert.equal(r.err, 'oops\n');
    assert.equal(r.status.status, 'Failure');
    assert.equal(r.status.reason, 'NonZeroExitCode');
    assert.deepEqual(r.status.details.causes, [{ reason: 'ExitCode', message: '3' }]);
  });
  test('stdin round trip and the v5 close signal', async () => {
    const r = await wsExec('/exec/default/web/web?command=cat&stdin=true&stdout=true', {
      send: (ws) => {
        ws.send(Buffer.concat([Buffer.from([0]), Buffer.from('ping\n')]));
        ws.send(Buffer.from([255, 0]));
      },
    });
    assert.equal(r.out, 'ping\n');
    assert.deepEqual(r.status, { metadata: {}, status: 'Success' });
  });
  test('v4 protocol and resize messages with a TTY', async () => {
    const before = runtime.resizes.length;
    const r = await wsExec('/exec/default/web/web?command=cat&stdin=true&stdout=true&tty=true', {
      protocol: 'v4.channel.k8s.io',
      send: (ws) => {
        ws.send(Buffer.concat([Buffer.from([4]), Buffer.from('{"Width":100,"Height":30}')]));
        ws.send(Buffer.concat([Buffer.from([0]), Buffer.from('tty\n')]));
        setTimeout(() => ws.close(), 200); // v4 has no close signal: closing ends stdin
      },
    });
    assert.equal(r.protocol, 'v4.channel.k8s.io');
    assert.deepEqual(runtime.resizes.slice(before), [{ width: 100, height: 30 }]);
    assert.match(r.out, /tty/); // through a pseudo-terminal: echoed and CRLF-translated
  });
  test('attach to the container process', async () => {
    const r = await wsExec('/attach/default/web/side?stdin=true&stdout=true', {
      send: (ws) => {
        ws.send(Buffer.concat([Buffer.from([0]), Buffer.from('attached\n')]));
        setTimeout(() => ws.send(Buffer.from([255, 0])), 200);
      },
    });
    assert.equal(r.out, 'attached\n');
    assert.equal(r.status.status, 'Success');
  });
  test('a container that is not running cannot be exec-ed', async () => {
    await assert.rejects(wsExec('/exec/default/web/init?command=ls&stdout=true'), /Unexpected server response: 500/);
  });
});

describe('exec over SPDY', () => {
  test('v4.channel.k8s.io with stdin, stdout and the error stream', async () => {
    const r = await spdyUpgrade(port, '/exec/default/web/web?command=sh&command=-c&command=cat%3B%20exit%202&stdin=true&stdout=true', ['v4.channel.k8s.io', 'v3.channel.k8s.io'], apiTls);
    assert.equal(r.status, 101);
    assert.equal(r.headers['x-stream-protocol-version'], 'v4.channel.k8s.io');
    const s = r.session!;
    const errorStream = s.createStream({ streamtype: 'error' });
    const stdin = s.createStream({ streamtype: 'stdin' });
    const stdout = s.createStream({ streamtype: 'stdout' });
    const [out, status] = [readAll(stdout), readAll(errorStream)];
    stdin.end('via spdy\n');
    assert.equal(await out, 'via spdy\n');
    const st = JSON.parse(await status);
    assert.equal(st.reason, 'NonZeroExitCode');
    assert.equal(st.details.causes[0].message, '2');
  });
  test('no common protocol → 403', async () => {
    const r = await spdyUpgrade(port, '/exec/default/web/web?command=ls&stdout=true', ['v9.channel.k8s.io'], apiTls);
    assert.equal(r.status, 403);
    assert.match(r.body, /unable to negotiate protocol/);
  });
});

describe('port-forward', () => {
  test('over SPDY: data reaches the pod port and comes back; error stream closes empty', async () => {
    const r = await spdyUpgrade(port, '/portForward/default/web', ['portforward.k8s.io'], apiTls);
    assert.equal(r.status, 101);
    const s = r.session!;
    const errorStream = s.createStream({ streamtype: 'error', port: String(echoPort), requestid: '0' });
    errorStream.end();
    const data = s.createStream({ streamtype: 'data', port: String(echoPort), requestid: '0' });
    const got = readAll(data);
    data.end('round trip');
    assert.equal(await got, 'round trip');
    assert.equal(await readAll(errorStream), '');
    s.close();
  });
  test('over SPDY: a closed port is reported on the error stream', async () => {
    const closed = createServer();
    await new Promise<void>((res) => closed.listen(0, '127.0.0.1', res));
    const deadPort = (closed.address() as { port: number }).port;
    closed.close();
    const r = await spdyUpgrade(port, '/portForward/default/web', ['portforward.k8s.io'], apiTls);
    const s = r.session!;
    const errorStream = s.createStream({ streamtype: 'error', port: String(deadPort), requestid: '1' });
    s.createStream({ streamtype: 'data', port: String(deadPort), requestid: '1' }).resume();
    assert.match(await readAll(errorStream), new RegExp(`error forwarding port ${deadPort} to pod web, uid uid-1: .*ECONNREFUSED`));
    s.close();
  });
  test('SPDY tunnelled in WebSocket (kubectl >= 1.31)', async () => {
    const ws = await rawWebSocket(port, '/portForward/default/web', 'SPDY/3.1+portforward.k8s.io', apiTls);
    assert.equal(ws.status, 101);
    assert.equal(ws.protocol, 'SPDY/3.1+portforward.k8s.io');
    const s = new SpdySession({ write: (f, cb) => ws.send(f, cb), close: () => ws.close(), pause: () => undefined, resume: () => undefined }, { isServer: false });
    ws.onMessage((m) => s.receive(m));
    ws.onClose(() => s.transportClosed());
    const errorStream = s.createStream({ streamtype: 'error', port: String(echoPort), requestid: '0' });
    const data = s.createStream({ streamtype: 'data', port: String(echoPort), requestid: '0' });
    const got = readAll(data);
    data.end('tunnelled');
    assert.equal(await got, 'tunnelled');
    assert.equal(await readAll(errorStream), '');
    ws.close();
  });
  test('plain WebSocket channels (client libraries)', async () => {
    const ws = new WebSocket(`wss://127.0.0.1:${port}/portForward/default/web?ports=${echoPort}`, ['v4.channel.k8s.io'], { ...apiTls });
    const msgs: Buffer[] = [];
    ws.on('message', (d: Buffer) => {
      msgs.push(d);
      if (msgs.length === 2) ws.send(Buffer.concat([Buffer.from([0]), Buffer.from('chan')]));
      if (d[0] === 0 && d.subarray(1).toString() === 'chan') ws.close();
    });
    await new Promise((res) => ws.on('close', res));
    // Each channel first announces the port (little-endian), then data flows on channel 0.
    assert.deepEqual(msgs[0], Buffer.from([0, echoPort & 0xff, echoPort >> 8]));
    assert.deepEqual(msgs[1], Buffer.from([1, echoPort & 0xff, echoPort >> 8]));
    assert.equal(msgs.at(-1)!.subarray(1).toString(), 'chan');
  });
});

test('stats summary has the upstream shape', async () => {
  const r = await get('/stats/summary', apiTls);
  const s = JSON.parse(r.body);
  assert.equal(s.node.nodeName, 'node-1');
  assert.ok(s.node.cpu.usageCoreNanoSeconds > 0);
  assert.ok(s.node.memory.workingSetBytes > 0);
  const pod = s.pods.find((p: any) => p.podRef.name === 'web');
  assert.deepEqual(pod.podRef, { name: 'web', namespace: 'default', uid: 'uid-1' });
  assert.ok(pod.containers.some((c: any) => c.name === 'web' && c.memory.workingSetBytes === 4096));
});

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { FastProxy, type ProxyEndpoint } from './fast-proxy.js';

// A backend that echoes what it got, counts connections, and can answer chunked or large bodies.
let backend: http.Server;
let backendPort = 0;
let backendConnections = 0;
let deadPort = 0;
let proxy: FastProxy;
let listener: net.Server;
let port = 0;
const handedOff: string[] = [];
let targets: ProxyEndpoint[] = [];

before(async () => {
  backend = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString();
      if (req.url === '/chunked') {
        res.write('part1-');
        setImmediate(() => res.end('part2'));
        return;
      }
      if (req.url === '/big') return res.end(Buffer.alloc(2 * 1024 * 1024, 'x'));
      if (req.url === '/close') res.setHeader('connection', 'close');
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ method: req.method, url: req.url, body, headers: req.headers }));
    });
  });
  backend.on('connection', () => backendConnections++);
  await new Promise<void>((r) => backend.listen(0, '127.0.0.1', r));
  backendPort = (backend.address() as net.AddressInfo).port;
  deadPort = await new Promise<number>((r) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => r(p));
    });
  });
  targets = [{ ip: '127.0.0.1', port: backendPort }];
  const slow = http.createServer((req, res) => {
    handedOff.push(`${req.method} ${req.url} HTTP/${req.httpVersion}`);
    res.end('slow path');
  });
  proxy = new FastProxy({
    route: (host, target) => (host === 'nowhere' ? undefined : { targets, start: 0, target: host === 'rewrite' ? '/rewritten' : target }),
    handoff: (socket, buffered) => {
      if (buffered?.length) socket.unshift(buffered);
      slow.emit('connection', socket);
      socket.resume();
    },
  });
  listener = net.createServer({ allowHalfOpen: true }, (s) => proxy.accept(s, false));
  await new Promise<void>((r) => listener.listen(0, '127.0.0.1', r));
  port = (listener.address() as net.AddressInfo).port;
});

after(async () => {
  proxy.close();
  await new Promise((r) => listener.close(r));
  backend.closeAllConnections();
  await new Promise((r) => backend.close(r));
});

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

function request(agent: http.Agent | false, opts: { path?: string; method?: string; host?: string; headers?: Record<string, string>; body?: string | string[] } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, agent, method: opts.method ?? 'GET', path: opts.path ?? '/', headers: { host: opts.host ?? 'app.example', ...opts.headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() }));
    });
    req.on('error', reject);
    for (const part of Array.isArray(opts.body) ? opts.body : opts.body !== undefined ? [opts.body] : []) req.write(part);
    req.end();
  });
}

describe('ingress fast path', () => {
  test('keep-alive on both sides: one client and one backend connection for sequential requests', async () => {
    targets = [{ ip: '127.0.0.1', port: backendPort }];
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const before = backendConnections;
    try {
      for (let i = 0; i < 5; i++) {
        const r = await request(agent, { path: `/n/${i}?q=${i}` });
        assert.equal(r.status, 200);
        const echo = JSON.parse(r.body);
        assert.equal(echo.url, `/n/${i}?q=${i}`);
        assert.equal(echo.headers['x-forwarded-proto'], 'http');
        assert.equal(echo.headers['x-forwarded-host'], 'app.example');
        assert.equal(echo.headers['x-real-ip'], '127.0.0.1');
      }
      assert.equal(backendConnections - before, 1);
    } finally {
      agent.destroy();
    }
  });

  test('forwarding headers: X-Forwarded-For appended, hop-by-hop dropped, path rewritten', async () => {
    const r = await request(false, { host: 'rewrite', path: '/orig', headers: { 'x-forwarded-for': '10.0.0.1', 'keep-alive': 'timeout=9', te: 'trailers', 'x-custom': 'v' } });
    const echo = JSON.parse(r.body);
    assert.equal(echo.url, '/rewritten');
    assert.equal(echo.headers['x-forwarded-for'], '10.0.0.1, 127.0.0.1');
    assert.equal(echo.headers['keep-alive'], undefined);
    assert.equal(echo.headers.te, undefined);
    assert.equal(echo.headers['x-custom'], 'v');
    assert.equal(r.headers['keep-alive'], undefined, 'the backend keep-alive header is not passed on');
  });

  test('request bodies with Content-Length and chunked; chunked and large responses', async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const a = JSON.parse((await request(agent, { method: 'POST', body: 'hello', headers: { 'content-length': '5' } })).body);
      assert.deepEqual([a.method, a.body], ['POST', 'hello']);
      const b = JSON.parse((await request(agent, { method: 'PUT', body: ['chunk-1;', 'chunk-2'] })).body);
      assert.deepEqual([b.method, b.body, b.headers['transfer-encoding']], ['PUT', 'chunk-1;chunk-2', 'chunked']);
      const c = await request(agent, { path: '/chunked' });
      assert.equal(c.body, 'part1-part2');
      const big = await request(agent, { path: '/big' });
      assert.equal(big.body.length, 2 * 1024 * 1024);
      assert.ok(/^x+$/.test(big.body));
      const head = await request(agent, { method: 'HEAD' });
      assert.equal(head.status, 200);
      assert.equal(head.body, '');
      assert.equal(JSON.parse((await request(agent, { path: '/after' })).body).url, '/after', 'the connection is still in step');
    } finally {
      agent.destroy();
    }
  });

  test('pipelined requests are answered in order', async () => {
    const sock = net.connect(port, '127.0.0.1');
    const got: Buffer[] = [];
    sock.on('data', (d: Buffer) => got.push(d));
    const closed = new Promise((r) => sock.on('close', r));
    sock.write('GET /one HTTP/1.1\r\nHost: a\r\n\r\nPOST /two HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabcGET /three HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n');
    await closed;
    const text = Buffer.concat(got).toString();
    const urls = [...text.matchAll(/"url":"([^"]+)"/g)].map((m) => m[1]);
    assert.deepEqual(urls, ['/one', '/two', '/three']);
    assert.match(text, /"body":"abc"/);
    assert.match(text, /connection: close/i);
  });

  test('unusual or unrouted requests go to the full HTTP server with the bytes already read', async () => {
    handedOff.length = 0;
    const r1 = await request(false, { host: 'nowhere', path: '/x' });
    assert.equal(r1.body, 'slow path');
    const sock = net.connect(port, '127.0.0.1');
    const got: Buffer[] = [];
    sock.on('data', (d: Buffer) => got.push(d));
    const closed = new Promise((r) => sock.on('close', r));
    // A fast-path request first, then an HTTP/1.0 one on the same connection.
    sock.write('GET /fast HTTP/1.1\r\nHost: a\r\n\r\n');
    await new Promise((r) => setTimeout(r, 50));
    sock.end('GET /old HTTP/1.0\r\nHost: a\r\n\r\n');
    await closed;
    const text = Buffer.concat(got).toString();
    assert.match(text, /"url":"\/fast"/);
    assert.match(text, /slow path$/);
    assert.deepEqual(handedOff, ['GET /x HTTP/1.1', 'GET /old HTTP/1.0']);
  });

  test('retries the next endpoint when one refuses; 502 when none answers', async () => {
    targets = [{ ip: '127.0.0.1', port: deadPort }, { ip: '127.0.0.1', port: backendPort }];
    try {
      assert.equal((await request(false)).status, 200);
      targets = [{ ip: '127.0.0.1', port: deadPort }];
      const r = await request(false);
      assert.equal(r.status, 502);
      assert.match(r.body, /Bad Gateway/);
    } finally {
      targets = [{ ip: '127.0.0.1', port: backendPort }];
    }
  });

  test('a backend that closes its connection does not break the next request', async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      for (let i = 0; i < 3; i++) {
        const r = await request(agent, { path: '/close' });
        assert.equal(r.status, 200);
        assert.notEqual(r.headers.connection, 'close', 'the client connection stays open');
        assert.equal((await request(agent, { path: '/next' })).status, 200);
      }
    } finally {
      agent.destroy();
    }
  });

  test('a response head and body split over many reads arrive intact (reads share one buffer)', async () => {
    // A raw backend that dribbles its answer out a few bytes at a time, so that the proxy must
    // keep partial heads and body pieces across reads of its shared read buffer.
    const raw = net.createServer((s) => {
      s.once('data', async () => {
        const answer = 'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nConnection: keep-alive\r\nContent-Length: 26\r\n\r\nabcdefghijklmnopqrstuvwxyz';
        for (let i = 0; i < answer.length; i += 7) {
          s.write(answer.slice(i, i + 7));
          await new Promise((r) => setTimeout(r, 2));
        }
      });
    });
    await new Promise<void>((r) => raw.listen(0, '127.0.0.1', r));
    const saved = targets;
    targets = [{ ip: '127.0.0.1', port: (raw.address() as net.AddressInfo).port }];
    try {
      const r = await request(false, { path: '/dribble' });
      assert.equal(r.status, 200);
      assert.equal(r.headers['content-type'], 'text/plain');
      assert.equal(r.headers['keep-alive'], undefined, 'hop-by-hop headers are dropped');
      assert.equal(r.body, 'abcdefghijklmnopqrstuvwxyz');
    } finally {
      targets = saved;
      raw.close();
    }
  });
});

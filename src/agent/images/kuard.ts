// skiff/kuard (alias gcr.io/kuar-demo/kuard-amd64): the "Kubernetes Up and Running" demo app on
// port 8080. Endpoints:
//   /                 request, environment and host info (text)
//   /env              environment as JSON;  /request  the request as JSON
//   /healthy, /ready  200 "ok" unless made to fail:
//   /healthy/fail?n=N, /ready/fail?n=N   fail the next N checks (default: until /…/ok)
//   /healthy/ok, /ready/ok               succeed again
//   /mem/alloc?size=BYTES, /mem/free     hold or release memory
//   /cpu?ms=N                            burn one core for N ms (default 1000)
//   /exit?code=N                         exit with code N
//   /fs/<path>                           a file's content or a directory listing (as kuard's browser)
import { createServer, type IncomingMessage } from 'node:http';
import { hostname as osHostname } from 'node:os';
import { readdirSync, readFileSync, statSync } from 'node:fs';

// Only plain numbers count: a Service named "kuard" injects KUARD_PORT=tcp://10.x.y.z:80.
const portFrom = (v: string | undefined) => (v && /^\d+$/.test(v) ? Number(v) : undefined);
const port = portFrom(process.env.KUARD_PORT) ?? portFrom(process.env.PORT) ?? 8080;
const host = process.env.HOSTNAME ?? osHostname();
const failing: Record<'healthy' | 'ready', number> = { healthy: 0, ready: 0 };
const held: Buffer[] = [];

function requestInfo(req: IncomingMessage): Record<string, unknown> {
  return { method: req.method, url: req.url, proto: `HTTP/${req.httpVersion}`, headers: req.headers, remoteAddr: `${req.socket.remoteAddress}:${req.socket.remotePort}` };
}

const server = createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://kuard');
  const text = (code: number, body: string): void => {
    res.writeHead(code, { 'content-type': 'text/plain' });
    res.end(body);
  };
  const json = (v: unknown): void => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(v, null, 2));
  };
  const m = /^\/(healthy|ready)(?:\/(fail|ok))?$/.exec(url.pathname);
  if (m) {
    const probe = m[1] as 'healthy' | 'ready';
    if (m[2] === 'fail') {
      const n = url.searchParams.get('n');
      failing[probe] = n ? Number(n) : Infinity;
      return text(200, `${probe} will fail ${n ?? 'until reset'}\n`);
    }
    if (m[2] === 'ok') {
      failing[probe] = 0;
      return text(200, `${probe} reset\n`);
    }
    if (failing[probe] > 0) {
      failing[probe]--;
      return text(500, 'failing\n');
    }
    return text(200, 'ok');
  }
  if (url.pathname.startsWith('/fs/')) {
    const p = decodeURIComponent(url.pathname.slice(3));
    try {
      const st = statSync(p);
      return text(200, st.isDirectory() ? readdirSync(p).join('\n') + '\n' : readFileSync(p, 'utf8'));
    } catch (e) {
      return text(404, `${(e as Error).message}\n`);
    }
  }
  switch (url.pathname) {
    case '/env':
      return json({ commandLine: process.argv, env: process.env });
    case '/request':
      return json(requestInfo(req));
    case '/mem/alloc': {
      const size = Number(url.searchParams.get('size') ?? 10 * 1024 * 1024);
      held.push(Buffer.alloc(size, 1));
      return text(200, `holding ${held.reduce((a, b) => a + b.length, 0)} bytes\n`);
    }
    case '/mem/free':
      held.length = 0;
      return text(200, 'freed\n');
    case '/cpu': {
      const until = Date.now() + Number(url.searchParams.get('ms') ?? 1000);
      let x = 0;
      while (Date.now() < until) x += Math.sqrt(x + 1);
      return text(200, `burned (${x > 0})\n`);
    }
    case '/exit': {
      const code = Number(url.searchParams.get('code') ?? 0);
      text(200, `exiting with ${code}\n`);
      return void setTimeout(() => process.exit(code), 20);
    }
    default: {
      const lines = [`kuard on ${host}`, `version: skiff-kuard (serving ${url.pathname})`, '', 'Request:', JSON.stringify(requestInfo(req), null, 2), '', 'Environment:'];
      for (const [k, v] of Object.entries(process.env).sort()) lines.push(`${k}=${v}`);
      return text(200, lines.join('\n') + '\n');
    }
  }
});
server.listen(port, '0.0.0.0', () => console.log(`kuard serving on :${port} as ${host}`));
server.on('error', (e) => {
  console.error(`kuard: cannot listen on port ${port}: ${e.message}`);
  process.exit(1);
});
process.on('SIGTERM', () => {
  console.log('kuard: SIGTERM, shutting down');
  server.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 1000).unref();
});

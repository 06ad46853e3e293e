// Test/bench fixture: small HTTP servers on loopback that answer with their own name.
import http from 'node:http';
import net from 'node:net';

export interface NamedBackend {
  name: string;
  ip: string;
  port: number;
  server: http.Server;
  close(): Promise<void>;
}

export async function startBackend(name: string, ip = '127.0.0.1', port = 0): Promise<NamedBackend> {
  const server = http.createServer((req, res) => {
    res.setHeader('x-backend', name);
    res.end(`${name} ${req.method} ${req.headers.host ?? ''} ${req.url}`);
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, ip, () => resolve());
  });
  const actual = (server.address() as net.AddressInfo).port;
  return {
    name,
    ip,
    port: actual,
    server,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** GET a URL without keep-alive; resolves with status, body and the x-backend header. */
export function get(url: string, headers: Record<string, string> = {}, extra: { servername?: string; ca?: string | Buffer } = {}): Promise<{ status: number; body: string; backend?: string }> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const mod = u.protocol === 'https:' ? import('node:https') : import('node:http');
    void mod.then((m) => {
      const req = m.request(
        { hostname: u.hostname, port: u.port, path: u.pathname + u.search, headers: { connection: 'close', ...headers }, agent: false, servername: extra.servername, ca: extra.ca, rejectUnauthorized: !!extra.ca },
        (res) => {
          let body = '';
          res.on('data', (d) => (body += d));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body, backend: res.headers['x-backend'] as string | undefined }));
        },
      );
      req.setTimeout(3000, () => req.destroy(new Error('request timeout')));
      req.on('error', reject);
      req.end();
    });
  });
}

// skiff/agnhost (alias registry.k8s.io/e2e-test-images/agnhost): the subcommands the seeds and
// common tests use: netexec (--http-port), serve-hostname (--port, default 9376) and pause.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { execFile } from 'node:child_process';
import { hostname as osHostname } from 'node:os';

const [sub, ...rest] = process.argv.slice(2);
const flag = (name: string, def: string): string => {
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i].replace(/^--?/, '');
    if (a.startsWith(`${name}=`)) return a.slice(name.length + 1);
    if (a === name && rest[i + 1]) return rest[i + 1];
  }
  return def;
};
const host = process.env.HOSTNAME ?? osHostname();
process.on('SIGTERM', () => process.exit(0));

function listen(port: number, handler: (req: IncomingMessage, res: ServerResponse, url: URL) => void): void {
  const srv = createServer((req, res) => handler(req, res, new URL(req.url ?? '/', 'http://x')));
  srv.on('error', (e) => {
    console.error(`agnhost ${sub}: cannot listen on port ${port}: ${e.message}`);
    process.exit(1);
  });
  srv.listen(port, '0.0.0.0', () => console.log(`Started HTTP server on port ${port}`));
}

switch (sub) {
  case 'netexec':
    listen(Number(flag('http-port', '8080')), (_req, res, url) => {
      switch (url.pathname) {
        case '/hostname':
          return void res.end(host);
        case '/echo':
          return void res.end(url.searchParams.get('msg') ?? '');
        case '/healthz':
          return void res.end('ok');
        case '/exit': {
          const code = Number(url.searchParams.get('code') ?? 0);
          res.end();
          return void setTimeout(() => process.exit(code), 10);
        }
        case '/shell':
          return void execFile('sh', ['-c', url.searchParams.get('shellCommand') ?? url.searchParams.get('cmd') ?? ''], (err, stdout, stderr) => {
            res.setHeader('content-type', 'application/json');
            res.end(JSON.stringify({ output: stdout, error: err ? stderr || err.message : '' }));
          });
        default:
          return void res.end(`NOW: ${new Date().toISOString()}`);
      }
    });
    break;
  case 'serve-hostname':
    listen(Number(flag('port', '9376')), (_req, res) => res.end(host));
    break;
  case 'pause':
  case undefined:
    setInterval(() => undefined, 1 << 30);
    break;
  default:
    console.error(`agnhost: unknown subcommand "${sub}" (skiff's agnhost knows netexec, serve-hostname, pause)`);
    process.exit(2);
}

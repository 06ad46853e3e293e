// skiff/echo-server (alias kicbase/echo-server): answers every HTTP request with a plain-text
// echo of it, on PORT (default 8080).
import { createServer } from 'node:http';
import { hostname } from 'node:os';

const port = Number(process.env.PORT ?? 8080);
const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const lines = [`Request served by ${process.env.HOSTNAME ?? hostname()}`, '', `${req.method} ${req.url} HTTP/${req.httpVersion}`, ''];
    for (let i = 0; i < req.rawHeaders.length; i += 2) lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`);
    const body = Buffer.concat(chunks).toString();
    if (body) lines.push('', body);
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end(lines.join('\n') + '\n');
  });
});
server.listen(port, '0.0.0.0', () => console.log(`Echo server listening on port ${port}.`));
server.on('error', (e) => {
  console.error(`echo-server: cannot listen on port ${port}: ${e.message}`);
  process.exit(1);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));

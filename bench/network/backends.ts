// Backends for the userspace part of the network benchmark, in their own process (the "pods"):
//   node backends.js NAME@IP ...   → listens on one shared free port on each IP, prints
//   {"port": N} and serves until SIGTERM. Each answers like echo-server with an x-backend header.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

const specs = process.argv.slice(2).map((a) => {
  const [name, ip] = a.split('@');
  return { name, ip };
});
let port = 0;
const servers: http.Server[] = [];
for (const s of specs) {
  const server = http.createServer((req, res) => {
    res.setHeader('x-backend', s.name);
    res.end(`Request served by ${s.name}\n\n${req.method} ${req.url} HTTP/${req.httpVersion}\n`);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, s.ip, () => resolve());
  });
  port = (server.address() as AddressInfo).port;
  servers.push(server);
}
console.log(JSON.stringify({ port }));
process.on('SIGTERM', () => {
  for (const s of servers) s.close();
  process.exit(0);
});

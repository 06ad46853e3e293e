import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { X509Certificate } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HttpTransport } from './http-transport.js';

/** A throw-away CA, a server certificate for 127.0.0.1 and a client certificate for CN=alice (EC keys: fast). */
function pki() {
  const dir = mkdtempSync(join(tmpdir(), 'skiff-pki-'));
  const ssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  try {
    const ecKey = (name: string) => ssl('genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', `${name}.key`);
    ecKey('ca');
    ssl('req', '-x509', '-new', '-key', 'ca.key', '-subj', '/CN=test-ca', '-days', '1', '-out', 'ca.crt');
    const leaf = (name: string, cn: string, ext: string) => {
      ecKey(name);
      ssl('req', '-new', '-key', `${name}.key`, '-subj', `/CN=${cn}`, '-out', `${name}.csr`);
      writeFileSync(join(dir, `${name}.ext`), ext);
      ssl('x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '1', '-extfile', `${name}.ext`, '-out', `${name}.crt`);
      return { cert: readFileSync(join(dir, `${name}.crt`), 'utf8'), key: readFileSync(join(dir, `${name}.key`), 'utf8') };
    };
    const server = leaf('server', '127.0.0.1', 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
    const client = leaf('client', 'alice', 'extendedKeyUsage=clientAuth\n');
    return { ca: readFileSync(join(dir, 'ca.crt'), 'utf8'), server, client };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('HttpTransport speaks HTTPS with a CA, client certificates and keep-alive; insecureSkipVerify skips the CA check', async () => {
  const p = pki();
  const seen: { cn?: string; auth?: string; body: string; socket: unknown }[] = [];
  const server = https.createServer({ cert: p.server.cert, key: p.server.key, ca: p.ca, requestCert: true, rejectUnauthorized: false }, (req, res) => {
    const peer = (req.socket as TLSSocket).getPeerX509Certificate?.() as X509Certificate | undefined;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      seen.push({ cn: peer?.subject.match(/CN=(.*)/)?.[1], auth: req.headers.authorization, body: Buffer.concat(chunks).toString(), socket: req.socket });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ path: req.url }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const withCert = new HttpTransport({ server: url, ca: p.ca, cert: p.client.cert, key: p.client.key });
  const insecure = new HttpTransport({ server: url, insecureSkipVerify: true, token: 't0k' });
  const untrusting = new HttpTransport({ server: url });
  try {
    const r1 = await withCert.request({ method: 'POST', path: '/api/v1/namespaces/default/pods', query: { dryRun: 'All' }, body: '{"a":1}', headers: { 'Content-Type': 'application/json' } });
    assert.equal(r1.status, 200);
    assert.deepEqual(JSON.parse(r1.body.toString()), { path: '/api/v1/namespaces/default/pods?dryRun=All' });
    assert.equal(seen[0]!.cn, 'alice');
    assert.equal(seen[0]!.body, '{"a":1}');
    await withCert.request({ method: 'GET', path: '/version' });
    assert.equal(seen[1]!.socket, seen[0]!.socket, 'keep-alive reuses the connection');

    await insecure.request({ method: 'GET', path: '/api' });
    assert.equal(seen[2]!.auth, 'Bearer t0k');
    assert.equal(seen[2]!.cn, undefined);

    await assert.rejects(untrusting.request({ method: 'GET', path: '/api' }), /self.signed|unable to verify|certificate/i);
  } finally {
    withCert.destroy();
    insecure.destroy();
    untrusting.destroy();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  }
});

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync, statSync, unlinkSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PeerCertificate, TLSSocket } from 'node:tls';
import { ensurePki, identityFromCert, serverTlsOptions, type Pki } from './certs.js';

let root = '';
before(() => {
  root = mkdtempSync(join(tmpdir(), 'skiff-pki-test-'));
});
after(() => {
  rmSync(root, { recursive: true, force: true });
});

interface Seen {
  authorized: boolean;
  identity?: { username: string; groups: string[] };
}

/** Serves HTTPS with the PKI and reports what the server saw of each client. */
async function withServer(pki: Pki, fn: (port: number) => Promise<void>): Promise<void> {
  const server = https.createServer(serverTlsOptions(pki), (req, res) => {
    const socket = req.socket as TLSSocket;
    const seen: Seen = { authorized: socket.authorized };
    if (socket.authorized) seen.identity = identityFromCert(socket.getPeerCertificate());
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify(seen));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    await fn((server.address() as AddressInfo).port);
  } finally {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  }
}

function call(port: number, opts: { ca: string; cert?: string; key?: string; servername?: string }): Promise<Seen> {
  return new Promise((resolve, reject) => {
    const req = https.get({ host: '127.0.0.1', port, path: '/', agent: false, ...opts }, (res) => {
      let body = '';
      res.on('data', (d) => { body += d; });
      res.on('end', () => resolve(JSON.parse(body) as Seen));
    });
    req.on('error', reject);
  });
}

describe('cluster PKI', () => {
  test('creates CA, serving and admin certificates that authenticate over TLS', async () => {
    const dir = join(root, 'a');
    const t0 = performance.now();
    const pki = await ensurePki(dir, { hosts: ['192.0.2.10', 'node-1.example'] });
    const ms = performance.now() - t0;
    console.log(`# ensurePki (create) took ${ms.toFixed(0)} ms`);

    for (const f of ['ca.key', 'server.key', 'admin.key']) assert.equal(statSync(join(dir, f)).mode & 0o777, 0o600, f);
    for (const f of ['ca.crt', 'server.crt', 'admin.crt']) assert.ok(statSync(join(dir, f)).isFile());

    const ca = new X509Certificate(pki.caCert);
    assert.equal(ca.ca, true);
    const serving = new X509Certificate(pki.serverCert);
    assert.ok(serving.verify(ca.publicKey));
    for (const ip of ['127.0.0.1', '10.96.0.1', '192.0.2.10']) assert.equal(serving.checkIP(ip), ip);
    for (const name of ['localhost', 'kubernetes', 'kubernetes.default', 'kubernetes.default.svc',
      'kubernetes.default.svc.cluster.local', 'node-1.example']) assert.equal(serving.checkHost(name), name);
    assert.equal(serving.checkHost('other.example'), undefined);

    await withServer(pki, async (port) => {
      // Admin client, verifying the server by IP and by DNS name.
      assert.deepEqual(await call(port, { ca: pki.caCert, cert: pki.adminCert, key: pki.adminKey }),
        { authorized: true, identity: { username: 'skiff-admin', groups: ['system:masters'] } });
      assert.deepEqual(await call(port, { ca: pki.caCert, cert: pki.adminCert, key: pki.adminKey, servername: 'kubernetes.default.svc' }),
        { authorized: true, identity: { username: 'skiff-admin', groups: ['system:masters'] } });
      // No client certificate: the connection works but is not authenticated.
      assert.deepEqual(await call(port, { ca: pki.caCert }), { authorized: false });
      // A certificate issued on demand carries its user and groups.
      const alice = await pki.issueClientCert('alice', ['dev', 'system:authenticated-ish']);
      assert.deepEqual(await call(port, { ca: pki.caCert, ...alice }),
        { authorized: true, identity: { username: 'alice', groups: ['dev', 'system:authenticated-ish'] } });
      const node = await pki.issueClientCert('system:node:worker-1', ['system:nodes']);
      assert.deepEqual((await call(port, { ca: pki.caCert, ...node })).identity,
        { username: 'system:node:worker-1', groups: ['system:nodes'] });
      // A certificate from another cluster's CA is not trusted.
      const foreign = await ensurePki(join(root, 'foreign'), { hosts: [] });
      assert.deepEqual(await call(port, { ca: pki.caCert, cert: foreign.adminCert, key: foreign.adminKey }), { authorized: false });
    });
  });

  test('reloading keeps the CA and only re-issues the serving cert when hosts change', async () => {
    const dir = join(root, 'b');
    const first = await ensurePki(dir, { hosts: ['192.0.2.20'] });
    const t0 = performance.now();
    const again = await ensurePki(dir, { hosts: ['192.0.2.20'] });
    console.log(`# ensurePki (load) took ${(performance.now() - t0).toFixed(0)} ms`);
    assert.equal(again.caCert, first.caCert);
    assert.equal(again.caKey, first.caKey);
    assert.equal(again.serverCert, first.serverCert);
    assert.equal(again.adminCert, first.adminCert);

    const grown = await ensurePki(dir, { hosts: ['192.0.2.20', 'api.example', '::1'] });
    assert.equal(grown.caCert, first.caCert);
    assert.equal(grown.adminCert, first.adminCert);
    assert.notEqual(grown.serverCert, first.serverCert);
    const serving = new X509Certificate(grown.serverCert);
    assert.equal(serving.checkHost('api.example'), 'api.example');
    assert.ok(serving.checkIP('::1'));
    assert.ok(serving.verify(new X509Certificate(first.caCert).publicKey));

    // Certificates issued by the reloaded CA are trusted by a server using the original files.
    const bob = await grown.issueClientCert('bob', []);
    await withServer(first, async (port) => {
      assert.deepEqual(await call(port, { ca: first.caCert, ...bob }), { authorized: true, identity: { username: 'bob', groups: [] } });
    });

    // A lost serving key is replaced rather than breaking start-up.
    unlinkSync(join(dir, 'server.key'));
    const healed = await ensurePki(dir, { hosts: ['192.0.2.20'] });
    assert.equal(healed.caCert, first.caCert);
    assert.notEqual(healed.serverKey, first.serverKey);
  });

  test('refuses a CA certificate without its key', async () => {
    const dir = join(root, 'c');
    await ensurePki(dir, { hosts: [] });
    unlinkSync(join(dir, 'ca.key'));
    await assert.rejects(ensurePki(dir, { hosts: [] }), /incomplete cluster CA/);
  });

  test('identityFromCert reads CN and O as string or array', () => {
    const cert = (subject: Record<string, string | string[]>) => ({ subject }) as unknown as PeerCertificate;
    assert.deepEqual(identityFromCert(cert({ CN: 'jane', O: 'devs' })), { username: 'jane', groups: ['devs'] });
    assert.deepEqual(identityFromCert(cert({ CN: 'jane', O: ['a', 'b'] })), { username: 'jane', groups: ['a', 'b'] });
    assert.deepEqual(identityFromCert(cert({ CN: 'jane' })), { username: 'jane', groups: [] });
    assert.deepEqual(identityFromCert({} as PeerCertificate), { username: '', groups: [] });
  });
});

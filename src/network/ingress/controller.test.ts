import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import net from 'node:net';
import pino from 'pino';
import { findByKind } from '../../api/registry.js';
import type { KubeObject } from '../../client/api.js';
import { ENDPOINT_SLICES, SERVICES } from '../service-catalog.js';
import { startAdminCluster, eventually, type AdminCluster } from '../testing/admin-cluster.js';
import { get, startBackend, type NamedBackend } from '../testing/backends.js';
import { IngressController } from './controller.js';

const INGRESSES = findByKind('networking.k8s.io', 'Ingress')!;
const CLASSES = findByKind('networking.k8s.io', 'IngressClass')!;
const SECRETS = findByKind('', 'Secret')!;
let cluster: AdminCluster;
let ctl: IngressController;
const backends: NamedBackend[] = [];
let base: string;

async function service(name: string, bs: NamedBackend[]): Promise<void> {
  await cluster.client.create(SERVICES, 'default', { metadata: { name }, spec: { ports: [{ name: 'http', port: 80, targetPort: bs[0].port }] } } as KubeObject);
  // One slice per backend: every loopback backend listens on its own port.
  for (const [i, b] of bs.entries()) {
    await cluster.client.create(ENDPOINT_SLICES, 'default', {
      metadata: { name: `${name}-${i}`, labels: { 'kubernetes.io/service-name': name } },
      addressType: 'IPv4',
      ports: [{ name: 'http', port: b.port, protocol: 'TCP' }],
      endpoints: [{ addresses: [b.ip], conditions: { ready: true } }],
    } as KubeObject);
  }
}

const be = (name: string) => ({ service: { name, port: { number: 80 } } });

before(async () => {
  cluster = await startAdminCluster();
  for (const n of ['s1a', 's1b', 's2', 'def', 'wild']) backends.push(await startBackend(n));
  const by = (n: string) => backends.find((b) => b.name === n)!;
  await service('service1', [by('s1a'), by('s1b')]);
  await service('service2', [by('s2')]);
  await service('default-be', [by('def')]);
  await service('wild', [by('wild')]);
  ctl = new IngressController(cluster.client, { httpPort: 0, httpsPort: 0, host: '127.0.0.1', nodeAddress: '127.0.0.1', logger: pino({ level: 'silent' }) });
  await ctl.start();
  base = `http://127.0.0.1:${ctl.ports().http}`;
});

after(async () => {
  await ctl.stop();
  for (const b of backends) await b.close();
  await cluster.stop();
});

describe('ingress controller', () => {
  test('creates the default IngressClass skiff', async () => {
    const cls = await cluster.client.get<KubeObject & { spec: { controller: string } }>(CLASSES, undefined, 'skiff');
    assert.equal(cls.spec.controller, 'skiff.dev/ingress');
    assert.equal(cls.metadata?.annotations?.['ingressclass.kubernetes.io/is-default-class'], 'true');
  });

  test('fanout and virtual hosts across two merged Ingresses, round-robin, status address', async () => {
    await cluster.client.create(INGRESSES, 'default', {
      metadata: { name: 'simple-fanout-example' },
      spec: { rules: [{ host: 'foo.bar.com', http: { paths: [{ path: '/foo', pathType: 'Prefix', backend: be('service1') }, { path: '/bar', pathType: 'Prefix', backend: be('service2') }] } }] },
    } as KubeObject);
    await cluster.client.create(INGRESSES, 'default', {
      metadata: { name: 'wildcard' },
      spec: { ingressClassName: 'skiff', defaultBackend: be('default-be'), rules: [{ host: '*.foo.com', http: { paths: [{ path: '/', pathType: 'Prefix', backend: be('wild') }] } }] },
    } as KubeObject);
    await eventually(async () => (await get(`${base}/foo/x`, { host: 'foo.bar.com' })).status === 200, 2000, 'route');
    const seen = new Set<string>();
    for (let i = 0; i < 4; i++) seen.add((await get(`${base}/foo/x`, { host: 'foo.bar.com' })).backend!);
    assert.deepEqual([...seen].sort(), ['s1a', 's1b']);
    const r = await get(`${base}/bar?q=1`, { host: 'foo.bar.com' });
    assert.equal(r.backend, 's2');
    assert.match(r.body, /GET foo\.bar\.com \/bar\?q=1/);
    assert.equal((await get(`${base}/`, { host: 'x.foo.com' })).backend, 'wild');
    assert.equal((await get(`${base}/`, { host: 'a.b.foo.com' })).backend, 'def');
    const ing = await eventually(async () => {
      const i = await cluster.client.get<KubeObject & { status?: { loadBalancer?: { ingress?: { ip: string }[] } } }>(INGRESSES, 'default', 'simple-fanout-example');
      return i.status?.loadBalancer?.ingress?.[0]?.ip === '127.0.0.1' ? i : undefined;
    }, 2000, 'status');
    assert.ok(ing);
  });

  test('an Ingress of another class is ignored', async () => {
    await cluster.client.create(INGRESSES, 'default', {
      metadata: { name: 'other-class' },
      spec: { ingressClassName: 'nginx', rules: [{ host: 'nginx.example.com', http: { paths: [{ path: '/', pathType: 'Prefix', backend: be('service2') }] } }] },
    } as KubeObject);
    await new Promise((r) => setTimeout(r, 100));
    // Falls through to the catch-all default backend of the skiff Ingress.
    assert.equal((await get(`${base}/`, { host: 'nginx.example.com' })).backend, 'def');
  });

  test('a dead endpoint is skipped by retrying the next one', async () => {
    const port = await new Promise<number>((r) => {
      const s = net.createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as net.AddressInfo).port;
        s.close(() => r(p));
      });
    });
    await cluster.client.create(ENDPOINT_SLICES, 'default', {
      metadata: { name: 'service2-dead', labels: { 'kubernetes.io/service-name': 'service2' } },
      addressType: 'IPv4',
      ports: [{ name: 'http', port, protocol: 'TCP' }],
      endpoints: [{ addresses: ['127.0.0.1'], conditions: { ready: true } }],
    } as KubeObject);
    await new Promise((r) => setTimeout(r, 100));
    for (let i = 0; i < 4; i++) assert.equal((await get(`${base}/bar`, { host: 'foo.bar.com' })).backend, 's2');
  });

  test('TLS from a kubernetes.io/tls Secret chosen by SNI; HTTP redirects to HTTPS', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'skiff-ing-'));
    try {
      execFileSync('openssl', ['req', '-x509', '-sha256', '-nodes', '-days', '2', '-newkey', 'rsa:2048', '-keyout', join(dir, 'tls.key'), '-out', join(dir, 'tls.crt'), '-subj', '/CN=https-example.foo.com', '-addext', 'subjectAltName=DNS:https-example.foo.com'], { stdio: 'ignore' });
      const crt = readFileSync(join(dir, 'tls.crt'));
      await cluster.client.create(SECRETS, 'default', { metadata: { name: 'testsecret-tls' }, type: 'kubernetes.io/tls', data: { 'tls.crt': crt.toString('base64'), 'tls.key': readFileSync(join(dir, 'tls.key')).toString('base64') } } as KubeObject);
      await cluster.client.create(INGRESSES, 'default', {
        metadata: { name: 'tls-example-ingress' },
        spec: { tls: [{ hosts: ['https-example.foo.com'], secretName: 'testsecret-tls' }], rules: [{ host: 'https-example.foo.com', http: { paths: [{ path: '/', pathType: 'Prefix', backend: be('service2') }] } }] },
      } as KubeObject);
      const url = `https://127.0.0.1:${ctl.ports().https}/hello`;
      const r = await eventually(() => get(url, { host: 'https-example.foo.com' }, { servername: 'https-example.foo.com', ca: crt }).catch(() => undefined), 2000, 'tls');
      assert.equal(r?.status, 200);
      assert.equal(r?.backend, 's2');
      const redirect = await get(`${base}/hello`, { host: 'https-example.foo.com' });
      assert.equal(redirect.status, 308);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('WebSocket upgrade passes through', async () => {
    const { WebSocketServer, WebSocket } = await import('ws');
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise((r) => wss.once('listening', r));
    wss.on('connection', (s) => s.on('message', (m) => s.send(`echo:${m}`)));
    const port = (wss.address() as net.AddressInfo).port;
    try {
      await cluster.client.create(SERVICES, 'default', { metadata: { name: 'ws' }, spec: { ports: [{ name: 'http', port: 80, targetPort: port }] } } as KubeObject);
      await cluster.client.create(ENDPOINT_SLICES, 'default', {
        metadata: { name: 'ws-1', labels: { 'kubernetes.io/service-name': 'ws' } },
        addressType: 'IPv4',
        ports: [{ name: 'http', port, protocol: 'TCP' }],
        endpoints: [{ addresses: ['127.0.0.1'], conditions: { ready: true } }],
      } as KubeObject);
      await cluster.client.create(INGRESSES, 'default', { metadata: { name: 'ws' }, spec: { rules: [{ host: 'ws.example.com', http: { paths: [{ path: '/', pathType: 'Prefix', backend: be('ws') }] } }] } } as KubeObject);
      await new Promise((r) => setTimeout(r, 150));
      const reply = await new Promise<string>((resolve, reject) => {
        const c = new WebSocket(`ws://127.0.0.1:${ctl.ports().http}/chat`, { headers: { host: 'ws.example.com' } });
        c.on('open', () => c.send('hi'));
        c.on('message', (m) => {
          resolve(String(m));
          c.close();
        });
        c.on('error', reject);
      });
      assert.equal(reply, 'echo:hi');
    } finally {
      wss.close();
    }
  });
});

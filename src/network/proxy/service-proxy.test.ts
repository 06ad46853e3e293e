import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import type { KubeObject } from '../../client/api.js';
import { ENDPOINT_SLICES, SERVICES } from '../service-catalog.js';
import { startAdminCluster, eventually, type AdminCluster } from '../testing/admin-cluster.js';
import { get, startBackend, type NamedBackend } from '../testing/backends.js';
import { ServiceProxy } from './service-proxy.js';
import { ServiceLoadBalancerController } from './load-balancer.js';
import { serviceUrls } from '../service-url.js';

const silent = pino({ level: 'silent' });
let cluster: AdminCluster;
let a: NamedBackend;
let b: NamedBackend;
let proxy: ServiceProxy;
let lb: ServiceLoadBalancerController;

function slice(name: string, svc: string, port: number, eps: { ip: string; ready: boolean }[]): KubeObject {
  return {
    metadata: { name, labels: { 'kubernetes.io/service-name': svc } },
    addressType: 'IPv4',
    ports: [{ name: 'http', port, protocol: 'TCP' }],
    endpoints: eps.map((e) => ({ addresses: [e.ip], conditions: { ready: e.ready }, nodeName: 'node-1' })),
  };
}

async function spread(url: string, n = 12): Promise<Set<string>> {
  const seen = new Set<string>();
  for (let i = 0; i < n; i++) seen.add((await get(url)).backend ?? '?');
  return seen;
}

before(async () => {
  cluster = await startAdminCluster();
  a = await startBackend('a', '127.0.0.2');
  b = await startBackend('b', '127.0.0.3', a.port);
  const c = cluster.client;
  await c.create(SERVICES, 'default', { metadata: { name: 'web' }, spec: { type: 'NodePort', clusterIP: '10.96.50.1', ports: [{ name: 'http', port: 18080 + (process.pid % 1000), targetPort: a.port }] } } as KubeObject);
  await c.create(ENDPOINT_SLICES, 'default', slice('web-1', 'web', a.port, [{ ip: a.ip, ready: true }, { ip: b.ip, ready: true }]));
  proxy = new ServiceProxy(c, { nodeName: 'node-1', mode: 'userspace', nodeIP: '127.0.0.1', logger: silent });
  await proxy.start();
  lb = new ServiceLoadBalancerController(c, { address: '127.0.0.1', logger: silent });
  await lb.start();
});

after(async () => {
  await lb.stop();
  await proxy.stop();
  await a.close();
  await b.close();
  await cluster.stop();
});

describe('userspace service proxy', () => {
  test('NodePort on the node address spreads across endpoints; cluster IP alias works', async () => {
    const svc = await cluster.client.get<KubeObject & { spec: { ports: { nodePort: number; port: number }[] } }>(SERVICES, 'default', 'web');
    const np = svc.spec.ports[0].nodePort;
    await eventually(() => proxy.listening().includes(`TCP/127.0.0.1:${np}`), 2000, 'node port listener');
    assert.deepEqual([...(await spread(`http://127.0.0.1:${np}/`))].sort(), ['a', 'b']);
    assert.deepEqual([...(await spread(`http://127.96.50.1:${svc.spec.ports[0].port}/`))].sort(), ['a', 'b']);
    const urls = await serviceUrls(cluster.client, 'default', 'web', '127.0.0.1');
    assert.deepEqual(urls, [`http://127.0.0.1:${np}`]);
  });

  test('an endpoint turning unready stops receiving traffic within a second', async () => {
    const svc = await cluster.client.get<KubeObject & { spec: { ports: { nodePort: number }[] } }>(SERVICES, 'default', 'web');
    const url = `http://127.0.0.1:${svc.spec.ports[0].nodePort}/`;
    const cur = await cluster.client.get<KubeObject>(ENDPOINT_SLICES, 'default', 'web-1');
    await cluster.client.update(ENDPOINT_SLICES, 'default', { ...cur, endpoints: [{ addresses: [a.ip], conditions: { ready: true } }, { addresses: [b.ip], conditions: { ready: false } }] });
    const t0 = Date.now();
    await eventually(async () => [...(await spread(url, 6))].join() === 'a', 1000, 'b removed');
    assert.ok(Date.now() - t0 < 1000);
    await cluster.client.update(ENDPOINT_SLICES, 'default', { ...(await cluster.client.get<KubeObject>(ENDPOINT_SLICES, 'default', 'web-1')), endpoints: [{ addresses: [a.ip], conditions: { ready: true } }, { addresses: [b.ip], conditions: { ready: true } }] });
    await eventually(async () => (await spread(url, 8)).size === 2, 1000, 'b back');
  });

  test('a refused connection is retried on the next endpoint', async () => {
    const dead = await startBackend('dead', '127.0.0.4', a.port);
    await dead.close();
    await cluster.client.create(SERVICES, 'default', { metadata: { name: 'retry' }, spec: { type: 'NodePort', ports: [{ name: 'http', port: 80, targetPort: a.port }] } } as KubeObject);
    await cluster.client.create(ENDPOINT_SLICES, 'default', slice('retry-1', 'retry', a.port, [{ ip: '127.0.0.4', ready: true }, { ip: a.ip, ready: true }]));
    const svc = await cluster.client.get<KubeObject & { spec: { ports: { nodePort: number }[] } }>(SERVICES, 'default', 'retry');
    const np = svc.spec.ports[0].nodePort;
    await eventually(() => proxy.listening().includes(`TCP/127.0.0.1:${np}`), 2000, 'listener');
    for (let i = 0; i < 6; i++) assert.equal((await get(`http://127.0.0.1:${np}/`)).backend, 'a');
  });

  test('LoadBalancer gets EXTERNAL-IP 127.0.0.1 and is served on 127.0.0.1:<port>', async () => {
    const port = 19080 + (process.pid % 1000);
    await cluster.client.create(SERVICES, 'default', { metadata: { name: 'lb' }, spec: { type: 'LoadBalancer', ports: [{ name: 'http', port, targetPort: a.port }] } } as KubeObject);
    await cluster.client.create(ENDPOINT_SLICES, 'default', slice('lb-1', 'lb', a.port, [{ ip: b.ip, ready: true }]));
    const svc = await eventually(async () => {
      const s = await cluster.client.get<KubeObject & { status?: { loadBalancer?: { ingress?: { ip: string }[] } } }>(SERVICES, 'default', 'lb');
      return s.status?.loadBalancer?.ingress?.[0]?.ip === '127.0.0.1' ? s : undefined;
    }, 2000, 'lb status');
    assert.ok(svc);
    await eventually(() => proxy.listening().includes(`TCP/127.0.0.1:${port}`), 2000, 'lb listener');
    assert.equal((await get(`http://127.0.0.1:${port}/`)).backend, 'b');
  });

  test('stop() closes every listener', async () => {
    const p2 = new ServiceProxy(cluster.client, { nodeName: 'node-2', mode: 'userspace', nodeIP: '127.0.0.5', clusterIPAliases: false, logger: silent });
    await p2.start();
    await eventually(() => p2.listening().length > 0, 2000, 'p2 listeners');
    const svc = await cluster.client.get<KubeObject & { spec: { ports: { nodePort: number }[] } }>(SERVICES, 'default', 'web');
    assert.equal((await get(`http://127.0.0.5:${svc.spec.ports[0].nodePort}/`)).status, 200);
    await p2.stop();
    assert.deepEqual(p2.listening(), []);
    await assert.rejects(get(`http://127.0.0.5:${svc.spec.ports[0].nodePort}/`));
  });
});

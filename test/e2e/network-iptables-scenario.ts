// Run as root INSIDE a fresh network namespace (network-iptables.test.ts starts it through
// shared/tools/in-netns): the iptables-mode ServiceProxy DNATs a cluster IP and a node port to
// two "pod" addresses on a dummy interface, follows endpoint readiness, honours ClientIP
// affinity, and removes every SKIFF chain on stop. Exits 0 on success.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import pino from 'pino';
import type { KubeObject } from '../../src/client/api.js';
import { ENDPOINT_SLICES, SERVICES } from '../../src/network/service-catalog.js';
import { ServiceProxy } from '../../src/network/proxy/service-proxy.js';
import { startAdminCluster, eventually } from '../../src/network/testing/admin-cluster.js';
import { get, startBackend } from '../../src/network/testing/backends.js';

if (!process.env.SKIFF_TEST_NETNS) {
  console.error('refusing to touch iptables outside a test network namespace (run through in-netns)');
  process.exit(2);
}
const sh = (cmd: string, ...args: string[]) => execFileSync(cmd, args, { encoding: 'utf8' });
// A veth pair stands in for the node bridge (this kernel has no dummy module).
sh('ip', 'link', 'add', 'skiff-pods', 'type', 'veth', 'peer', 'name', 'skiff-peer');
sh('ip', 'link', 'set', 'skiff-pods', 'up');
sh('ip', 'link', 'set', 'skiff-peer', 'up');
for (const a of ['10.244.0.1/24', '10.244.0.2/24', '10.244.0.3/24']) sh('ip', 'addr', 'add', a, 'dev', 'skiff-pods');
sh('ip', 'route', 'add', '10.96.0.0/12', 'dev', 'skiff-pods');

const cluster = await startAdminCluster();
const a = await startBackend('pod-a', '10.244.0.2', 8080);
const b = await startBackend('pod-b', '10.244.0.3', 8080);
const c = cluster.client;
await c.create(SERVICES, 'default', { metadata: { name: 'web' }, spec: { type: 'NodePort', clusterIP: '10.96.0.50', ports: [{ name: 'http', port: 80, targetPort: 8080 }] } } as KubeObject);
const slice = (readyB: boolean) => ({
  metadata: { name: 'web-x1', labels: { 'kubernetes.io/service-name': 'web' } },
  addressType: 'IPv4',
  ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
  endpoints: [
    { addresses: ['10.244.0.2'], conditions: { ready: true }, nodeName: 'node-1' },
    { addresses: ['10.244.0.3'], conditions: { ready: readyB }, nodeName: 'node-1' },
  ],
});
await c.create(ENDPOINT_SLICES, 'default', slice(true) as KubeObject);
const proxy = new ServiceProxy(c, { nodeName: 'node-1', mode: 'iptables', nodeIP: '10.244.0.1', clusterCIDR: '10.244.0.0/16', logger: pino({ level: 'warn' }) });
await proxy.start();

async function spread(url: string, n = 20): Promise<Set<string>> {
  const seen = new Set<string>();
  for (let i = 0; i < n; i++) seen.add((await get(url)).backend ?? '?');
  return seen;
}

try {
  const nat = sh('iptables-save', '-t', 'nat');
  assert.match(nat, /-A SKIFF-SERVICES -d 10\.96\.0\.50\/32 -p tcp .*default\/web:http cluster IP/);
  assert.match(nat, /-A PREROUTING .*-j SKIFF-SERVICES/);
  assert.deepEqual([...(await spread('http://10.96.0.50/'))].sort(), ['pod-a', 'pod-b'], 'cluster IP spreads over both endpoints');
  const svc = await c.get<KubeObject & { spec: { ports: { nodePort: number }[] } }>(SERVICES, 'default', 'web');
  assert.equal((await get(`http://10.244.0.1:${svc.spec.ports[0].nodePort}/`)).status, 200, 'node port');

  const cur = await c.get<KubeObject>(ENDPOINT_SLICES, 'default', 'web-x1');
  await c.update(ENDPOINT_SLICES, 'default', { ...cur, ...slice(false), metadata: cur.metadata });
  const t0 = Date.now();
  await eventually(async () => [...(await spread('http://10.96.0.50/', 8))].join() === 'pod-a', 1500, 'unready endpoint removed');
  console.log(`unready endpoint left the rules after ${Date.now() - t0} ms`);

  const cur2 = await c.get<KubeObject>(ENDPOINT_SLICES, 'default', 'web-x1');
  await c.update(ENDPOINT_SLICES, 'default', { ...cur2, ...slice(true), metadata: cur2.metadata });
  await c.patch(SERVICES, 'default', 'web', 'merge', { spec: { sessionAffinity: 'ClientIP' } });
  await eventually(() => sh('iptables-save', '-t', 'nat').includes('--rcheck'), 1500, 'affinity rules');
  assert.equal((await spread('http://10.96.0.50/', 10)).size, 1, 'ClientIP affinity pins one endpoint');
} finally {
  await proxy.stop();
  await a.close();
  await b.close();
  await cluster.stop();
}
const left = sh('iptables-save', '-t', 'nat') + sh('iptables-save', '-t', 'filter');
assert.ok(!left.includes('SKIFF-'), `SKIFF chains left after stop:\n${left}`);
console.log('iptables scenario passed');
process.exit(0);

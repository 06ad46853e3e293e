// Endpoints, EndpointSlice and mirroring controllers against the in-process API server.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Endpoints, Pod, Service } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import { startTestCluster, type TestCluster } from '../../test/integration/cluster.js';
import { realClock } from '../client/clock.js';
import type { ApiClient, KubeObject } from '../client/api.js';
import { InProcessTransport } from '../client/inprocess-transport.js';
import { RestClient } from '../client/rest-client.js';
import { testContext, drain } from './testing/controller-harness.js';
import type { Controller } from './context.js';
import { EndpointsController, desiredSubsets } from './endpoints.js';
import { EndpointSliceController } from './endpointslice.js';
import { EndpointSliceMirroringController } from './endpointslice-mirroring.js';
import { ENDPOINTS, ENDPOINT_SLICES, SERVICES } from './endpoint-pods.js';
import { PODS } from './resource-types.js';

let cluster: TestCluster & { client: ApiClient };
let controllers: Controller[];
let stopFactory: () => void;

before(async () => {
  const tc = await startTestCluster();
  // An admin identity that passes the authenticated-users authorizer.
  const client = new RestClient(new InProcessTransport(tc.api.handler, { username: 'test-admin', groups: ['system:masters', 'system:authenticated'] }));
  cluster = Object.assign(tc, { client });
  const { ctx, factory } = testContext(cluster.client, realClock);
  controllers = [new EndpointsController(ctx), new EndpointSliceController(ctx), new EndpointSliceMirroringController(ctx)];
  await factory.start();
  stopFactory = () => factory.stop();
});
after(async () => {
  stopFactory();
  await cluster.stop();
});

async function settle(): Promise<void> {
  for (let round = 0; round < 4; round++) {
    for (const c of controllers) {
      const { errors } = await drain(c);
      if (round === 3) assert.deepEqual(errors.map(String), []);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function makePod(ns: string, name: string, labels: Record<string, string>, ip: string, ready: boolean, extra: Partial<Pod['spec']> = {}): Promise<Pod> {
  const c = cluster.client;
  const pod = await c.create<Pod & KubeObject>(PODS, ns, {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: ns, labels },
    spec: { nodeName: 'node-a', containers: [{ name: 'app', image: 'x', ports: [{ name: 'http', containerPort: 8080 }] }], ...extra },
  });
  const withStatus = { ...pod, status: { phase: 'Running', podIP: ip, podIPs: [{ ip }], conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] } };
  return c.updateStatus(PODS, ns, withStatus);
}

async function setReady(ns: string, name: string, ready: boolean): Promise<void> {
  const pod = await cluster.client.get<Pod & KubeObject>(PODS, ns, name);
  await cluster.client.updateStatus(PODS, ns, { ...pod, status: { ...pod.status, conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] } });
}

async function slicesOf(ns: string, svc: string): Promise<EndpointSlice[]> {
  const l = await cluster.client.list<EndpointSlice & KubeObject>(ENDPOINT_SLICES, ns, { labelSelector: `kubernetes.io/service-name=${svc}` });
  return l.items;
}

describe('endpoints controllers', () => {
  test('ready and not-ready pods, named targetPort resolved per pod, slices with conditions', async () => {
    const c = cluster.client;
    await c.create<Service & KubeObject>(SERVICES, 'default', {
      metadata: { name: 'web', labels: { app: 'web' } },
      spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 'http' }] },
    });
    await makePod('default', 'web-1', { app: 'web' }, '10.244.0.11', true);
    await makePod('default', 'web-2', { app: 'web' }, '10.244.0.12', false);
    await makePod('default', 'other', { app: 'other' }, '10.244.0.13', true);
    await settle();

    const ep = await c.get<Endpoints & KubeObject>(ENDPOINTS, 'default', 'web');
    assert.equal(ep.metadata?.labels?.app, 'web');
    assert.ok(ep.metadata?.annotations?.['endpoints.kubernetes.io/last-change-trigger-time']);
    assert.equal(ep.subsets?.length, 1);
    const ss = ep.subsets![0];
    assert.deepEqual(ss.addresses?.map((a) => a.ip), ['10.244.0.11']);
    assert.deepEqual(ss.notReadyAddresses?.map((a) => a.ip), ['10.244.0.12']);
    assert.deepEqual(ss.ports, [{ name: 'http', port: 8080, protocol: 'TCP' }]);
    assert.equal(ss.addresses![0].targetRef?.name, 'web-1');
    assert.equal(ss.addresses![0].targetRef?.kind, 'Pod');
    assert.equal(ss.addresses![0].nodeName, 'node-a');

    const slices = await slicesOf('default', 'web');
    assert.equal(slices.length, 1);
    const s = slices[0];
    assert.match(s.metadata!.name!, /^web-[a-z0-9]{5}$/);
    assert.equal(s.addressType, 'IPv4');
    assert.equal(s.metadata?.labels?.['endpointslice.kubernetes.io/managed-by'], 'endpointslice-controller.k8s.io');
    assert.equal(s.metadata?.ownerReferences?.[0].kind, 'Service');
    assert.deepEqual(s.ports, [{ name: 'http', port: 8080, protocol: 'TCP' }]);
    const byIp = Object.fromEntries(s.endpoints.map((e) => [e.addresses[0], e.conditions]));
    assert.deepEqual(byIp['10.244.0.11'], { ready: true, serving: true, terminating: false });
    assert.deepEqual(byIp['10.244.0.12'], { ready: false, serving: false, terminating: false });
    assert.equal(byIp['10.244.0.13'], undefined);

    // Readiness flips move the address between lists.
    await setReady('default', 'web-1', false);
    await setReady('default', 'web-2', true);
    await settle();
    const ep2 = await c.get<Endpoints & KubeObject>(ENDPOINTS, 'default', 'web');
    assert.deepEqual(ep2.subsets![0].addresses?.map((a) => a.ip), ['10.244.0.12']);
    assert.deepEqual(ep2.subsets![0].notReadyAddresses?.map((a) => a.ip), ['10.244.0.11']);
    const s2 = (await slicesOf('default', 'web'))[0];
    assert.equal(s2.metadata?.name, s.metadata?.name, 'slice is updated in place');
    assert.equal(s2.endpoints.find((e) => e.addresses[0] === '10.244.0.12')?.conditions?.ready, true);
  });

  test('publishNotReadyAddresses lists every pod as ready; hostname+subdomain sets hostname', async () => {
    const c = cluster.client;
    await c.create<Service & KubeObject>(SERVICES, 'default', {
      metadata: { name: 'db' },
      spec: { clusterIP: 'None', publishNotReadyAddresses: true, selector: { app: 'db' }, ports: [{ port: 5432 }] },
    });
    await makePod('default', 'db-0', { app: 'db' }, '10.244.0.21', false, { hostname: 'db-0', subdomain: 'db' });
    await settle();
    const ep = await c.get<Endpoints & KubeObject>(ENDPOINTS, 'default', 'db');
    assert.equal(ep.metadata?.labels?.['service.kubernetes.io/headless'], '');
    assert.deepEqual(ep.subsets![0].addresses?.map((a) => [a.ip, a.hostname]), [['10.244.0.21', 'db-0']]);
    assert.equal(ep.subsets![0].notReadyAddresses, undefined);
    const s = (await slicesOf('default', 'db'))[0];
    assert.equal(s.endpoints[0].hostname, 'db-0');
    assert.equal(s.endpoints[0].conditions?.ready, true);
    assert.equal(s.endpoints[0].conditions?.serving, false);
  });

  test('service without selector keeps manual Endpoints, which are mirrored into slices', async () => {
    const c = cluster.client;
    await c.create<Service & KubeObject>(SERVICES, 'default', { metadata: { name: 'external-ip-database' }, spec: { ports: [{ port: 3306 }] } });
    await c.create<Endpoints & KubeObject>(ENDPOINTS, 'default', {
      metadata: { name: 'external-ip-database' },
      subsets: [{ addresses: [{ ip: '192.168.0.1' }], ports: [{ port: 3306 }] }],
    });
    await settle();
    const ep = await c.get<Endpoints & KubeObject>(ENDPOINTS, 'default', 'external-ip-database');
    assert.deepEqual(ep.subsets![0].addresses?.map((a) => a.ip), ['192.168.0.1']);
    const slices = await slicesOf('default', 'external-ip-database');
    assert.equal(slices.length, 1);
    assert.equal(slices[0].metadata?.labels?.['endpointslice.kubernetes.io/managed-by'], 'endpointslicemirroring-controller.k8s.io');
    assert.deepEqual(slices[0].endpoints.map((e) => [e.addresses[0], e.conditions?.ready]), [['192.168.0.1', true]]);
    assert.deepEqual(slices[0].ports, [{ name: '', port: 3306, protocol: 'TCP' }]);
    // The kubernetes Endpoints carries skip-mirror: no mirrored slice.
    const k = await slicesOf('default', 'kubernetes');
    assert.ok(k.every((s) => s.metadata?.labels?.['endpointslice.kubernetes.io/managed-by'] !== 'endpointslicemirroring-controller.k8s.io'));
  });

  test('deleting the service removes its Endpoints and slices; an empty service keeps a placeholder slice', async () => {
    const c = cluster.client;
    await c.create<Service & KubeObject>(SERVICES, 'default', { metadata: { name: 'empty' }, spec: { selector: { app: 'none' }, ports: [{ port: 80 }] } });
    await settle();
    const ep = await c.get<Endpoints & KubeObject>(ENDPOINTS, 'default', 'empty');
    assert.equal(ep.subsets, undefined);
    const slices = await slicesOf('default', 'empty');
    assert.equal(slices.length, 1);
    assert.deepEqual(slices[0].endpoints ?? [], []);
    await c.delete(SERVICES, 'default', 'empty');
    await settle();
    await assert.rejects(c.get(ENDPOINTS, 'default', 'empty'), /not found/);
    assert.equal((await slicesOf('default', 'empty')).length, 0);
  });

  test('more than 100 endpoints split into several slices', async () => {
    const { ctx, factory } = testContext(cluster.client, realClock);
    const small = new EndpointSliceController(ctx, { maxEndpointsPerSlice: 2 });
    await factory.start();
    try {
      const c = cluster.client;
      await c.create<Service & KubeObject>(SERVICES, 'default', { metadata: { name: 'many' }, spec: { selector: { app: 'many' }, ports: [{ port: 80 }] } });
      for (let i = 1; i <= 5; i++) await makePod('default', `many-${i}`, { app: 'many' }, `10.244.1.${i}`, true);
      await new Promise((r) => setTimeout(r, 30));
      for (let i = 0; i < 3; i++) {
        await drain(small);
        await new Promise((r) => setTimeout(r, 60));
      }
      const slices = (await slicesOf('default', 'many')).filter((s) => s.metadata?.ownerReferences?.length);
      // The shared controller (max 100) and this one (max 2) fight over the same slices; this
      // one ran last, so its layout wins: 5 endpoints in 3 slices.
      const total = slices.reduce((n, s) => n + s.endpoints.length, 0);
      assert.equal(total, 5);
      assert.ok(slices.every((s) => s.endpoints.length <= 2), JSON.stringify(slices.map((s) => s.endpoints.length)));
    } finally {
      factory.stop();
    }
  });
});

test('desiredSubsets: pods whose named port resolves differently land in separate subsets', () => {
  const svc: Service = { metadata: { name: 's', namespace: 'n' }, spec: { selector: { a: 'b' }, ports: [{ port: 80, targetPort: 'web' }] } };
  const pod = (name: string, ip: string, port: number): Pod => ({
    metadata: { name, namespace: 'n', uid: name },
    spec: { containers: [{ name: 'c', ports: [{ name: 'web', containerPort: port }] }] },
    status: { podIP: ip, conditions: [{ type: 'Ready', status: 'True' }] },
  });
  const subsets = desiredSubsets(svc, [pod('a', '10.0.0.1', 8080), pod('b', '10.0.0.2', 9090), pod('c', '10.0.0.3', 8080)]);
  assert.equal(subsets.length, 2);
  assert.deepEqual(subsets[0].addresses?.map((a) => a.ip), ['10.0.0.1', '10.0.0.3']);
  assert.deepEqual(subsets[0].ports, [{ port: 8080, protocol: 'TCP' }]);
  assert.deepEqual(subsets[1].ports, [{ port: 9090, protocol: 'TCP' }]);
});

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import net from 'node:net';
import dnsPacket from 'dns-packet';
import { findByKind } from '../../api/registry.js';
import type { KubeObject } from '../../client/api.js';
import { ENDPOINTS, ENDPOINT_SLICES, SERVICES } from '../service-catalog.js';
import { startAdminCluster, eventually, type AdminCluster } from '../testing/admin-cluster.js';
import { ClusterDns } from './server.js';
import pino from 'pino';

let cluster: AdminCluster;
let dns: ClusterDns;
let upstream: dgram.Socket;
let port: number;

type Rec = { type: string; name: string; ttl?: number; data: unknown };
type Packet = { rcode?: string; flag_aa?: boolean; answers?: Rec[]; authorities?: Rec[]; additionals?: Rec[] };

function query(name: string, type: string, tcp = false): Promise<Packet> {
  const msg = dnsPacket.encode({ id: Math.floor(Math.random() * 65535), type: 'query', flags: dnsPacket.RECURSION_DESIRED, questions: [{ name, type: type as 'A', class: 'IN' }] });
  if (tcp) {
    return new Promise((resolve, reject) => {
      const s = net.connect(port, '127.0.0.1', () => {
        const len = Buffer.alloc(2);
        len.writeUInt16BE(msg.length);
        s.write(Buffer.concat([len, msg]));
      });
      let buf = Buffer.alloc(0);
      s.on('data', (d) => {
        buf = Buffer.concat([buf, d]);
        if (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
          s.destroy();
          resolve(dnsPacket.decode(buf.subarray(2)) as Packet);
        }
      });
      s.on('error', reject);
    });
  }
  return new Promise((resolve, reject) => {
    const s = dgram.createSocket('udp4');
    const t = setTimeout(() => {
      s.close();
      reject(new Error('dns timeout'));
    }, 2000);
    s.on('message', (m) => {
      clearTimeout(t);
      s.close();
      resolve(dnsPacket.decode(m) as Packet);
    });
    s.send(msg, port, '127.0.0.1');
  });
}

const data = (p: Packet) => (p.answers ?? []).map((a) => a.data);

before(async () => {
  cluster = await startAdminCluster();
  // A fake upstream resolver on loopback: answers every A query with 192.0.2.7.
  upstream = dgram.createSocket('udp4');
  upstream.on('message', (m, r) => {
    const q = dnsPacket.decode(m);
    const name = q.questions![0].name;
    upstream.send(dnsPacket.encode({ id: q.id, type: 'response', flags: dnsPacket.RECURSION_AVAILABLE, questions: q.questions, answers: [{ type: 'A', name, ttl: 60, data: '192.0.2.7' }] }), r.port, r.address);
  });
  await new Promise<void>((r) => upstream.bind(0, '127.0.0.1', r));
  const c = cluster.client;
  await c.create(SERVICES, 'default', { metadata: { name: 'alpaca-prod' }, spec: { clusterIP: '10.96.100.3', selector: { app: 'alpaca' }, ports: [{ name: 'http', port: 8080 }] } } as KubeObject);
  await c.create(SERVICES, 'default', { metadata: { name: 'mongo' }, spec: { clusterIP: 'None', selector: { app: 'mongo' }, ports: [{ name: 'peer', port: 27017 }] } } as KubeObject);
  await c.create(ENDPOINT_SLICES, 'default', {
    metadata: { name: 'mongo-abcde', labels: { 'kubernetes.io/service-name': 'mongo' } },
    addressType: 'IPv4',
    ports: [{ name: 'peer', port: 27017, protocol: 'TCP' }],
    endpoints: [
      { addresses: ['10.244.0.5'], hostname: 'mongo-0', conditions: { ready: true } },
      { addresses: ['10.244.0.6'], hostname: 'mongo-1', conditions: { ready: true } },
      { addresses: ['10.244.0.7'], hostname: 'mongo-2', conditions: { ready: false } },
    ],
  } as KubeObject);
  await c.create(SERVICES, 'default', { metadata: { name: 'external-database' }, spec: { type: 'ExternalName', externalName: 'database.company.com' } } as KubeObject);
  await c.create(SERVICES, 'default', { metadata: { name: 'alias-in' }, spec: { type: 'ExternalName', externalName: 'alpaca-prod.default.svc.cluster.local' } } as KubeObject);
  await c.create(SERVICES, 'default', { metadata: { name: 'ext-ip-db' }, spec: { clusterIP: '10.96.100.4', ports: [{ port: 3306 }] } } as KubeObject);
  await c.create(ENDPOINTS, 'default', { metadata: { name: 'ext-ip-db' }, subsets: [{ addresses: [{ ip: '192.168.0.1' }], ports: [{ port: 3306 }] }] } as KubeObject);
  dns = new ClusterDns(cluster.client, {
    listen: { host: '127.0.0.1', port: 0 },
    upstreams: [`127.0.0.1:${(upstream.address() as net.AddressInfo).port}`],
    logger: pino({ level: 'silent' }),
  });
  await dns.start();
  port = dns.listenAddress().udpPort;
});

after(async () => {
  await dns.stop();
  upstream.close();
  await cluster.stop();
});

describe('cluster DNS', () => {
  test('service A record with TTL 30, authoritative', async () => {
    const r = await query('alpaca-prod.default.svc.cluster.local', 'A');
    assert.equal(r.rcode, 'NOERROR');
    assert.ok(r.flag_aa);
    assert.deepEqual(data(r), ['10.96.100.3']);
    assert.equal(r.answers![0].ttl, 30);
  });

  test('headless service answers every ready address; StatefulSet pod names resolve', async () => {
    const r = await query('mongo.default.svc.cluster.local', 'A');
    assert.deepEqual((data(r) as string[]).sort(), ['10.244.0.5', '10.244.0.6']);
    assert.deepEqual(data(await query('mongo-1.mongo.default.svc.cluster.local', 'A')), ['10.244.0.6']);
    assert.equal((await query('mongo-9.mongo.default.svc.cluster.local', 'A')).rcode, 'NXDOMAIN');
  });

  test('SRV for named ports: cluster IP target, and one per endpoint for headless', async () => {
    const r = await query('_http._tcp.alpaca-prod.default.svc.cluster.local', 'SRV');
    assert.deepEqual(data(r), [{ priority: 0, weight: 100, port: 8080, target: 'alpaca-prod.default.svc.cluster.local' }]);
    assert.deepEqual(data({ answers: r.additionals } as Packet), ['10.96.100.3']);
    const h = await query('_peer._tcp.mongo.default.svc.cluster.local', 'SRV');
    assert.deepEqual((data(h) as { target: string }[]).map((d) => d.target).sort(), ['mongo-0.mongo.default.svc.cluster.local', 'mongo-1.mongo.default.svc.cluster.local']);
  });

  test('ExternalName is a CNAME (chased through the upstream); in-zone targets are chased locally', async () => {
    const r = await query('external-database.default.svc.cluster.local', 'A');
    assert.equal(r.answers![0].type, 'CNAME');
    assert.equal(r.answers![0].data, 'database.company.com');
    assert.deepEqual(r.answers!.slice(1).map((a) => a.data), ['192.0.2.7']);
    const i = await query('alias-in.default.svc.cluster.local', 'A');
    assert.deepEqual(data(i), ['alpaca-prod.default.svc.cluster.local', '10.96.100.3']);
  });

  test('pod records, NXDOMAIN vs NODATA, SOA in authority', async () => {
    assert.deepEqual(data(await query('10-244-0-9.default.pod.cluster.local', 'A')), ['10.244.0.9']);
    const nx = await query('nope.default.svc.cluster.local', 'A');
    assert.equal(nx.rcode, 'NXDOMAIN');
    assert.equal(nx.authorities![0].type, 'SOA');
    const nodata = await query('alpaca-prod.default.svc.cluster.local', 'AAAA');
    assert.equal(nodata.rcode, 'NOERROR');
    assert.equal(nodata.answers!.length, 0);
    assert.equal(nodata.authorities![0].type, 'SOA');
    assert.equal((await query('default.svc.cluster.local', 'A')).rcode, 'NOERROR');
    assert.equal((await query('nonexistent-ns.svc.cluster.local', 'A')).rcode, 'NXDOMAIN');
  });

  test('selectorless service with manual Endpoints gets a cluster IP record; PTR for service and endpoint IPs', async () => {
    assert.deepEqual(data(await query('ext-ip-db.default.svc.cluster.local', 'A')), ['10.96.100.4']);
    assert.deepEqual(data(await query('3.100.96.10.in-addr.arpa', 'PTR')), ['alpaca-prod.default.svc.cluster.local']);
    assert.deepEqual(data(await query('5.0.244.10.in-addr.arpa', 'PTR')), ['mongo-0.mongo.default.svc.cluster.local']);
  });

  test('other names go to the upstream, over UDP and TCP', async () => {
    assert.deepEqual(data(await query('example.org', 'A')), ['192.0.2.7']);
    const t = await query('alpaca-prod.default.svc.cluster.local', 'A', true);
    assert.deepEqual(data(t), ['10.96.100.3']);
  });

  test('kube-dns Service and Endpoints are published; new services resolve within a second', async () => {
    const svc = await cluster.client.get<KubeObject & { spec: { clusterIP: string; ports: { name: string }[] } }>(SERVICES, 'kube-system', 'kube-dns');
    assert.equal(svc.spec.clusterIP, '10.96.0.10');
    assert.deepEqual(svc.spec.ports.map((p) => p.name), ['dns', 'dns-tcp', 'metrics']);
    const ep = await cluster.client.get<KubeObject & { subsets: { addresses: { ip: string }[]; ports: { port: number }[] }[] }>(ENDPOINTS, 'kube-system', 'kube-dns');
    assert.equal(ep.subsets[0].addresses[0].ip, '127.0.0.1');
    assert.equal(ep.subsets[0].ports[0].port, port);
    await cluster.client.create(findByKind('', 'Namespace')!, undefined, { metadata: { name: 'prod' } });
    await cluster.client.create(SERVICES, 'prod', { metadata: { name: 'late' }, spec: { clusterIP: '10.96.100.9', ports: [{ port: 80 }] } } as KubeObject);
    await eventually(async () => data(await query('late.prod.svc.cluster.local', 'A'))[0] === '10.96.100.9', 1000, 'late service record');
  });
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Service } from 'kubernetes-types/core/v1.js';
import { serviceEnvVars } from './service-env.js';

function svc(ns: string, name: string, spec: Service['spec']): Service {
  return { metadata: { namespace: ns, name }, spec };
}

const kubernetes = svc('default', 'kubernetes', { clusterIP: '10.96.0.1', ports: [{ name: 'https', port: 443, protocol: 'TCP' }] });
const redis = svc('prod', 'redis-master', { clusterIP: '10.0.0.11', ports: [{ port: 6379, protocol: 'TCP' }] });

test('docker-link variables for a single unnamed port', () => {
  const env = Object.fromEntries(serviceEnvVars([redis], 'prod', true).map((e) => [e.name, e.value]));
  assert.deepEqual(env, {
    REDIS_MASTER_SERVICE_HOST: '10.0.0.11',
    REDIS_MASTER_SERVICE_PORT: '6379',
    REDIS_MASTER_PORT: 'tcp://10.0.0.11:6379',
    REDIS_MASTER_PORT_6379_TCP: 'tcp://10.0.0.11:6379',
    REDIS_MASTER_PORT_6379_TCP_PROTO: 'tcp',
    REDIS_MASTER_PORT_6379_TCP_PORT: '6379',
    REDIS_MASTER_PORT_6379_TCP_ADDR: '10.0.0.11',
  });
});

test('named ports get _SERVICE_PORT_<NAME>; first port is the docker _PORT; UDP is lower-cased in URLs', () => {
  const s = svc('ns', 'dns-x', { clusterIP: '10.0.0.10', ports: [{ name: 'dns', port: 53, protocol: 'UDP' }, { name: 'dns-tcp', port: 53, protocol: 'TCP' }] });
  const env = new Map(serviceEnvVars([s], 'ns', true).map((e) => [e.name, e.value]));
  assert.equal(env.get('DNS_X_SERVICE_PORT'), '53');
  assert.equal(env.get('DNS_X_SERVICE_PORT_DNS'), '53');
  assert.equal(env.get('DNS_X_SERVICE_PORT_DNS_TCP'), '53');
  assert.equal(env.get('DNS_X_PORT'), 'udp://10.0.0.10:53');
  assert.equal(env.get('DNS_X_PORT_53_UDP_PROTO'), 'udp');
  assert.equal(env.get('DNS_X_PORT_53_TCP'), 'tcp://10.0.0.10:53');
});

test('only the pod namespace plus the kubernetes service; headless and ExternalName skipped', () => {
  const headless = svc('prod', 'db', { clusterIP: 'None', ports: [{ port: 5432 }] });
  const ext = svc('prod', 'ext', { type: 'ExternalName', externalName: 'example.com' });
  const other = svc('test', 'other', { clusterIP: '10.0.0.12', ports: [{ port: 80 }] });
  const names = serviceEnvVars([kubernetes, redis, headless, ext, other], 'prod', true).map((e) => e.name);
  assert.ok(names.includes('KUBERNETES_SERVICE_HOST'));
  assert.ok(names.includes('KUBERNETES_SERVICE_PORT_HTTPS'));
  assert.ok(names.includes('REDIS_MASTER_SERVICE_HOST'));
  assert.ok(!names.some((n) => n.startsWith('DB_') || n.startsWith('EXT_') || n.startsWith('OTHER_')));
});

test('enableServiceLinks false keeps only the kubernetes service', () => {
  const names = serviceEnvVars([kubernetes, redis], 'prod', false).map((e) => e.name);
  assert.ok(names.length > 0);
  assert.ok(names.every((n) => n.startsWith('KUBERNETES_')));
});

test('a same-named service in the pod namespace wins over the master one', () => {
  const own = svc('prod', 'kubernetes', { clusterIP: '10.0.0.99', ports: [{ port: 80 }] });
  const env = new Map(serviceEnvVars([kubernetes, own], 'prod', true).map((e) => [e.name, e.value]));
  assert.equal(env.get('KUBERNETES_SERVICE_HOST'), '10.0.0.99');
  const env2 = new Map(serviceEnvVars([own, kubernetes], 'prod', true).map((e) => [e.name, e.value]));
  assert.equal(env2.get('KUBERNETES_SERVICE_HOST'), '10.0.0.99');
});

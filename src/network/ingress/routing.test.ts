import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Ingress } from 'kubernetes-types/networking/v1.js';
import { RouteTable, hostMatches, prefixMatches } from './routing.js';

function ing(name: string, spec: Ingress['spec'], annotations?: Record<string, string>, created = '2024-01-01T00:00:00Z'): Ingress {
  return { metadata: { name, namespace: 'default', annotations, creationTimestamp: created }, spec };
}
const be = (name: string, number = 80) => ({ service: { name, port: { number } } });
const svcOf = (t: RouteTable, host: string, path: string) => t.match(host, path)?.backend.service;

test('prefix matches whole path elements; wildcard matches one label', () => {
  assert.ok(prefixMatches('/foo', '/foo/bar'));
  assert.ok(prefixMatches('/foo/', '/foo'));
  assert.ok(!prefixMatches('/foo', '/foobar'));
  assert.ok(hostMatches('*.foo.com', 'bar.foo.com'));
  assert.ok(!hostMatches('*.foo.com', 'baz.bar.foo.com'));
  assert.ok(!hostMatches('*.foo.com', 'foo.com'));
});

test('fanout, Exact over Prefix, longest prefix, virtual hosts and wildcard', () => {
  const t = new RouteTable([
    ing('fanout', {
      rules: [
        {
          host: 'foo.bar.com',
          http: {
            paths: [
              { path: '/foo', pathType: 'Prefix', backend: be('service1', 4200) },
              { path: '/bar', pathType: 'Prefix', backend: be('service2', 8080) },
              { path: '/foo/exact', pathType: 'Exact', backend: be('exact') },
              { path: '/foo/long', pathType: 'Prefix', backend: be('long') },
            ],
          },
        },
        { host: '*.foo.com', http: { paths: [{ path: '/', pathType: 'Prefix', backend: be('wild') }] } },
      ],
    }),
    ing('vhost', { rules: [{ host: 'bar.foo.com', http: { paths: [{ path: '/', pathType: 'Prefix', backend: be('exact-host') }] } }] }),
  ]);
  assert.equal(svcOf(t, 'foo.bar.com', '/foo/x'), 'service1');
  assert.equal(svcOf(t, 'foo.bar.com:8080', '/bar'), 'service2');
  assert.equal(svcOf(t, 'foo.bar.com', '/foo/exact'), 'exact');
  assert.equal(svcOf(t, 'foo.bar.com', '/foo/exact/x'), 'service1');
  assert.equal(svcOf(t, 'foo.bar.com', '/foo/long/x'), 'long');
  assert.equal(svcOf(t, 'foo.bar.com', '/other'), undefined);
  assert.equal(svcOf(t, 'bar.foo.com', '/'), 'exact-host');
  assert.equal(svcOf(t, 'x.foo.com', '/'), 'wild');
  assert.equal(svcOf(t, 'a.b.foo.com', '/'), undefined);
});

test('default backend catches everything else; older Ingress wins a conflict', () => {
  const t = new RouteTable([
    ing('newer', { rules: [{ http: { paths: [{ path: '/app', pathType: 'Prefix', backend: be('newer') }] } }] }, undefined, '2024-02-01T00:00:00Z'),
    ing('older', { defaultBackend: be('fallback'), rules: [{ http: { paths: [{ path: '/app', pathType: 'Prefix', backend: be('older') }] } }] }, undefined, '2024-01-01T00:00:00Z'),
  ]);
  assert.equal(svcOf(t, 'any.host', '/app/1'), 'older');
  assert.equal(svcOf(t, 'any.host', '/zzz'), 'fallback');
});

test('rewrite-target with use-regex rewrites the upstream path', () => {
  const t = new RouteTable([
    ing('nice', { rules: [{ host: 'dummy.com', http: { paths: [{ path: '/something(/|$)(.*)', pathType: 'ImplementationSpecific', backend: be('rw') }] } }] }, {
      'nginx.ingress.kubernetes.io/use-regex': 'true',
      'nginx.ingress.kubernetes.io/rewrite-target': '/$2',
    }),
    ing('plain', { rules: [{ host: 'plain.com', http: { paths: [{ path: '/testpath', pathType: 'Prefix', backend: be('p') }] } }] }, { 'nginx.ingress.kubernetes.io/rewrite-target': '/' }),
  ]);
  assert.deepEqual(t.match('dummy.com', '/something/new'), { backend: t.match('dummy.com', '/something/new')!.backend, path: '/new' });
  assert.equal(t.match('plain.com', '/testpath/foo')?.path, '/');
});

test('TLS hosts map to secrets, wildcard too', () => {
  const t = new RouteTable([ing('tls', { tls: [{ hosts: ['https-example.foo.com', '*.wild.com'], secretName: 'testsecret-tls' }], rules: [] })]);
  assert.equal(t.tlsSecretFor('https-example.foo.com'), 'default/testsecret-tls');
  assert.equal(t.tlsSecretFor('a.wild.com'), 'default/testsecret-tls');
  assert.equal(t.tlsSecretFor('other.com'), undefined);
});

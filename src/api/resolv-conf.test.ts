import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { resolvConfFor } from './resolv-conf.js';

const host = 'nameserver 192.0.2.53\nnameserver 192.0.2.54\nsearch corp.example\noptions edns0\n';
const opts = { dnsServer: '10.96.0.10', clusterDomain: 'cluster.local', hostResolvConf: host };
const pod = (spec: Partial<Pod['spec']> = {}): Pod => ({ metadata: { namespace: 'prod', name: 'p' }, spec: { containers: [], ...spec } });

test('ClusterFirst: cluster DNS, namespace search path plus host search, ndots:5', () => {
  assert.equal(resolvConfFor(pod(), opts), 'nameserver 10.96.0.10\nsearch prod.svc.cluster.local svc.cluster.local cluster.local corp.example\noptions ndots:5\n');
});

test('Default uses the host file; hostNetwork ClusterFirst falls back to Default unless ClusterFirstWithHostNet', () => {
  const expected = 'nameserver 192.0.2.53\nnameserver 192.0.2.54\nsearch corp.example\noptions edns0\n';
  assert.equal(resolvConfFor(pod({ dnsPolicy: 'Default' }), opts), expected);
  assert.equal(resolvConfFor(pod({ hostNetwork: true }), opts), expected);
  assert.match(resolvConfFor(pod({ hostNetwork: true, dnsPolicy: 'ClusterFirstWithHostNet' }), opts), /^nameserver 10\.96\.0\.10\n/);
});

test('None with dnsConfig, and dnsConfig merged into ClusterFirst (options override by name)', () => {
  const none = pod({ dnsPolicy: 'None', dnsConfig: { nameservers: ['1.2.3.4'], searches: ['ns1.svc.cluster-domain.example', 'my.dns.search.suffix'], options: [{ name: 'ndots', value: '2' }, { name: 'edns0' }] } });
  assert.equal(resolvConfFor(none, opts), 'nameserver 1.2.3.4\nsearch ns1.svc.cluster-domain.example my.dns.search.suffix\noptions ndots:2 edns0\n');
  const merged = pod({ dnsConfig: { options: [{ name: 'ndots', value: '1' }] } });
  assert.match(resolvConfFor(merged, opts), /options ndots:1\n$/);
});

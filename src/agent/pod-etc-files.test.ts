import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { hostsFileFor, resolvConfOf, writePodEtcFiles } from './pod-etc-files.js';

const hostResolv = 'nameserver 192.0.2.53\nsearch corp.example\noptions edns0\n';
const dns = { clusterDNS: '10.96.0.10', clusterDomain: 'cluster.local', hostResolvConf: hostResolv };
const pod = (spec: Partial<NonNullable<Pod['spec']>> = {}): Pod => ({ metadata: { name: 'web-0', namespace: 'shop' }, spec: { containers: [{ name: 'c' }], ...spec } });

test('hosts file: loopback, the pod name, subdomain FQDN and hostAliases', () => {
  assert.equal(
    hostsFileFor(pod({ hostAliases: [{ ip: '127.0.0.1', hostnames: ['foo.local', 'bar.local'] }] }), { podIP: '10.42.0.9', clusterDomain: 'cluster.local' }),
    '# Kubernetes-managed hosts file.\n127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\nfe00::0\tip6-localnet\nfe00::0\tip6-mcastprefix\nfe00::1\tip6-allnodes\nfe00::2\tip6-allrouters\n10.42.0.9\tweb-0\n' +
      '\n# Entries added by HostAliases.\n127.0.0.1\tfoo.local\tbar.local\n',
  );
  const sub = hostsFileFor(pod({ hostname: 'db', subdomain: 'pg' }), { podIP: '10.42.0.9', clusterDomain: 'cluster.local' });
  assert.match(sub, /\n10\.42\.0\.9\tdb\.pg\.shop\.svc\.cluster\.local\tdb\n$/);
  const hostNet = hostsFileFor(pod({ hostNetwork: true }), { podIP: '10.0.0.1', clusterDomain: 'cluster.local', hostHosts: '127.0.0.1 localhost\n10.0.0.1 node1\n' });
  assert.equal(hostNet, '# Kubernetes-managed hosts file (host network).\n127.0.0.1 localhost\n10.0.0.1 node1\n');
});

test('resolv.conf per dnsPolicy', () => {
  assert.equal(resolvConfOf(pod(), dns), 'nameserver 10.96.0.10\nsearch shop.svc.cluster.local svc.cluster.local cluster.local corp.example\noptions ndots:5\n');
  assert.equal(resolvConfOf(pod({ dnsPolicy: 'Default' }), dns), hostResolv);
  assert.equal(resolvConfOf(pod({ hostNetwork: true }), dns), hostResolv, 'ClusterFirst on the host network falls back to Default');
  assert.match(resolvConfOf(pod({ hostNetwork: true, dnsPolicy: 'ClusterFirstWithHostNet' }), dns), /^nameserver 10\.96\.0\.10\n/);
  assert.equal(
    resolvConfOf(pod({ dnsPolicy: 'None', dnsConfig: { nameservers: ['1.1.1.1'], searches: ['a.example'], options: [{ name: 'ndots', value: '2' }] } }), dns),
    'nameserver 1.1.1.1\nsearch a.example\noptions ndots:2\n',
  );
});

test('writePodEtcFiles writes both files and returns their mounts', () => {
  const dir = mkdtempSync(join(tmpdir(), 'skiff-etc-'));
  try {
    const mounts = writePodEtcFiles(pod(), dir, { podIP: '10.42.0.3', ...dns });
    assert.deepEqual(mounts.map((m) => m.containerPath), ['/etc/hosts', '/etc/resolv.conf']);
    assert.match(readFileSync(mounts[0].hostPath, 'utf8'), /10\.42\.0\.3\tweb-0/);
    assert.match(readFileSync(mounts[1].hostPath, 'utf8'), /^nameserver 10\.96\.0\.10/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

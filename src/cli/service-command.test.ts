import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Node } from 'kubernetes-types/core/v1.js';
import { kubeconfigFor, nodeAddressOf } from './service-command.js';

const node = (name: string, ready: boolean, addrs: [string, string][]): Node => ({
  metadata: { name },
  status: { conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }], addresses: addrs.map(([type, address]) => ({ type, address })) },
});

test('node address: a Ready node first, InternalIP before ExternalIP', () => {
  assert.equal(nodeAddressOf([node('a', false, [['InternalIP', '10.0.0.1']]), node('b', true, [['Hostname', 'b'], ['InternalIP', '10.42.0.1']])]), '10.42.0.1');
  assert.equal(nodeAddressOf([node('a', true, [['ExternalIP', '192.0.2.7']])]), '192.0.2.7');
  assert.equal(nodeAddressOf([]), undefined);
});

test('kubeconfig: --kubeconfig, then --data-dir, then $KUBECONFIG, then the local cluster', () => {
  assert.equal(kubeconfigFor({ kubeconfig: '/k' }, { KUBECONFIG: '/env' }), '/k');
  assert.equal(kubeconfigFor({ dataDir: '/d' }, { KUBECONFIG: '/env' }), '/d/server/kubeconfig.yaml');
  assert.equal(kubeconfigFor({}, { KUBECONFIG: '/env:/other' }), '/env');
  assert.match(kubeconfigFor({}, {}), /\.skiff\/server\/kubeconfig\.yaml$/);
});

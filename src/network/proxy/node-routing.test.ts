import { test } from 'node:test';
import assert from 'node:assert/strict';
import { firstAddress, interfaceOf } from './node-routing.js';
import { buildRules } from './iptables-rules.js';

test('first address of the service CIDR', () => {
  assert.equal(firstAddress('10.96.0.0/12'), '10.96.0.1');
  assert.equal(firstAddress('10.43.255.0/24'), '10.43.255.1');
});

test('the interface carrying an address', () => {
  assert.equal(interfaceOf('127.0.0.1'), 'lo');
  assert.equal(interfaceOf('203.0.113.250'), undefined);
});

test('loopback endpoints are guarded: only DNATed traffic may reach 127/8 from elsewhere', () => {
  const r = buildRules([], { nodeName: 'n' });
  assert.match(r.text, /-A SKIFF-SERVICES ! -s 127\.0\.0\.0\/8 -d 127\.0\.0\.0\/8 .*--ctstate RELATED,ESTABLISHED,DNAT -j DROP/);
});

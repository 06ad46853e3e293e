import assert from 'node:assert/strict';
import { afterEach, test } from 'node:test';
import type { Node } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../client/api.js';
import { NODES } from './kinds.js';
import { CidrSet, NodeIpamController } from './nodeipam.js';
import { Part2Harness } from './testing/part2-harness.js';

let h: Part2Harness;
afterEach(() => h?.stop());

test('CidrSet carves /24s out of 10.244.0.0/16 and reuses released ranges', () => {
  const s = new CidrSet('10.244.0.0/16', 24);
  assert.equal(s.capacity, 256);
  s.occupy('10.244.0.0/24');
  assert.equal(s.allocateNext(), '10.244.1.0/24');
  assert.equal(s.allocateNext(), '10.244.2.0/24');
  s.release('10.244.1.0/24');
  assert.equal(s.allocateNext(), '10.244.1.0/24');
  const tiny = new CidrSet('10.0.0.0/23', 24);
  tiny.allocateNext();
  tiny.allocateNext();
  assert.equal(tiny.allocateNext(), undefined);
});

test('NodeIpamController assigns podCIDR/podCIDRs without reusing existing ones', async () => {
  h = new Part2Harness();
  await h.seed(NODES, { metadata: { name: 'old' }, spec: { podCIDR: '10.244.0.0/24', podCIDRs: ['10.244.0.0/24'] } }, { metadata: { name: 'new' }, spec: {} });
  const c = new NodeIpamController(h.ctx);
  await h.start();
  await h.drain(c);
  const n = h.api.peek<Node & KubeObject>(NODES, undefined, 'new')!;
  assert.equal(n.spec?.podCIDR, '10.244.1.0/24');
  assert.deepEqual(n.spec?.podCIDRs, ['10.244.1.0/24']);
  await h.api.create(NODES, undefined, { metadata: { name: 'third' }, spec: {} });
  await h.drain(c);
  assert.equal(h.api.peek<Node & KubeObject>(NODES, undefined, 'third')?.spec?.podCIDR, '10.244.2.0/24');
});

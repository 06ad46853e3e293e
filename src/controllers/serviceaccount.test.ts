import assert from 'node:assert/strict';
import { afterEach, test } from 'node:test';
import { NAMESPACES, SERVICE_ACCOUNTS } from './kinds.js';
import { ServiceAccountController } from './serviceaccount.js';
import { Part2Harness } from './testing/part2-harness.js';

let h: Part2Harness;
afterEach(() => h?.stop());

test('every active namespace gets a default ServiceAccount, recreated after deletion', async () => {
  h = new Part2Harness();
  await h.seed(NAMESPACES, { metadata: { name: 'default' } }, { metadata: { name: 'dying' }, status: { phase: 'Terminating' } });
  const c = new ServiceAccountController(h.ctx);
  await h.start();
  await h.drain(c);
  assert.ok(h.api.peek(SERVICE_ACCOUNTS, 'default', 'default'));
  assert.equal(h.api.peek(SERVICE_ACCOUNTS, 'dying', 'default'), undefined);
  await h.api.create(NAMESPACES, undefined, { metadata: { name: 'team-a' } });
  await h.drain(c);
  assert.ok(h.api.peek(SERVICE_ACCOUNTS, 'team-a', 'default'));
  await h.api.delete(SERVICE_ACCOUNTS, 'team-a', 'default');
  await h.drain(c);
  assert.ok(h.api.peek(SERVICE_ACCOUNTS, 'team-a', 'default'), 'recreated');
});

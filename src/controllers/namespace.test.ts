import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import type { Namespace } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../client/api.js';
import { NAMESPACES } from './kinds.js';
import { CONTENT_RECHECK_MS, NamespaceController, namespacedContentTypes } from './namespace.js';
import { PODS, REPLICA_SETS } from './resource-types.js';
import { Part2Harness } from './testing/part2-harness.js';

let h: Part2Harness;
afterEach(() => h?.stop());

function cond(ns: Namespace | undefined, type: string) {
  return ns?.status?.conditions?.find((c) => c.type === type);
}

describe('NamespaceController', () => {
  test('content types cover namespaced kinds once', () => {
    const kinds = namespacedContentTypes().map((t) => `${t.group}/${t.kind}`);
    assert.ok(kinds.includes('/Pod') && kinds.includes('apps/Deployment') && kinds.includes('/Event'));
    assert.ok(!kinds.includes('events.k8s.io/Event') && !kinds.includes('/Node'));
  });

  test('drains a terminating namespace, reports what remains, then finalizes', async () => {
    h = new Part2Harness();
    // metadata.finalizers keeps the fake from deleting the namespace outright.
    await h.seed(NAMESPACES, { metadata: { name: 'doomed', finalizers: ['test/keep'] }, spec: { finalizers: ['kubernetes'] } });
    await h.seed(NAMESPACES, { metadata: { name: 'other' }, spec: { finalizers: ['kubernetes'] } });
    await h.seed(PODS, { metadata: { name: 'p1', namespace: 'doomed' }, spec: { containers: [] } }, { metadata: { name: 'held', namespace: 'doomed', finalizers: ['example.com/x'] }, spec: { containers: [] } });
    await h.seed(REPLICA_SETS, { metadata: { name: 'rs', namespace: 'doomed' } });
    await h.seed(PODS, { metadata: { name: 'keep', namespace: 'other' }, spec: { containers: [] } });
    const c = new NamespaceController(h.ctx, { types: [PODS, REPLICA_SETS] });
    await h.start();
    await h.api.delete(NAMESPACES, undefined, 'doomed');
    await h.drain(c);

    assert.deepEqual(
      h.api.all(PODS, 'doomed').map((p) => p.metadata?.name),
      ['held'],
    );
    assert.equal(h.api.all(REPLICA_SETS, 'doomed').length, 0);
    assert.equal(h.api.all(PODS, 'other').length, 1, 'other namespaces untouched');
    let ns = h.api.peek<Namespace & KubeObject>(NAMESPACES, undefined, 'doomed');
    assert.deepEqual(ns?.spec?.finalizers, ['kubernetes'], 'not finalized while content remains');
    assert.equal(cond(ns, 'NamespaceContentRemaining')?.status, 'True');
    assert.equal(cond(ns, 'NamespaceContentRemaining')?.message, 'Some resources are remaining: pods. has 1 resource instances');
    assert.equal(cond(ns, 'NamespaceFinalizersRemaining')?.message, 'Some content in the namespace has finalizers remaining: example.com/x in 1 resource instances');
    assert.equal(cond(ns, 'NamespaceDeletionContentFailure')?.reason, 'ContentDeleted');

    const held = h.api.peek<KubeObject>(PODS, 'doomed', 'held')!;
    await h.api.update(PODS, 'doomed', { ...held, metadata: { ...held.metadata, finalizers: [] } });
    await h.advance(CONTENT_RECHECK_MS);
    await h.drain(c);
    ns = h.api.peek<Namespace & KubeObject>(NAMESPACES, undefined, 'doomed');
    assert.deepEqual(ns?.spec?.finalizers ?? [], [], 'kubernetes finalizer handed back');
    assert.equal(cond(ns, 'NamespaceContentRemaining')?.status, 'False');
  });
});

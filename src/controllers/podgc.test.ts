import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import type { DeleteOptions, KubeObject } from '../client/api.js';
import { NODES } from './kinds.js';
import { PODS } from './resource-types.js';
import { PodGCController } from './podgc.js';
import { Part2Harness } from './testing/part2-harness.js';

type K<T> = T & KubeObject;

function node(name: string, extra: Partial<Node> = {}): K<Node> {
  return { apiVersion: 'v1', kind: 'Node', metadata: { name }, spec: {}, status: { conditions: [{ type: 'Ready', status: 'True' }] }, ...extra };
}

function pod(name: string, nodeName: string | undefined, phase = 'Running', extra: Partial<Pod> = {}): K<Pod> {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default' }, spec: { nodeName, containers: [{ name: 'c', image: 'x' }] }, status: { phase }, ...extra };
}

function setup() {
  const h = new Part2Harness();
  const deletes: { name: string; opts?: DeleteOptions }[] = [];
  const orig = h.api.delete.bind(h.api);
  h.api.delete = (rt, ns, name, opts) => {
    if (rt.kind === 'Pod') deletes.push({ name, opts });
    return orig(rt, ns, name, opts);
  };
  const alive = (name: string) => h.api.peek(PODS, 'default', name) !== undefined;
  return { h, deletes, alive };
}

describe('pod garbage collector', () => {
  test('orphaned pods are marked Failed and force-deleted once the quarantine passed and the node is really gone', async () => {
    const { h, deletes, alive } = setup();
    await h.seed(NODES, node('here'));
    await h.seed(PODS, pod('kept', 'here'), pod('orphan', 'gone'), pod('orphan-late', 'late'));
    const c = new PodGCController(h.ctx, { gcCheckPeriodMs: 20_000, quarantineMs: 40_000 });
    await h.start();
    // "late" exists, but the informer has not seen it yet: the live GET must keep its pod.
    h.api.holdWatchEvents();
    await h.api.create(NODES, undefined, node('late'));
    await h.drain(c);
    await h.advance(20_000);
    await h.drain(c);
    assert.equal(deletes.length, 0, 'nothing goes during the quarantine');
    await h.advance(20_000);
    await h.drain(c);
    assert.deepEqual(deletes.map((d) => d.name), ['orphan']);
    assert.equal(deletes[0].opts?.gracePeriodSeconds, 0);
    assert.ok(!alive('orphan'));
    assert.ok(alive('kept') && alive('orphan-late'));
    // Marked Failed with the DisruptionTarget condition before the delete.
    assert.ok(h.api.actions.findIndex((a) => a.verb === 'patch' && a.name === 'orphan') >= 0);
    h.api.releaseWatchEvents();
    await h.advance(100_000);
    await h.drain(c);
    assert.ok(alive('orphan-late'));
    h.stop();
  });

  test('terminated pods over the threshold go, evicted first and then the oldest', async () => {
    const { h, deletes, alive } = setup();
    await h.seed(NODES, node('n'));
    await h.seed(PODS, pod('old-done', 'n', 'Succeeded'));
    h.clock.advance(1_000);
    await h.seed(PODS, pod('mid-failed', 'n', 'Failed'));
    h.clock.advance(1_000);
    await h.seed(PODS, pod('running', 'n'), pod('new-done', 'n', 'Succeeded'));
    h.clock.advance(1_000);
    await h.seed(PODS, pod('evicted', 'n', 'Failed', { status: { phase: 'Failed', reason: 'Evicted' } }));
    const c = new PodGCController(h.ctx, { terminatedPodThreshold: 2 });
    await h.start();
    await h.drain(c);
    assert.deepEqual(deletes.map((d) => d.name), ['evicted', 'old-done']);
    assert.ok(deletes.every((d) => d.opts?.gracePeriodSeconds === 0));
    assert.ok(alive('mid-failed') && alive('new-done') && alive('running'));
    h.stop();
  });

  test('terminating pods on an out-of-service NotReady node and unscheduled terminating pods are force-deleted', async () => {
    const { h, deletes } = setup();
    await h.seed(
      NODES,
      node('oos', { spec: { taints: [{ key: 'node.kubernetes.io/out-of-service', value: 'nodeshutdown', effect: 'NoExecute' }] }, status: { conditions: [{ type: 'Ready', status: 'Unknown' }] } }),
      node('fine'),
    );
    const terminating = { finalizers: ['skiff.test/hold'] };
    await h.seed(
      PODS,
      pod('on-oos', 'oos', 'Running', { metadata: { name: 'on-oos', namespace: 'default', ...terminating } }),
      pod('on-fine', 'fine', 'Running', { metadata: { name: 'on-fine', namespace: 'default', ...terminating } }),
      pod('unscheduled', undefined, 'Pending', { metadata: { name: 'unscheduled', namespace: 'default', ...terminating } }),
      pod('running-oos', 'oos'),
    );
    // With finalizers the fake keeps them around, marked terminating.
    for (const n of ['on-oos', 'on-fine', 'unscheduled']) await h.api.delete(PODS, 'default', n);
    deletes.length = 0;
    const c = new PodGCController(h.ctx);
    await h.start();
    await h.drain(c);
    assert.deepEqual(deletes.map((d) => d.name).sort(), ['on-oos', 'unscheduled']);
    assert.ok(deletes.every((d) => d.opts?.gracePeriodSeconds === 0));
    h.stop();
  });
});

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Node, Pod, Taint, Toleration } from 'kubernetes-types/core/v1.js';
import type { DeleteOptions, KubeObject } from '../client/api.js';
import { NODES } from './kinds.js';
import { PODS } from './resource-types.js';
import { TaintEvictionController, minTolerationMs } from './taint-eviction.js';
import { Part2Harness } from './testing/part2-harness.js';

type K<T> = T & KubeObject;
const UNREACHABLE = 'node.kubernetes.io/unreachable';
/** What API defaulting adds to every pod. */
const DEFAULT_TOLERATIONS: Toleration[] = [
  { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
  { key: UNREACHABLE, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
];

function pod(name: string, tolerations: Toleration[]): K<Pod> {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default' }, spec: { nodeName: 'n1', tolerations, containers: [{ name: 'c', image: 'x' }] }, status: { phase: 'Running' } };
}

function tainted(taints: Taint[]): K<Node> {
  return { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1' }, spec: { taints } };
}

async function setup() {
  const h = new Part2Harness();
  const deletes: { name: string; opts?: DeleteOptions }[] = [];
  const orig = h.api.delete.bind(h.api);
  h.api.delete = (rt, ns, name, opts) => {
    if (rt.kind === 'Pod') deletes.push({ name, opts });
    return orig(rt, ns, name, opts);
  };
  return { h, deletes, alive: (name: string) => h.api.peek(PODS, 'default', name) !== undefined };
}

describe('taint eviction controller', () => {
  test('evicts at once without a matching toleration, else after the smallest tolerationSeconds', async () => {
    const { h, deletes, alive } = await setup();
    await h.seed(NODES, tainted([{ key: UNREACHABLE, effect: 'NoExecute', timeAdded: '2024-01-01T00:00:00Z' }]));
    await h.seed(
      PODS,
      pod('defaults', DEFAULT_TOLERATIONS),
      pod('none', []),
      pod('forever', [{ key: UNREACHABLE, operator: 'Exists', effect: 'NoExecute' }]),
      pod('short', [...DEFAULT_TOLERATIONS.slice(0, 1), { key: UNREACHABLE, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 10 }]),
    );
    const c = new TaintEvictionController(h.ctx);
    await h.start();
    await h.drain(c);
    assert.deepEqual(deletes.map((d) => d.name), ['none']);
    assert.ok(h.events.some((e) => e.name === 'none' && e.reason === 'TaintManagerEviction' && e.message === 'Marking for deletion Pod default/none'));
    // The status patch before the delete records why.
    assert.ok(h.api.actions.some((a) => a.verb === 'patch' && a.name === 'none'));

    await h.advance(9_000);
    await h.drain(c);
    assert.ok(alive('short'));
    await h.advance(1_000);
    await h.drain(c);
    assert.ok(!alive('short'));

    await h.advance(289_000);
    await h.drain(c);
    assert.ok(alive('defaults'), 'default tolerations last 300 s');
    await h.advance(1_000);
    await h.drain(c);
    assert.ok(!alive('defaults'));
    assert.ok(alive('forever'), 'a toleration without tolerationSeconds tolerates forever');
    await h.advance(3_600_000);
    await h.drain(c);
    assert.ok(alive('forever'));
    h.stop();
  });

  test('removing the taint before tolerationSeconds cancels the eviction', async () => {
    const { h, alive } = await setup();
    await h.seed(NODES, tainted([]));
    await h.seed(PODS, pod('p', DEFAULT_TOLERATIONS));
    const c = new TaintEvictionController(h.ctx);
    await h.start();
    await h.drain(c);
    const n = h.api.peek<K<Node>>(NODES, undefined, 'n1')!;
    await h.api.update(NODES, undefined, { ...n, spec: { taints: [{ key: UNREACHABLE, effect: 'NoExecute' }] } });
    await h.drain(c);
    await h.advance(200_000);
    await h.drain(c);
    const n2 = h.api.peek<K<Node>>(NODES, undefined, 'n1')!;
    await h.api.update(NODES, undefined, { ...n2, spec: {} });
    await h.drain(c);
    assert.ok(h.events.some((e) => e.name === 'p' && e.reason === 'TaintManagerEviction' && e.message === 'Cancelling deletion of Pod default/p'));
    await h.advance(200_000);
    await h.drain(c);
    assert.ok(alive('p'));
    h.stop();
  });

  test('minTolerationMs', () => {
    assert.equal(minTolerationMs([]), 0);
    assert.equal(minTolerationMs([{ tolerationSeconds: 30 }, { tolerationSeconds: 5 }, {}]), 5_000);
    assert.equal(minTolerationMs([{}]), -1);
    assert.equal(minTolerationMs([{ tolerationSeconds: -3 }]), 0);
  });
});

import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import type { DaemonSet } from 'kubernetes-types/apps/v1.js';
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../client/api.js';
import { DaemonSetController, targetNodeOf } from './daemonset.js';
import { CONTROLLER_REVISIONS, DAEMON_SETS, NODES } from './kinds.js';
import { nodeEligibility } from './node-eligibility.js';
import { PODS } from './resource-types.js';
import { markPodRunning } from './testing/fake-kubelet.js';
import { Part2Harness } from './testing/part2-harness.js';

type PodObj = Pod & KubeObject;
let h: Part2Harness;
afterEach(() => h?.stop());

function node(name: string, labels: Record<string, string> = {}, spec: Node['spec'] = {}): KubeObject {
  return { metadata: { name, labels }, spec };
}

function ds(spec: Partial<NonNullable<DaemonSet['spec']>> = {}, podSpec: Partial<Pod['spec'] & object> = {}): KubeObject {
  return {
    metadata: { name: 'fluentd', namespace: 'default' },
    spec: {
      selector: { matchLabels: { app: 'fluentd' } },
      template: { metadata: { labels: { app: 'fluentd' } }, spec: { containers: [{ name: 'f', image: 'fluentd:v1' }], ...podSpec } },
      ...spec,
    },
  };
}

const live = () => h.api.all<PodObj>(PODS, 'default').filter((p) => !p.metadata?.deletionTimestamp);
const nodesOf = () => live().map((p) => targetNodeOf(p)).sort();

describe('node eligibility', () => {
  test('nodeSelector, required affinity, taints: NoSchedule blocks new pods, NoExecute evicts', () => {
    const n = node('a', { ssd: 'true' }, { taints: [{ key: 'k', value: 'v', effect: 'NoSchedule' }] }) as Node;
    assert.deepEqual(nodeEligibility({ containers: [], nodeSelector: { ssd: 'true' } }, n), { shouldRun: false, shouldContinueRunning: true });
    assert.deepEqual(nodeEligibility({ containers: [], nodeSelector: { ssd: 'true' }, tolerations: [{ key: 'k', operator: 'Exists' }] }, n), { shouldRun: true, shouldContinueRunning: true });
    assert.equal(nodeEligibility({ containers: [], nodeSelector: { ssd: 'false' } }, n).shouldContinueRunning, false);
    const ne = node('b', {}, { taints: [{ key: 'x', effect: 'NoExecute' }] }) as Node;
    assert.deepEqual(nodeEligibility({ containers: [] }, ne), { shouldRun: false, shouldContinueRunning: false });
    const aff = { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['z1'] }] }] } } };
    assert.equal(nodeEligibility({ containers: [], affinity: aff }, node('c', { zone: 'z1' }) as Node).shouldRun, true);
    assert.equal(nodeEligibility({ containers: [], affinity: aff }, node('d', { zone: 'z2' }) as Node).shouldRun, false);
  });
});

describe('DaemonSetController', () => {
  test('one pod per eligible node, pinned by node affinity, following node and label changes', async () => {
    h = new Part2Harness();
    await h.seed(NODES, node('n1', { ssd: 'true' }), node('n2'), node('n3', { ssd: 'true' }, { unschedulable: true }));
    await h.seed(DAEMON_SETS, ds({}, { nodeSelector: { ssd: 'true' } }));
    const c = new DaemonSetController(h.ctx);
    await h.start();
    await h.drain(c);
    assert.deepEqual(nodesOf(), ['n1', 'n3'], 'unschedulable is tolerated by DaemonSet pods');
    const p = live()[0];
    assert.ok(p.metadata?.labels?.['controller-revision-hash']);
    assert.equal(p.metadata?.labels?.['pod-template-generation'], '1');
    assert.equal(p.spec?.nodeName, undefined, 'placed by the scheduler, not by nodeName');
    assert.ok(p.spec?.tolerations?.some((t) => t.key === 'node.kubernetes.io/not-ready' && t.effect === 'NoExecute'));
    assert.equal(h.api.all(CONTROLLER_REVISIONS, 'default').length, 1);

    await h.api.create(NODES, undefined, node('n4', { ssd: 'true' }));
    await h.drain(c);
    assert.deepEqual(nodesOf(), ['n1', 'n3', 'n4']);
    const n1 = h.api.peek<KubeObject>(NODES, undefined, 'n1')!;
    await h.api.update(NODES, undefined, { ...n1, metadata: { ...n1.metadata, labels: {} } });
    await h.drain(c);
    assert.deepEqual(nodesOf(), ['n3', 'n4'], 'label removed: pod removed');
    await h.api.delete(NODES, undefined, 'n4');
    await h.drain(c);
    const st = h.api.peek<DaemonSet & KubeObject>(DAEMON_SETS, 'default', 'fluentd')!.status!;
    assert.equal(st.desiredNumberScheduled, 1);
    assert.equal(st.numberMisscheduled, 0);
  });

  test('RollingUpdate replaces one unavailable-budget pod at a time; OnDelete waits', async () => {
    h = new Part2Harness();
    await h.seed(NODES, node('n1'), node('n2'));
    await h.seed(DAEMON_SETS, ds());
    const c = new DaemonSetController(h.ctx);
    await h.start();
    await h.drain(c);
    for (const p of live()) await markPodRunning(h.api, h.clock, p, true, targetNodeOf(p)!);
    await h.drain(c);
    let st = h.api.peek<DaemonSet & KubeObject>(DAEMON_SETS, 'default', 'fluentd')!.status!;
    assert.equal(st.numberReady, 2);
    assert.equal(st.updatedNumberScheduled, 2);
    const oldHash = live()[0].metadata?.labels?.['controller-revision-hash'];

    const cur = h.api.peek<KubeObject & DaemonSet>(DAEMON_SETS, 'default', 'fluentd')!;
    cur.spec!.template.spec!.containers[0].image = 'fluentd:v2';
    await h.api.update(DAEMON_SETS, 'default', cur);
    await h.drain(c);
    let pods = live();
    assert.equal(pods.filter((p) => p.metadata?.labels?.['controller-revision-hash'] === oldHash).length, 1, 'maxUnavailable 1: one old pod replaced');
    for (const p of pods.filter((x) => x.status?.phase !== 'Running')) await markPodRunning(h.api, h.clock, p, true, targetNodeOf(p)!);
    await h.drain(c);
    for (const p of live().filter((x) => x.status?.phase !== 'Running')) await markPodRunning(h.api, h.clock, p, true, targetNodeOf(p)!);
    await h.drain(c);
    pods = live();
    assert.equal(pods.length, 2);
    assert.ok(pods.every((p) => p.spec?.containers[0].image === 'fluentd:v2'));
    st = h.api.peek<DaemonSet & KubeObject>(DAEMON_SETS, 'default', 'fluentd')!.status!;
    assert.equal(st.updatedNumberScheduled, 2);
    assert.equal(h.api.all(CONTROLLER_REVISIONS, 'default').length, 2);

    const cur2 = h.api.peek<KubeObject & DaemonSet>(DAEMON_SETS, 'default', 'fluentd')!;
    cur2.spec!.updateStrategy = { type: 'OnDelete' };
    cur2.spec!.template.spec!.containers[0].image = 'fluentd:v3';
    await h.api.update(DAEMON_SETS, 'default', cur2);
    await h.drain(c);
    assert.ok(live().every((p) => p.spec?.containers[0].image === 'fluentd:v2'), 'OnDelete: nothing replaced');
    await h.api.delete(PODS, 'default', live()[0].metadata!.name!);
    await h.drain(c);
    assert.equal(live().filter((p) => p.spec?.containers[0].image === 'fluentd:v3').length, 1);
  });
});

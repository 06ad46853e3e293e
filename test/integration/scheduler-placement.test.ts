// The scheduler against the real API server (in-process): 50 nodes with mixed capacity, labels
// and taints, 500 pods with selectors, tolerations, topology spread and anti-affinity all land
// where the constraints allow; an unschedulable pod gets upstream's FailedScheduling message and
// is scheduled once a matching node appears.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Event, Node, Pod } from 'kubernetes-types/core/v1.js';
import { findByKind } from '../../src/api/registry.js';
import { makeNode } from '../../src/scheduler/testing/builders.js';
import { type K, ensureNamespace, listItems, RT, startControlPlane, waitFor, type ControlPlane } from './controllers-harness.js';

let cp: ControlPlane;
const NS = 'sched-it';
const ZONES = ['zone-a', 'zone-b', 'zone-c'];
const isSsd = (i: number) => i % 5 === 0;
const isGpu = (i: number) => i >= 45;

before(async () => {
  // The scheduler plus the service-account controller (pods need their namespace's "default" SA).
  cp = await startControlPlane({ controllers: ['serviceaccount'] });
  await ensureNamespace(cp.client, NS);
  const nodes: Node[] = [];
  for (let i = 0; i < 50; i++) {
    const labels: Record<string, string> = { 'topology.kubernetes.io/zone': ZONES[i % 3] };
    if (isSsd(i)) labels.disk = 'ssd';
    nodes.push(
      makeNode(`n${String(i).padStart(2, '0')}`, {
        cpu: i < 20 ? '4' : '8',
        memory: '16Gi',
        labels,
        taints: isGpu(i) ? [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }] : undefined,
        ready: 'True',
      }),
    );
  }
  for (const n of nodes) await cp.client.create(RT.nodes, undefined, n as K<Node>);
  await waitFor('default service account', () => cp.client.get(findByKind('', 'ServiceAccount')!, NS, 'default'));
});
after(async () => {
  await cp?.stop();
});

function pod(name: string, labels: Record<string, string>, spec: Record<string, unknown> = {}, cpu = '100m'): K<Pod> {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, labels },
    spec: { containers: [{ name: 'c', image: 'pause', resources: { requests: { cpu, memory: '64Mi' } } }], ...spec },
  };
}

const nodeIndex = (name: string) => Number(name.slice(1));

describe('scheduler placement through the API server', () => {
  test('500 pods with selectors, tolerations, spread and anti-affinity all bind within their constraints', async () => {
    const pods: K<Pod>[] = [];
    for (let i = 0; i < 200; i++) pods.push(pod(`plain-${i}`, { app: 'plain' }, {}, i % 2 ? '100m' : '250m'));
    for (let i = 0; i < 100; i++) pods.push(pod(`ssd-${i}`, { app: 'ssd' }, { nodeSelector: { disk: 'ssd' } }));
    for (let i = 0; i < 50; i++) {
      pods.push(
        pod(`gpu-${i}`, { app: 'gpu' }, {
          tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'gpu', effect: 'NoSchedule' }],
          affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: ['n45', 'n46', 'n47', 'n48', 'n49'] }] }] } } },
        }),
      );
    }
    for (let i = 0; i < 120; i++) {
      pods.push(
        pod(`spread-${i}`, { app: 'spread' }, {
          topologySpreadConstraints: [{ maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { app: 'spread' } } }],
        }),
      );
    }
    for (let i = 0; i < 30; i++) {
      pods.push(
        pod(`anti-${i}`, { app: 'anti' }, {
          affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: { app: 'anti' } } }] } },
        }),
      );
    }
    // Create in parallel batches (bounded), as a controller would.
    for (let i = 0; i < pods.length; i += 50) await Promise.all(pods.slice(i, i + 50).map((p) => cp.client.create(RT.pods, NS, p)));
    const bound = await waitFor('all 500 bound', async () => {
      const all = await listItems<Pod>(cp.client, RT.pods, NS);
      return all.length === 500 && all.every((p) => p.spec?.nodeName) ? all : undefined;
    }, 60_000, 200);
    const byApp = (app: string) => bound.filter((p) => p.metadata?.labels?.app === app);
    for (const p of bound) {
      const i = nodeIndex(p.spec!.nodeName!);
      if (isGpu(i)) assert.equal(p.metadata?.labels?.app, 'gpu', `${p.metadata?.name} landed on tainted node ${p.spec?.nodeName}`);
      const sched = p.status?.conditions?.find((c) => c.type === 'PodScheduled');
      assert.equal(sched?.status, 'True', `${p.metadata?.name} PodScheduled condition`);
    }
    for (const p of byApp('ssd')) assert.ok(isSsd(nodeIndex(p.spec!.nodeName!)), `${p.metadata?.name} on ${p.spec?.nodeName}`);
    for (const p of byApp('gpu')) assert.ok(isGpu(nodeIndex(p.spec!.nodeName!)), `${p.metadata?.name} on ${p.spec?.nodeName}`);
    const zoneCounts = ZONES.map((z) => byApp('spread').filter((p) => ZONES[nodeIndex(p.spec!.nodeName!) % 3] === z).length);
    assert.ok(Math.max(...zoneCounts) - Math.min(...zoneCounts) <= 1, `zone skew ${zoneCounts}`);
    const antiNodes = new Set(byApp('anti').map((p) => p.spec!.nodeName));
    assert.equal(antiNodes.size, 30, 'anti-affinity pods each on their own node');
    // Capacity respected: the sum of CPU requests per node stays within allocatable.
    const cpuByNode = new Map<string, number>();
    for (const p of bound) cpuByNode.set(p.spec!.nodeName!, (cpuByNode.get(p.spec!.nodeName!) ?? 0) + Number.parseInt(p.spec!.containers[0].resources!.requests!.cpu as string, 10));
    for (const [n, m] of cpuByNode) assert.ok(m <= (nodeIndex(n) < 20 ? 4000 : 8000), `${n} over-committed: ${m}m`);
  });

  test('an unschedulable pod gets FailedScheduling with upstream\'s message, then binds once a matching node appears', async () => {
    await cp.client.create(RT.pods, NS, pod('waiting', { app: 'waiting' }, { nodeSelector: { 'gpu-model': 'a100' } }));
    const want =
      "0/50 nodes are available: 45 node(s) didn't match Pod's node affinity/selector, 5 node(s) had untolerated taint {dedicated: gpu}. preemption: 0/50 nodes are available: 50 Preemption is not helpful for scheduling.";
    const ev = await waitFor('FailedScheduling event', async () => {
      const evs = await listItems<Event>(cp.client, RT.events, NS, undefined);
      return evs.find((e) => e.involvedObject?.name === 'waiting' && e.reason === 'FailedScheduling');
    });
    assert.equal(ev.type, 'Warning');
    assert.equal(ev.message, want);
    assert.equal(ev.source?.component ?? ev.reportingComponent, 'default-scheduler');
    const p = await cp.client.get<K<Pod>>(RT.pods, NS, 'waiting');
    const cond = p.status?.conditions?.find((c) => c.type === 'PodScheduled');
    assert.equal(cond?.status, 'False');
    assert.equal(cond?.reason, 'Unschedulable');
    assert.equal(cond?.message, want);
    assert.equal(p.spec?.nodeName, undefined);

    await cp.client.create(RT.nodes, undefined, makeNode('gpu-node', { cpu: '8', labels: { 'gpu-model': 'a100' }, ready: 'True' }) as K<Node>);
    const bound = await waitFor('bound to the new node', async () => {
      const p = await cp.client.get<K<Pod>>(RT.pods, NS, 'waiting');
      return p.spec?.nodeName ? p : undefined;
    });
    assert.equal(bound.spec?.nodeName, 'gpu-node');
    const evs = await listItems<Event>(cp.client, RT.events, NS);
    const scheduled = evs.find((e) => e.involvedObject?.name === 'waiting' && e.reason === 'Scheduled');
    assert.equal(scheduled?.message, `Successfully assigned ${NS}/waiting to gpu-node`);
  });
});

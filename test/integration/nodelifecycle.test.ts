// Node failure end to end on the real API server: three hollow nodes, a ReplicaSet spread over
// them; one node's agent stops, its lease expires (short grace period), the node lifecycle
// controller marks it Unknown and taints it, the taint-eviction controller evicts its pods and the
// ReplicaSet replaces them on the healthy nodes. Deleting the dead node lets the pod GC force-delete
// the pods stuck terminating there. The root CA publisher fills kube-root-ca.crt meanwhile.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ConfigMap, Event, Node, Pod } from 'kubernetes-types/core/v1.js';
import pino from 'pino';
import { InProcessTransport } from '../../src/client/inprocess-transport.js';
import { RestClient } from '../../src/client/rest-client.js';
import { CONTROLLER_CONSTRUCTORS, ControllerManager } from '../../src/controllers/manager.js';
import { type K, ensureNamespace, listItems, podTemplate, RT, startControlPlane, waitFor, type ControlPlane } from './controllers-harness.js';

const NS = 'lifecycle-it';
const MINE = ['nodelifecycle', 'podgc', 'root-ca-cert-publisher'];
const CA = '-----BEGIN CERTIFICATE-----\nMIIBtest\n-----END CERTIFICATE-----\n';
let cp: ControlPlane;
let mine: ControllerManager;

before(async () => {
  cp = await startControlPlane({ nodes: 3, controllers: Object.keys(CONTROLLER_CONSTRUCTORS).filter((n) => !MINE.includes(n)) });
  const client = new RestClient(new InProcessTransport(cp.api.handler, { username: 'system:kube-controller-manager', groups: ['system:masters'] }), { userAgent: 'nodelifecycle-it' });
  mine = new ControllerManager(client, {
    controllers: MINE,
    logger: pino({ level: process.env.SKIFF_LOG_LEVEL ?? 'silent' }),
    clusterCaPem: CA,
    // Longer than the agents' 10 s lease renewal, so only a stopped agent misses it.
    nodeLifecycle: { nodeMonitorGracePeriodMs: 12_000, nodeMonitorPeriodMs: 250 },
    podGC: { gcCheckPeriodMs: 250, quarantineMs: 500 },
  });
  await mine.start();
  await ensureNamespace(cp.client, NS);
});
after(async () => {
  await mine?.stop();
  await cp?.stop();
});

test('a silent node goes Unknown, is tainted, its pods are evicted and replaced elsewhere, and GC clears them once the node is deleted', async () => {
  const ca = await waitFor('kube-root-ca.crt published', () => cp.client.get<K<ConfigMap>>(RT.configmaps, NS, 'kube-root-ca.crt').catch(() => undefined));
  assert.equal(ca.data?.['ca.crt'], CA);

  const tolerations = [
    { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 1 },
    { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 1 },
  ];
  await cp.client.create(RT.replicasets, NS, {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: { name: 'web' },
    spec: {
      replicas: 6,
      selector: { matchLabels: { app: 'web' } },
      template: { metadata: { labels: { app: 'web' } }, spec: { ...podTemplate({}).spec, tolerations } },
    },
  });
  const ready = async () => (await listItems<Pod>(cp.client, RT.pods, NS, 'app=web')).filter((p) => !p.metadata?.deletionTimestamp && p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
  const pods = await waitFor('6 ready pods', async () => {
    const r = await ready();
    return r.length === 6 ? r : undefined;
  }, 30_000);

  const victim = pods[0].spec!.nodeName!;
  const onVictim = pods.filter((p) => p.spec?.nodeName === victim).map((p) => p.metadata!.name!);
  const agent = cp.nodes!.agents[Number(victim.split('-').pop())];
  await agent.stop();

  const node = await waitFor('victim Unknown and tainted', async () => {
    const n = await cp.client.get<K<Node>>(RT.nodes, undefined, victim);
    const r = n.status?.conditions?.find((c) => c.type === 'Ready');
    const keys = (n.spec?.taints ?? []).map((t) => `${t.key}:${t.effect}`);
    return r?.status === 'Unknown' && keys.includes('node.kubernetes.io/unreachable:NoExecute') && keys.includes('node.kubernetes.io/unreachable:NoSchedule') ? n : undefined;
  }, 20_000);
  const r = node.status!.conditions!.find((c) => c.type === 'Ready')!;
  assert.equal(r.reason, 'NodeStatusUnknown');
  assert.equal(r.message, 'Kubelet stopped posting node status.');

  await waitFor('victim pods evicted', async () => {
    const all = await listItems<Pod>(cp.client, RT.pods, NS, 'app=web');
    return onVictim.every((name) => {
      const p = all.find((x) => x.metadata?.name === name);
      return !p || p.metadata?.deletionTimestamp;
    });
  }, 20_000);
  const events = await listItems<Event>(cp.client, RT.events, NS);
  for (const name of onVictim) {
    assert.ok(events.some((e) => e.reason === 'TaintManagerEviction' && e.message === `Marking for deletion Pod ${NS}/${name}`), `eviction event for ${name}`);
  }
  await waitFor('6 ready replacements on healthy nodes', async () => {
    const r = await ready();
    return r.length === 6 && r.every((p) => p.spec?.nodeName !== victim);
  }, 30_000);

  // The evicted pods wait for a kubelet that never comes back; deleting the node lets pod GC finish them.
  await cp.client.delete(RT.nodes, undefined, victim);
  await waitFor('no pods left on the deleted node', async () => (await listItems<Pod>(cp.client, RT.pods, NS)).every((p) => p.spec?.nodeName !== victim), 20_000);
});

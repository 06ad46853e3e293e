// The official JavaScript client (@kubernetes/client-node) lists, watches and runs an informer against Skiff.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as k8s from '@kubernetes/client-node';
import { startSkiff, type ServerHandle } from './harness.js';

async function until(cond: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting for condition');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('@kubernetes/client-node against skiff server', () => {
  let s: ServerHandle;
  let kc: k8s.KubeConfig;
  before(async () => {
    s = await startSkiff();
    kc = new k8s.KubeConfig();
    kc.loadFromFile(s.kubeconfig);
  });
  after(async () => {
    await s?.stop();
  });

  test('create and list', async () => {
    const core = kc.makeApiClient(k8s.CoreV1Api);
    await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'from-client', labels: { via: 'client-node' } }, data: { a: 'b' } } });
    const list = await core.listNamespacedConfigMap({ namespace: 'default', labelSelector: 'via=client-node' });
    assert.deepEqual(list.items.map((i) => i.metadata?.name), ['from-client']);
    const apps = kc.makeApiClient(k8s.AppsV1Api);
    const d = await apps.createNamespacedDeployment({
      namespace: 'default',
      body: {
        metadata: { name: 'cn' },
        spec: { selector: { matchLabels: { app: 'cn' } }, template: { metadata: { labels: { app: 'cn' } }, spec: { containers: [{ name: 'c', image: 'skiff/pause' }] } } },
      },
    });
    assert.equal(d.spec?.replicas, 1);
    assert.equal(d.metadata?.generation, 1);
  });

  test('watch delivers ADDED, MODIFIED and DELETED', async () => {
    const core = kc.makeApiClient(k8s.CoreV1Api);
    const events: string[] = [];
    const w = new k8s.Watch(kc);
    const req = await w.watch(
      '/api/v1/namespaces/default/configmaps',
      { labelSelector: 'watch=me' },
      (type: string, obj: k8s.V1ConfigMap) => events.push(`${type}:${obj.metadata?.name}`),
      () => undefined,
    );
    try {
      await new Promise((r) => setTimeout(r, 200));
      await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'w1', labels: { watch: 'me' } } } });
      await core.patchNamespacedConfigMap({ namespace: 'default', name: 'w1', body: { data: { x: 'y' } } }, k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch));
      await core.deleteNamespacedConfigMap({ namespace: 'default', name: 'w1' });
      await until(() => events.length >= 3);
      assert.deepEqual(events, ['ADDED:w1', 'MODIFIED:w1', 'DELETED:w1']);
    } finally {
      req.abort();
    }
  });

  test('an informer sees the initial list and later changes', async () => {
    const core = kc.makeApiClient(k8s.CoreV1Api);
    await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'inf-0', labels: { inf: 'yes' } } } });
    const informer = k8s.makeInformer(kc, '/api/v1/namespaces/default/configmaps', () => core.listNamespacedConfigMap({ namespace: 'default', labelSelector: 'inf=yes' }), 'inf=yes');
    const seen = new Set<string>();
    informer.on('add', (o: k8s.V1ConfigMap) => seen.add(`add:${o.metadata?.name}`));
    informer.on('delete', (o: k8s.V1ConfigMap) => seen.add(`delete:${o.metadata?.name}`));
    await informer.start();
    try {
      await until(() => seen.has('add:inf-0'));
      await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'inf-1', labels: { inf: 'yes' } } } });
      await core.deleteNamespacedConfigMap({ namespace: 'default', name: 'inf-0' });
      await until(() => seen.has('add:inf-1') && seen.has('delete:inf-0'));
      assert.equal(informer.list().map((o) => o.metadata?.name).join(','), 'inf-1');
    } finally {
      await informer.stop();
    }
  });
});

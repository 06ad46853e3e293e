// Deployments and ReplicaSets against the real API server with the controller manager, the
// scheduler and hollow nodes: create → RS → pods Ready, rolling update (with the status sequence
// `kubectl rollout status` derives its lines from), rollback, pause/resume, scale, adoption.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Deployment, DeploymentStatus, ReplicaSet } from 'kubernetes-types/apps/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { WatchHandle } from '../../src/client/api.js';
import { type K, ensureNamespace, listItems, podTemplate, RT, startControlPlane, waitFor, type ControlPlane } from './controllers-harness.js';

let cp: ControlPlane;
const NS = 'deploy-it';

before(async () => {
  cp = await startControlPlane({ nodes: 3 });
  await ensureNamespace(cp.client, NS);
});
after(async () => {
  await cp?.stop();
});

function deployment(name: string, replicas: number, image: string, strategy?: NonNullable<Deployment['spec']>['strategy']): K<Deployment> {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: NS },
    spec: { replicas, selector: { matchLabels: { app: name } }, template: podTemplate({ app: name }, { image }), ...(strategy ? { strategy } : {}) },
  };
}

const getDeploy = (name: string) => cp.client.get<K<Deployment>>(RT.deployments, NS, name);

/** The line kubectl's DeploymentStatusViewer prints for a deployment (rollout status). */
function rolloutLine(d: Deployment): string {
  const name = d.metadata!.name;
  const st: DeploymentStatus = d.status ?? {};
  if ((d.metadata!.generation ?? 0) > (st.observedGeneration ?? 0)) return 'Waiting for deployment spec update to be observed...';
  const want = d.spec?.replicas ?? 1;
  const updated = st.updatedReplicas ?? 0;
  const total = st.replicas ?? 0;
  const avail = st.availableReplicas ?? 0;
  if (updated < want) return `Waiting for deployment "${name}" rollout to finish: ${updated} out of ${want} new replicas have been updated...`;
  if (total > updated) return `Waiting for deployment "${name}" rollout to finish: ${total - updated} old replicas are pending termination...`;
  if (avail < updated) return `Waiting for deployment "${name}" rollout to finish: ${avail} of ${updated} updated replicas are available...`;
  return `deployment "${name}" successfully rolled out`;
}

function isComplete(d: Deployment): boolean {
  return rolloutLine(d).endsWith('successfully rolled out') && (d.status?.availableReplicas ?? 0) === (d.spec?.replicas ?? 1);
}

async function ownedReplicaSets(name: string): Promise<ReplicaSet[]> {
  const d = await getDeploy(name);
  const rss = await listItems<ReplicaSet>(cp.client, RT.replicasets, NS);
  return rss.filter((rs) => rs.metadata?.ownerReferences?.some((o) => o.uid === d.metadata!.uid && o.controller));
}

function watchLines(name: string): { lines: string[]; statuses: DeploymentStatus[]; stop(): void } {
  const lines: string[] = [];
  const statuses: DeploymentStatus[] = [];
  const h: WatchHandle = cp.client.watch<K<Deployment>>(RT.deployments, NS, { fieldSelector: `metadata.name=${name}` }, {
    onEvent(ev) {
      if (ev.type !== 'ADDED' && ev.type !== 'MODIFIED') return;
      statuses.push(ev.object.status ?? {});
      const l = rolloutLine(ev.object);
      if (lines.at(-1) !== l) lines.push(l);
    },
    onClose() {},
  });
  return { lines, statuses, stop: () => h.stop() };
}

describe('Deployment controller against the real API server', () => {
  test('create → ReplicaSet → 3 pods scheduled, Running and Ready; status reports available', async () => {
    await cp.client.create(RT.deployments, NS, deployment('web', 3, 'nginx:1.25'));
    const d = await waitFor('web available', async () => {
      const d = await getDeploy('web');
      return isComplete(d) ? d : undefined;
    });
    assert.equal(d.metadata?.annotations?.['deployment.kubernetes.io/revision'], '1');
    assert.equal(d.status?.readyReplicas, 3);
    assert.equal(d.status?.observedGeneration, d.metadata?.generation);
    const conds = Object.fromEntries((d.status?.conditions ?? []).map((c) => [c.type, c]));
    assert.equal(conds.Available?.status, 'True');
    assert.equal(conds.Available?.reason, 'MinimumReplicasAvailable');
    assert.equal(conds.Progressing?.reason, 'NewReplicaSetAvailable');
    const [rs] = await ownedReplicaSets('web');
    assert.ok(rs, 'a ReplicaSet owned by the deployment');
    const hash = rs.metadata!.labels!['pod-template-hash'];
    assert.equal(rs.metadata!.name, `web-${hash}`);
    assert.equal(rs.status?.readyReplicas, 3);
    const pods = await listItems<Pod>(cp.client, RT.pods, NS, 'app=web');
    assert.equal(pods.length, 3);
    for (const p of pods) {
      assert.match(p.metadata!.name!, new RegExp(`^web-${hash}-[a-z0-9]{5}$`));
      assert.equal(p.metadata?.ownerReferences?.[0]?.uid, rs.metadata!.uid);
      assert.match(p.spec?.nodeName ?? '', /^skiff-sim-\d$/);
      assert.equal(p.status?.phase, 'Running');
      assert.equal(p.status?.conditions?.find((c) => c.type === 'Ready')?.status, 'True');
    }
  });

  test('rolling update to completion: status sequence as kubectl rollout status prints it, surge/unavailability bounds kept', async () => {
    await cp.client.create(
      RT.deployments,
      NS,
      deployment('roll', 4, 'nginx:1.25', { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } }),
    );
    await waitFor('roll available', async () => isComplete(await getDeploy('roll')));
    const w = watchLines('roll');
    try {
      await cp.client.patch(RT.deployments, NS, 'roll', 'strategic', { spec: { template: { spec: { containers: [{ name: 'app', image: 'nginx:1.26' }] } } } });
      const d = await waitFor('roll updated', async () => {
        const d = await getDeploy('roll');
        return d.metadata!.annotations?.['deployment.kubernetes.io/revision'] === '2' && isComplete(d) ? d : undefined;
      });
      assert.equal(d.status?.updatedReplicas, 4);
      await waitFor('final watch event', () => w.lines.at(-1) === 'deployment "roll" successfully rolled out');
      // maxSurge 1 / maxUnavailable 0: never more than 5 pods, never fewer than 4 available.
      for (const st of w.statuses) {
        assert.ok((st.replicas ?? 0) <= 5, `replicas ${st.replicas} exceeds replicas+maxSurge`);
        assert.ok((st.availableReplicas ?? 0) >= 4 || (st.replicas ?? 0) === 0, `available ${st.availableReplicas} below replicas-maxUnavailable`);
      }
      const progress = w.lines.filter((l) => l.includes('new replicas have been updated'));
      assert.ok(progress.includes('Waiting for deployment "roll" rollout to finish: 1 out of 4 new replicas have been updated...'), w.lines.join('\n'));
      assert.ok(w.lines.some((l) => /\d old replicas are pending termination/.test(l)), w.lines.join('\n'));
      // updated count never goes backwards during one rollout
      const counts = progress.map((l) => Number(/: (\d+) out of/.exec(l)![1]));
      assert.deepEqual(counts, [...counts].sort((a, b) => a - b));
      const rss = await ownedReplicaSets('roll');
      assert.equal(rss.length, 2);
      const old = rss.find((rs) => rs.metadata!.annotations!['deployment.kubernetes.io/revision'] === '1')!;
      assert.equal(old.spec?.replicas, 0);
      const pods = await listItems<Pod>(cp.client, RT.pods, NS, 'app=roll');
      await waitFor('old pods gone', async () => (await listItems<Pod>(cp.client, RT.pods, NS, 'app=roll')).length === 4);
      assert.ok(pods.every((p) => p.spec?.containers[0].image === 'nginx:1.26' || p.metadata?.deletionTimestamp));
    } finally {
      w.stop();
    }
  });

  test('rollback to the previous template re-uses the old ReplicaSet with the next revision', async () => {
    const rsBefore = await ownedReplicaSets('roll');
    const rev1 = rsBefore.find((rs) => rs.metadata!.annotations!['deployment.kubernetes.io/revision'] === '1')!;
    // What `kubectl rollout undo` does: put revision 1's template back (without the hash label).
    const tmpl = structuredClone(rev1.spec!.template!);
    delete tmpl.metadata!.labels!['pod-template-hash'];
    const d = await getDeploy('roll');
    await cp.client.patch(RT.deployments, NS, 'roll', 'json', [
      { op: 'test', path: '/metadata/resourceVersion', value: d.metadata!.resourceVersion },
      { op: 'replace', path: '/spec/template', value: tmpl },
    ]);
    await waitFor('rolled back', async () => {
      const d = await getDeploy('roll');
      return d.metadata!.annotations?.['deployment.kubernetes.io/revision'] === '3' && isComplete(d) && d.status?.updatedReplicas === 4;
    });
    const rss = await ownedReplicaSets('roll');
    assert.equal(rss.length, 2, 'no new ReplicaSet for a known template');
    const reused = rss.find((rs) => rs.metadata!.uid === rev1.metadata!.uid)!;
    assert.equal(reused.metadata!.annotations!['deployment.kubernetes.io/revision'], '3');
    assert.equal(reused.spec?.replicas, 4);
    assert.equal(reused.metadata!.annotations!['deployment.kubernetes.io/revision-history'], '1');
    await waitFor('pods back on 1.25', async () => {
      const pods = await listItems<Pod>(cp.client, RT.pods, NS, 'app=roll');
      return pods.length === 4 && pods.every((p) => p.spec?.containers[0].image === 'nginx:1.25');
    });
  });

  test('pause holds template changes (no new ReplicaSet) and reports Progressing=Unknown/DeploymentPaused; resume rolls out', async () => {
    await cp.client.patch(RT.deployments, NS, 'web', 'merge', { spec: { paused: true } });
    await waitFor('paused condition', async () => {
      const d = await getDeploy('web');
      const c = d.status?.conditions?.find((c) => c.type === 'Progressing');
      return c?.reason === 'DeploymentPaused' && c.status === 'Unknown' && d.status?.observedGeneration === d.metadata?.generation;
    });
    await cp.client.patch(RT.deployments, NS, 'web', 'strategic', { spec: { template: { spec: { containers: [{ name: 'app', image: 'nginx:1.27' }] } } } });
    await waitFor('paused change observed', async () => {
      const d = await getDeploy('web');
      return d.status?.observedGeneration === d.metadata?.generation;
    });
    assert.equal((await ownedReplicaSets('web')).length, 1, 'a paused deployment does not roll out');
    // Scaling a paused deployment still works.
    await cp.client.patch(RT.deployments, NS, 'web', 'merge', { spec: { replicas: 4 } });
    await waitFor('scaled while paused', async () => (await getDeploy('web')).status?.availableReplicas === 4);
    await cp.client.patch(RT.deployments, NS, 'web', 'merge', { spec: { paused: false } });
    const d = await waitFor('resumed and rolled out', async () => {
      const d = await getDeploy('web');
      return d.metadata!.annotations?.['deployment.kubernetes.io/revision'] === '2' && isComplete(d) && d.status?.updatedReplicas === 4 ? d : undefined;
    });
    assert.equal(d.status?.conditions?.find((c) => c.type === 'Progressing')?.reason, 'NewReplicaSetAvailable');
  });

  test('scale through the scale subresource up and down', async () => {
    const scale = await cp.client.patch<{ kind?: string; spec?: { replicas?: number }; status?: { selector?: string } }>(RT.deployments, NS, 'web', 'merge', { spec: { replicas: 6 } }, { subresource: 'scale' });
    assert.equal(scale.kind, 'Scale');
    assert.equal(scale.spec?.replicas, 6);
    assert.equal(scale.status?.selector, 'app=web');
    await waitFor('6 available', async () => (await getDeploy('web')).status?.availableReplicas === 6);
    await cp.client.patch(RT.deployments, NS, 'web', 'merge', { spec: { replicas: 1 } }, { subresource: 'scale' });
    await waitFor('1 pod left', async () => {
      const pods = await listItems<Pod>(cp.client, RT.pods, NS, 'app=web');
      return pods.length === 1 && (await getDeploy('web')).status?.replicas === 1;
    });
  });
});

describe('ReplicaSet controller: adoption and release', () => {
  test('a relabelled pod is released (ownerReference removed) and replaced; an orphan matching the selector is adopted', async () => {
    await cp.client.create(RT.replicasets, NS, {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: { name: 'rs1', namespace: NS },
      spec: { replicas: 2, selector: { matchLabels: { app: 'rs1' } }, template: podTemplate({ app: 'rs1' }) },
    });
    const rs = await waitFor('rs1 ready', async () => {
      const rs = await cp.client.get<K<ReplicaSet>>(RT.replicasets, NS, 'rs1');
      return rs.status?.readyReplicas === 2 ? rs : undefined;
    });
    const [victim] = await listItems<Pod>(cp.client, RT.pods, NS, 'app=rs1');
    await cp.client.patch(RT.pods, NS, victim.metadata!.name!, 'merge', { metadata: { labels: { app: 'loose' } } });
    await waitFor('released', async () => {
      const p = await cp.client.get<K<Pod>>(RT.pods, NS, victim.metadata!.name!);
      return !(p.metadata?.ownerReferences ?? []).some((o) => o.uid === rs.metadata!.uid);
    });
    await waitFor('replacement', async () => (await listItems<Pod>(cp.client, RT.pods, NS, 'app=rs1')).filter((p) => !p.metadata?.deletionTimestamp).length === 2);
    // A bare pod that matches the selector is adopted, and the RS scales down to 2 again.
    await cp.client.create(RT.pods, NS, { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'stray', namespace: NS, labels: { app: 'rs1' } }, spec: podTemplate({}).spec });
    await waitFor('stray adopted or removed, 2 pods', async () => {
      const pods = (await listItems<Pod>(cp.client, RT.pods, NS, 'app=rs1')).filter((p) => !p.metadata?.deletionTimestamp);
      return pods.length === 2 && pods.every((p) => p.metadata?.ownerReferences?.some((o) => o.uid === rs.metadata!.uid && o.controller));
    });
    const released = await cp.client.get<K<Pod>>(RT.pods, NS, victim.metadata!.name!);
    assert.equal(released.metadata?.labels?.app, 'loose');
    assert.equal(released.metadata?.deletionTimestamp, undefined);
  });
});

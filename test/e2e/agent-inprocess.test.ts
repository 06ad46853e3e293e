// The node agent against an in-process API server: static pods and their mirror pods (simulated
// runtime), and on the process runtime the image pull errors, Service environment variables and
// the pod's /etc/resolv.conf and /etc/hosts. As root the file re-runs itself inside
// ../shared/tools/in-netns (the agent's runtime is created without pod networks anyway).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import pino from 'pino';
import type { Event, Pod } from 'kubernetes-types/core/v1.js';
import { startTestCluster, type TestCluster } from '../integration/cluster.js';
import { findByKind } from '../../src/api/registry.js';
import type { KubeObject } from '../../src/client/api.js';
import { NodeAgent } from '../../src/agent/agent.js';
import { SimulatedRuntime } from '../../src/agent/runtime/simulated/simulated-runtime.js';
import { ProcessRuntime } from '../../src/agent/runtime/process/process-runtime.js';
import { MIRROR_ANNOTATION } from '../../src/agent/static-pods.js';
import { ROOT, rerunInFreshNetns, until } from './harness.js';

const isRoot = process.getuid?.() === 0;

if (isRoot && !process.env.SKIFF_TEST_NETNS) {
  rerunInFreshNetns('node agent in-process scenarios', import.meta.url, 90_000);
} else {
  scenarios();
}

const podsRT = findByKind('', 'Pod')!;
const nodesRT = findByKind('', 'Node')!;
const eventsRT = findByKind('', 'Event')!;
const svcRT = findByKind('', 'Service')!;
const nsRT = findByKind('', 'Namespace')!;
type K<T> = T & KubeObject;


function scenarios(): void {
  let cluster: TestCluster;
  const dir = mkdtempSync(join(tmpdir(), 'skiff-agent-inproc-'));
  const log = pino({ level: process.env.SKIFF_LOG_LEVEL ?? 'silent' });
  const getPod = (ns: string, name: string) => cluster.client.get<K<Pod>>(podsRT, ns, name);
  const eventsOf = async (ns: string, name: string) => (await cluster.client.list<K<Event>>(eventsRT, ns)).items.filter((e) => e.involvedObject.name === name);

  before(async () => {
    cluster = await startTestCluster();
  });
  after(async () => {
    await cluster.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  describe('static pods', () => {
    let agent: NodeAgent;
    const manifests = join(dir, 'manifests');
    before(async () => {
      spawnSync('mkdir', ['-p', manifests]);
      writeFileSync(
        join(manifests, 'web.yaml'),
        'apiVersion: v1\nkind: Pod\nmetadata: {name: web, namespace: default, labels: {tier: static}}\nspec:\n  containers: [{name: web, image: skiff/pause}]\n',
      );
      agent = new NodeAgent(cluster.client, new SimulatedRuntime('10.244.9.0/24', '10.255.9.2'), {
        nodeName: 'static-node',
        dataDir: join(dir, 'static-node'),
        logger: log,
        nodeIP: '10.255.9.2',
        simulated: true,
        manifestDir: manifests,
        manifestPollMs: 100,
      });
      await agent.start();
    });
    after(() => agent.stop());

    test('a manifest runs as a static pod mirrored into the API', async () => {
      const node = await cluster.client.get<K<{ metadata: { uid?: string } }>>(nodesRT, undefined, 'static-node');
      const mirror = await until('the mirror pod Running', async () => {
        const p = await getPod('default', 'web-static-node');
        return p.status?.phase === 'Running' ? p : undefined;
      });
      assert.ok(mirror.metadata?.annotations?.[MIRROR_ANNOTATION], 'mirror annotation');
      assert.equal(mirror.metadata?.annotations?.['kubernetes.io/config.source'], 'file');
      assert.deepEqual(mirror.metadata?.ownerReferences?.map((o) => [o.kind, o.name, o.uid, o.controller]), [['Node', 'static-node', node.metadata.uid, true]]);
      assert.equal(mirror.spec?.nodeName, 'static-node');
      assert.equal(mirror.metadata?.labels?.tier, 'static');

      // Deleting the mirror pod does not stop the static pod: the mirror comes back, with status.
      await cluster.client.delete(podsRT, 'default', 'web-static-node');
      const again = await until('a new mirror pod', async () => {
        const p = await getPod('default', 'web-static-node');
        return p.metadata?.uid !== mirror.metadata?.uid && !p.metadata?.deletionTimestamp && p.status?.phase === 'Running' ? p : undefined;
      });
      assert.ok(again.status?.containerStatuses?.[0]?.ready);

      // Removing the manifest stops the pod and removes the mirror.
      unlinkSync(join(manifests, 'web.yaml'));
      await until('the mirror pod gone', async () => {
        try {
          await getPod('default', 'web-static-node');
          return false;
        } catch (e) {
          return (e as { code?: number }).code === 404;
        }
      });
    });
  });

  describe('process runtime pods', () => {
    let agent: NodeAgent;
    const dataDir = join(dir, 'proc-node');
    const logOf = (p: Pod, container: string) => readFileSync(join(dataDir, 'pods', p.metadata!.uid!, container, '0.log'), 'utf8').replace(/^\S+ std(out|err) [FP] /gm, '');
    const create = (ns: string, spec: Pod['spec'], name: string, meta: Partial<NonNullable<Pod['metadata']>> = {}) =>
      cluster.client.create<K<Pod>>(podsRT, ns, { apiVersion: 'v1', kind: 'Pod', metadata: { name, ...meta }, spec: { nodeName: 'proc-node', ...spec! } } as K<Pod>);
    const finished = (ns: string, name: string) =>
      until(`${name} to complete`, async () => {
        const p = await getPod(ns, name);
        return p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed' ? p : undefined;
      });

    before(async () => {
      const runtime = await ProcessRuntime.create({ dataDir, podNetwork: false, logger: log });
      agent = new NodeAgent(cluster.client, runtime, { nodeName: 'proc-node', dataDir, logger: log, staticPods: false, clusterDNS: '10.96.0.10' });
      await agent.start();
      await cluster.client.create(nsRT, undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team' } });
      await cluster.client.create(svcRT, 'team', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web-api' }, spec: { selector: { app: 'web' }, ports: [{ port: 80, targetPort: 8080 }] } } as KubeObject);
    });
    after(() => agent.stop());

    test('an image the runtime cannot provide: ErrImagePull, then ImagePullBackOff', async () => {
      await create('default', { containers: [{ name: 'web', image: 'nginx:1.17' }] }, 'pull-fails');
      const seen = new Set<string>();
      await until('ImagePullBackOff', async () => {
        const w = (await getPod('default', 'pull-fails')).status?.containerStatuses?.[0]?.state?.waiting;
        if (w?.reason) seen.add(w.reason);
        return w?.reason === 'ImagePullBackOff' ? w : undefined;
      });
      assert.ok(seen.has('ImagePullBackOff'));
      const w = (await getPod('default', 'pull-fails')).status!.containerStatuses![0].state!.waiting!;
      assert.match(w.message!, /^Back-off pulling image "nginx:1\.17": ErrImagePull: image "nginx:1\.17" is not a Skiff built-in image and the container has no command/);
      const msgs = (await eventsOf('default', 'pull-fails')).map((e) => `${e.type} ${e.reason}: ${e.message}`);
      assert.ok(msgs.some((m) => m.startsWith('Warning Failed: Failed to pull image "nginx:1.17": image "nginx:1.17" is not a Skiff built-in image')), msgs.join('\n'));
      assert.ok(msgs.includes('Warning Failed: Error: ErrImagePull'), msgs.join('\n'));
      assert.ok(msgs.includes('Normal BackOff: Back-off pulling image "nginx:1.17"'), msgs.join('\n'));
    });

    test('imagePullPolicy Never: ErrImageNeverPull', async () => {
      await create('default', { containers: [{ name: 'app', image: 'example.com/empty-mind:v1', imagePullPolicy: 'Never' }] }, 'never-pull');
      const w = await until('ErrImageNeverPull', async () => {
        const w = (await getPod('default', 'never-pull')).status?.containerStatuses?.[0]?.state?.waiting;
        return w?.reason === 'ErrImageNeverPull' ? w : undefined;
      });
      assert.match(w.message!, /^Container image "example\.com\/empty-mind:v1" is not present with pull policy of Never: /);
    });

    test('Service environment variables: namespace services and kubernetes, user env wins, $(VAR) expands', async () => {
      const svc = await cluster.client.get<K<{ spec: { clusterIP: string } }>>(svcRT, 'team', 'web-api');
      const kube = await cluster.client.get<K<{ spec: { clusterIP: string } }>>(svcRT, 'default', 'kubernetes');
      const script = 'env | sort; echo "ref=$(WEB_API_SERVICE_HOST)"';
      await create('team', { restartPolicy: 'Never', containers: [{ name: 'env', image: 'busybox', command: ['sh', '-c', script], env: [{ name: 'WEB_API_SERVICE_PORT', value: '9999' }] }] }, 'env');
      await create('team', { restartPolicy: 'Never', enableServiceLinks: false, containers: [{ name: 'env', image: 'busybox', command: ['sh', '-c', 'env | sort'] }] }, 'no-links');
      const out = logOf(await finished('team', 'env'), 'env');
      assert.match(out, new RegExp(`^WEB_API_SERVICE_HOST=${svc.spec.clusterIP.replace(/\./g, '\\.')}$`, 'm'));
      assert.match(out, /^WEB_API_SERVICE_PORT=9999$/m, 'user env wins');
      assert.match(out, new RegExp(`^WEB_API_PORT=tcp://${svc.spec.clusterIP.replace(/\./g, '\\.')}:80$`, 'm'));
      assert.match(out, new RegExp(`^KUBERNETES_SERVICE_HOST=${kube.spec.clusterIP.replace(/\./g, '\\.')}$`, 'm'));
      assert.match(out, new RegExp(`^ref=${svc.spec.clusterIP.replace(/\./g, '\\.')}$`, 'm'));
      const noLinks = logOf(await finished('team', 'no-links'), 'env');
      assert.match(noLinks, /^KUBERNETES_SERVICE_HOST=/m);
      assert.doesNotMatch(noLinks, /WEB_API_SERVICE_HOST/);
    });

    test('the pod gets its /etc/resolv.conf and /etc/hosts (root), or an event saying why not', async () => {
      await create(
        'team',
        {
          restartPolicy: 'Never',
          hostAliases: [{ ip: '127.0.0.1', hostnames: ['foo.local'] }],
          containers: [{ name: 'dns', image: 'busybox', command: ['sh', '-c', 'cat /etc/resolv.conf /etc/hosts'] }],
        },
        'dns',
      );
      const p = await finished('team', 'dns');
      if (isRoot) {
        const out = logOf(p, 'dns');
        assert.match(out, /^nameserver 10\.96\.0\.10$/m);
        assert.match(out, /^search team\.svc\.cluster\.local svc\.cluster\.local cluster\.local/m);
        assert.match(out, /^options ndots:5$/m);
        assert.match(out, new RegExp(`^${p.status!.podIP!.replace(/\./g, '\\.')}\\tdns$`, 'm'));
        assert.match(out, /^127\.0\.0\.1\tfoo\.local$/m);
      } else {
        const msgs = (await eventsOf('team', 'dns')).map((e) => `${e.reason}: ${e.message}`);
        assert.ok(msgs.some((m) => m.startsWith('DNSConfigForming: dnsPolicy ClusterFirst is not applied: without root')), msgs.join('\n'));
      }
    });
  });
}

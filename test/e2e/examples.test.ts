// Every scenario under examples/ applied with the real kubectl and its outcome checked:
// - on a `--runtime simulated` server (always): the objects are accepted and the controllers
//   act on them (rollouts, jobs, daemonset node selection, load balancer status, …);
// - on the process runtime (root only, re-run inside ../shared/tools/in-netns): the traffic
//   paths work (NodePort, ingress fanout/virtual hosts, load balancer, config injection,
//   jobs that really run).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import http from 'node:http';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { KUBECTL, NO_KUBECTL_REASON, ROOT, startSkiff, type ServerHandle, rerunInFreshNetns, until } from './harness.js';

const EXAMPLES = join(ROOT, 'examples');
const isRoot = process.getuid?.() === 0;
const inNetns = !!process.env.SKIFF_TEST_NETNS;

if (isRoot && !inNetns) {
  rerunInFreshNetns('examples', import.meta.url, 170_000);
} else {
  simulated();
  processRuntime();
}


const ex = (...p: string[]) => join(EXAMPLES, ...p);
const json = (s: ServerHandle, args: string[]): any => JSON.parse(s.kubectlOk([...args, '-o', 'json']));
const jobComplete = (s: ServerHandle, name: string) => json(s, ['get', 'job', name]).status?.conditions?.some((c: any) => c.type === 'Complete' && c.status === 'True');

function simulated(): void {
  describe('examples on a simulated node', { skip: KUBECTL ? false : NO_KUBECTL_REASON }, () => {
    let s: ServerHandle;
    before(async () => {
      s = await startSkiff(['--runtime', 'simulated', '--datastore', 'memory', '--node-name', 'examples-sim']);
      await until('the node', () => /examples-sim\s+Ready/.test(s.kubectl(['get', 'nodes', '--no-headers']).stdout));
    });
    after(async () => {
      await s?.stop();
    });

    test('kuard-pod and hello-minikube: pods run, the service gets a node port', async () => {
      s.kubectlOk(['apply', '-f', ex('kuard-pod'), '-f', ex('hello-minikube')]);
      await until('kuard Running', () => json(s, ['get', 'pod', 'kuard']).status?.phase === 'Running');
      const pod = json(s, ['get', 'pod', 'kuard']);
      assert.equal(pod.status.qosClass, 'Burstable');
      assert.equal(pod.spec.containers[0].livenessProbe.httpGet.path, '/healthy');
      await until('hello-minikube available', () => json(s, ['get', 'deployment', 'hello-minikube']).status?.availableReplicas === 1);
      const svc = json(s, ['get', 'service', 'hello-minikube']);
      assert.equal(svc.spec.type, 'NodePort');
      assert.ok(svc.spec.ports[0].nodePort >= 30000 && svc.spec.ports[0].nodePort <= 32767);
    });

    test('rolling-update: roll to green, history, undo back to blue', async () => {
      s.kubectlOk(['apply', '-f', ex('rolling-update', 'nginx-deployment.yaml')]);
      assert.match(s.kubectlOk(['rollout', 'status', 'deployment/nginx-deployment', '--timeout=60s']), /successfully rolled out/);
      s.kubectlOk(['apply', '-f', ex('rolling-update', 'nginx-deployment-green.yaml')]);
      assert.match(s.kubectlOk(['rollout', 'status', 'deployment/nginx-deployment', '--timeout=60s']), /successfully rolled out/);
      const history = s.kubectlOk(['rollout', 'history', 'deployment/nginx-deployment']);
      assert.match(history, /1\s+Initial blue kuard/);
      assert.match(history, /2\s+Update to green kuard/);
      s.kubectlOk(['rollout', 'undo', 'deployment/nginx-deployment']);
      assert.match(s.kubectlOk(['rollout', 'status', 'deployment/nginx-deployment', '--timeout=60s']), /successfully rolled out/);
      assert.equal(json(s, ['get', 'deployment', 'nginx-deployment']).spec.template.spec.containers[0].image, 'gcr.io/kuar-demo/kuard-amd64:blue');
      const rs = json(s, ['get', 'rs', '-l', 'app=nginx']).items;
      assert.equal(rs.length, 2, 'one ReplicaSet per template');
    });

    test('bank: web tier, headless database service, autoscaler (the load balancer runs with real nodes)', async () => {
      const out = s.kubectlOk(['apply', '-f', ex('bank', 'deploy')]);
      for (const o of ['deployment.apps/webserver-deployment', 'service/webserver-service', 'service/mysql-service', 'deployment.apps/mysql', 'horizontalpodautoscaler.autoscaling/webserver-autoscaler']) assert.match(out, new RegExp(`${o} created`));
      await until('2 web replicas', () => json(s, ['get', 'deployment', 'webserver-deployment']).status?.readyReplicas === 2);
      assert.equal(json(s, ['get', 'service', 'mysql-service']).spec.clusterIP, 'None');
      await until('mysql-service endpoints', () => json(s, ['get', 'endpoints', 'mysql-service']).subsets?.[0]?.addresses?.length === 1);
      assert.match(s.kubectlOk(['get', 'hpa', 'webserver-autoscaler']), /webserver-autoscaler\s+Deployment\/webserver-deployment\s+.*\s2\s+5\s/);
    });

    test('config-injection: the pod starts once its ConfigMap and Secret exist', async () => {
      s.kubectlOk(['apply', '-f', ex('config-injection')]);
      await until('kuard-config Running', () => json(s, ['get', 'pod', 'kuard-config']).status?.phase === 'Running');
    });

    test('jobs: one shot, parallel (5 at a time, 10 completions) and work queue complete', async () => {
      s.kubectlOk(['apply', '-f', ex('jobs')]);
      for (const j of ['oneshot', 'parallel', 'fill-queue', 'consumers']) await until(`job ${j} complete`, () => jobComplete(s, j));
      const parallel = json(s, ['get', 'job', 'parallel']);
      assert.equal(parallel.status.succeeded, 10);
      assert.equal(json(s, ['get', 'job', 'consumers']).spec.completions, undefined, 'a work queue has no completion count');
    });

    test('cronjob: accepted, and a Job made from its template completes', async () => {
      s.kubectlOk(['apply', '-f', ex('cronjob')]);
      assert.match(s.kubectlOk(['get', 'cronjob', 'hello']), /hello\s+\* \* \* \* \*\s/);
      s.kubectlOk(['create', 'job', '--from=cronjob/hello', 'hello-manual']);
      await until('hello-manual complete', () => jobComplete(s, 'hello-manual'));
    });

    test('daemonset: a pod only on nodes labelled ssd=true', async () => {
      s.kubectlOk(['apply', '-f', ex('daemonset')]);
      const pods = () => json(s, ['get', 'pods', '-l', 'app=nginx,ssd=true']).items.filter((p: any) => !p.metadata.deletionTimestamp);
      await sleep(300);
      assert.equal(pods().length, 0, 'no node has ssd=true yet');
      s.kubectlOk(['label', 'nodes', 'examples-sim', 'ssd=true']);
      await until('a daemon pod on the labelled node', () => pods().length === 1 && pods()[0].spec.nodeName === 'examples-sim');
      s.kubectlOk(['label', 'nodes', 'examples-sim', 'ssd-']);
      await until('the daemon pod removed', () => pods().length === 0);
      s.kubectlOk(['delete', '-f', ex('daemonset')]); // its app=nginx label is the StatefulSet example's too
    });

    test('statefulset: the headless service and StatefulSet are accepted (pods and claims when the controller runs)', async () => {
      s.kubectlOk(['apply', '-f', ex('statefulset')]);
      assert.equal(json(s, ['get', 'service', 'nginx']).spec.clusterIP, 'None');
      assert.equal(json(s, ['get', 'statefulset', 'web']).spec.volumeClaimTemplates[0].metadata.name, 'www');
      await sleep(1000);
      const owned = json(s, ['get', 'pods', '-l', 'app=nginx']).items.filter((p: any) => p.metadata.ownerReferences?.[0]?.kind === 'StatefulSet');
      if (owned.length === 0) return; // no StatefulSet controller in this build
      await until('pvc www-web-0', () => json(s, ['get', 'pvc', 'www-web-0']).spec.resources.requests.storage === '1Gi');
      await until('web-0 Running', () => json(s, ['get', 'pod', 'web-0']).status?.phase === 'Running');
    });

    test('ingress: the fanout and virtual-host ingresses are accepted', () => {
      const out = s.kubectlOk(['apply', '-f', ex('ingress')]);
      assert.match(out, /ingress.networking.k8s.io\/simple-fanout-example created/);
      assert.match(s.kubectlOk(['get', 'ingress', 'name-virtual-host-ingress']), /foo\.bar\.com,bar\.foo\.com/);
    });
  });
}

function processRuntime(): void {
  const skip = !KUBECTL ? NO_KUBECTL_REASON : !inNetns ? 'the process-runtime examples need root (pod network namespaces); run as root' : false;
  describe('examples on the process runtime', { skip }, () => {
    let s: ServerHandle;
    let nodeIP = '';
    const INGRESS_HTTP = 18080;
    // node:http rather than fetch: fetch does not let a request set its Host header.
    const get = (url: string, headers: Record<string, string> = {}) =>
      new Promise<{ status: number; body: string }>((res, rej) => {
        const req = http.get(url, { headers, timeout: 3000 }, (r) => {
          let body = '';
          r.setEncoding('utf8');
          r.on('data', (c) => (body += c));
          r.on('end', () => res({ status: r.statusCode ?? 0, body }));
        });
        req.on('timeout', () => req.destroy(new Error(`GET ${url} timed out`)));
        req.on('error', rej);
      });
    const podIP = (name: string): string => json(s, ['get', 'pod', name]).status?.podIP;
    /** `kubectl logs`, or undefined (test marked TODO) while the server cannot reach the agent for logs. */
    const logsOf = (t: { todo(msg: string): void }, target: string): string | undefined => {
      const r = s.kubectl(['logs', target]);
      if (r.code !== 0 && /ServiceUnavailable.*no node agent is reachable/.test(r.stderr)) {
        t.todo('kubectl logs: this skiff server does not proxy pod logs to its node agent yet');
        return undefined;
      }
      assert.equal(r.code, 0, r.stderr);
      return r.stdout;
    };
    const ready = (name: string) => json(s, ['get', 'pod', name]).status?.conditions?.some((c: any) => c.type === 'Ready' && c.status === 'True');

    before(async () => {
      rmSync('/tmp/skiff-example-work-queue', { recursive: true, force: true });
      s = await startSkiff(['--datastore', 'memory', '--node-name', 'examples', '--ingress-ports', `${INGRESS_HTTP},18443`]);
      const node = await until('the node', () => {
        const n = json(s, ['get', 'node', 'examples']);
        return n.status?.conditions?.some((c: any) => c.type === 'Ready' && c.status === 'True') && n;
      });
      nodeIP = node.status.addresses.find((a: any) => a.type === 'InternalIP').address;
    });
    after(async () => {
      await s?.stop();
      rmSync('/tmp/skiff-example-work-queue', { recursive: true, force: true });
    });

    test('kuard-pod: probes pass and kuard answers on its pod IP', async () => {
      s.kubectlOk(['apply', '-f', ex('kuard-pod')]);
      await until('kuard Ready', () => ready('kuard'));
      assert.equal((await get(`http://${podIP('kuard')}:8080/healthy`)).status, 200);
    });

    test('hello-minikube: the echo server answers on the node port', async () => {
      s.kubectlOk(['apply', '-f', ex('hello-minikube')]);
      const nodePort = json(s, ['get', 'service', 'hello-minikube']).spec.ports[0].nodePort;
      const r = await until('the node port to answer', async () => {
        const res = await get(`http://${nodeIP}:${nodePort}/hello`);
        return res.status === 200 && res;
      });
      assert.match(r.body, /^Request served by hello-minikube-/);
      assert.match(r.body, /GET \/hello HTTP\/1\.1/);
    });

    test('config-injection: env, argument and files from the ConfigMap and Secret', async () => {
      s.kubectlOk(['apply', '-f', ex('config-injection')]);
      await until('kuard-config Ready', () => ready('kuard-config'));
      const ip = podIP('kuard-config');
      // No readiness probe here: Ready means started, so give kuard a moment to listen.
      const env = JSON.parse((await until('kuard-config to answer', () => get(`http://${ip}:8080/env`))).body);
      assert.equal(env.env.ANOTHER_PARAM, 'another-value');
      assert.equal(env.env.EXTRA_PARAM, 'extra-value');
      assert.equal(env.env.DB_USERNAME, 'admin');
      assert.equal(env.commandLine.at(-1), 'extra-value', '$(EXTRA_PARAM) expanded in the argument');
      assert.match((await get(`http://${ip}:8080/fs/config/my-config.txt`)).body, /parameter1 = value1\nparameter2 = value2/);
      assert.equal((await get(`http://${ip}:8080/fs/creds/password`)).body, 's3cr3t');
    });

    test('jobs: the three patterns run to completion, the queue is drained', async (t) => {
      s.kubectlOk(['apply', '-f', ex('jobs')]);
      for (const j of ['oneshot', 'parallel', 'fill-queue', 'consumers']) await until(`job ${j} complete`, () => jobComplete(s, j), 60_000);
      assert.equal(json(s, ['get', 'job', 'parallel']).status.succeeded, 10);
      assert.equal(readdirSync('/tmp/skiff-example-work-queue/done').length, 20, 'every work item processed');
      assert.equal(readdirSync('/tmp/skiff-example-work-queue/todo').length, 0);
      const exits = json(s, ['get', 'pods', '-l', 'job-name=oneshot']).items.map((p: any) => p.status.containerStatuses?.[0]?.state?.terminated?.exitCode);
      assert.deepEqual(exits, [0]);
      const out = logsOf(t, 'job/oneshot');
      if (out !== undefined) assert.match(out, /\(ID 0 10\/10\) Item done: [0-9a-f]{16}\n\(ID 0\) Workload exiting/);
    });

    test('cronjob: a Job from its template prints the greeting', async (t) => {
      s.kubectlOk(['apply', '-f', ex('cronjob')]);
      s.kubectlOk(['create', 'job', '--from=cronjob/hello', 'hello-manual']);
      await until('hello-manual complete', () => jobComplete(s, 'hello-manual'));
      const out = logsOf(t, 'job/hello-manual');
      if (out !== undefined) assert.match(out, /Hello from the Kubernetes cluster/);
    });

    test('ingress: fanout by path and virtual hosts by Host header', async () => {
      s.kubectlOk(['apply', '-f', ex('ingress')]);
      const via = (host: string, path: string) => get(`http://127.0.0.1:${INGRESS_HTTP}${path}`, { host });
      const foo = await until('foo.bar.com/foo routed', async () => {
        const r = await via('foo.bar.com', '/foo');
        return r.status === 200 && r;
      });
      assert.match(foo.body, /^Request served by service1-/, 'fanout /foo → service1 (echo server)');
      const bar = await until('foo.bar.com/bar routed', async () => {
        const r = await via('foo.bar.com', '/bar/healthy');
        return r.status === 200 && r;
      });
      assert.match(bar.body, /^kuard on service2-[\s\S]*\(serving \/bar\/healthy\)/, 'fanout /bar → service2 (kuard), path passed through unchanged');
      const vhost = await until('bar.foo.com routed', async () => {
        const r = await via('bar.foo.com', '/ready');
        return r.status === 200 && r;
      });
      assert.equal(vhost.body, 'ok', 'bar.foo.com → service2 (kuard /ready)');
      assert.match((await via('foo.bar.com', '/anything')).body, /^Request served by service1-/, 'foo.bar.com/ → service1');
      assert.equal((await via('unknown.example', '/')).status, 404);
    });

    test('bank: the load balancer serves the ready web pods; a failing readiness probe takes one out', async () => {
      s.kubectlOk(['apply', '-f', ex('bank', 'deploy')]);
      await until('2 ready web replicas', () => json(s, ['get', 'deployment', 'webserver-deployment']).status?.readyReplicas === 2, 60_000);
      const lb = await until('a load balancer address', () => json(s, ['get', 'service', 'webserver-service']).status?.loadBalancer?.ingress?.[0]?.ip);
      const r = await until('the load balancer to answer', async () => {
        const res = await get(`http://${lb}:80/healthy`);
        return res.status === 200 && res;
      });
      assert.equal(r.body, 'ok');
      const pods = json(s, ['get', 'pods', '-l', 'app=webserver']).items;
      await get(`http://${pods[0].status.podIP}:8080/ready/fail`);
      await until('one endpoint left', () => (json(s, ['get', 'endpoints', 'webserver-service']).subsets?.[0]?.addresses ?? []).length === 1);
      const after = json(s, ['get', 'pod', pods[0].metadata.name]);
      assert.equal(after.status.containerStatuses[0].restartCount, 0, 'readiness failures do not restart the pod');
    });
  });
}

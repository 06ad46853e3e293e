// Pod scenarios against a real `skiff server` with its node agent (process runtime) and the
// real kubectl. As root the whole test re-runs itself inside ../shared/tools/in-netns, so the
// node bridge, pod namespaces and addresses never touch the host's network namespace.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { KUBECTL, NO_KUBECTL_REASON, ROOT, startSkiff, type ServerHandle, rerunInFreshNetns, until } from './harness.js';

const isRoot = process.getuid?.() === 0;
const needsReexec = isRoot && !process.env.SKIFF_TEST_NETNS;

if (needsReexec) {
  rerunInFreshNetns('agent pod scenarios', import.meta.url, 170_000);
} else {
  scenarios();
}


async function http(url: string): Promise<{ status: number; body: string }> {
  const res = await fetch(url, { signal: AbortSignal.timeout(3000) });
  return { status: res.status, body: await res.text() };
}

function scenarios(): void {
  describe('node agent: pods on the process runtime', { skip: KUBECTL ? false : NO_KUBECTL_REASON }, () => {
    let s: ServerHandle;
    let node = '';
    const pod = (name: string): any => JSON.parse(s.kubectlOk(['get', 'pod', name, '-o', 'json']));
    const podIP = (name: string): string => pod(name).status?.podIP;

    before(async () => {
      s = await startSkiff(['--datastore', 'memory', '--node-name', 'agent-e2e']);
      node = await until('the node to be Ready', () => {
        const out = s.kubectl(['get', 'nodes', '--no-headers']).stdout;
        return /agent-e2e\s+Ready/.test(out) ? 'agent-e2e' : undefined;
      });
      const manifests = [
        // kuard with probes, config from a ConfigMap (env + volume) and a Secret volume
        `apiVersion: v1
kind: ConfigMap
metadata: {name: app-config}
data: {greeting: hello, "config.txt": "version 1"}
---
apiVersion: v1
kind: Secret
metadata: {name: app-secret}
stringData: {password: s3cret}
---
apiVersion: v1
kind: Pod
metadata: {name: kuard, labels: {app: kuard}}
spec:
  nodeName: ${node}
  terminationGracePeriodSeconds: 5
  containers:
  - name: kuard
    image: gcr.io/kuar-demo/kuard-amd64:blue
    ports: [{containerPort: 8080, name: http}]
    env:
    - {name: GREETING, valueFrom: {configMapKeyRef: {name: app-config, key: greeting}}}
    - {name: MY_POD, valueFrom: {fieldRef: {fieldPath: metadata.name}}}
    - {name: MESSAGE, value: "$(GREETING) from $(MY_POD)"}
    readinessProbe: {httpGet: {path: /ready, port: http}, periodSeconds: 1, failureThreshold: 1}
    livenessProbe: {httpGet: {path: /healthy, port: 8080}, periodSeconds: 1, failureThreshold: 2}
    volumeMounts:
    - {name: config, mountPath: /etc/skiff-e2e/config}
    - {name: secret, mountPath: /etc/skiff-e2e/secret, readOnly: true}
  volumes:
  - {name: config, configMap: {name: app-config}}
  - {name: secret, secret: {secretName: app-secret}}
`,
        `apiVersion: v1
kind: Pod
metadata: {name: with-init}
spec:
  nodeName: ${node}
  initContainers:
  - {name: setup, image: busybox, command: [sh, -c, "sleep 1; echo init done"]}
  - {name: proxy, image: skiff/pause, restartPolicy: Always}
  containers:
  - {name: app, image: skiff/echo-server}
`,
        `apiVersion: v1
kind: Pod
metadata: {name: crasher}
spec:
  nodeName: ${node}
  containers:
  - {name: crash, image: busybox, command: [sh, -c, "echo about to fail; exit 3"]}
`,
        `apiVersion: v1
kind: Pod
metadata: {name: once}
spec:
  nodeName: ${node}
  restartPolicy: Never
  containers:
  - {name: job, image: busybox, command: [sh, -c, "echo finished"]}
`,
        `apiVersion: v1
kind: Pod
metadata: {name: bad-config}
spec:
  nodeName: ${node}
  containers:
  - name: app
    image: skiff/pause
    env: [{name: X, valueFrom: {configMapKeyRef: {name: app-config, key: another-param}}}]
`,
        `apiVersion: v1
kind: Pod
metadata: {name: no-command}
spec:
  nodeName: ${node}
  containers:
  - {name: web, image: "nginx:1.17"}
`,
        ...[1, 2, 3].map(
          (i) => `apiVersion: v1
kind: Pod
metadata: {name: echo-${i}, labels: {app: echo}}
spec:
  nodeName: ${node}
  terminationGracePeriodSeconds: 2
  containers:
  - {name: echo, image: "kicbase/echo-server:1.0", ports: [{containerPort: 8080}]}
`,
        ),
      ];
      s.kubectlOk(['apply', '-f', '-'], { input: manifests.join('---\n') });
    });

    after(async () => {
      if (!s) return;
      const dataDir = s.dataDir;
      const code = await s.stop();
      assert.equal(code, 0);
      // Nothing of the agent is left behind: namespaces, bridge, pod directories.
      // Only this server's namespaces (tests running at the same time have their own; /run/netns
      // is host-wide): the runtime names them skiff-<sha256(agent data dir)[0:8]>-….
      const tag = createHash('sha256').update(join(dataDir, 'agent')).digest('hex').slice(0, 8);
      const leftover = existsSync('/run/netns') ? readdirSync('/run/netns').filter((n) => n.startsWith(`skiff-${tag}-`)) : [];
      assert.deepEqual(leftover, [], 'pod network namespaces left behind');
      if (isRoot) assert.doesNotMatch(spawnSync('ip', ['link'], { encoding: 'utf8' }).stdout, /skbr|veth/);
    });

    test('the node reports capacity, conditions and the runtime', () => {
      const n = JSON.parse(s.kubectlOk(['get', 'node', node, '-o', 'json']));
      assert.equal(n.status.capacity.pods, '110');
      assert.match(n.status.nodeInfo.containerRuntimeVersion, /^process:\/\//);
      assert.deepEqual(n.status.conditions.map((c: any) => c.type).sort(), ['DiskPressure', 'MemoryPressure', 'PIDPressure', 'Ready']);
      const lease = JSON.parse(s.kubectlOk(['get', 'lease', '-n', 'kube-node-lease', node, '-o', 'json']));
      assert.equal(lease.spec.holderIdentity, node);
      const desc = s.kubectlOk(['describe', 'node', node]);
      assert.match(desc, /Capacity:/);
      assert.match(desc, /Allocated resources:/);
    });

    test('kuard runs, gets env and volumes, and readiness gates Ready', async () => {
      await until('kuard 1/1 Running', () => /kuard\s+1\/1\s+Running\s+0/.test(s.kubectlOk(['get', 'pod', 'kuard', '--no-headers'])));
      const ip = podIP('kuard');
      assert.ok(ip, 'pod has an IP');
      const env = JSON.parse((await http(`http://${ip}:8080/env`)).body).env;
      assert.equal(env.MESSAGE, 'hello from kuard');
      assert.equal(env.HOSTNAME, 'kuard');
      if (isRoot) {
        assert.equal((await http(`http://${ip}:8080/fs/etc/skiff-e2e/config/config.txt`)).body, 'version 1');
        assert.equal((await http(`http://${ip}:8080/fs/etc/skiff-e2e/secret/password`)).body, 's3cret');
      }
      await http(`http://${ip}:8080/ready/fail`);
      await until('kuard 0/1 after readiness fails', () => /kuard\s+0\/1\s+Running/.test(s.kubectlOk(['get', 'pod', 'kuard', '--no-headers'])));
      await http(`http://${ip}:8080/ready/ok`);
      await until('kuard ready again', () => /kuard\s+1\/1\s+Running/.test(s.kubectlOk(['get', 'pod', 'kuard', '--no-headers'])));
    });

    test('a ConfigMap update reaches the mounted volume', { skip: isRoot ? false : 'volume mounts at mountPath need root' }, async () => {
      s.kubectlOk(['patch', 'configmap', 'app-config', '--type=merge', '-p', '{"data":{"config.txt":"version 2"}}']);
      const ip = podIP('kuard');
      await until('the new config file', async () => (await http(`http://${ip}:8080/fs/etc/skiff-e2e/config/config.txt`)).body === 'version 2', 25_000);
    });

    test('a failing liveness probe restarts the container with an event', async () => {
      const ip = podIP('kuard');
      await http(`http://${ip}:8080/healthy/fail`);
      await until('a restart', () => pod('kuard').status.containerStatuses[0].restartCount >= 1, 20_000);
      const events = s.kubectlOk(['get', 'events', '--field-selector', 'involvedObject.name=kuard']);
      assert.match(events, /Liveness probe failed: HTTP probe failed with statuscode: 500/);
      assert.match(events, /failed liveness probe, will be restarted/);
      await until('kuard Running again', () => /kuard\s+1\/1\s+Running\s+1/.test(s.kubectlOk(['get', 'pod', 'kuard', '--no-headers'])));
    });

    test('init containers run first and a sidecar keeps running', async () => {
      await until('with-init 2/2 Running', () => /with-init\s+2\/2\s+Running/.test(s.kubectlOk(['get', 'pod', 'with-init', '--no-headers'])));
      const p = pod('with-init');
      const init = p.status.initContainerStatuses;
      assert.equal(init.find((c: any) => c.name === 'setup').state.terminated.reason, 'Completed');
      assert.ok(init.find((c: any) => c.name === 'proxy').state.running);
      assert.equal(p.status.conditions.find((c: any) => c.type === 'Initialized').status, 'True');
    });

    test('a crashing container goes into CrashLoopBackOff', async () => {
      const line = await until('CrashLoopBackOff', () => {
        const out = s.kubectlOk(['get', 'pod', 'crasher', '--no-headers']);
        return /CrashLoopBackOff/.test(out) ? out : undefined;
      });
      assert.match(line, /0\/1\s+CrashLoopBackOff\s+\d+ \(\d+s ago\)/);
      const cs = pod('crasher').status.containerStatuses[0];
      assert.equal(cs.lastState.terminated.exitCode, 3);
      assert.equal(cs.lastState.terminated.reason, 'Error');
      assert.match(cs.state.waiting.message, /^back-off (10s|20s|40s) restarting failed container=crash pod=crasher_default\(/);
    });

    test('restartPolicy Never: the pod completes', async () => {
      await until('once Completed', () => /once\s+0\/1\s+Completed\s+0/.test(s.kubectlOk(['get', 'pod', 'once', '--no-headers'])));
      assert.equal(pod('once').status.phase, 'Succeeded');
    });

    test('configuration errors are clear', async () => {
      await until('CreateContainerConfigError', () => /CreateContainerConfigError/.test(s.kubectlOk(['get', 'pod', 'bad-config', '--no-headers'])));
      assert.equal(pod('bad-config').status.containerStatuses[0].state.waiting.message, "couldn't find key another-param in ConfigMap default/app-config");
      await until('the no-command event', () => /not a Skiff built-in image and the container has no command/.test(s.kubectlOk(['describe', 'pod', 'no-command'])));
    });

    test('three replicas listen on port 8080 on one node', { skip: isRoot ? false : 'per-pod network namespaces need root' }, async () => {
      for (const i of [1, 2, 3]) await until(`echo-${i} Running`, () => /1\/1\s+Running/.test(s.kubectlOk(['get', 'pod', `echo-${i}`, '--no-headers'])));
      const ips = new Set<string>();
      for (const i of [1, 2, 3]) {
        const ip = podIP(`echo-${i}`);
        ips.add(ip);
        assert.match((await http(`http://${ip}:8080/`)).body, new RegExp(`Request served by echo-${i}`));
      }
      assert.equal(ips.size, 3);
    });

    test('graceful deletion stops the pod and removes it', async () => {
      const t0 = Date.now();
      s.kubectlOk(['delete', 'pod', 'echo-1', '--grace-period=2', '--timeout=20s']);
      assert.ok(Date.now() - t0 < 15_000);
      assert.equal(s.kubectl(['get', 'pod', 'echo-1']).code, 1);
      s.kubectlOk(['delete', 'pod', 'kuard', '--timeout=20s']);
      const events = s.kubectlOk(['get', 'events', '--field-selector', 'involvedObject.name=kuard']);
      assert.match(events, /Stopping container kuard/);
    });
  });
}

void join;

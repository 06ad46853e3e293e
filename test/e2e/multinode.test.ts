// `skiff up --nodes 2` end to end (issue 7, like `minikube start --nodes 2`): a second node agent
// `<host>-m02` in its own network namespace joins, both nodes are Ready, a Deployment spreads
// over them, a ClusterIP Service reaches pods on both nodes from pods on either node, logs and
// exec reach a pod on the second node, and down/delete leave no namespace, link or process
// behind — even after the server was killed. As root the file re-runs itself inside
// ../shared/tools/in-netns (bridges, veths, routes and iptables rules stay in a private
// namespace); without root `--nodes 2` with the process runtime must be a clear refusal.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { KUBECTL, NO_KUBECTL_REASON, ROOT, SKIFF_BIN, rerunInFreshNetns } from './harness.js';
import { clusterTag, type ExtraNodesRecord } from '../../src/cli/extra-nodes.js';

const isRoot = process.getuid?.() === 0;
const inNetns = !!process.env.SKIFF_TEST_NETNS;

if (isRoot && !inNetns) {
  rerunInFreshNetns('skiff up --nodes 2', import.meta.url, 150_000, KUBECTL ? false : NO_KUBECTL_REASON);
} else if (!isRoot) {
  test('without root, --nodes 2 with the process runtime is a clear refusal', () => {
    const home = mkdtempSync(join(tmpdir(), 'skiff-mn-home-'));
    try {
      const r = spawnSync(process.execPath, [SKIFF_BIN, 'up', '--nodes', '2', '--listen', '127.0.0.1:0'], { env: { ...process.env, HOME: home }, encoding: 'utf8', timeout: 30_000 });
      assert.equal(r.status, 1);
      assert.match(r.stderr, /--nodes 2: extra nodes with the process runtime need root .*--runtime simulated/);
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });
} else {
  scenario();
}

function processGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return true;
  }
  try {
    return /^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true;
  }
}

const tagOf = (dir: string) => createHash('sha256').update(dir).digest('hex').slice(0, 8);

function scenario(): void {
  describe('skiff up --nodes 2', { skip: KUBECTL ? false : NO_KUBECTL_REASON }, () => {
    const home = mkdtempSync(join(tmpdir(), 'skiff-mn-home-'));
    const dataDir = join(home, '.skiff');
    const serverDir = join(dataDir, 'server');
    const env: NodeJS.ProcessEnv = { ...process.env, HOME: home, KUBECONFIG: join(home, '.kube', 'config') };
    delete env.SKIFF_LOG_LEVEL;
    const skiff = (args: string[], timeout = 90_000) => {
      const r = spawnSync(process.execPath, [SKIFF_BIN, ...args], { env, encoding: 'utf8', timeout });
      return { code: r.status, out: r.stdout ?? '', err: r.stderr ?? '' };
    };
    const kubectl = (args: string[]) => {
      const r = spawnSync(KUBECTL!, args, { env, encoding: 'utf8', timeout: 30_000 });
      return { code: r.status, out: r.stdout ?? '', err: r.stderr ?? '' };
    };
    const kubectlOk = (args: string[]) => {
      const r = kubectl(args);
      assert.equal(r.code, 0, `kubectl ${args.join(' ')}: ${r.err}`);
      return r.out;
    };
    const record = (): ExtraNodesRecord => JSON.parse(readFileSync(join(serverDir, 'nodes', 'extra-nodes.json'), 'utf8'));
    const serverPid = () => JSON.parse(readFileSync(join(dataDir, 'skiff.json'), 'utf8')).pid as number;
    let host = '';
    let node2 = '';
    const pods: { name: string; node: string; ip: string }[] = [];

    /** Nothing of the cluster's networking or agents is left: namespaces, links, processes. */
    const assertNothingLeft = (agentPids: number[]) => {
      const netns = existsSync('/run/netns') ? readdirSync('/run/netns') : [];
      const ours = [`skiff-${clusterTag(serverDir)}-`, `skiff-${tagOf(join(serverDir, 'agent'))}-`, `skiff-${tagOf(join(serverDir, 'nodes', node2))}-`];
      assert.deepEqual(netns.filter((n) => ours.some((p) => n.startsWith(p))), [], 'no node or pod network namespace is left');
      const links = spawnSync('ip', ['-o', 'link', 'show'], { encoding: 'utf8' }).stdout;
      assert.doesNotMatch(links, /sknet|skv|skbr/, `no bridge or veth is left:\n${links}`);
      for (const pid of agentPids) assert.ok(processGone(pid), `node agent ${pid} is gone`);
    };

    after(() => {
      try {
        process.kill(serverPid(), 'SIGKILL');
      } catch {
        /* not running */
      }
      // Whatever failed, no agent or namespace may outlive the test (/run/netns is host-wide).
      spawnSync(process.execPath, [SKIFF_BIN, 'delete'], { env, timeout: 60_000 });
      rmSync(home, { recursive: true, force: true });
    });

    test('up --nodes 2 starts a second node agent in its own network namespace; both nodes are Ready', () => {
      mkdirSync(join(home, '.kube'), { recursive: true });
      const r = skiff(['up', '--nodes', '2']);
      assert.equal(r.code, 0, `skiff up failed:\n${r.out}\n${r.err}`);
      assert.match(r.out, /✔ Waiting for 2 nodes to be Ready/);
      const nodes = kubectlOk(['get', 'nodes', '--no-headers']).trim().split('\n').map((l) => l.split(/\s+/));
      assert.equal(nodes.length, 2, JSON.stringify(nodes));
      const cp = nodes.find((n) => n[2] === 'control-plane,master');
      assert.ok(cp, 'the server node has the control-plane role');
      host = cp[0];
      node2 = `${host}-m02`;
      const worker = nodes.find((n) => n[0] === node2);
      assert.ok(worker, `a node named ${node2}`);
      assert.equal(worker[1], 'Ready');
      assert.equal(worker[2], '<none>');
      assert.equal(cp[1], 'Ready');
      const rec = record();
      assert.equal(rec.nodes.length, 1);
      assert.ok(existsSync(`/run/netns/${rec.nodes[0].netns}`), 'the node namespace exists');
      assert.equal(kubectlOk(['get', 'node', node2, '-o', 'jsonpath={.spec.podCIDR}']), '10.42.1.0/24');
      const st = skiff(['status']);
      assert.equal(st.code, 0, st.out);
      assert.match(st.out, new RegExp(`kubelet: Running \\(node ${host}, control-plane,master\\)`));
      assert.match(st.out, new RegExp(`kubelet: Running \\(node ${node2}, pid ${rec.nodes[0].pid}, netns ${rec.nodes[0].netns}\\)`));
    });

    test('a 4-replica Deployment gets pods on both nodes', async () => {
      kubectlOk(['create', 'deployment', 'web', '--image=skiff/echo-server', '--replicas=4']);
      kubectlOk(['expose', 'deployment', 'web', '--port=8080']);
      const deadline = Date.now() + 40_000;
      for (;;) {
        const out = kubectlOk(['get', 'pods', '-l', 'app=web', '-o', 'jsonpath={range .items[*]}{.metadata.name} {.spec.nodeName} {.status.podIP} {.status.containerStatuses[0].ready}{"\\n"}{end}']);
        const rows = out.trim().split('\n').filter(Boolean).map((l) => l.split(' '));
        if (rows.length === 4 && rows.every((r) => r[3] === 'true')) {
          pods.push(...rows.map(([name, node, ip]) => ({ name, node, ip })));
          break;
        }
        if (Date.now() > deadline) assert.fail(`pods not ready in time:\n${out}\n${kubectl(['describe', 'pods', '-l', 'app=web']).out}`);
        await sleep(300);
      }
      assert.deepEqual([...new Set(pods.map((p) => p.node))].sort(), [host, node2].sort(), 'pods on both nodes');
      for (const p of pods.filter((q) => q.node === node2)) assert.match(p.ip, /^10\.42\.1\.\d+$/, 'pod IPs from the second node\'s CIDR');
    });

    test('the ClusterIP reaches pods on both nodes from a pod on either node, and by DNS name; so does the kubernetes Service', () => {
      const ip = kubectlOk(['get', 'service', 'web', '-o', 'jsonpath={.spec.clusterIP}']);
      const byNode = new Map(pods.map((p) => [p.node, p.name]));
      for (const from of [host, node2]) {
        const out = kubectlOk(['exec', byNode.get(from)!, '--', 'sh', '-c', `for i in $(seq 1 24); do curl -s --max-time 3 http://${ip}:8080/ | head -1; done`]);
        const servedBy = new Set([...out.matchAll(/Request served by (\S+)/g)].map((m) => m[1]));
        const nodes = new Set(pods.filter((p) => servedBy.has(p.name)).map((p) => p.node));
        assert.deepEqual([...nodes].sort(), [host, node2].sort(), `from a pod on ${from}, answers came from pods ${[...servedBy].join(', ')}`);
      }
      const dns = kubectlOk(['exec', byNode.get(node2)!, '--', 'curl', '-s', '--max-time', '5', 'http://web.default.svc.cluster.local:8080/']);
      assert.match(dns, /Request served by web-/);
      // In-cluster clients on the second node reach the API server through the `kubernetes` Service.
      const version = kubectlOk(['exec', byNode.get(node2)!, '--', 'curl', '-sk', '--max-time', '5', 'https://kubernetes.default.svc/version']);
      assert.match(JSON.parse(version).gitVersion, /^v1\.\d+\.\d+/);
    });

    test('logs and exec work on a pod of the second node', () => {
      const pod = pods.find((p) => p.node === node2)!.name;
      assert.match(kubectlOk(['logs', pod]), /Echo server listening on port 8080\./);
      assert.equal(kubectlOk(['exec', pod, '--', 'sh', '-c', 'echo "$HOSTNAME says hi"']).trim(), `${pod} says hi`);
    });

    test('down stops the extra node agent and removes its namespaces and links', () => {
      const agentPids = record().nodes.map((n) => n.pid);
      const r = skiff(['down']);
      assert.equal(r.code, 0, r.err);
      assert.doesNotMatch(r.out, /left behind/, 'the server cleaned up after itself');
      assertNothingLeft(agentPids);
    });

    test('after the server is killed, delete still removes the agents and namespaces it left', () => {
      const u = skiff(['up']); // restarts with the settings it had: 2 nodes
      assert.equal(u.code, 0, `${u.out}\n${u.err}`);
      assert.match(u.out, /✔ Waiting for 2 nodes to be Ready/);
      const agentPids = record().nodes.map((n) => n.pid);
      process.kill(serverPid(), 'SIGKILL');
      const d = skiff(['delete']);
      assert.equal(d.code, 0, d.err);
      // The m02 agent may already have exited on its own once the server was gone; either way
      // its namespace is reported removed and nothing may be left.
      assert.match(d.out, /removed what the server left behind: .*netns skiff-\S+-m02/);
      assertNothingLeft(agentPids);
      assert.ok(!existsSync(dataDir), 'the data dir is gone');
    });
  });
}

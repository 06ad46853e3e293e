// `skiff up | status | logs | down | delete` end to end, with a temporary HOME and a KUBECONFIG
// inside it (the real ~/.kube/config is never touched). As root the file re-runs itself inside
// ../shared/tools/in-netns, so the cluster's node bridge and default ports (6443, 80, 443, 53)
// live in a private network namespace; without root it uses free loopback ports.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';
import { KUBECTL, ROOT, SKIFF_BIN, rerunInFreshNetns } from './harness.js';

const isRoot = process.getuid?.() === 0;
const inNetns = !!process.env.SKIFF_TEST_NETNS;

if (isRoot && !inNetns) {
  rerunInFreshNetns('skiff up', import.meta.url, 120_000);
} else {
  scenario();
}

/** Gone, or a zombie waiting for a PID 1 that may never reap it (containers). */
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

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

function scenario(): void {
  describe('skiff up / status / logs / down / delete', () => {
    const home = mkdtempSync(join(tmpdir(), 'skiff-up-home-'));
    const kubeconfig = join(home, 'kube', 'custom-config'); // KUBECONFIG honoured, inside the temp HOME
    const dataDir = join(home, '.skiff');
    const env: NodeJS.ProcessEnv = { ...process.env, HOME: home, KUBECONFIG: kubeconfig };
    delete env.SKIFF_LOG_LEVEL;
    // Inside the namespace the defaults are free to use; elsewhere pick free ports.
    let portFlags: string[] = [];
    let listen = '127.0.0.1:6443';
    const skiff = (args: string[], timeout = 60_000) => {
      const r = spawnSync(process.execPath, [SKIFF_BIN, ...args], { env, encoding: 'utf8', timeout });
      return { code: r.status, out: r.stdout ?? '', err: r.stderr ?? '' };
    };
    const kubectl = (args: string[]) => spawnSync(KUBECTL!, args, { env, encoding: 'utf8', timeout: 30_000 });
    const state = () => JSON.parse(readFileSync(join(dataDir, 'skiff.json'), 'utf8'));
    const otherConfig = {
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'kind-other', cluster: { server: 'https://127.0.0.1:1' } }],
      users: [{ name: 'kind-other', user: { token: 'keep-me' } }],
      contexts: [{ name: 'kind-other', context: { cluster: 'kind-other', user: 'kind-other' } }],
      'current-context': 'kind-other',
    };

    before(async () => {
      if (!inNetns) {
        listen = `127.0.0.1:${await freePort()}`;
        portFlags = ['--listen', listen, '--ingress-ports', '0,0', '--dns-listen', '127.0.0.1:0'];
      }
      mkdirSync(join(home, 'kube'), { recursive: true });
      writeFileSync(kubeconfig, YAML.stringify(otherConfig));
    });

    after(() => {
      // Never leave a server behind, whatever failed.
      try {
        const pid = state().pid;
        if (pid) process.kill(pid, 'SIGKILL');
      } catch {
        /* not running */
      }
      rmSync(home, { recursive: true, force: true });
    });

    test('up starts the cluster, waits for node, DNS and ingress, and merges a current "skiff" context', () => {
      const r = skiff(['up', ...portFlags]);
      assert.equal(r.code, 0, `skiff up failed:\n${r.out}\n${r.err}`);
      for (const step of ['Starting the control plane', 'Waiting for the node to be Ready', 'Waiting for cluster DNS', 'Waiting for the ingress controller']) {
        assert.match(r.out, new RegExp(`✔ ${step}.*\\(\\d+\\.\\ds\\)`), `progress line for "${step}" (piped output is plain lines)`);
      }
      assert.doesNotMatch(r.out, /\r/, 'no spinner redraws when piped');
      assert.match(r.out, /Next steps:/);
      const doc = YAML.parse(readFileSync(kubeconfig, 'utf8'));
      assert.equal(doc['current-context'], 'skiff');
      assert.deepEqual(doc.contexts.map((c: { name: string }) => c.name).sort(), ['kind-other', 'skiff']);
      assert.equal(doc.users.find((u: { name: string }) => u.name === 'kind-other').user.token, 'keep-me', 'other users are kept');
      assert.equal(doc.clusters.find((c: { name: string }) => c.name === 'skiff').cluster.server, state().url);
      const backup = YAML.parse(readFileSync(`${kubeconfig}.skiff-backup`, 'utf8'));
      assert.deepEqual(backup, otherConfig, 'the backup is the file as it was before');
      assert.ok(!existsSync(join(home, '.kube', 'config')), 'the default ~/.kube/config is not used when KUBECONFIG is set');
      if (KUBECTL) {
        const nodes = kubectl(['get', 'nodes', '--no-headers']);
        assert.equal(nodes.status, 0, nodes.stderr);
        assert.match(nodes.stdout, /\sReady\s+control-plane,master\s/);
      }
    });

    test('a second up finds the running cluster and changes nothing', () => {
      const pid = state().pid;
      const before = readFileSync(kubeconfig, 'utf8');
      const backupBefore = readFileSync(`${kubeconfig}.skiff-backup`, 'utf8');
      const r = skiff(['up']);
      assert.equal(r.code, 0, r.err);
      assert.match(r.out, new RegExp(`already running \\(pid ${pid}`));
      assert.equal(state().pid, pid);
      assert.equal(readFileSync(kubeconfig, 'utf8'), before);
      assert.equal(readFileSync(`${kubeconfig}.skiff-backup`, 'utf8'), backupBefore, 'the backup of the original file is kept');
    });

    test('up with different flags while running is a clear error', () => {
      const r = skiff(['up', '--listen', '127.0.0.1:16443']);
      assert.equal(r.code, 1);
      assert.match(r.err, new RegExp(`already running .* different settings: it has --listen ${listen.replace(/\./g, '\\.')}, you asked for --listen 127\\.0\\.0\\.1:16443`));
      assert.match(r.err, /skiff down/);
    });

    test('status reports every part like minikube status', () => {
      const r = skiff(['status']);
      assert.equal(r.code, 0, `${r.out}\n${r.err}`);
      assert.match(r.out, /^skiff\ntype: Control Plane\nhost: Running \(pid \d+\)\n/);
      assert.match(r.out, new RegExp(`apiserver: Running \\(${state().url.replace(/\./g, '\\.')}\\)`));
      assert.match(r.out, /kubelet: Running \(node [^,]+, control-plane,master\)/);
      assert.match(r.out, /dns: Running \(kube-dns endpoints \S+:\d+/);
      assert.match(r.out, /ingress: Running \(http :\d+, https :\d+\)/);
      assert.match(r.out, /kubeconfig: Configured \(.*custom-config, current context: skiff\)/);
      assert.match(r.out, /version: skiff \S+, Kubernetes v1\.\d+\.\d+/);
    });

    test('logs prints the server log, filtered by component', () => {
      const all = skiff(['logs']);
      assert.equal(all.code, 0);
      assert.match(all.out, /INFO\s+server\s+skiff server ready/);
      const sched = skiff(['logs', 'scheduler']);
      assert.equal(sched.code, 0);
      const lines = sched.out.trim().split('\n');
      assert.ok(lines.length >= 1 && lines.every((l) => /\sscheduler\s/.test(l)), sched.out);
      const raw = skiff(['logs', 'dns', '--json', '--tail', '1']);
      assert.equal(JSON.parse(raw.out).component, 'cluster-dns');
    });

    test('port in use and an unwritable data dir are clear errors', async () => {
      const blocker: Server = createServer();
      await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
      const port = (blocker.address() as { port: number }).port;
      try {
        const r = skiff(['up', '--data-dir', join(home, 'second'), '--listen', `127.0.0.1:${port}`, '--ingress-ports', '0,0', '--dns-listen', '127.0.0.1:0']);
        assert.equal(r.code, 1);
        assert.match(r.err, new RegExp(`127\\.0\\.0\\.1:${port} is already in use .*--listen`));
      } finally {
        blocker.close();
      }
      const file = join(home, 'a-file');
      writeFileSync(file, 'not a directory');
      const r = skiff(['up', '--data-dir', join(file, 'cluster')]);
      assert.equal(r.code, 1);
      assert.match(r.err, /cannot write to the data directory .*a-file\/cluster \(ENOTDIR\); choose another with --data-dir/);
    });

    test('down stops the cluster and keeps its data; up brings the same cluster back', { skip: KUBECTL ? false : 'kubectl is not installed' }, () => {
      assert.equal(kubectl(['create', 'configmap', 'survives', '--from-literal=k=v']).status, 0);
      const pid = state().pid;
      const d = skiff(['down']);
      assert.equal(d.code, 0, d.err);
      assert.match(d.out, /skiff stopped in \d+\.\ds \(data kept/);
      assert.ok(processGone(pid), 'the server process is gone');
      const st = skiff(['status']);
      assert.notEqual(st.code, 0);
      assert.match(st.out, /host: Stopped/);
      // Restarted without flags: the settings it had are reused, the data is still there.
      const u = skiff(['up']);
      assert.equal(u.code, 0, `${u.out}\n${u.err}`);
      assert.notEqual(state().pid, pid);
      assert.equal(kubectl(['get', 'configmap', 'survives', '-o', 'jsonpath={.data.k}']).stdout, 'v');
    });

    test('delete stops the cluster and removes its data and the kubeconfig context', () => {
      const pid = state().pid;
      const r = skiff(['delete']);
      assert.equal(r.code, 0, r.err);
      assert.ok(processGone(pid), 'the server process is gone');
      assert.ok(!existsSync(dataDir), 'the data dir is gone');
      const doc = YAML.parse(readFileSync(kubeconfig, 'utf8'));
      assert.deepEqual(doc.contexts.map((c: { name: string }) => c.name), ['kind-other']);
      assert.deepEqual(doc.clusters.map((c: { name: string }) => c.name), ['kind-other']);
      assert.equal(doc['current-context'], 'kind-other', 'the previous context is current again');
    });
  });
}

// Kubelet serving-certificate bootstrap: `skiff agent --token … --ca-file …` (no
// --tls-cert-file) asks the cluster for a serving certificate with a CertificateSigningRequest,
// the server's signer approves and issues it, and the API server's pods/log and pods/exec proxy
// then reaches pods on the joined node. The joined agent uses the PROCESS runtime; as root the
// whole test re-runs itself inside ../shared/tools/in-netns (pod bridges and addresses stay there).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { X509Certificate } from 'node:crypto';
import { KUBECTL, NO_KUBECTL_REASON, ROOT, SKIFF_BIN, startSkiff, type ServerHandle, rerunInFreshNetns, until } from './harness.js';

const isRoot = process.getuid?.() === 0;

if (isRoot && !process.env.SKIFF_TEST_NETNS) {
  rerunInFreshNetns('agent TLS bootstrap', import.meta.url, 150_000);
} else {
  scenario();
}


function scenario(): void {
  describe('a joined agent bootstraps its serving certificate through a CSR', { skip: KUBECTL ? false : NO_KUBECTL_REASON }, () => {
    let s: ServerHandle;
    let agent: ChildProcess | undefined;
    let agentOut = '';
    let agentExit: Promise<number | null> | undefined;
    const agentDir = mkdtempSync(join(tmpdir(), 'skiff-csr-agent-'));
    const fail = (e: unknown): never => {
      throw new Error(`${(e as Error).message}\nagent output:\n${agentOut}\nserver output:\n${s.logs()}`);
    };

    before(async () => {
      s = await startSkiff(['--no-agent'], { datastore: 'memory' });
      const token = readFileSync(join(s.dataDir, 'agent-token'), 'utf8').trim();
      agent = spawn(process.execPath, [SKIFF_BIN, 'agent', '--server', s.url, '--token', token, '--node-name', 'csr-node', '--runtime', 'process', '--data-dir', agentDir, '--ca-file', join(s.dataDir, 'tls', 'ca.crt')], {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, SKIFF_LOG_LEVEL: 'info' },
      });
      agent.stdout!.on('data', (d) => (agentOut += d));
      agent.stderr!.on('data', (d) => (agentOut += d));
      agentExit = new Promise((r) => agent!.once('exit', (code) => r(code)));
      await until('node csr-node Ready', () => agent!.exitCode === null && /^csr-node\s+Ready\s/m.test(s.kubectl(['get', 'nodes', '--no-headers']).stdout)).catch(fail);
    });

    after(async () => {
      if (agent && agent.exitCode === null) {
        agent.kill('SIGTERM');
        const code = await Promise.race([agentExit, sleep(15_000, undefined, { ref: false }).then(() => 'timeout' as const)]);
        if (code === 'timeout') agent.kill('SIGKILL');
      }
      await s?.stop();
      rmSync(agentDir, { recursive: true, force: true });
    });

    test('kubectl get csr shows the node request Approved,Issued by the cluster signer', async () => {
      const row = await until('an issued CSR', () => {
        const out = s.kubectl(['get', 'csr', '--no-headers']).stdout;
        return out.split('\n').find((l) => /Approved,Issued/.test(l));
      }).catch(fail);
      assert.match(row, /^csr-\S+\s+\S+\s+kubernetes\.io\/kubelet-serving\s+system:node:skiff-agent\s+<none>\s+Approved,Issued$/);
      const csr = JSON.parse(s.kubectlOk(['get', 'csr', row.split(/\s+/)[0], '-o', 'json']));
      // The API server recorded who asked, whatever the client sent.
      assert.equal(csr.spec.username, 'system:node:skiff-agent');
      assert.ok(csr.spec.groups.includes('system:nodes'));
      const cert = new X509Certificate(Buffer.from(csr.status.certificate, 'base64'));
      assert.match(cert.subject, /CN=system:node:csr-node/);
      assert.ok(cert.verify(new X509Certificate(readFileSync(join(s.dataDir, 'tls', 'ca.crt'))).publicKey), 'issued by the cluster CA');
      // The agent keeps its key private (once it has picked the certificate up) and advertises the kubelet endpoint.
      const keyFile = join(agentDir, 'pki', 'kubelet-server.key');
      await until('the agent to store its certificate', () => existsSync(join(agentDir, 'pki', 'kubelet-server.crt'))).catch(fail);
      assert.equal(statSync(keyFile).mode & 0o777, 0o600);
      const node = JSON.parse(s.kubectlOk(['get', 'node', 'csr-node', '-o', 'json']));
      assert.ok(node.status.daemonEndpoints.kubeletEndpoint.Port > 0);
    });

    test('kubectl logs and exec reach a pod on the joined node through the API server', async () => {
      s.kubectlOk(['apply', '-f', '-'], {
        input: `apiVersion: v1
kind: Pod
metadata: {name: talker}
spec:
  nodeName: csr-node
  terminationGracePeriodSeconds: 1
  containers:
  - {name: main, image: busybox, command: [sh, -c, "echo hello from the joined node; exec sleep 3600"]}
`,
      });
      await until('pod talker Running', () => JSON.parse(s.kubectlOk(['get', 'pod', 'talker', '-o', 'json'])).status?.phase === 'Running').catch(fail);
      const logs = await until('the pod log through the API server', () => {
        const r = s.kubectl(['logs', 'talker']);
        return r.code === 0 && r.stdout.includes('hello') ? r.stdout : undefined;
      }).catch(fail);
      assert.match(logs, /hello from the joined node/);
      assert.equal(s.kubectlOk(['exec', 'talker', '--', 'sh', '-c', 'echo exec on $((6 * 7))']).trim(), 'exec on 42');
      s.kubectlOk(['delete', 'pod', 'talker', '--wait=false']);
    });
  });
}

// Acceptance for the control plane core: the real kubectl against `skiff server --no-agent`,
// asserting on kubectl's actual output.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { KUBECTL, NO_KUBECTL_REASON, startSkiff, tempDir, writeTemp, type ServerHandle } from './harness.js';

const skip = KUBECTL ? false : NO_KUBECTL_REASON;

const DEPLOYMENT = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels:
    app: web
spec:
  replicas: 2
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
      - name: web
        image: skiff/echo-server
        ports:
        - containerPort: 8080
`;

describe('kubectl against skiff server --no-agent', { skip }, () => {
  let s: ServerHandle;
  before(async () => {
    s = await startSkiff();
  });
  after(async () => {
    await s?.stop();
  });

  test('version reports the Kubernetes version Skiff serves', () => {
    const out = s.kubectlOk(['version', '-o', 'json']);
    const v = JSON.parse(out);
    assert.match(v.serverVersion.gitVersion, /^v1\.32\.\d+\+skiff/);
    assert.equal(v.serverVersion.minor, '32');
  });

  test('api-resources and api-versions list every served kind', () => {
    const res = s.kubectlOk(['api-resources']);
    assert.match(res, /^deployments\s+deploy\s+apps\/v1\s+true\s+Deployment$/m);
    assert.match(res, /^pods\s+po\s+v1\s+true\s+Pod$/m);
    assert.match(res, /^nodes\s+no\s+v1\s+false\s+Node$/m);
    assert.match(res, /^horizontalpodautoscalers\s+hpa\s+autoscaling\/v2\s+true\s+HorizontalPodAutoscaler$/m);
    const vers = s.kubectlOk(['api-versions']).split('\n');
    for (const gv of ['apps/v1', 'batch/v1', 'v1', 'networking.k8s.io/v1', 'rbac.authorization.k8s.io/v1', 'coordination.k8s.io/v1', 'policy/v1', 'discovery.k8s.io/v1']) {
      assert.ok(vers.includes(gv), `api-versions lacks ${gv}`);
    }
  });

  test('system namespaces exist', () => {
    const out = s.kubectlOk(['get', 'namespaces', '--no-headers', '-o', 'custom-columns=NAME:.metadata.name,STATUS:.status.phase']);
    for (const ns of ['default', 'kube-system', 'kube-public', 'kube-node-lease']) assert.match(out, new RegExp(`^${ns}\\s+Active$`, 'm'));
  });

  test('apply creates, then is unchanged, then configured after an edit', () => {
    const f = writeTemp('web.yaml', DEPLOYMENT);
    assert.equal(s.kubectlOk(['apply', '-f', f]).trim(), 'deployment.apps/web created');
    assert.equal(s.kubectlOk(['apply', '-f', f]).trim(), 'deployment.apps/web unchanged');
    const f2 = writeTemp('web.yaml', DEPLOYMENT.replace('replicas: 2', 'replicas: 3'));
    assert.equal(s.kubectlOk(['apply', '-f', f2]).trim(), 'deployment.apps/web configured');
    const replicas = s.kubectlOk(['get', 'deployment', 'web', '-o', 'jsonpath={.spec.replicas}']);
    assert.equal(replicas, '3');
    const ann = s.kubectlOk(['get', 'deploy', 'web', '-o', "jsonpath={.metadata.annotations.kubectl\\.kubernetes\\.io/last-applied-configuration}"]);
    assert.match(ann, /"replicas":3/);
  });

  test('apply a directory with multi-document YAML and JSON', () => {
    const dir = tempDir('skiff-dir-');
    writeFileSync(
      join(dir, 'a.yaml'),
      `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-a\n  labels: {tier: a}\ndata:\n  k: v\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-b\n  labels: {tier: b}\ndata:\n  k: v\n`,
    );
    writeFileSync(join(dir, 'c.json'), JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm-c', labels: { tier: 'c' } }, data: { k: 'v' } }));
    const out = s.kubectlOk(['apply', '-f', dir]);
    assert.match(out, /configmap\/cm-a created/);
    assert.match(out, /configmap\/cm-b created/);
    assert.match(out, /configmap\/cm-c created/);
  });

  test('get output formats', () => {
    const table = s.kubectlOk(['get', 'configmaps', '-l', 'tier in (a,b)']);
    const lines = table.trim().split('\n');
    assert.match(lines[0], /^NAME\s+DATA\s+AGE$/);
    assert.deepEqual(lines.slice(1).map((l) => l.split(/\s+/)[0]), ['cm-a', 'cm-b']);
    assert.equal(s.kubectlOk(['get', 'cm', '-l', 'tier=c', '-o', 'name']).trim(), 'configmap/cm-c');
    const json = JSON.parse(s.kubectlOk(['get', 'cm', 'cm-a', '-o', 'json']));
    assert.equal(json.data.k, 'v');
    assert.ok(json.metadata.uid && json.metadata.resourceVersion && json.metadata.creationTimestamp);
    const yaml = s.kubectlOk(['get', 'cm', 'cm-b', '-o', 'yaml']);
    assert.match(yaml, /^kind: ConfigMap$/m);
    const cc = s.kubectlOk(['get', 'cm', '-l', 'tier', '-o', 'custom-columns=N:.metadata.name,T:.metadata.labels.tier', '--no-headers']);
    assert.match(cc, /^cm-a\s+a$/m);
    const labels = s.kubectlOk(['get', 'cm', 'cm-a', '--show-labels']);
    assert.match(labels, /^NAME\s+DATA\s+AGE\s+LABELS$/m);
    assert.match(labels, /tier=a/);
    const notIn = s.kubectlOk(['get', 'cm', '-l', 'tier,tier notin (a)', '-o', 'name']).trim().split('\n');
    assert.deepEqual(notIn, ['configmap/cm-b', 'configmap/cm-c']);
    const fs = s.kubectlOk(['get', 'cm', '--field-selector', 'metadata.name=cm-c', '-o', 'name']).trim();
    assert.equal(fs, 'configmap/cm-c');
    const all = s.kubectlOk(['get', 'namespaces', '-A', '--no-headers']);
    assert.match(all, /kube-system/);
    const wide = s.kubectlOk(['get', 'deploy', 'web', '-o', 'wide']);
    assert.match(wide.split('\n')[0], /^NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE\s+CONTAINERS\s+IMAGES\s+SELECTOR$/);
    assert.match(wide, /web\s+skiff\/echo-server\s+app=web/);
  });

  test('unknown fields are rejected with the field named (kubectl sends fieldValidation=Strict)', () => {
    const f = writeTemp('bad.yaml', DEPLOYMENT.replace('name: web\n  labels', 'name: web2\n  labels').replace('replicas: 2', 'replica: 2'));
    const r = s.kubectl(['apply', '-f', f]);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /unknown field "spec.replica"/);
    assert.equal(s.kubectl(['get', 'deploy', 'web2']).code, 1, 'nothing half-written');
  });

  test('invalid objects get a 422 with the field causes, as kubectl prints them', () => {
    const f = writeTemp('bad.yaml', DEPLOYMENT.replace('name: web\n  labels', 'name: Bad_Name\n  labels'));
    const r = s.kubectl(['apply', '-f', f]);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /The Deployment "Bad_Name" is invalid: metadata.name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain/);
    const sel = writeTemp('sel.yaml', DEPLOYMENT.replace('name: web\n  labels', 'name: websel\n  labels').replace('      labels:\n        app: web\n    spec', '      labels:\n        app: other\n    spec'));
    const r2 = s.kubectl(['apply', '-f', sel]);
    assert.notEqual(r2.code, 0);
    assert.match(r2.stderr, /spec.template.metadata.labels: Invalid value: .*`selector` does not match template `labels`/);
  });

  test('a missing namespace is a 404', () => {
    const r = s.kubectl(['create', 'configmap', 'x', '-n', 'nope', '--from-literal=a=b']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /namespaces "nope" not found/);
  });

  test('label and annotate add, overwrite and remove', () => {
    assert.match(s.kubectlOk(['label', 'cm', 'cm-a', 'color=red']), /configmap\/cm-a labeled/);
    const r = s.kubectl(['label', 'cm', 'cm-a', 'color=blue']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /already has a value \(red\), and --overwrite is false/);
    s.kubectlOk(['label', 'cm', 'cm-a', 'color=blue', '--overwrite']);
    assert.equal(s.kubectlOk(['get', 'cm', 'cm-a', '-o', 'jsonpath={.metadata.labels.color}']), 'blue');
    s.kubectlOk(['label', 'cm', 'cm-a', 'color-']);
    assert.equal(s.kubectlOk(['get', 'cm', 'cm-a', '-o', 'jsonpath={.metadata.labels.color}']), '');
    assert.match(s.kubectlOk(['annotate', 'cm', 'cm-a', 'note=hello']), /configmap\/cm-a annotated/);
    assert.equal(s.kubectlOk(['get', 'cm', 'cm-a', '-o', 'jsonpath={.metadata.annotations.note}']), 'hello');
    s.kubectlOk(['annotate', 'cm', 'cm-a', 'note-']);
    assert.equal(s.kubectlOk(['get', 'cm', 'cm-a', '-o', 'jsonpath={.metadata.annotations.note}']), '');
  });

  test('create configmap/secret/deployment generators', () => {
    const dir = tempDir('skiff-files-');
    writeFileSync(join(dir, 'app.properties'), 'a=1\n');
    assert.match(s.kubectlOk(['create', 'configmap', 'my-config', '--from-literal=extra-param=extra-value', `--from-file=${join(dir, 'app.properties')}`]), /configmap\/my-config created/);
    const cm = JSON.parse(s.kubectlOk(['get', 'configmap', 'my-config', '-o', 'json']));
    assert.equal(cm.data['extra-param'], 'extra-value');
    assert.equal(cm.data['app.properties'], 'a=1\n');
    assert.match(s.kubectlOk(['create', 'secret', 'generic', 'my-secret', '--from-literal=password=s3cret']), /secret\/my-secret created/);
    const sec = JSON.parse(s.kubectlOk(['get', 'secret', 'my-secret', '-o', 'json']));
    assert.equal(Buffer.from(sec.data.password, 'base64').toString(), 's3cret');
    assert.equal(sec.type, 'Opaque');
    assert.match(s.kubectlOk(['get', 'secrets', 'my-secret']), /^my-secret\s+Opaque\s+1\s+\S+$/m);
    assert.match(s.kubectlOk(['create', 'deployment', 'hello', '--image=skiff/echo-server']), /deployment.apps\/hello created/);
    const d = JSON.parse(s.kubectlOk(['get', 'deploy', 'hello', '-o', 'json']));
    assert.equal(d.spec.strategy.type, 'RollingUpdate');
    assert.equal(d.spec.strategy.rollingUpdate.maxSurge, '25%');
    assert.equal(d.spec.revisionHistoryLimit, 10);
    assert.equal(d.spec.progressDeadlineSeconds, 600);
    assert.equal(d.spec.template.spec.containers[0].imagePullPolicy, 'Always');
    assert.equal(d.spec.template.spec.containers[0].terminationMessagePath, '/dev/termination-log');
  });

  test('scale changes replicas through the scale subresource', () => {
    assert.match(s.kubectlOk(['scale', 'deployment', 'hello', '--replicas=4']), /deployment.apps\/hello scaled/);
    assert.equal(s.kubectlOk(['get', 'deploy', 'hello', '-o', 'jsonpath={.spec.replicas}']), '4');
  });

  test('patch: strategic, merge and json', () => {
    s.kubectlOk(['patch', 'deployment', 'hello', '-p', '{"spec":{"template":{"spec":{"containers":[{"name":"echo-server","image":"skiff/kuard"}]}}}}']);
    const d = JSON.parse(s.kubectlOk(['get', 'deploy', 'hello', '-o', 'json']));
    assert.equal(d.spec.template.spec.containers.length, 1);
    assert.equal(d.spec.template.spec.containers[0].image, 'skiff/kuard');
    s.kubectlOk(['patch', 'cm', 'cm-b', '--type=merge', '-p', '{"data":{"k2":"v2"}}']);
    assert.equal(s.kubectlOk(['get', 'cm', 'cm-b', '-o', 'jsonpath={.data.k2}']), 'v2');
    s.kubectlOk(['patch', 'cm', 'cm-b', '--type=json', '-p', '[{"op":"remove","path":"/data/k2"}]']);
    assert.equal(s.kubectlOk(['get', 'cm', 'cm-b', '-o', 'jsonpath={.data.k2}']), '');
    const bad = s.kubectl(['patch', 'cm', 'cm-b', '--type=json', '-p', '[{"op":"test","path":"/data/k","value":"nope"}]']);
    assert.notEqual(bad.code, 0);
  });

  test('edit with EDITOR set to a script', () => {
    const dir = tempDir('skiff-editor-');
    const script = join(dir, 'editor.sh');
    writeFileSync(script, '#!/bin/sh\nsed -i "s/k: v$/k: edited/" "$1"\n');
    chmodSync(script, 0o755);
    const out = s.kubectlOk(['edit', 'cm', 'cm-c'], { env: { EDITOR: script, KUBE_EDITOR: script } });
    assert.match(out, /configmap\/cm-c edited/);
    assert.equal(s.kubectlOk(['get', 'cm', 'cm-c', '-o', 'jsonpath={.data.k}']), 'edited');
  });

  test('server-side apply and conflicts', () => {
    const f = writeTemp('ssa.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ssa\ndata:\n  a: "1"\n');
    assert.match(s.kubectlOk(['apply', '--server-side', '-f', f]), /configmap\/ssa serverside-applied/);
    const mf = JSON.parse(s.kubectlOk(['get', 'cm', 'ssa', '-o', 'json', '--show-managed-fields'])).metadata.managedFields;
    assert.ok(mf.some((m: { manager: string; operation: string }) => m.manager === 'kubectl' && m.operation === 'Apply'));
    const f2 = writeTemp('ssa.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ssa\ndata:\n  a: "2"\n');
    const r = s.kubectl(['apply', '--server-side', '--field-manager=other', '-f', f2]);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /conflict/i);
    s.kubectlOk(['apply', '--server-side', '--field-manager=other', '--force-conflicts', '-f', f2]);
    assert.equal(s.kubectlOk(['get', 'cm', 'ssa', '-o', 'jsonpath={.data.a}']), '2');
  });

  test('diff shows the change and exits 1', () => {
    const f = writeTemp('web.yaml', DEPLOYMENT.replace('replicas: 2', 'replicas: 5'));
    const r = s.kubectl(['diff', '-f', f]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stdout, /-  replicas: 3/);
    assert.match(r.stdout, /\+  replicas: 5/);
  });

  test('describe prints the object', () => {
    const d = s.kubectlOk(['describe', 'deployment', 'web']);
    assert.match(d, /^Name:\s+web$/m);
    assert.match(d, /^Selector:\s+app=web$/m);
    assert.match(d, /StrategyType:\s+RollingUpdate/);
    const c = s.kubectlOk(['describe', 'configmap', 'cm-a']);
    assert.match(c, /^Name:\s+cm-a$/m);
    assert.match(c, /^k:$/m);
  });

  test('explain reads the OpenAPI v3 schema', () => {
    const out = s.kubectlOk(['explain', 'pods.spec.containers']);
    assert.match(out, /KIND:\s+Pod/);
    assert.match(out, /FIELD:\s+containers/);
    assert.match(out, /image\s+<string>/);
  });

  test('cluster-info', () => {
    const out = s.kubectlOk(['cluster-info']);
    assert.match(out, /Kubernetes control plane/);
    assert.ok(out.includes(s.url), out);
  });

  test('get -w streams changes', async () => {
    const child = spawn(KUBECTL!, ['get', 'configmaps', '-w', '--no-headers', '-o', 'custom-columns=N:.metadata.name'], {
      env: { ...process.env, KUBECONFIG: s.kubeconfig },
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    try {
      await sleep(1000);
      s.kubectlOk(['create', 'configmap', 'watched', '--from-literal=a=b']);
      const deadline = Date.now() + 10_000;
      while (!out.includes('watched') && Date.now() < deadline) await sleep(100);
      assert.match(out, /^watched$/m);
    } finally {
      child.kill('SIGKILL');
    }
  });

  test('delete by name, -l, -f and --all', () => {
    assert.match(s.kubectlOk(['delete', 'cm', 'cm-a']), /configmap "cm-a" deleted/);
    assert.match(s.kubectlOk(['delete', 'cm', '-l', 'tier=b']), /configmap "cm-b" deleted/);
    const f = writeTemp('web.yaml', DEPLOYMENT);
    assert.match(s.kubectlOk(['delete', '-f', f]), /deployment.apps "web" deleted/);
    s.kubectlOk(['delete', 'cm', '--all']);
    // The root CA publisher recreates kube-root-ca.crt at once (as upstream); nothing else is left.
    const left = s.kubectlOk(['get', 'cm', '-o', 'name']).trim().split('\n').filter(Boolean);
    assert.ok(left.every((n) => n === 'configmap/kube-root-ca.crt'), left.join(','));
    const r = s.kubectl(['get', 'cm', 'cm-a']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /configmaps "cm-a" not found/);
  });
});

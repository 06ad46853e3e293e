import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import YAML from 'yaml';
import { kubeconfigContextInfo, mergeKubeconfig, removeFromKubeconfig, userKubeconfigPath } from './kubeconfig-merge.js';
import { renderKubeconfig } from './kubeconfig.js';

const dirs: string[] = [];
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function setup() {
  const dir = mkdtempSync(join(tmpdir(), 'skiff-kc-'));
  dirs.push(dir);
  const src = join(dir, 'skiff.yaml');
  writeFileSync(src, renderKubeconfig({ server: 'https://127.0.0.1:6443', caCert: 'CA', clientCert: 'CERT', clientKey: 'KEY' }));
  return { dir, src };
}

test('merging into a missing kubeconfig creates it with the skiff context current', () => {
  const { dir, src } = setup();
  const target = join(dir, 'kube', 'config');
  assert.equal(mergeKubeconfig(src, target), undefined);
  const doc = YAML.parse(readFileSync(target, 'utf8'));
  assert.equal(doc['current-context'], 'skiff');
  assert.equal(doc.clusters[0].cluster.server, 'https://127.0.0.1:6443');
  assert.equal(doc.contexts[0].context.user, 'skiff');
});

test('merging keeps other contexts, replaces an old skiff entry and keeps a backup', () => {
  const { dir, src } = setup();
  const target = join(dir, 'config');
  const other = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'prod', cluster: { server: 'https://prod:6443' } }, { name: 'skiff', cluster: { server: 'https://old:1' } }],
    users: [{ name: 'prod', user: { token: 't' } }],
    contexts: [{ name: 'prod', context: { cluster: 'prod', user: 'prod' } }],
    'current-context': 'prod',
  };
  writeFileSync(target, YAML.stringify(other));
  const backup = mergeKubeconfig(src, target);
  assert.ok(backup && existsSync(backup));
  assert.equal(YAML.parse(readFileSync(backup, 'utf8'))['current-context'], 'prod');
  const doc = YAML.parse(readFileSync(target, 'utf8'));
  assert.deepEqual(doc.clusters.map((c: { name: string }) => c.name).sort(), ['prod', 'skiff']);
  assert.equal(doc.clusters.find((c: { name: string }) => c.name === 'skiff').cluster.server, 'https://127.0.0.1:6443');
  assert.equal(doc.users.find((u: { name: string }) => u.name === 'prod').user.token, 't');
  assert.equal(doc['current-context'], 'skiff');
  assert.equal(removeFromKubeconfig(target), true);
  const after = YAML.parse(readFileSync(target, 'utf8'));
  assert.deepEqual(after.contexts.map((c: { name: string }) => c.name), ['prod']);
  assert.equal(after['current-context'], 'prod', 'the context current before skiff up is current again');
});

test('KUBECONFIG is honoured (first path wins)', () => {
  assert.equal(userKubeconfigPath({ KUBECONFIG: '/a/one:/b/two', HOME: '/h' }), '/a/one');
  assert.equal(userKubeconfigPath({ HOME: '/h' }), '/h/.kube/config');
});

test('a repeated merge leaves the file and the earlier backup untouched', () => {
  const { dir, src } = setup();
  const target = join(dir, 'config');
  writeFileSync(target, YAML.stringify({ apiVersion: 'v1', kind: 'Config', clusters: [{ name: 'kind', cluster: { server: 'https://kind:1' } }], contexts: [{ name: 'kind', context: { cluster: 'kind', user: 'kind' } }], users: [{ name: 'kind', user: {} }], 'current-context': 'kind' }));
  const backup = mergeKubeconfig(src, target);
  assert.ok(backup);
  const merged = readFileSync(target, 'utf8');
  assert.equal(mergeKubeconfig(src, target), undefined, 'nothing changed, so no new backup');
  assert.equal(readFileSync(target, 'utf8'), merged);
  assert.equal(YAML.parse(readFileSync(backup, 'utf8'))['current-context'], 'kind', 'the backup still holds the pre-skiff file');
  assert.deepEqual(kubeconfigContextInfo(target), { present: true, current: 'skiff', server: 'https://127.0.0.1:6443' });
  // Switching away and merging again makes skiff current again (and backs up the changed file).
  writeFileSync(target, merged.replace('current-context: skiff', 'current-context: kind'));
  assert.ok(mergeKubeconfig(src, target));
  assert.equal(kubeconfigContextInfo(target).current, 'skiff');
});

test('removing the skiff context without a backup leaves no current context', () => {
  const { dir, src } = setup();
  const target = join(dir, 'config');
  mergeKubeconfig(src, target);
  assert.equal(removeFromKubeconfig(target), true);
  assert.equal(YAML.parse(readFileSync(target, 'utf8'))['current-context'], '');
  assert.equal(removeFromKubeconfig(target), false, 'nothing left to remove');
});

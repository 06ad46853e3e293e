import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadKubeconfig } from './http-transport.js';

const b64 = (s: string) => Buffer.from(s).toString('base64');

test('loadKubeconfig reads inline data, file paths (relative to the file), tokens and contexts', () => {
  const dir = mkdtempSync(join(tmpdir(), 'skiff-kubeconfig-'));
  try {
    writeFileSync(join(dir, 'ca.crt'), 'CA-FROM-FILE');
    writeFileSync(join(dir, 'token'), 'file-token\n');
    const path = join(dir, 'config');
    writeFileSync(
      path,
      `apiVersion: v1
kind: Config
current-context: skiff
clusters:
- name: skiff
  cluster:
    server: https://127.0.0.1:6443
    certificate-authority-data: ${b64('CA-PEM')}
- name: other
  cluster:
    server: https://127.0.0.1:7443
    certificate-authority: ca.crt
- name: loose
  cluster:
    server: https://127.0.0.1:8443
    insecure-skip-tls-verify: true
users:
- name: admin
  user:
    client-certificate-data: ${b64('CERT-PEM')}
    client-key-data: ${b64('KEY-PEM')}
- name: bot
  user:
    tokenFile: token
- name: tok
  user:
    token: abc
contexts:
- name: skiff
  context: { cluster: skiff, user: admin }
- name: other
  context: { cluster: other, user: bot }
- name: loose
  context: { cluster: loose, user: tok }
`,
    );
    assert.deepEqual(loadKubeconfig(path), { server: 'https://127.0.0.1:6443', ca: 'CA-PEM', cert: 'CERT-PEM', key: 'KEY-PEM' });
    assert.deepEqual(loadKubeconfig(path, 'other'), { server: 'https://127.0.0.1:7443', ca: 'CA-FROM-FILE', token: 'file-token' });
    assert.deepEqual(loadKubeconfig(path, 'loose'), { server: 'https://127.0.0.1:8443', insecureSkipVerify: true, token: 'abc' });
    assert.throws(() => loadKubeconfig(path, 'nope'), /context "nope" not found/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { WebSocket } from 'ws';
import { MemoryStore } from '../storage/memory.js';
import { ApiServer } from './server.js';
import { ensurePki, type Pki } from './certs.js';
import { NodeAgentProxy } from './pod-proxy.js';
import { InProcessTransport } from '../client/inprocess-transport.js';
import { RestClient } from '../client/rest-client.js';
import type { KubeObject } from '../client/api.js';
import { findByKind } from '../api/registry.js';
import { AgentServer } from '../agent/server/agent-server.js';
import { FakeRuntime } from '../agent/server/testing/fake-runtime.js';

const dir = mkdtempSync(join(tmpdir(), 'skiff-pod-proxy-'));
const logger = pino({ level: 'silent' });
let pki: Pki;
let api: ApiServer;
let agent: AgentServer;
let proxy: NodeAgentProxy;
let store: MemoryStore;
let apiPort: number;
const runtime = new FakeRuntime();

before(async () => {
  pki = await ensurePki(join(dir, 'tls'), { hosts: ['127.0.0.1'] });
  store = new MemoryStore();
  api = new ApiServer({ store, logger, tls: { cert: pki.serverCert, key: pki.serverKey, ca: pki.caCert }, host: '127.0.0.1', port: 0 });
  await api.start();
  apiPort = api.address()!.port;
  const client = new RestClient(new InProcessTransport(api.handler, { username: 'admin', groups: ['system:masters'] }), { userAgent: 't' });
  proxy = new NodeAgentProxy({ client, tls: { ca: pki.caCert, ...(await pki.issueClientCert('system:kube-apiserver', [])) }, logger });
  api.podStreaming = proxy;

  writeFileSync(join(dir, 'app.log'), '2024-05-01T10:00:00Z stdout F from the agent\n');
  runtime.addContainer({ id: 'c1', name: 'app', sandboxId: 'sb', logPath: join(dir, 'app.log') });
  const serving = await pki.issueServingCert('n1', ['127.0.0.1']);
  agent = new AgentServer({
    runtime, logger, tls: { ...serving, ca: pki.caCert },
    resolvePod: (ns, name) => (ns === 'default' && name === 'p1' ? { uid: 'u', sandboxId: 'sb', containers: new Map([['app', { id: 'c1', logPath: join(dir, 'app.log') }]]) } : undefined),
  });
  const { port } = await agent.start();

  const nodeRt = findByKind('', 'Node')!;
  const node = await client.create(nodeRt, undefined, { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1' } });
  await client.updateStatus(nodeRt, undefined, { ...node, status: { addresses: [{ type: 'InternalIP', address: '127.0.0.1' }], daemonEndpoints: { kubeletEndpoint: { Port: port } } } } as KubeObject);
  const podRt = findByKind('', 'Pod')!;
  for (const [name, nodeName] of [['p1', 'n1'], ['orphan', 'gone']]) {
    await client.create(podRt, 'default', { apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { nodeName, containers: [{ name: 'app', image: 'x' }] } } as KubeObject);
  }
});

after(async () => {
  await agent.stop();
  proxy.close();
  await api.stop();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

function get(path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: apiPort, path, ca: pki.caCert, cert: pki.adminCert, key: pki.adminKey }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('pods/log is streamed from the agent', async () => {
  assert.deepEqual(await get('/api/v1/namespaces/default/pods/p1/log'), { status: 200, body: 'from the agent\n' });
  assert.equal((await get('/api/v1/namespaces/default/pods/p1/log?timestamps=true')).body, '2024-05-01T10:00:00.000000000Z from the agent\n');
});

test("the agent's Status errors pass through", async () => {
  const r = await get('/api/v1/namespaces/default/pods/p1/log?previous=true');
  assert.equal(r.status, 400);
  assert.equal(JSON.parse(r.body).message, 'previous terminated container "app" in pod "p1" not found');
});

test('a pod on an unknown node is a clear error', async () => {
  const r = await get('/api/v1/namespaces/default/pods/orphan/log');
  assert.equal(r.status, 404);
  assert.equal(JSON.parse(r.body).message, 'nodes "gone" not found');
});

test('exec is proxied as a WebSocket upgrade', async () => {
  const ws = new WebSocket(`wss://127.0.0.1:${apiPort}/api/v1/namespaces/default/pods/p1/exec?command=echo&command=proxied&stdout=true`, ['v5.channel.k8s.io'], { ca: pki.caCert, cert: pki.adminCert, key: pki.adminKey });
  let out = '';
  let status = '';
  ws.on('message', (d: Buffer) => {
    if (d[0] === 1) out += d.subarray(1).toString();
    if (d[0] === 3) status += d.subarray(1).toString();
  });
  await new Promise((res, rej) => ws.on('close', res).on('error', rej));
  assert.equal(ws.protocol, 'v5.channel.k8s.io');
  assert.equal(out, 'proxied\n');
  assert.equal(JSON.parse(status).status, 'Success');
});

test('exec into an unknown container is refused before contacting the agent', async () => {
  const ws = new WebSocket(`wss://127.0.0.1:${apiPort}/api/v1/namespaces/default/pods/p1/exec?command=ls&stdout=true&container=nope`, ['v5.channel.k8s.io'], { ca: pki.caCert, cert: pki.adminCert, key: pki.adminKey });
  const err = await new Promise<Error>((res) => ws.on('error', res));
  assert.match(err.message, /Unexpected server response: 400/);
});

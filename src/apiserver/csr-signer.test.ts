// The CSR approver/signer against a real in-process API server: node serving requests are
// approved and issued, malformed ones denied, other signers' requests left for an admin; and the
// certificates.k8s.io strategy rules the signer relies on (requester recorded on create, the
// approval and status subresources each changing only their part).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pino from 'pino';
import type { CertificateSigningRequest } from 'kubernetes-types/certificates/v1.js';
import type { Node } from 'kubernetes-types/core/v1.js';
import { startTestCluster, type TestCluster } from '../../test/integration/cluster.js';
import { InProcessTransport } from '../client/inprocess-transport.js';
import { RestClient } from '../client/rest-client.js';
import { ApiError, type ApiClient, type KubeObject } from '../client/api.js';
import { findByKind } from '../api/registry.js';
import { createCertificateRequest, ensurePki, type Pki } from './certs.js';
import { CsrSigner, reviewCsr } from './csr-signer.js';

type Csr = CertificateSigningRequest & KubeObject;
const CSR = findByKind('certificates.k8s.io', 'CertificateSigningRequest')!;
const NODE = findByKind('', 'Node')!;
const logger = pino({ level: 'silent' });
const NODE_USER = { username: 'system:node:skiff-agent', groups: ['system:nodes', 'system:authenticated'] };

const node: Node = {
  metadata: { name: 'n1' },
  status: { addresses: [{ type: 'InternalIP', address: '10.0.0.5' }, { type: 'Hostname', address: 'n1' }] },
};

async function csrObject(name: string, cn: string, sans: string[], opts: { signerName?: string; usages?: string[]; orgs?: string[] } = {}): Promise<Csr> {
  const { csr } = await createCertificateRequest(cn, opts.orgs ?? ['system:nodes'], sans);
  return {
    apiVersion: 'certificates.k8s.io/v1',
    kind: 'CertificateSigningRequest',
    metadata: { name },
    spec: {
      request: Buffer.from(csr).toString('base64'),
      signerName: opts.signerName ?? 'kubernetes.io/kubelet-serving',
      usages: opts.usages ?? ['digital signature', 'server auth'],
      username: 'someone-else', // the API server must overwrite this
    },
  };
}

async function until<T>(what: string, fn: () => Promise<T | undefined>, ms = 5000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

const conditionTypes = (c: Csr) => (c.status?.conditions ?? []).map((x) => x.type);

describe('reviewCsr: which kubelet-serving requests are auto-approved', () => {
  const getNode = async (n: string) => (n === 'n1' ? node : undefined);
  const asNode = (c: Csr): Csr => ({ ...c, spec: { ...c.spec, username: NODE_USER.username, groups: NODE_USER.groups } });

  test('approves a node serving request whose SANs are the Node\'s addresses', async () => {
    const d = await reviewCsr(asNode(await csrObject('a', 'system:node:n1', ['10.0.0.5', 'n1'])), getNode);
    assert.equal(d.verdict, 'approve');
  });

  test('denies a CN that is not system:node:<name>, an unknown node, foreign SANs and wrong usages', async () => {
    const cases: [Csr, RegExp][] = [
      [await csrObject('b', 'n1', ['10.0.0.5']), /common name does not begin with system:node:/],
      [await csrObject('c', 'system:node:ghost', ['10.0.0.5']), /no Node "ghost"/],
      [await csrObject('d', 'system:node:n1', ['10.0.0.99']), /10\.0\.0\.99 is not an address of Node "n1"/],
      [await csrObject('e', 'system:node:n1', ['n1'], { orgs: ['admins'] }), /organization is not system:nodes/],
      [await csrObject('f', 'system:node:n1', ['n1'], { usages: ['digital signature', 'client auth'] }), /usages did not match/],
      [await csrObject('g', 'system:node:n1', []), /DNS or IP subjectAltName is required/],
    ];
    for (const [c, why] of cases) {
      const d = await reviewCsr(asNode(c), getNode);
      assert.equal(d.verdict, 'deny', `${c.metadata!.name}: ${d.message}`);
      assert.match(d.message, why);
    }
  });

  test('leaves other signers and non-node requesters to an administrator', async () => {
    const other = await reviewCsr(asNode(await csrObject('h', 'system:node:n1', [], { signerName: 'kubernetes.io/kube-apiserver-client', usages: ['client auth'] })), getNode);
    assert.equal(other.verdict, 'ignore');
    const human = await csrObject('i', 'system:node:n1', ['n1']);
    human.spec.username = 'alice';
    human.spec.groups = ['devs'];
    assert.equal((await reviewCsr(human, getNode)).verdict, 'ignore');
  });
});

describe('CsrSigner with the API server', () => {
  let cluster: TestCluster;
  let nodeClient: ApiClient;
  let pki: Pki;
  let signer: CsrSigner;
  const dir = mkdtempSync(join(tmpdir(), 'skiff-csr-signer-'));

  before(async () => {
    cluster = await startTestCluster();
    pki = await ensurePki(dir, { hosts: [] });
    nodeClient = new RestClient(new InProcessTransport(cluster.api.handler, NODE_USER), { userAgent: 'test-node' });
    await cluster.client.create(NODE, undefined, node as Node & KubeObject);
    await cluster.client.updateStatus(NODE, undefined, { ...(node as Node & KubeObject) });
    signer = new CsrSigner({ client: cluster.client, sign: (pem, o) => pki.signCsr(pem, o), logger });
    await signer.start();
  });

  after(async () => {
    await signer.stop();
    await cluster.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const read = (name: string) => cluster.client.get<Csr>(CSR, undefined, name);

  test('a node serving request is recorded with its requester, approved and issued by the cluster CA', async () => {
    const created = await nodeClient.create<Csr>(CSR, undefined, await csrObject('serving', 'system:node:n1', ['10.0.0.5', 'n1']));
    assert.equal(created.spec.username, 'system:node:skiff-agent');
    assert.deepEqual(created.spec.groups, NODE_USER.groups);
    const issued = await until('the certificate', async () => ((await read('serving')).status?.certificate ? read('serving') : undefined));
    const approved = issued.status!.conditions!.find((c) => c.type === 'Approved')!;
    assert.equal(approved.status, 'True');
    assert.equal(approved.reason, 'AutoApproved');
    assert.ok(approved.lastTransitionTime);
    const cert = new X509Certificate(Buffer.from(issued.status!.certificate!, 'base64'));
    assert.ok(cert.verify(new X509Certificate(pki.caCert).publicKey));
    assert.match(cert.subject, /CN=system:node:n1/);
    assert.ok(cert.checkIP('10.0.0.5'));
    assert.ok(cert.checkHost('n1'));
  });

  test('a request naming another node\'s identity or addresses is denied and never issued', async () => {
    await nodeClient.create<Csr>(CSR, undefined, await csrObject('spoof', 'system:node:n1', ['10.9.9.9']));
    const denied = await until('Denied', async () => {
      const c = await read('spoof');
      return conditionTypes(c).includes('Denied') ? c : undefined;
    });
    assert.match(denied.status!.conditions![0].message!, /10\.9\.9\.9 is not an address of Node "n1"/);
    assert.equal(denied.status?.certificate, undefined);
  });

  test('another signer\'s request stays Pending until an admin approves it through /approval, then it is issued', async () => {
    await cluster.client.create<Csr>(CSR, undefined, await csrObject('client', 'alice', [], { signerName: 'kubernetes.io/kube-apiserver-client', usages: ['client auth'], orgs: ['devs'] }));
    await sleep(200);
    const pending = await read('client');
    assert.deepEqual(conditionTypes(pending), []);
    assert.equal(pending.spec.username, 'test-admin');
    // The status subresource may not approve (the signer's endpoint).
    const viaStatus = await cluster.client.updateStatus<Csr>(CSR, undefined, { ...pending, status: { conditions: [{ type: 'Approved', status: 'True', reason: 'Sneaky', message: '' }] } } as Csr);
    assert.deepEqual(conditionTypes(viaStatus), []);
    // What `kubectl certificate approve` does: PUT …/approval with an Approved condition.
    await cluster.client.patch(CSR, undefined, 'client', 'merge', { status: { conditions: [{ type: 'Approved', status: 'True', reason: 'KubectlApprove', message: 'approved' }] } }, { subresource: 'approval' });
    const issued = await until('the client certificate', async () => ((await read('client')).status?.certificate ? read('client') : undefined));
    const cert = new X509Certificate(Buffer.from(issued.status!.certificate!, 'base64'));
    assert.match(cert.subject, /CN=alice/);
    // Once issued, the certificate can't be replaced, and approval can't be withdrawn.
    await assert.rejects(
      cluster.client.updateStatus(CSR, undefined, { ...issued, status: { ...issued.status, certificate: Buffer.from(pki.adminCert).toString('base64') } } as Csr),
      (e: unknown) => e instanceof ApiError && e.code === 422 && /may not modify existing certificate content/.test(e.message),
    );
    await assert.rejects(
      cluster.client.patch(CSR, undefined, 'client', 'merge', { status: { conditions: [] } }, { subresource: 'approval' }),
      (e: unknown) => e instanceof ApiError && e.code === 422 && /may not remove a condition of type "Approved"/.test(e.message),
    );
  });

  test('validation: a request must be a CERTIFICATE REQUEST with a signer and usages', async () => {
    await assert.rejects(
      cluster.client.create(CSR, undefined, { apiVersion: 'certificates.k8s.io/v1', kind: 'CertificateSigningRequest', metadata: { name: 'bad' }, spec: { request: Buffer.from('hello').toString('base64'), signerName: 'example', usages: [] } } as Csr),
      (e: unknown) => {
        assert.ok(e instanceof ApiError && e.code === 422);
        assert.match(e.message, /spec\.request: Invalid value: .*PEM block type must be CERTIFICATE REQUEST/);
        assert.match(e.message, /spec\.usages: Required value/);
        assert.match(e.message, /spec\.signerName: Invalid value: "example": must be a fully qualified domain and path/);
        return true;
      },
    );
  });
});

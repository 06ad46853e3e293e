// The cluster's CertificateSigningRequest approver and signer, run beside the API server (it
// holds the CA key). Two jobs, as upstream's csrapproving and csrsigning controllers:
//
// - approve (or deny) kubernetes.io/kubelet-serving requests from node agents: the requester is
//   in system:nodes, the request is a well-formed kubelet serving request (CN system:node:<node>,
//   O system:nodes, DNS/IP SANs only, serving usages) and every SAN is an address of that Node.
//   Requests from anyone else are left for an administrator (`kubectl certificate approve`).
//   Simplification: agents that joined with the shared token all authenticate as one user
//   (system:node:skiff-agent), so a requester may ask for any registered Node's name, not just
//   its own; the SAN check still binds the certificate to that Node's published addresses.
// - sign approved requests for the kubelet-serving, kube-apiserver-client and
//   kube-apiserver-client-kubelet signers with the cluster CA (status.certificate), or mark them
//   Failed when the request does not fit the signer.
import type { Logger } from 'pino';
import type { CertificateSigningRequest } from 'kubernetes-types/certificates/v1.js';
import type { Node } from 'kubernetes-types/core/v1.js';
import type { ApiClient, KubeObject } from '../client/api.js';
import { isNotFound } from '../client/api.js';
import { SharedInformer } from '../client/informer.js';
import { WorkQueue } from '../client/workqueue.js';
import { ControllerRunner } from '../client/controller.js';
import { findByKind } from '../api/registry.js';
import {
  CONDITION_APPROVED, CONDITION_DENIED, CONDITION_FAILED, SIGNER_KUBELET_SERVING, SIGNER_KUBE_APISERVER_CLIENT,
  SIGNER_KUBE_APISERVER_CLIENT_KUBELET, decodeBytes, hasCondition,
} from '../api/csr.js';
import { parseCertificateRequest, type CertificateRequestInfo, type SignCsrOptions } from './certs.js';

const csrType = findByKind('certificates.k8s.io', 'CertificateSigningRequest')!;
const nodeType = findByKind('', 'Node')!;

const NODE_USER_PREFIX = 'system:node:';
const NODES_GROUP = 'system:nodes';

export type CsrDecision =
  | { verdict: 'approve' | 'deny'; reason: string; message: string }
  | { verdict: 'ignore'; message: string };

const sameSet = (a: string[], b: string[]) => a.length === b.length && new Set(a).size === b.length && b.every((x) => a.includes(x));

/** upstream ValidateKubeletServingCSR: what any kubelet serving request must look like. */
export function kubeletServingProblem(req: CertificateRequestInfo, usages: string[]): string | undefined {
  if (!sameSet(req.organizations, [NODES_GROUP])) return 'subject organization is not system:nodes';
  if (req.dnsNames.length === 0 && req.ipAddresses.length === 0) return 'DNS or IP subjectAltName is required';
  if (req.emailAddresses.length) return 'Email subjectAltNames are forbidden';
  if (req.uris.length) return 'URI subjectAltNames are forbidden';
  if (!req.commonName.startsWith(NODE_USER_PREFIX)) return `subject common name does not begin with ${NODE_USER_PREFIX}`;
  if (!sameSet(usages, ['digital signature', 'key encipherment', 'server auth']) && !sameSet(usages, ['digital signature', 'server auth'])) {
    return 'usages did not match [digital signature key encipherment server auth]';
  }
  return undefined;
}

/** upstream ValidateKubeletClientCSR. */
function kubeletClientProblem(req: CertificateRequestInfo, usages: string[]): string | undefined {
  if (!sameSet(req.organizations, [NODES_GROUP])) return 'subject organization is not system:nodes';
  if (req.dnsNames.length || req.ipAddresses.length || req.emailAddresses.length || req.uris.length) return 'subjectAltNames are forbidden';
  if (!req.commonName.startsWith(NODE_USER_PREFIX)) return `subject common name does not begin with ${NODE_USER_PREFIX}`;
  if (!sameSet(usages, ['digital signature', 'key encipherment', 'client auth']) && !sameSet(usages, ['digital signature', 'client auth'])) {
    return 'usages did not match [client auth digital signature key encipherment]';
  }
  return undefined;
}

function apiserverClientProblem(_req: CertificateRequestInfo, usages: string[]): string | undefined {
  const allowed = ['digital signature', 'key encipherment', 'client auth'];
  if (!usages.includes('client auth') || usages.some((u) => !allowed.includes(u))) return `invalid usage for client certificate: ${usages.join(', ')}`;
  return undefined;
}

/** The signers this CA issues for, each with its request check. */
const SIGNERS: Record<string, (req: CertificateRequestInfo, usages: string[]) => string | undefined> = {
  [SIGNER_KUBELET_SERVING]: kubeletServingProblem,
  [SIGNER_KUBE_APISERVER_CLIENT_KUBELET]: kubeletClientProblem,
  [SIGNER_KUBE_APISERVER_CLIENT]: apiserverClientProblem,
};

/** Addresses and names a Node publishes: the SANs its serving certificate may carry. */
function nodeNames(node: Node): Set<string> {
  const names = new Set<string>([node.metadata?.name ?? '']);
  for (const a of node.status?.addresses ?? []) if (a.address) names.add(a.address);
  return names;
}

/**
 * The auto-approval decision for one request. `getNode` reads a Node (undefined when missing).
 * Only kubelet-serving requests from node identities are decided; everything else is 'ignore'.
 */
export async function reviewCsr(csr: CertificateSigningRequest, getNode: (name: string) => Promise<Node | undefined>): Promise<CsrDecision> {
  const spec = csr.spec;
  if (spec?.signerName !== SIGNER_KUBELET_SERVING) return { verdict: 'ignore', message: `signer ${spec?.signerName} is not auto-approved` };
  const username = spec.username ?? '';
  if (!(spec.groups ?? []).includes(NODES_GROUP) || !username.startsWith(NODE_USER_PREFIX)) {
    return { verdict: 'ignore', message: `requester ${username} is not a node` };
  }
  const deny = (message: string): CsrDecision => ({ verdict: 'deny', reason: 'KubeletServingCertificateRejected', message });
  let req: CertificateRequestInfo;
  try {
    req = await parseCertificateRequest(decodeBytes(spec.request));
  } catch (e) {
    return deny(`the certificate request could not be parsed: ${(e as Error).message}`);
  }
  const problem = kubeletServingProblem(req, spec.usages ?? []);
  if (problem) return deny(problem);
  const nodeName = req.commonName.slice(NODE_USER_PREFIX.length);
  const node = await getNode(nodeName);
  if (!node) return deny(`no Node "${nodeName}" is registered for subject ${req.commonName}`);
  const published = nodeNames(node);
  const foreign = [...req.dnsNames, ...req.ipAddresses].find((n) => !published.has(n));
  if (foreign) return deny(`subjectAltName ${foreign} is not an address of Node "${nodeName}"`);
  return {
    verdict: 'approve',
    reason: 'AutoApproved',
    message: `Auto-approved kubelet serving certificate for Node "${nodeName}" requested by ${username}`,
  };
}

export interface CsrSignerOptions {
  client: ApiClient;
  /** The cluster CA's signing function (Pki.signCsr). */
  sign(csrPem: string, opts: SignCsrOptions): Promise<string>;
  logger: Logger;
  /** Auto-approve node serving requests (default true). */
  autoApprove?: boolean;
}

export class CsrSigner {
  private readonly informer: SharedInformer<CertificateSigningRequest>;
  private readonly queue = new WorkQueue<string>({ name: 'csrsigning', baseDelayMs: 200, maxDelayMs: 30_000 });
  private readonly runner: ControllerRunner;
  private readonly log: Logger;

  constructor(private readonly opts: CsrSignerOptions) {
    this.log = opts.logger.child({ component: 'csr-signer' });
    this.informer = new SharedInformer<CertificateSigningRequest>(opts.client, csrType);
    const enqueue = (o: CertificateSigningRequest) => o.metadata?.name && this.queue.add(o.metadata.name);
    this.informer.addEventHandler({ onAdd: enqueue, onUpdate: (_old, o) => enqueue(o) });
    this.runner = new ControllerRunner({ name: 'csrsigning', queue: this.queue, reconciler: { reconcile: (k) => this.reconcile(k) }, logger: this.log });
  }

  async start(): Promise<void> {
    this.runner.start();
    await this.informer.start();
  }

  async stop(): Promise<void> {
    this.informer.stop();
    await this.runner.stop();
  }

  private async reconcile(name: string): Promise<void> {
    const csr = this.informer.get(undefined, name);
    if (!csr) return;
    const approved = hasCondition(csr, CONDITION_APPROVED);
    const denied = hasCondition(csr, CONDITION_DENIED);
    if (!approved && !denied) {
      if (this.opts.autoApprove !== false) await this.approve(csr);
      return; // the approval write comes back through the informer
    }
    if (approved && !denied && !csr.status?.certificate && !hasCondition(csr, CONDITION_FAILED)) await this.issue(csr);
  }

  private async approve(csr: CertificateSigningRequest): Promise<void> {
    const decision = await reviewCsr(csr, async (n) => {
      try {
        return await this.opts.client.get<Node & KubeObject>(nodeType, undefined, n);
      } catch (e) {
        if (isNotFound(e)) return undefined;
        throw e;
      }
    });
    const name = csr.metadata!.name!;
    if (decision.verdict === 'ignore') return;
    const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
    const condition = { type: decision.verdict === 'approve' ? CONDITION_APPROVED : CONDITION_DENIED, status: 'True', reason: decision.reason, message: decision.message, lastUpdateTime: now };
    await this.opts.client.patch(csrType, undefined, name, 'merge', {
      metadata: { resourceVersion: csr.metadata!.resourceVersion },
      status: { conditions: [...(csr.status?.conditions ?? []), condition] },
    }, { subresource: 'approval', fieldManager: 'csr-approver' });
    this.log.info({ csr: name, requester: csr.spec.username, verdict: decision.verdict }, decision.message);
  }

  private async issue(csr: CertificateSigningRequest): Promise<void> {
    const name = csr.metadata!.name!;
    const check = SIGNERS[csr.spec.signerName];
    if (!check) return; // another signer's request
    let certificate: string | undefined;
    let failure: string | undefined;
    try {
      const pem = decodeBytes(csr.spec.request);
      failure = check(await parseCertificateRequest(pem), csr.spec.usages ?? []);
      if (!failure) certificate = await this.opts.sign(pem, { usages: csr.spec.usages ?? [], expirationSeconds: csr.spec.expirationSeconds });
    } catch (e) {
      failure = (e as Error).message;
    }
    const status: CertificateSigningRequest['status'] = { ...(csr.status ?? {}) };
    if (certificate) status.certificate = Buffer.from(certificate).toString('base64');
    else {
      const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
      status.conditions = [...(status.conditions ?? []), { type: CONDITION_FAILED, status: 'True', reason: 'SignerValidationFailure', message: failure ?? 'signing failed', lastUpdateTime: now }];
    }
    await this.opts.client.updateStatus(csrType, undefined, { ...csr, status });
    if (certificate) this.log.info({ csr: name, signer: csr.spec.signerName }, 'certificate issued');
    else this.log.warn({ csr: name, signer: csr.spec.signerName, err: failure }, 'certificate signing failed');
  }
}

// Kubelet serving-certificate bootstrap for `skiff agent`: the agent asks the cluster for a
// certificate with a certificates.k8s.io/v1 CertificateSigningRequest (signer
// kubernetes.io/kubelet-serving, CN system:node:<node>, O system:nodes, SANs = the Node's
// addresses), waits until it is approved and issued, and keeps key and certificate in its data
// dir so that a restart reuses them while they are valid. The server's CSR signer approves such
// requests from node agents; otherwise an administrator runs `kubectl certificate approve`.
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import type { CertificateSigningRequest } from 'kubernetes-types/certificates/v1.js';
import { isNotFound, type ApiClient, type KubeObject } from '../client/api.js';
import { findByKind } from '../api/registry.js';
import { CONDITION_DENIED, CONDITION_FAILED, SIGNER_KUBELET_SERVING } from '../api/csr.js';
import { createCertificateRequest } from '../apiserver/certs.js';

const csrType = findByKind('certificates.k8s.io', 'CertificateSigningRequest')!;

export const SERVING_CERT_FILE = 'kubelet-server.crt';
export const SERVING_KEY_FILE = 'kubelet-server.key';
/** A stored certificate closer than this to expiry is replaced on start. */
const RENEW_BEFORE_MS = 30 * 24 * 3600 * 1000;

export interface ServingCertOptions {
  nodeName: string;
  /** IP addresses and DNS names the certificate covers (the Node's addresses). */
  hosts: string[];
  /** Where the key and certificate are kept. */
  dir: string;
  /** The cluster CA (PEM): a stored certificate must chain to it. */
  ca: string;
  logger: Logger;
  /** Poll interval while waiting for approval (default 250 ms). */
  pollMs?: number;
  signal?: AbortSignal;
}

type Csr = CertificateSigningRequest & KubeObject;

/** The stored pair when it still fits (same CA, covers every host, not about to expire). */
export function loadStoredServingCert(dir: string, ca: string, hosts: string[]): { cert: string; key: string } | undefined {
  const certPath = join(dir, SERVING_CERT_FILE);
  const keyPath = join(dir, SERVING_KEY_FILE);
  if (!existsSync(certPath) || !existsSync(keyPath)) return undefined;
  try {
    const cert = readFileSync(certPath, 'utf8');
    const key = readFileSync(keyPath, 'utf8');
    const c = new X509Certificate(cert);
    const fits = c.verify(new X509Certificate(ca).publicKey)
      && c.checkPrivateKey(createPrivateKey(key))
      && Date.parse(c.validTo) - Date.now() > RENEW_BEFORE_MS
      && hosts.every((h) => (isIP(h) ? c.checkIP(h) : c.checkHost(h, { wildcards: false })) !== undefined);
    return fits ? { cert, key } : undefined;
  } catch {
    return undefined; // unreadable: request a new one
  }
}

function writePrivate(path: string, data: string, mode: number): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, data, { mode });
  chmodSync(tmp, mode);
  renameSync(tmp, path);
}

function conditionMessage(csr: Csr, type: string): string | undefined {
  const c = csr.status?.conditions?.find((x) => x.type === type);
  return c ? `${c.reason ?? type}: ${c.message ?? ''}`.trim() : undefined;
}

/** A serving certificate from the cluster CA: the stored one, or a new one through a CSR. */
export async function obtainServingCert(client: ApiClient, opts: ServingCertOptions): Promise<{ cert: string; key: string }> {
  const hosts = [...new Set(opts.hosts.filter(Boolean))];
  const stored = loadStoredServingCert(opts.dir, opts.ca, hosts);
  if (stored) return stored;
  const { csr: csrPem, key } = await createCertificateRequest(`system:node:${opts.nodeName}`, ['system:nodes'], hosts);
  const created = await client.create<Csr>(csrType, undefined, {
    apiVersion: 'certificates.k8s.io/v1',
    kind: 'CertificateSigningRequest',
    metadata: { generateName: 'csr-' },
    spec: {
      request: Buffer.from(csrPem).toString('base64'),
      signerName: SIGNER_KUBELET_SERVING,
      // An EC key: no key encipherment (upstream's kubelet asks the same for ECDSA keys).
      usages: ['digital signature', 'server auth'],
    },
  } as Csr);
  const name = created.metadata!.name!;
  opts.logger.info({ component: 'agent', csr: name }, 'requested a kubelet serving certificate; waiting for approval');
  let waitedMs = 0;
  let warned = false;
  for (;;) {
    if (opts.signal?.aborted) throw new Error(`stopped while waiting for CertificateSigningRequest ${name}`);
    let csr: Csr | undefined;
    try {
      csr = await client.get<Csr>(csrType, undefined, name);
    } catch (e) {
      if (isNotFound(e)) throw new Error(`CertificateSigningRequest ${name} was deleted before a certificate was issued`);
      opts.logger.debug({ component: 'agent', csr: name, err: (e as Error).message }, 'reading the certificate request failed; retrying');
    }
    if (!csr) {
      await sleep(1000, undefined, { signal: opts.signal }).catch(() => undefined);
      continue;
    }
    const denied = conditionMessage(csr, CONDITION_DENIED);
    if (denied) throw new Error(`CertificateSigningRequest ${name} was denied (${denied})`);
    const failed = conditionMessage(csr, CONDITION_FAILED);
    if (failed) throw new Error(`CertificateSigningRequest ${name} failed (${failed})`);
    if (csr.status?.certificate) {
      const cert = Buffer.from(csr.status.certificate, 'base64').toString('utf8');
      mkdirSync(opts.dir, { recursive: true, mode: 0o700 });
      writePrivate(join(opts.dir, SERVING_KEY_FILE), key, 0o600);
      writePrivate(join(opts.dir, SERVING_CERT_FILE), cert, 0o644);
      opts.logger.info({ component: 'agent', csr: name }, 'kubelet serving certificate issued');
      return { cert, key };
    }
    const pollMs = opts.pollMs ?? 250;
    waitedMs += pollMs;
    if (!warned && waitedMs >= 30_000) {
      warned = true;
      opts.logger.warn({ component: 'agent', csr: name }, `CertificateSigningRequest ${name} is still pending: approve it with \`kubectl certificate approve ${name}\``);
    }
    await sleep(pollMs, undefined, { signal: opts.signal }).catch(() => undefined);
  }
}

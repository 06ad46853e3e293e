// Cluster PKI: one CA that signs the API server's serving certificate and client certificates.
// Client certificates carry the identity the API server authenticates (CN = user, O = groups),
// as in Kubernetes' x509 client-certificate authenticator.
// Keys are ECDSA P-256 (fast to generate, accepted by kubectl and Node's TLS).
import { createPrivateKey, webcrypto, X509Certificate as NodeX509, type KeyObject } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync, chmodSync } from 'node:fs';
import { isIP } from 'node:net';
import { join } from 'node:path';
import type { PeerCertificate } from 'node:tls';
import './reflect-polyfill.js'; // must precede @peculiar/x509
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

export interface Pki {
  caCert: string;
  caKey: string;
  serverCert: string;
  serverKey: string;
  adminCert: string;
  adminKey: string;
  /** Issues a client certificate signed by the cluster CA (not written to disk). */
  issueClientCert(cn: string, orgs: string[]): Promise<{ cert: string; key: string }>;
  /** Issues a serving certificate for `hosts` (IPs and DNS names), e.g. a node agent's server. */
  issueServingCert(cn: string, hosts: string[]): Promise<{ cert: string; key: string }>;
  /** Signs a PKCS#10 request (PEM) with the cluster CA: its subject, SANs and public key, `opts.usages`. */
  signCsr(csrPem: string, opts: SignCsrOptions): Promise<string>;
}

export interface SignCsrOptions {
  /** certificates.k8s.io key usages, e.g. ['digital signature', 'server auth']. */
  usages: string[];
  /** Requested lifetime (spec.expirationSeconds); capped at the leaf maximum and the CA's own expiry. */
  expirationSeconds?: number;
}

/** What an approver looks at in a certificate request. */
export interface CertificateRequestInfo {
  commonName: string;
  organizations: string[];
  dnsNames: string[];
  ipAddresses: string[];
  emailAddresses: string[];
  uris: string[];
}

export interface PkiOptions {
  /** IP addresses and DNS names the API server is reached by (added to the serving cert SANs). */
  hosts: string[];
}

/** The admin client certificate's identity: a member of the cluster-admin group. */
export const ADMIN_USER = 'skiff-admin';
export const ADMIN_GROUPS = ['system:masters'];

/** Names every serving certificate covers, besides opts.hosts. */
const DEFAULT_SANS = [
  '127.0.0.1', 'localhost', 'kubernetes', 'kubernetes.default', 'kubernetes.default.svc',
  'kubernetes.default.svc.cluster.local', '10.96.0.1',
];

const DAY_MS = 24 * 3600 * 1000;
const CA_VALIDITY_MS = 10 * 365 * DAY_MS;
const LEAF_VALIDITY_MS = 365 * DAY_MS;
/** Leaf certificates closer than this to expiry are re-issued on start. */
const RENEW_BEFORE_MS = 30 * DAY_MS;
/** Backdate notBefore to tolerate clock skew between machines. */
const BACKDATE_MS = 5 * 60 * 1000;

const EC_KEYGEN: EcKeyGenParams = { name: 'ECDSA', namedCurve: 'P-256' };

interface SigningKey {
  key: CryptoKey;
  algorithm: Algorithm | EcdsaParams;
}

/** Creates the PKI in `dir`, or loads it, re-issuing leaf certificates that no longer fit. */
export async function ensurePki(dir: string, opts: PkiOptions): Promise<Pki> {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = (name: string) => join(dir, name);

  let caCert: string;
  let caKey: string;
  const haveCert = existsSync(file('ca.crt'));
  const haveKey = existsSync(file('ca.key'));
  if (haveCert && haveKey) {
    caCert = readFileSync(file('ca.crt'), 'utf8');
    caKey = readFileSync(file('ca.key'), 'utf8');
  } else if (!haveCert && !haveKey) {
    ({ cert: caCert, key: caKey } = await createCa());
    writeKeyPair(dir, 'ca', caCert, caKey);
  } else {
    // Re-creating one half would silently invalidate every issued certificate.
    throw new Error(`incomplete cluster CA in ${dir}: need both ca.crt and ca.key`);
  }
  const ca = await loadSigner(caCert, caKey);
  const caNode = new NodeX509(caCert);

  const sans = [...new Set([...opts.hosts, ...DEFAULT_SANS])];
  const server = await ensureLeaf(dir, 'server', caNode, (c) => sans.every((h) => covers(c, h)), () =>
    issueLeaf(ca, { subject: [{ CN: ['skiff-apiserver'] }], usage: 'server', sans }));
  const admin = await ensureLeaf(dir, 'admin', caNode, (c) => identityOf(c, ADMIN_USER, ADMIN_GROUPS), () =>
    issueLeaf(ca, { subject: clientSubject(ADMIN_USER, ADMIN_GROUPS), usage: 'client' }));

  return {
    caCert, caKey,
    serverCert: server.cert, serverKey: server.key,
    adminCert: admin.cert, adminKey: admin.key,
    issueClientCert: (cn, orgs) => issueLeaf(ca, { subject: clientSubject(cn, orgs), usage: 'client' }),
    issueServingCert: (cn, hosts) => issueLeaf(ca, { subject: [{ CN: [cn] }], usage: 'server', sans: [...new Set(hosts)] }),
    signCsr: (csrPem, o) => signRequest(ca, csrPem, o),
  };
}

/** Parses a PEM certificate request and checks its self-signature; throws when it is not a valid one. */
export async function parseCertificateRequest(csrPem: string): Promise<CertificateRequestInfo> {
  const req = await loadRequest(csrPem);
  const names = requestSans(req);
  const pick = (type: string) => names.filter((n) => n.type === type).map((n) => n.value);
  return {
    commonName: req.subjectName.getField('CN')[0] ?? '',
    organizations: req.subjectName.getField('O'),
    dnsNames: pick('dns'),
    ipAddresses: pick('ip'),
    emailAddresses: pick('email'),
    uris: pick('url'),
  };
}

/** A new ECDSA P-256 key and a PKCS#10 request for it (PEM both), e.g. a node agent's serving certificate. */
export async function createCertificateRequest(cn: string, orgs: string[], sans: string[]): Promise<{ csr: string; key: string }> {
  const keys = await webcrypto.subtle.generateKey(EC_KEYGEN, true, ['sign', 'verify']) as CryptoKeyPair;
  const extensions: x509.Extension[] = [];
  if (sans.length) {
    extensions.push(new x509.SubjectAlternativeNameExtension(
      [...new Set(sans)].map((h) => ({ type: isIP(h) ? 'ip' as const : 'dns' as const, value: h }))));
  }
  const req = await x509.Pkcs10CertificateRequestGenerator.create({
    name: clientSubject(cn, orgs),
    keys,
    signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' } as EcdsaParams,
    extensions,
  });
  return { csr: req.toString('pem'), key: await exportPrivateKey(keys.privateKey) };
}

async function loadRequest(csrPem: string): Promise<x509.Pkcs10CertificateRequest> {
  if (!/-----BEGIN CERTIFICATE REQUEST-----/.test(csrPem)) throw new Error('PEM block type must be CERTIFICATE REQUEST');
  let req: x509.Pkcs10CertificateRequest;
  try {
    req = new x509.Pkcs10CertificateRequest(csrPem);
  } catch (e) {
    throw new Error(`parsing the certificate request: ${(e as Error).message}`);
  }
  if (!(await req.verify())) throw new Error('the certificate request\'s signature is invalid');
  return req;
}

function requestSans(req: x509.Pkcs10CertificateRequest): { type: string; value: string }[] {
  const ext = req.getExtension(x509.SubjectAlternativeNameExtension.NAME) ?? req.extensions.find((e) => e.type === '2.5.29.17');
  if (!ext) return [];
  const san = ext instanceof x509.SubjectAlternativeNameExtension ? ext : new x509.SubjectAlternativeNameExtension(ext.rawData);
  return san.names.items.map((n) => ({ type: n.type, value: n.value }));
}

const KEY_USAGE_FLAGS: Record<string, number> = {
  'digital signature': x509.KeyUsageFlags.digitalSignature,
  'content commitment': x509.KeyUsageFlags.nonRepudiation,
  'key encipherment': x509.KeyUsageFlags.keyEncipherment,
  'data encipherment': x509.KeyUsageFlags.dataEncipherment,
  'key agreement': x509.KeyUsageFlags.keyAgreement,
  'cert sign': x509.KeyUsageFlags.keyCertSign,
  'crl sign': x509.KeyUsageFlags.cRLSign,
  'encipher only': x509.KeyUsageFlags.encipherOnly,
  'decipher only': x509.KeyUsageFlags.decipherOnly,
};

const EXT_KEY_USAGES: Record<string, string> = {
  'server auth': x509.ExtendedKeyUsage.serverAuth,
  'client auth': x509.ExtendedKeyUsage.clientAuth,
  'code signing': x509.ExtendedKeyUsage.codeSigning,
  'email protection': x509.ExtendedKeyUsage.emailProtection,
  'timestamping': x509.ExtendedKeyUsage.timeStamping,
  'ocsp signing': x509.ExtendedKeyUsage.ocspSigning,
};

async function signRequest(ca: Signer, csrPem: string, opts: SignCsrOptions): Promise<string> {
  const req = await loadRequest(csrPem);
  const now = Date.now();
  const requested = opts.expirationSeconds ? opts.expirationSeconds * 1000 : LEAF_VALIDITY_MS;
  const notAfter = Math.min(now + Math.min(requested, LEAF_VALIDITY_MS), ca.cert.notAfter.getTime());
  let keyUsage = 0;
  for (const u of opts.usages) keyUsage |= KEY_USAGE_FLAGS[u] ?? 0;
  const eku = opts.usages.map((u) => EXT_KEY_USAGES[u]).filter((x): x is string => !!x);
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(false, undefined, true),
    await x509.AuthorityKeyIdentifierExtension.create(ca.cert),
  ];
  if (keyUsage) extensions.push(new x509.KeyUsagesExtension(keyUsage, true));
  if (eku.length) extensions.push(new x509.ExtendedKeyUsageExtension(eku));
  const sans = requestSans(req).filter((n) => ['dns', 'ip', 'email', 'url'].includes(n.type));
  if (sans.length) extensions.push(new x509.SubjectAlternativeNameExtension(sans as x509.JsonGeneralNames));
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerial(),
    subject: req.subjectName,
    issuer: ca.cert.subjectName,
    notBefore: new Date(now - BACKDATE_MS),
    notAfter: new Date(notAfter),
    publicKey: req.publicKey,
    signingKey: ca.key,
    signingAlgorithm: ca.algorithm,
    extensions,
  });
  return cert.toString('pem');
}

/** The identity a verified client certificate carries: CN is the user, each O a group. */
export function identityFromCert(peerCert: PeerCertificate): { username: string; groups: string[] } {
  const subject = (peerCert?.subject ?? {}) as unknown as Record<string, string | string[] | undefined>;
  const values = (v: string | string[] | undefined): string[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
  return { username: values(subject.CN)[0] ?? '', groups: values(subject.O) };
}

/** TLS options for an HTTPS server that asks for (but does not require) client certificates. */
export function serverTlsOptions(pki: Pki) {
  return { cert: pki.serverCert, key: pki.serverKey, ca: pki.caCert, requestCert: true, rejectUnauthorized: false };
}

async function createCa(): Promise<{ cert: string; key: string }> {
  const keys = await webcrypto.subtle.generateKey(EC_KEYGEN, true, ['sign', 'verify']) as CryptoKeyPair;
  const now = Date.now();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerial(),
    name: [{ CN: [`skiff-ca@${Math.floor(now / 1000)}`] }],
    notBefore: new Date(now - BACKDATE_MS),
    notAfter: new Date(now + CA_VALIDITY_MS),
    keys,
    signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' } as EcdsaParams,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { cert: cert.toString('pem'), key: await exportPrivateKey(keys.privateKey) };
}

interface LeafSpec {
  subject: x509.JsonName;
  usage: 'server' | 'client';
  sans?: string[];
}

interface Signer extends SigningKey {
  cert: x509.X509Certificate;
}

async function issueLeaf(ca: Signer, spec: LeafSpec): Promise<{ cert: string; key: string }> {
  const keys = await webcrypto.subtle.generateKey(EC_KEYGEN, true, ['sign', 'verify']) as CryptoKeyPair;
  const now = Date.now();
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
    new x509.ExtendedKeyUsageExtension([spec.usage === 'server' ? x509.ExtendedKeyUsage.serverAuth : x509.ExtendedKeyUsage.clientAuth]),
    await x509.AuthorityKeyIdentifierExtension.create(ca.cert),
  ];
  if (spec.sans) {
    extensions.push(new x509.SubjectAlternativeNameExtension(
      spec.sans.map((h) => ({ type: isIP(h) ? 'ip' as const : 'dns' as const, value: h }))));
  }
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerial(),
    subject: spec.subject,
    issuer: ca.cert.subjectName,
    notBefore: new Date(now - BACKDATE_MS),
    notAfter: new Date(now + LEAF_VALIDITY_MS),
    publicKey: keys.publicKey,
    signingKey: ca.key,
    signingAlgorithm: ca.algorithm,
    extensions,
  });
  return { cert: cert.toString('pem'), key: await exportPrivateKey(keys.privateKey) };
}

/** Loads `<name>.crt/.key` when still valid for `fits`, else issues and writes a new pair. */
async function ensureLeaf(
  dir: string, name: string, ca: NodeX509, fits: (c: NodeX509) => boolean,
  issue: () => Promise<{ cert: string; key: string }>,
): Promise<{ cert: string; key: string }> {
  const certPath = join(dir, `${name}.crt`);
  const keyPath = join(dir, `${name}.key`);
  if (existsSync(certPath) && existsSync(keyPath)) {
    const cert = readFileSync(certPath, 'utf8');
    const key = readFileSync(keyPath, 'utf8');
    if (leafUsable(cert, key, ca, fits)) return { cert, key };
  }
  const fresh = await issue();
  writeKeyPair(dir, name, fresh.cert, fresh.key);
  return fresh;
}

function leafUsable(certPem: string, keyPem: string, ca: NodeX509, fits: (c: NodeX509) => boolean): boolean {
  try {
    const c = new NodeX509(certPem);
    return c.verify(ca.publicKey)
      && c.checkPrivateKey(createPrivateKey(keyPem))
      && Date.parse(c.validTo) - Date.now() > RENEW_BEFORE_MS
      && fits(c);
  } catch {
    return false; // unreadable files are simply re-issued
  }
}

function covers(c: NodeX509, host: string): boolean {
  return isIP(host) ? c.checkIP(host) !== undefined : c.checkHost(host, { wildcards: false }) !== undefined;
}

function identityOf(c: NodeX509, cn: string, orgs: string[]): boolean {
  const fields = c.subject.split('\n');
  const got = (k: string) => fields.filter((f) => f.startsWith(`${k}=`)).map((f) => f.slice(k.length + 1));
  return got('CN').join() === cn && got('O').join('\n') === orgs.join('\n');
}

function clientSubject(cn: string, orgs: string[]): x509.JsonName {
  return [...orgs.map((o) => ({ O: [o] })), { CN: [cn] }];
}

/** Imports a PEM private key (EC or RSA) as a WebCrypto signing key, with its certificate. */
async function loadSigner(certPem: string, keyPem: string): Promise<Signer> {
  const keyObject = createPrivateKey(keyPem);
  const der = keyObject.export({ type: 'pkcs8', format: 'der' });
  const { importAlg, algorithm } = signingAlgorithmFor(keyObject);
  const key = await webcrypto.subtle.importKey('pkcs8', der, importAlg, false, ['sign']);
  return { key, algorithm, cert: new x509.X509Certificate(certPem) };
}

function signingAlgorithmFor(k: KeyObject): { importAlg: EcKeyImportParams | RsaHashedImportParams; algorithm: Algorithm | EcdsaParams } {
  if (k.asymmetricKeyType === 'ec') {
    const curves: Record<string, string> = { prime256v1: 'P-256', secp384r1: 'P-384', secp521r1: 'P-521' };
    const namedCurve = curves[k.asymmetricKeyDetails?.namedCurve ?? ''];
    if (!namedCurve) throw new Error(`unsupported CA key curve ${k.asymmetricKeyDetails?.namedCurve}`);
    return { importAlg: { name: 'ECDSA', namedCurve }, algorithm: { name: 'ECDSA', hash: 'SHA-256' } as EcdsaParams };
  }
  if (k.asymmetricKeyType === 'rsa') {
    const alg = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' };
    return { importAlg: alg, algorithm: alg };
  }
  throw new Error(`unsupported CA key type ${k.asymmetricKeyType}`);
}

async function exportPrivateKey(key: CryptoKey): Promise<string> {
  const der = await webcrypto.subtle.exportKey('pkcs8', key);
  return x509.PemConverter.encode([{ type: 'PRIVATE KEY', rawData: der }]);
}

/** 128-bit positive serial number, hex. */
function randomSerial(): string {
  const bytes = webcrypto.getRandomValues(new Uint8Array(16));
  bytes[0] &= 0x7f;
  bytes[0] |= 0x01; // no leading zero byte, which DER would have to strip
  return Buffer.from(bytes).toString('hex');
}

/** Writes cert (0644) and key (0600), each via a temp file so a crash never leaves half a file. */
function writeKeyPair(dir: string, name: string, cert: string, key: string): void {
  writeAtomic(join(dir, `${name}.key`), key, 0o600);
  writeAtomic(join(dir, `${name}.crt`), cert, 0o644);
}

function writeAtomic(path: string, data: string, mode: number): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, data, { mode });
  chmodSync(tmp, mode); // the umask may have narrowed or the file pre-existed
  renameSync(tmp, path);
}

// CertificateSigningRequest (certificates.k8s.io/v1) rules shared by the REST strategy, the
// Table printer and the in-server signer: well-known signer names, key usages, the condition
// bookkeeping upstream's registry strategy does, and the PEM checks its validation runs.
/* eslint-disable @typescript-eslint/no-explicit-any */

export const SIGNER_KUBELET_SERVING = 'kubernetes.io/kubelet-serving';
export const SIGNER_KUBE_APISERVER_CLIENT = 'kubernetes.io/kube-apiserver-client';
export const SIGNER_KUBE_APISERVER_CLIENT_KUBELET = 'kubernetes.io/kube-apiserver-client-kubelet';
/** Only readable from old objects: v1 rejects it on create. */
export const SIGNER_LEGACY_UNKNOWN = 'kubernetes.io/legacy-unknown';

export const CONDITION_APPROVED = 'Approved';
export const CONDITION_DENIED = 'Denied';
export const CONDITION_FAILED = 'Failed';

/** Every key usage upstream accepts (sorted, as its NotSupported error lists them). */
export const KEY_USAGES = [
  'any', 'cert sign', 'client auth', 'code signing', 'content commitment', 'crl sign', 'data encipherment',
  'decipher only', 'digital signature', 'email protection', 'encipher only', 'ipsec end system', 'ipsec tunnel',
  'ipsec user', 'key agreement', 'key encipherment', 'microsoft sgc', 'netscape sgc', 'ocsp signing', 's/mime',
  'server auth', 'signing', 'timestamping',
];

type Condition = { type?: string; status?: string; lastUpdateTime?: string; lastTransitionTime?: string; [k: string]: unknown };

function conditionsOf(csr: any): Condition[] {
  const c = csr?.status?.conditions;
  return Array.isArray(c) ? c : [];
}

export function hasCondition(csr: any, type: string): boolean {
  return conditionsOf(csr).some((c) => c?.type === type);
}

/** Decoded bytes of a base64 []byte field (spec.request, status.certificate); '' when absent. */
export function decodeBytes(v: unknown): string {
  return typeof v === 'string' && v ? Buffer.from(v, 'base64').toString('latin1') : '';
}

/** The CONDITION column: `Approved,Issued`, `Pending`, `Denied`, `Approved,Failed`, ... */
export function csrConditionSummary(csr: any): string {
  let s = hasCondition(csr, CONDITION_DENIED) ? 'Denied' : hasCondition(csr, CONDITION_APPROVED) ? 'Approved' : 'Pending';
  if (hasCondition(csr, CONDITION_FAILED)) s += ',Failed';
  if (typeof csr?.status?.certificate === 'string' && csr.status.certificate.length > 0) s += ',Issued';
  return s;
}

/** PEM block types in order, or an error for text that is not PEM at all. */
function pemBlockTypes(text: string): string[] {
  const types: string[] = [];
  const re = /-----BEGIN ([A-Z0-9 ]+)-----[\s\S]*?-----END \1-----/g;
  for (let m = re.exec(text); m; m = re.exec(text)) types.push(m[1]);
  return types;
}

/** upstream's ParseCSR message when spec.request is not a CERTIFICATE REQUEST block. */
export function requestPemError(requestB64: unknown): string | undefined {
  const types = pemBlockTypes(decodeBytes(requestB64));
  return types[0] === 'CERTIFICATE REQUEST' ? undefined : 'PEM block type must be CERTIFICATE REQUEST';
}

/** upstream's status.certificate check: one or more CERTIFICATE blocks and nothing else. */
export function certificatePemError(certB64: unknown): string | undefined {
  const text = decodeBytes(certB64);
  if (!text) return undefined;
  const types = pemBlockTypes(text);
  const other = types.find((t) => t !== 'CERTIFICATE');
  if (other) return `only CERTIFICATE PEM blocks are allowed, found "${other}"`;
  if (types.length === 0) return 'at least one CERTIFICATE PEM block is required';
  return undefined;
}

/** Create: identity fields come from the authenticated requester (admission), and no one creates a pre-approved request. */
export function prepareCsrForCreate(csr: any): void {
  csr.spec ??= {};
  delete csr.spec.username;
  delete csr.spec.uid;
  delete csr.spec.groups;
  delete csr.spec.extra;
  csr.status = {};
}

/** Main-resource update: spec and status are immutable here (status/approval subresources own status). */
export function prepareCsrForUpdate(csr: any, old: any): void {
  csr.spec = structuredClone(old.spec);
  if (old.status === undefined) delete csr.status;
  else csr.status = structuredClone(old.status);
}

/** Keep `old`'s instances of `types` in place of whatever `next` has for them. */
function preserveConditions(next: Condition[], old: Condition[], types: string[]): Condition[] {
  const kept = next.filter((c) => !types.includes(c?.type ?? ''));
  return [...kept, ...old.filter((c) => types.includes(c?.type ?? ''))];
}

/** Server-set timestamps on new or changed conditions, as upstream's populateConditionTimestamps. */
function populateConditionTimestamps(csr: any, old: any, now: string): void {
  const oldByType = new Map(conditionsOf(old).map((c) => [c.type, c]));
  for (const c of conditionsOf(csr)) {
    if (!c || typeof c !== 'object') continue;
    c.status ||= 'True'; // v1 default
    c.lastUpdateTime ||= now;
    if (!c.lastTransitionTime) {
      const prev = oldByType.get(c.type);
      c.lastTransitionTime = prev && prev.status === c.status && prev.lastTransitionTime ? prev.lastTransitionTime : now;
    }
  }
}

/** /status: the signer may set the certificate and Failed, never Approved/Denied. */
export function prepareCsrForStatusUpdate(csr: any, old: any, now: string): void {
  if (!csr.status) return;
  if (Array.isArray(csr.status.conditions) || conditionsOf(old).length) {
    csr.status.conditions = preserveConditions(conditionsOf(csr), conditionsOf(old), [CONDITION_APPROVED, CONDITION_DENIED]);
    if (csr.status.conditions.length === 0) delete csr.status.conditions;
  }
  populateConditionTimestamps(csr, old, now);
}

/**
 * /approval: only status.conditions change, and of those only Approved/Denied (and any custom
 * types); the signer's Failed condition and the certificate stay as they were.
 */
export function prepareCsrForApprovalUpdate(csr: any, old: any, now: string): void {
  const next = conditionsOf(csr);
  const rv = csr.metadata?.resourceVersion;
  const managedFields = csr.metadata?.managedFields;
  for (const k of Object.keys(csr)) delete csr[k];
  Object.assign(csr, structuredClone(old));
  csr.metadata ??= {};
  if (rv !== undefined) csr.metadata.resourceVersion = rv;
  if (managedFields !== undefined) csr.metadata.managedFields = managedFields;
  csr.status ??= {};
  csr.status.conditions = preserveConditions(next, conditionsOf(old), [CONDITION_FAILED]);
  if (csr.status.conditions.length === 0) delete csr.status.conditions;
  populateConditionTimestamps(csr, old, now);
}

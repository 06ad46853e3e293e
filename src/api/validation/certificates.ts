// Validation for certificates.k8s.io/v1 CertificateSigningRequest, after upstream's
// validateCertificateSigningRequest(Update). The request's signature is checked by the signer,
// not here (api/ stays free of crypto): here it must merely be a CERTIFICATE REQUEST block.
/* eslint-disable @typescript-eslint/no-explicit-any */
import { type FieldError, duplicate, forbiddenField, invalidValue, notSupported, required, tooLong } from '../errors.js';
import { isDNS1123Subdomain, nameIsPathSegment } from '../names.js';
import { validateObjectMeta, validateObjectMetaUpdate } from '../objectmeta.js';
import {
  CONDITION_APPROVED, CONDITION_DENIED, CONDITION_FAILED, KEY_USAGES, SIGNER_LEGACY_UNKNOWN, certificatePemError, decodeBytes,
  requestPemError,
} from '../csr.js';
import { invalidRendered, jsonEqual } from './field.js';

const TRUE_ONLY_TYPES = new Set([CONDITION_APPROVED, CONDITION_DENIED, CONDITION_FAILED]);
const STATUS_VALUES = ['False', 'True', 'Unknown'];

/** upstream ValidateSignerName: `<dns subdomain>/<path>`. */
export function validateSignerName(field: string, name: unknown): FieldError[] {
  if (typeof name !== 'string' || name === '') return [required(field)];
  const segments = name.split('/');
  if (segments.length !== 2) {
    return [invalidValue(field, name, "must be a fully qualified domain and path of the form 'example.com/signer-name'")];
  }
  const errs: FieldError[] = [];
  const [domain, path] = segments;
  if (domain.length > 253) errs.push(tooLong(field, 253));
  for (const msg of isDNS1123Subdomain(domain)) errs.push(invalidValue(field, domain, msg));
  if (path.length === 0) errs.push(invalidValue(field, name, 'validating path: must not be empty'));
  else if (path.length > 316) errs.push(tooLong(field, 316));
  return errs;
}

function validateConditions(csr: any, old: any): FieldError[] {
  const errs: FieldError[] = [];
  const conds: any[] = Array.isArray(csr.status?.conditions) ? csr.status.conditions : [];
  // Old objects that already break a rule keep being accepted, as upstream's compatibility options.
  const oldConds: any[] = Array.isArray(old?.status?.conditions) ? old.status.conditions : [];
  const oldHasBoth = oldConds.some((c) => c?.type === CONDITION_APPROVED) && oldConds.some((c) => c?.type === CONDITION_DENIED);
  const oldHasDup = new Set(oldConds.map((c) => c?.type)).size !== oldConds.length;
  const seen = new Set<string>();
  let approved = false;
  let denied = false;
  conds.forEach((c, i) => {
    const f = `status.conditions[${i}]`;
    const type = typeof c?.type === 'string' ? c.type : '';
    if (!type && !oldConds.some((o) => !o?.type)) errs.push(required(`${f}.type`));
    const allowed = TRUE_ONLY_TYPES.has(type) ? ['True'] : STATUS_VALUES;
    if (!c?.status) errs.push(required(`${f}.status`));
    else if (!allowed.includes(c.status)) errs.push(notSupported(`${f}.status`, c.status, allowed));
    if (!oldHasBoth) {
      if (type === CONDITION_APPROVED) {
        approved = true;
        if (denied) errs.push(invalidValue(`${f}.type`, type, 'Approved and Denied conditions are mutually exclusive'));
      } else if (type === CONDITION_DENIED) {
        denied = true;
        if (approved) errs.push(invalidValue(`${f}.type`, type, 'Approved and Denied conditions are mutually exclusive'));
      }
    }
    if (!oldHasDup && seen.has(type)) errs.push(duplicate(`${f}.type`, type));
    seen.add(type);
  });
  return errs;
}

function validateSpecAndStatus(csr: any, old: any): FieldError[] {
  const errs: FieldError[] = [];
  const spec = csr.spec ?? {};
  const pemErr = requestPemError(spec.request);
  if (pemErr) errs.push(invalidRendered('spec.request', spec.request ? '[]byte{...}' : '[]byte(nil)', pemErr));
  const usages: unknown[] = Array.isArray(spec.usages) ? spec.usages : [];
  if (usages.length === 0) errs.push(required('spec.usages'));
  const oldUsages: unknown[] = Array.isArray(old?.spec?.usages) ? old.spec.usages : [];
  if (!oldUsages.some((u) => !KEY_USAGES.includes(u as string))) {
    usages.forEach((u, i) => {
      if (!KEY_USAGES.includes(u as string)) errs.push(notSupported(`spec.usages[${i}]`, u, KEY_USAGES));
    });
  }
  if (new Set(oldUsages).size === oldUsages.length) {
    const seen = new Set<unknown>();
    usages.forEach((u, i) => {
      if (seen.has(u)) errs.push(duplicate(`spec.usages[${i}]`, u));
      seen.add(u);
    });
  }
  if (spec.signerName === SIGNER_LEGACY_UNKNOWN && old?.spec?.signerName !== SIGNER_LEGACY_UNKNOWN) {
    errs.push(invalidValue('spec.signerName', spec.signerName, 'the legacy signerName is not allowed via this API version'));
  } else errs.push(...validateSignerName('spec.signerName', spec.signerName));
  if (typeof spec.expirationSeconds === 'number' && spec.expirationSeconds < 600) {
    errs.push(invalidValue('spec.expirationSeconds', spec.expirationSeconds, 'may not specify a duration less than 600 seconds (10 minutes)'));
  }
  errs.push(...validateConditions(csr, old));
  const certUnchanged = old && decodeBytes(old.status?.certificate) === decodeBytes(csr.status?.certificate);
  const certErr = certUnchanged ? undefined : certificatePemError(csr.status?.certificate);
  if (certErr) errs.push(invalidRendered('status.certificate', '"<certificate data>"', certErr));
  return errs;
}

export function validateCertificateSigningRequest(csr: any): FieldError[] {
  return [...validateObjectMeta(csr.metadata, false, nameIsPathSegment), ...validateSpecAndStatus(csr, undefined)];
}

function conditionsOfType(csr: any, type: string): unknown[] {
  return (Array.isArray(csr?.status?.conditions) ? csr.status.conditions : []).filter((c: any) => c?.type === type);
}

/**
 * Update (any endpoint): the strategy already limited what each endpoint may change, so here
 * only the cross-version rules remain — conditions are never removed, a certificate never replaced.
 */
export function validateCertificateSigningRequestUpdate(csr: any, old: any): FieldError[] {
  const errs = [...validateSpecAndStatus(csr, old)];
  for (const t of [CONDITION_APPROVED, CONDITION_DENIED, CONDITION_FAILED]) {
    if (conditionsOfType(csr, t).length < conditionsOfType(old, t).length) {
      errs.push(forbiddenField('status.conditions', `updates may not remove a condition of type "${t}"`));
    }
  }
  const oldCert = decodeBytes(old.status?.certificate);
  if (oldCert && oldCert !== decodeBytes(csr.status?.certificate)) {
    errs.push(forbiddenField('status.certificate', 'updates may not modify existing certificate content'));
  }
  if (!jsonEqual(csr.spec, old.spec)) errs.push(forbiddenField('spec', 'updates may not change the spec'));
  return [...errs, ...validateObjectMetaUpdate(csr.metadata, old.metadata)];
}

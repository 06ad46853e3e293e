// ConfigMap and Secret validation: key syntax, total size, immutability, typed-secret keys.
/* eslint-disable @typescript-eslint/no-explicit-any */
import { type FieldError, forbiddenField, invalidValue, required, tooLong } from '../errors.js';
import { maxLenError, nameIsDNSSubdomain, regexError } from '../names.js';
import { validateObjectMeta, validateObjectMetaUpdate } from '../objectmeta.js';
import { invalidEach, jsonEqual } from './field.js';

export const MAX_CONFIG_SIZE = 1024 * 1024;

/** Upstream IsConfigMapKey (also used for Secret keys). */
export function isConfigMapKey(key: string): string[] {
  const errs: string[] = [];
  if (key.length > 253) errs.push(maxLenError(253));
  if (!/^[-._a-zA-Z0-9]+$/.test(key))
    errs.push(regexError("a valid config key must consist of alphanumeric characters, '-', '_' or '.'", '[-._a-zA-Z0-9]+', 'key.name', 'KEY_NAME', 'key-name'));
  if (key === '.') errs.push("must not be '.'");
  else if (key === '..') errs.push("must not be '..'");
  else if (key.startsWith('..')) errs.push("must not start with '..'");
  return errs;
}

export function validateConfigMap(cm: any): FieldError[] {
  const errs = [...validateObjectMeta(cm.metadata, true, nameIsDNSSubdomain)];
  let total = 0;
  const data: Record<string, string> = cm.data ?? {};
  const bin: Record<string, string> = cm.binaryData ?? {};
  for (const [k, v] of Object.entries(data)) {
    errs.push(...invalidEach(`data[${k}]`, k, isConfigMapKey(k)));
    if (k in bin) errs.push(invalidValue(`data[${k}]`, k, 'duplicate of key present in binaryData'));
    total += Buffer.byteLength(String(v ?? ''));
  }
  for (const [k, v] of Object.entries(bin)) {
    errs.push(...invalidEach(`binaryData[${k}]`, k, isConfigMapKey(k)));
    total += Buffer.from(String(v ?? ''), 'base64').length;
  }
  if (total > MAX_CONFIG_SIZE) errs.push(tooLong('', MAX_CONFIG_SIZE));
  return errs;
}

function immutableData(obj: any, old: any, fields: string[]): FieldError[] {
  if (old.immutable !== true) return [];
  const errs: FieldError[] = [];
  if (obj.immutable !== true) errs.push(forbiddenField('immutable', 'field is immutable when `immutable` is set'));
  for (const f of fields) if (!jsonEqual(obj[f] ?? null, old[f] ?? null)) errs.push(forbiddenField(f, 'field is immutable when `immutable` is set'));
  return errs;
}

export function validateConfigMapUpdate(cm: any, old: any): FieldError[] {
  return [
    ...validateObjectMetaUpdate(cm.metadata, old.metadata),
    ...immutableData(cm, old, ['data', 'binaryData']),
    ...validateConfigMap(cm).filter((e) => !e.field.startsWith('metadata.')),
  ];
}

const REQUIRED_SECRET_KEYS: Record<string, string[]> = {
  'kubernetes.io/dockercfg': ['.dockercfg'],
  'kubernetes.io/dockerconfigjson': ['.dockerconfigjson'],
  'kubernetes.io/ssh-auth': ['ssh-privatekey'],
  'kubernetes.io/tls': ['tls.crt', 'tls.key'],
};

export function validateSecret(secret: any): FieldError[] {
  const errs = [...validateObjectMeta(secret.metadata, true, nameIsDNSSubdomain)];
  const data: Record<string, string> = secret.data ?? {};
  let total = 0;
  for (const [k, v] of Object.entries(data)) {
    errs.push(...invalidEach(`data[${k}]`, k, isConfigMapKey(k)));
    total += Buffer.from(String(v ?? ''), 'base64').length;
  }
  if (total > MAX_CONFIG_SIZE) errs.push(tooLong('data', MAX_CONFIG_SIZE));
  const type = secret.type ?? 'Opaque';
  if (type === 'kubernetes.io/service-account-token') {
    if (!secret.metadata?.annotations?.['kubernetes.io/service-account.name'])
      errs.push(required('metadata.annotations[kubernetes.io/service-account.name]'));
  } else if (type === 'kubernetes.io/basic-auth') {
    if (!('username' in data) && !('password' in data)) errs.push(required('data[username]'), required('data[password]'));
  } else {
    for (const k of REQUIRED_SECRET_KEYS[type] ?? []) if (!(k in data)) errs.push(required(`data[${k}]`));
  }
  if (type === 'kubernetes.io/dockerconfigjson' && data['.dockerconfigjson']) {
    try {
      JSON.parse(Buffer.from(data['.dockerconfigjson'], 'base64').toString('utf8'));
    } catch (e) {
      errs.push(invalidValue('data[.dockerconfigjson]', '<secret contents redacted>', (e as Error).message));
    }
  }
  return errs;
}

export function validateSecretUpdate(secret: any, old: any): FieldError[] {
  const errs = [...validateObjectMetaUpdate(secret.metadata, old.metadata), ...immutableData(secret, old, ['data'])];
  if ((secret.type ?? 'Opaque') !== (old.type ?? 'Opaque')) errs.push(invalidValue('type', secret.type ?? '', 'field is immutable'));
  errs.push(...validateSecret(secret).filter((e) => !e.field.startsWith('metadata.') || e.field.startsWith('metadata.annotations[')));
  return errs;
}

// Kubernetes `Status` errors: the one shape every failure takes on the wire.
import type { Status, StatusCause } from 'kubernetes-types/meta/v1.js';

export type StatusReason =
  | 'BadRequest'
  | 'Unauthorized'
  | 'Forbidden'
  | 'NotFound'
  | 'AlreadyExists'
  | 'Conflict'
  | 'Gone'
  | 'Invalid'
  | 'MethodNotAllowed'
  | 'NotAcceptable'
  | 'RequestEntityTooLarge'
  | 'UnsupportedMediaType'
  | 'TooManyRequests'
  | 'InternalError'
  | 'Timeout'
  | 'Expired'
  | 'ServiceUnavailable';

export interface ResourceRef {
  group?: string;
  /** Plural resource name, e.g. "deployments". */
  kind?: string;
  name?: string;
}

/** A failure that carries a Kubernetes Status body. Throw it anywhere in a request path. */
export class StatusError extends Error {
  constructor(
    readonly code: number,
    readonly reason: StatusReason,
    message: string,
    readonly details?: { name?: string; group?: string; kind?: string; causes?: StatusCause[]; retryAfterSeconds?: number },
  ) {
    super(message);
  }

  toStatus(): Status {
    const s: Status = {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: this.message,
      reason: this.reason,
      code: this.code,
    };
    if (this.details) s.details = this.details;
    return s;
  }
}

/** "deployments.apps" for group resources, "pods" for core. */
export function qualifiedResource(resource: string, group?: string): string {
  return group ? `${resource}.${group}` : resource;
}

export function notFound(resource: string, group: string | undefined, name: string): StatusError {
  return new StatusError(404, 'NotFound', `${qualifiedResource(resource, group)} "${name}" not found`, {
    name,
    group: group || undefined,
    kind: resource,
  });
}

export function alreadyExists(resource: string, group: string | undefined, name: string): StatusError {
  return new StatusError(409, 'AlreadyExists', `${qualifiedResource(resource, group)} "${name}" already exists`, {
    name,
    group: group || undefined,
    kind: resource,
  });
}

export function conflict(resource: string, group: string | undefined, name: string, why: string): StatusError {
  return new StatusError(409, 'Conflict', `Operation cannot be fulfilled on ${qualifiedResource(resource, group)} "${name}": ${why}`, {
    name,
    group: group || undefined,
    kind: resource,
  });
}

export function badRequest(message: string, causes?: StatusCause[]): StatusError {
  return new StatusError(400, 'BadRequest', message, causes ? { causes } : undefined);
}

export function gone(message: string): StatusError {
  return new StatusError(410, 'Expired', message);
}

export function forbidden(message: string, details?: ResourceRef): StatusError {
  return new StatusError(403, 'Forbidden', message, details);
}

export function methodNotAllowed(message: string): StatusError {
  return new StatusError(405, 'MethodNotAllowed', message);
}

export function internalError(message: string): StatusError {
  return new StatusError(500, 'InternalError', `Internal error occurred: ${message}`, { causes: [{ message }] });
}

/** One field error, as produced by validation. */
export interface FieldError {
  /** Upstream cause types: FieldValueInvalid, FieldValueRequired, FieldValueNotSupported, FieldValueDuplicate, FieldValueForbidden, FieldValueTooLong, FieldValueTypeInvalid, FieldValueNotFound, FieldValueTooMany */
  type: string;
  field: string;
  /** Message without the field prefix, e.g. `Invalid value: "x": must be ...` or `Required value`. */
  detail: string;
}

export function invalidValue(field: string, value: unknown, detail: string): FieldError {
  return { type: 'FieldValueInvalid', field, detail: `Invalid value: ${formatValue(value)}: ${detail}` };
}
export function required(field: string, detail?: string): FieldError {
  return { type: 'FieldValueRequired', field, detail: detail ? `Required value: ${detail}` : 'Required value' };
}
export function notSupported(field: string, value: unknown, valid: string[]): FieldError {
  return {
    type: 'FieldValueNotSupported',
    field,
    detail: `Unsupported value: ${formatValue(value)}: supported values: ${valid.map((v) => `"${v}"`).join(', ')}`,
  };
}
export function duplicate(field: string, value: unknown): FieldError {
  return { type: 'FieldValueDuplicate', field, detail: `Duplicate value: ${formatValue(value)}` };
}
export function forbiddenField(field: string, detail: string): FieldError {
  return { type: 'FieldValueForbidden', field, detail: `Forbidden: ${detail}` };
}
export function tooLong(field: string, max: number): FieldError {
  return { type: 'FieldValueTooLong', field, detail: `Too long: may not be more than ${max} bytes` };
}

/** Values print as upstream's field errors do: strings quoted, numbers bare, objects as Go-ish JSON. */
export function formatValue(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (v === null || v === undefined) return 'null';
  return JSON.stringify(v);
}

/** 422 Invalid with one cause per field error — the shape kubectl prints. */
export function invalid(kind: string, group: string | undefined, name: string, errors: FieldError[]): StatusError {
  const list = errors.map((e) => `${e.field}: ${e.detail}`);
  const summary = list.length === 1 ? list[0] : `[${list.join(', ')}]`;
  return new StatusError(422, 'Invalid', `${kind}${group ? `.${group}` : ''} "${name}" is invalid: ${summary}`, {
    name,
    group: group || undefined,
    kind,
    causes: errors.map((e) => ({ reason: e.type, message: e.detail, field: e.field })),
  });
}

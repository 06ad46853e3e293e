// JSON patch (RFC 6902, application/json-patch+json) with kube-apiserver's error mapping:
// a body that is not a list of operations is a 400; an operation that cannot be applied
// (including a failed `test`) is the generic 422 upstream returns; more than 10000
// operations is a 413.
import jsonpatch from 'fast-json-patch';
import type { Operation } from 'fast-json-patch';
import { StatusError, badRequest } from '../errors.js';
import { isObject } from './schema.js';

export const MAX_JSON_PATCH_OPERATIONS = 10000;

function goKind(v: unknown): string {
  if (Array.isArray(v)) return 'array';
  if (isObject(v)) return 'object';
  if (typeof v === 'number') return 'number';
  if (typeof v === 'boolean') return 'bool';
  return 'string';
}

/** Apply RFC 6902 operations to a copy of `obj` (never mutated). */
export function applyJsonPatch(obj: object, ops: unknown): object {
  if (ops === null || ops === undefined) return structuredClone(obj);
  if (!Array.isArray(ops)) throw badRequest(`json: cannot unmarshal ${goKind(ops)} into Go value of type jsonpatch.Patch`);
  for (const op of ops) {
    if (op !== null && !isObject(op)) throw badRequest(`json: cannot unmarshal ${goKind(op)} into Go value of type jsonpatch.Operation`);
  }
  if (ops.length > MAX_JSON_PATCH_OPERATIONS) {
    throw new StatusError(413, 'RequestEntityTooLarge', `The allowed maximum operations in a JSON patch is ${MAX_JSON_PATCH_OPERATIONS}, got ${ops.length}`);
  }
  let doc: unknown = structuredClone(obj);
  try {
    ops.forEach((raw, i) => {
      const op = structuredClone(raw ?? {}) as Operation & { value?: unknown };
      // As upstream's library: testing a missing path for null succeeds.
      if (op.op === 'test' && op.value === null && typeof op.path === 'string' && !resolves(doc, op.path)) return;
      doc = jsonpatch.applyOperation(doc, op, true, true, true, i).newDocument;
    });
  } catch (err) {
    if (err instanceof StatusError) throw err;
    // kube-apiserver hides the library's message behind its generic 422.
    throw new StatusError(422, 'Invalid', 'the server rejected our request due to an error in our request', {});
  }
  if (!isObject(doc)) throw badRequest('the patch must produce an object');
  return doc;
}

function resolves(doc: unknown, pointer: string): boolean {
  try {
    return jsonpatch.getValueByPointer(doc, pointer) !== undefined;
  } catch {
    return false;
  }
}

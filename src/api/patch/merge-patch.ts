// JSON merge patch (RFC 7386, application/merge-patch+json): objects merge recursively,
// null deletes, anything else (including lists) replaces.
import { badRequest } from '../errors.js';
import { isObject } from './schema.js';

/** Apply a merge patch to a copy of `obj` (never mutated). */
export function applyMergePatch(obj: object, patch: unknown): object {
  if (Array.isArray(patch)) throw badRequest('json: cannot unmarshal array into Go value of type map[string]interface {}');
  if (!isObject(patch)) throw badRequest('Invalid JSON Patch');
  return mergeValue(structuredClone(obj), patch) as object;
}

function mergeValue(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return withoutNulls(patch);
  const out: Record<string, unknown> = isObject(target) ? target : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergeValue(out[k], v);
  }
  return out;
}

/** Values taken whole keep no null fields (they would decode to zero values anyway). */
function withoutNulls(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(withoutNulls);
  if (!isObject(v)) return v;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) if (x !== null) out[k] = withoutNulls(x);
  return out;
}

// Whether an update changes what would be stored: upstream skips no-op writes (no new
// resourceVersion, no watch event). Compares the JSON the store would hold without building it:
// key order does not matter, metadata.resourceVersion/selfLink are never stored, and
// managedFields bookkeeping alone is not a change.
import type { KubeObject } from '../client/api.js';

/** True when `a` and `b` would be stored as the same object, managedFields aside. */
export function sameStoredContent(a: KubeObject, b: KubeObject): boolean {
  return jsonEqual(storedForm(a), storedForm(b));
}

/** What the store encoder writes: metadata always present, without resourceVersion/selfLink. */
function storedForm(o: KubeObject): Record<string, unknown> {
  const { resourceVersion: _rv, selfLink: _sl, ...metadata } = (o.metadata ?? {}) as Record<string, unknown>;
  return { ...o, metadata };
}

/** JSON.stringify drops these object members (and writes them as null inside arrays). */
function isStorable(v: unknown): boolean {
  return v !== undefined && typeof v !== 'function' && typeof v !== 'symbol';
}

/** The value JSON.stringify would write for `v` (toJSON, non-finite numbers). */
function asJson(v: unknown): unknown {
  if (v !== null && typeof v === 'object' && typeof (v as { toJSON?: unknown }).toJSON === 'function') v = (v as { toJSON(): unknown }).toJSON();
  if (typeof v === 'number' && !Number.isFinite(v)) return null;
  return v;
}

/** Structural JSON equality, key order ignored, `managedFields` members ignored at every level. */
export function jsonEqual(x: unknown, y: unknown): boolean {
  const a = asJson(x);
  const b = asJson(y);
  if (a === b) return true;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  const aa = Array.isArray(a);
  if (aa !== Array.isArray(b)) return false;
  if (aa) {
    const la = a as unknown[];
    const lb = b as unknown[];
    if (la.length !== lb.length) return false;
    for (let i = 0; i < la.length; i++) {
      if (!jsonEqual(isStorable(la[i]) ? la[i] : null, isStorable(lb[i]) ? lb[i] : null)) return false;
    }
    return true;
  }
  const oa = a as Record<string, unknown>;
  const ob = b as Record<string, unknown>;
  let n = 0;
  for (const k of Object.keys(oa)) {
    if (k === 'managedFields' || !isStorable(oa[k])) continue;
    n++;
    if (!Object.prototype.hasOwnProperty.call(ob, k) || !isStorable(ob[k]) || !jsonEqual(oa[k], ob[k])) return false;
  }
  for (const k of Object.keys(ob)) if (k !== 'managedFields' && isStorable(ob[k])) n--;
  return n === 0;
}

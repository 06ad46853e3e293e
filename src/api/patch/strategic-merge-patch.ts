// Strategic merge patch (application/strategic-merge-patch+json), as kube-apiserver applies it:
// objects merge field by field, lists with patchStrategy=merge merge by their patchMergeKey
// (lists of scalars are unioned), other lists are replaced, null deletes. Directives:
// `$patch: replace|delete` (maps and list items), `$retainKeys`, `$deleteFromPrimitiveList/<f>`,
// `$setElementOrder/<f>`. Kinds without declared metadata get plain merge semantics for lists.
import { StatusError, badRequest } from '../errors.js';
import { goFormat } from './go-format.js';
import { childShape, isObject, itemShape, rootShape } from './schema.js';
import type { Shape } from './schema.js';

type Obj = Record<string, unknown>;

const DIRECTIVE = '$patch';
const RETAIN_KEYS = '$retainKeys';
const DELETE_FROM_PRIMITIVE_LIST = '$deleteFromPrimitiveList';
const SET_ELEMENT_ORDER = '$setElementOrder';

/** A patch failure; `status` is what the apiserver answers with (400, 422, or 500 for the rest). */
class SmpError extends Error {
  constructor(
    message: string,
    readonly status: 400 | 422 | 500 = 500,
  ) {
    super(message);
  }
}

const badPrimitiveList = (): SmpError => new SmpError('invalid patch format of primitive list', 400);
const badRetainKeys = (): SmpError => new SmpError('invalid patch format of retainKeys', 400);
const badSetElementOrder = (): SmpError => new SmpError('invalid patch format of setElementOrder list', 400);
const noListOfLists = (): SmpError => new SmpError('lists of lists are not supported', 422);
const noMergeKey = (m: unknown, key: string): SmpError => new SmpError(`map: ${goFormat(m)} does not contain declared merge key: ${key}`);
const badArgType = (expected: string, actual: unknown): SmpError => new SmpError(`expected a ${expected}, but received a ${goType(actual)}`);
const badPatchType = (t: unknown, m: unknown): SmpError => new SmpError(`unknown patch type: ${goFormat(t)} in map: ${goFormat(m)}`);

const GO_MAP = 'map[string]interface {}';
const GO_SLICE = '[]interface {}';

/** reflect.TypeOf as Go prints it for decoded JSON. */
function goType(v: unknown): string {
  if (v === null || v === undefined) return '<nil>';
  if (Array.isArray(v)) return GO_SLICE;
  if (typeof v === 'object') return GO_MAP;
  if (typeof v === 'number') return Number.isInteger(v) ? 'int64' : 'float64';
  if (typeof v === 'boolean') return 'bool';
  return 'string';
}

/**
 * Apply a strategic merge patch to `obj` (never mutated). Throws StatusError: 400 for
 * malformed directives, 422 for unsupported shapes, 500 (upstream's unwrapped errors) otherwise.
 */
export function applyStrategicMergePatch(kind: string, obj: object, patch: unknown): object {
  if (patch === null || patch === undefined) return structuredClone(obj);
  if (!isObject(patch)) {
    const what = Array.isArray(patch) ? 'array' : typeof patch === 'number' ? 'number' : typeof patch === 'boolean' ? 'bool' : 'string';
    throw badRequest(`json: cannot unmarshal ${what} into Go value of type map[string]interface {}`);
  }
  const original = structuredClone(obj) as Obj;
  const shape = rootShape(kind, typeof original.apiVersion === 'string' ? original.apiVersion : undefined);
  try {
    return mergeMap(original, structuredClone(patch), shape);
  } catch (err) {
    if (!(err instanceof SmpError)) throw err;
    if (err.status === 400) throw badRequest(err.message);
    if (err.status === 422) {
      throw new StatusError(422, 'Invalid', 'the server rejected our request due to an error in our request', {});
    }
    throw new StatusError(500, 'InternalError', err.message);
  }
}

function mergeMap(original: Obj | undefined, patch: Obj, shape: Shape): Obj {
  if (DIRECTIVE in patch) return handleDirectiveInMap(patch[DIRECTIVE], patch);
  const out = original ?? {};
  applyRetainKeys(out, patch);
  applySetElementOrder(out, patch, shape);
  for (const key of Object.keys(patch)) {
    const patchV = patch[key];
    let k = key;
    let isDeleteList = false;
    if (key.startsWith(DELETE_FROM_PRIMITIVE_LIST)) {
      k = extractKey(key, DELETE_FROM_PRIMITIVE_LIST);
      isDeleteList = true;
    }
    // null deletes; a null for a field the object doesn't have is simply dropped.
    if (patchV === null) {
      delete out[k];
      continue;
    }
    if (!(k in out) || kindOf(out[k]) !== kindOf(patchV)) {
      if (!isDeleteList) setCleaned(out, k, patchV);
      continue;
    }
    const fieldShape = childShape(shape, k);
    const current = out[k];
    if (isObject(current)) {
      out[k] = fieldShape.replace ? patchV : mergeMap(current, patchV as Obj, fieldShape);
    } else if (Array.isArray(current)) {
      out[k] = mergeSliceHandler(current, patchV, fieldShape, isDeleteList);
    } else {
      setCleaned(out, k, patchV);
    }
  }
  return out;
}

/** Take a patch value as is, minus nulls and directives (upstream's discardNulls + removeDirectives). */
function setCleaned(target: Obj, k: string, v: unknown): void {
  const r = removeDirectives(discardNulls(v));
  if (r.keep) target[k] = r.value;
  else delete target[k];
}

function kindOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

function handleDirectiveInMap(directive: unknown, patch: Obj): Obj {
  if (directive === 'replace') {
    delete patch[DIRECTIVE];
    return patch;
  }
  if (directive === 'delete') return {};
  throw badPatchType(directive, patch);
}

function extractKey(s: string, prefix: string): string {
  const i = s.indexOf('/');
  if (i < 0 || s.slice(0, i) !== prefix) {
    if (prefix === DELETE_FROM_PRIMITIVE_LIST) throw badPrimitiveList();
    if (prefix === SET_ELEMENT_ORDER) throw badSetElementOrder();
    throw new SmpError(`fail to find unknown prefix ${JSON.stringify(prefix)} in ${s}\n`);
  }
  return s.slice(i + 1);
}

function discardNulls(v: unknown): unknown {
  if (Array.isArray(v)) {
    v.forEach(discardNulls);
  } else if (isObject(v)) {
    for (const [k, x] of Object.entries(v)) {
      if (x === null) delete v[k];
      else discardNulls(x);
    }
  }
  return v;
}

/** Strip directives: maps carrying `$patch` disappear; other directive keys are dropped. */
function removeDirectives(v: unknown): { value: unknown; keep: boolean } {
  if (Array.isArray(v)) {
    const out: unknown[] = [];
    for (const x of v) {
      const r = removeDirectives(x);
      if (r.keep) out.push(r.value);
    }
    return { value: out, keep: true };
  }
  if (isObject(v)) {
    if (DIRECTIVE in v) return { value: undefined, keep: false };
    for (const k of Object.keys(v)) {
      if (k === RETAIN_KEYS || k.startsWith(`${SET_ELEMENT_ORDER}/`) || k.startsWith(`${DELETE_FROM_PRIMITIVE_LIST}/`)) {
        delete v[k];
        continue;
      }
      const r = removeDirectives(v[k]);
      if (r.keep) v[k] = r.value;
      else delete v[k];
    }
  }
  return { value: v, keep: true };
}

/** `$retainKeys: [..]`: fields of the original not listed are cleared (union types, e.g. volume sources). */
function applyRetainKeys(original: Obj, patch: Obj): void {
  if (!(RETAIN_KEYS in patch)) return;
  const list = patch[RETAIN_KEYS];
  delete patch[RETAIN_KEYS];
  if (!Array.isArray(list)) throw badRetainKeys();
  const keep = new Set(list);
  for (const [k, v] of Object.entries(patch)) {
    if (v === null || k.startsWith(DELETE_FROM_PRIMITIVE_LIST) || k.startsWith(SET_ELEMENT_ORDER)) continue;
    if (!keep.has(k)) throw badRetainKeys();
  }
  for (const k of Object.keys(original)) if (!keep.has(k)) delete original[k];
}

function mergeSliceHandler(original: unknown, patch: unknown, shape: Shape, isDeleteList: boolean): unknown[] {
  if (!Array.isArray(original)) throw badArgType(GO_SLICE, original);
  if (!Array.isArray(patch)) throw badArgType(GO_SLICE, patch);
  if (shape.merge || isDeleteList) return mergeSlice(original, patch, shape, isDeleteList);
  return discardNulls(patch) as unknown[];
}

type ElementKind = 'map' | 'scalar';

function sliceElementKind(...lists: unknown[][]): ElementKind {
  let prev: string | undefined;
  for (const l of lists) {
    for (const v of l) {
      const t = goType(v);
      if (prev === undefined) {
        prev = t;
        if (t === GO_SLICE) throw noListOfLists();
      } else if (prev !== t) {
        throw new SmpError(`list element types are not identical: ${goFormat(lists)}`);
      }
    }
  }
  if (prev === undefined) throw new SmpError('no elements in any of the given slices');
  return prev === GO_MAP ? 'map' : 'scalar';
}

function mergeSlice(original: unknown[], patch: unknown[], shape: Shape, isDeleteList: boolean): unknown[] {
  if (original.length === 0 && patch.length === 0) return original;
  const kind = sliceElementKind(original, patch);
  let merged: unknown[];
  let serverOrder = original;
  const mergeKey = shape.mergeKey ?? '';
  if (kind === 'scalar') {
    if (isDeleteList) return original.filter((v) => !patch.includes(v));
    merged = [...new Set([...original, ...patch])];
  } else {
    if (!mergeKey) throw new SmpError(`cannot merge lists without merge key for ${GO_MAP}`);
    const { slice, rest } = applyListDirectives(original, patch, mergeKey);
    serverOrder = slice.items();
    patch = rest;
    merged = mergeListItems(slice, rest, mergeKey, itemShape(shape));
  }
  const [patchItems, serverOnly] = kind === 'scalar' ? partitionScalars(merged, patch) : partitionMaps(merged, patch, mergeKey);
  return normalizeElementOrder(patchItems, serverOnly, patch, serverOrder, mergeKey, kind);
}

/**
 * A Go slice over a backing array. Upstream edits lists of maps in place (deleting shifts
 * items left, appending writes into freed slots) and its $setElementOrder handling then reads
 * the live list through the old slice header; the resulting order depends on that, so the
 * edits are replayed the same way here.
 */
class GoSlice {
  constructor(
    public arr: unknown[],
    public len: number,
  ) {}

  items(): unknown[] {
    return this.arr.slice(0, this.len);
  }

  /** append(s[:i], s[i+1:]...) */
  deleteAt(i: number): void {
    this.arr.copyWithin(i, i + 1, this.len);
    this.len--;
  }

  append(v: unknown): void {
    if (this.len < this.arr.length) this.arr[this.len] = v;
    else this.arr = [...this.items(), v];
    this.len++;
  }
}

/** `$patch: delete` items remove their key from the original; `$patch: replace` drops the original. */
function applyListDirectives(original: unknown[], patch: unknown[], mergeKey: string): { slice: GoSlice; rest: unknown[] } {
  const slice = new GoSlice(original, original.length);
  const rest: unknown[] = [];
  let replace = false;
  for (const v of patch) {
    const item = v as Obj;
    if (!(DIRECTIVE in item)) {
      rest.push(v);
      continue;
    }
    switch (item[DIRECTIVE]) {
      case 'delete': {
        if (!(mergeKey in item)) throw noMergeKey(item, mergeKey);
        const find = (): number => findByKey(slice.items(), mergeKey, item[mergeKey]);
        for (let i = find(); i >= 0; i = find()) slice.deleteAt(i);
        break;
      }
      case 'replace':
        replace = true;
        break;
      case 'merge':
        throw new SmpError('merging lists cannot yet be specified in the patch');
      default:
        throw badPatchType(item[DIRECTIVE], item);
    }
  }
  return replace ? { slice: new GoSlice([...rest], rest.length), rest: [] } : { slice, rest };
}

function findByKey(list: unknown[], key: string, value: unknown): number {
  for (let i = 0; i < list.length; i++) {
    const item = list[i];
    if (!isObject(item)) throw new SmpError(`value for key ${i} is not a map`);
    if (key in item && item[key] === value) return i;
  }
  return -1;
}

function mergeListItems(slice: GoSlice, patch: unknown[], mergeKey: string, shape: Shape): unknown[] {
  for (const v of patch) {
    const item = v as Obj;
    if (!(mergeKey in item)) throw noMergeKey(item, mergeKey);
    const i = findByKey(slice.items(), mergeKey, item[mergeKey]);
    if (i >= 0) slice.arr[i] = mergeMap(slice.arr[i] as Obj, item, shape);
    else slice.append(mergeMap(undefined, item, shape));
  }
  return slice.items();
}

function partitionScalars(list: unknown[], by: unknown[]): [unknown[], unknown[]] {
  const inBy = new Set(by);
  return [list.filter((v) => inBy.has(v)), list.filter((v) => !inBy.has(v))];
}

function partitionMaps(list: unknown[], by: unknown[], mergeKey: string): [unknown[], unknown[]] {
  const inBy: unknown[] = [];
  const rest: unknown[] = [];
  for (const v of list) {
    if (!isObject(v)) throw badArgType(GO_MAP, v);
    if (!(mergeKey in v)) throw noMergeKey(v, mergeKey);
    (findByKey(by, mergeKey, v[mergeKey]) >= 0 ? inBy : rest).push(v);
  }
  return [inBy, rest];
}

function indexIn(list: unknown[], v: unknown, mergeKey: string, kind: ElementKind): number {
  const val = (x: unknown): unknown => (kind === 'map' ? (isObject(x) ? x[mergeKey] : undefined) : x);
  const want = val(v);
  return list.findIndex((x) => val(x) === want);
}

/**
 * Order the result: patch items in the patch's order, server-only items in the live order,
 * interleaved so each keeps its place relative to the live list where both are known.
 */
function normalizeElementOrder(patchItems: unknown[], serverOnly: unknown[], patchOrder: unknown[], serverOrder: unknown[], mergeKey: string, kind: ElementKind): unknown[] {
  const left = sortByOrder(serverOnly, serverOrder, mergeKey, kind);
  const right = sortByOrder(patchItems, patchOrder, mergeKey, kind);
  const out: unknown[] = [];
  let i = 0;
  let j = 0;
  while (i < left.length || j < right.length) {
    if (i >= left.length) out.push(right[j++]);
    else if (j >= right.length) out.push(left[i++]);
    else {
      const li = indexIn(serverOrder, left[i], mergeKey, kind);
      const ri = indexIn(serverOrder, right[j], mergeKey, kind);
      if (li >= 0 && ri >= 0 && li < ri) out.push(left[i++]);
      else out.push(right[j++]);
    }
  }
  return out;
}

function sortByOrder(items: unknown[], order: unknown[], mergeKey: string, kind: ElementKind): unknown[] {
  let toSort = items;
  let toDelete: unknown[] = [];
  if (kind === 'map') {
    for (const l of [items, order]) for (const v of l) if (!isObject(v) || !(mergeKey in v)) throw noMergeKey(v, mergeKey);
    toSort = items.filter((v) => (v as Obj)[DIRECTIVE] !== 'delete');
    toDelete = items.filter((v) => (v as Obj)[DIRECTIVE] === 'delete');
  }
  const sorted = [...toSort].sort((a, b) => {
    const ia = indexIn(order, a, mergeKey, kind);
    const ib = indexIn(order, b, mergeKey, kind);
    return ia >= 0 && ib >= 0 ? ia - ib : 0;
  });
  return [...sorted, ...toDelete];
}

/** `$setElementOrder/<field>`: the final order of a merged list (kubectl apply sends it). */
function applySetElementOrder(original: Obj, patch: Obj, shape: Shape): void {
  for (const key of Object.keys(patch)) {
    if (!key.startsWith(SET_ELEMENT_ORDER)) continue;
    const order = patch[key];
    delete patch[key];
    if (!Array.isArray(order)) throw badArgType(GO_SLICE, order);
    const field = extractKey(key, SET_ELEMENT_ORDER);
    const foundOriginal = field in original;
    const foundPatch = field in patch;
    const originalList = original[field];
    const patchList = patch[field];
    if (foundOriginal && !Array.isArray(originalList)) throw badArgType(GO_SLICE, originalList);
    if (foundPatch && !Array.isArray(patchList)) throw badArgType(GO_SLICE, patchList);
    const fieldShape = childShape(shape, field);
    const mergeKey = fieldShape.mergeKey ?? '';
    validateOrderList((patchList as unknown[] | undefined) ?? [], order, mergeKey);
    // The live list as upstream reads it afterwards: through its old slice header (see GoSlice).
    const liveLength = foundOriginal ? (originalList as unknown[]).length : 0;
    let merged: unknown[];
    if (foundOriginal && !foundPatch) merged = originalList as unknown[];
    else if (!foundOriginal && foundPatch) merged = removeDirectives(patchList).value as unknown[];
    else if (foundOriginal && foundPatch) merged = mergeSliceHandler(originalList, patchList, fieldShape, false);
    else continue;
    const liveView = foundOriginal ? (originalList as unknown[]).slice(0, liveLength) : [];
    const kind = sliceElementKind(liveView, (patchList as unknown[] | undefined) ?? []);
    const [inOrder, serverOnly] = mergeKey ? partitionMaps(merged, order, mergeKey) : partitionScalars(merged, order);
    original[field] = normalizeElementOrder(inOrder, serverOnly, order, liveView, mergeKey, kind);
    delete patch[field];
  }
}

/** Every (non-deleted) patch item must appear in the order list, in the same relative order. */
function validateOrderList(patchList: unknown[], order: unknown[], mergeKey: string): void {
  if (order.length === 0 || patchList.length === 0) return;
  let items = patchList;
  if (mergeKey) {
    for (const v of patchList) if (!isObject(v)) throw badArgType(GO_MAP, v);
    items = patchList.filter((v) => (v as Obj)[DIRECTIVE] !== 'delete');
  }
  let pi = 0;
  let si = 0;
  while (pi < items.length && si < order.length) {
    const p = items[pi];
    if (isObject(p) && DIRECTIVE in p) {
      pi++;
      continue;
    }
    let equal: boolean;
    if (!mergeKey) equal = p === order[si];
    else {
      const o = order[si];
      if (!isObject(p)) throw badArgType(GO_MAP, p);
      if (!isObject(o)) throw badArgType(GO_MAP, o);
      if (!(mergeKey in p)) throw noMergeKey(p, mergeKey);
      if (!(mergeKey in o)) throw noMergeKey(o, mergeKey);
      equal = p[mergeKey] === o[mergeKey];
    }
    if (equal) pi++;
    si++;
  }
  if (pi < items.length && si >= order.length) {
    throw new SmpError(`The order in patch list:\n${goFormat(patchList)}\n doesn't match ${SET_ELEMENT_ORDER} list:\n${goFormat(order)}\n`);
  }
}

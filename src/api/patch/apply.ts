// Server-side apply and field ownership (metadata.managedFields), following upstream's field
// manager: an apply merges the manager's full intent into the live object, removes what it
// stopped setting (unless someone else owns it) and fails with a 409 on fields another manager
// owns with a different value; every other write records which fields its manager changed.
import type { StatusCause } from 'kubernetes-types/meta/v1.js';
import { StatusError, badRequest, internalError } from '../errors.js';
import { findByKind, parseApiVersion } from '../registry.js';
import { FieldSet, fieldElement, pathString } from './fieldpath.js';
import type { Path } from './fieldpath.js';
import {
  capUpdateManagers,
  decodeManagedFields,
  encodeManagedFields,
  isResetManagedFields,
  managerId,
  rfc3339Seconds,
} from './managed-fields.js';
import type { Managed } from './managed-fields.js';
import { isObject, rootShape as resolveRootShape } from './schema.js';
import type { Shape } from './schema.js';
import {
  compare,
  deepEqual,
  dropNulls,
  ensureNamedFieldsAreMembers,
  mergeApplied,
  removeItems,
  toFieldSet,
  typedForm,
  withAlwaysPresent,
} from './typed.js';
import type { Comparison } from './typed.js';

type Obj = Record<string, unknown>;

export interface ApplyOptions {
  /** fieldManager of the request. */
  manager: string;
  force: boolean;
  /** RFC3339 time of the request. */
  now: string;
  /** apiVersion of the endpoint ("apps/v1"); the applied object must use it. */
  apiVersion: string;
  /** e.g. "status" when applying to the status subresource. */
  subresource?: string;
}

/** Root shapes per kind and apiVersion, resolved once: typed.ts caches what hangs below them by identity. */
const rootShapes = new Map<string, Shape>();

function rootShape(kind: string, apiVersion: string): Shape {
  const id = `${apiVersion}\u0000${kind}`;
  let s = rootShapes.get(id);
  if (!s) rootShapes.set(id, (s = resolveRootShape(kind, apiVersion)));
  return s;
}

export const LAST_APPLIED_ANNOTATION = 'kubectl.kubernetes.io/last-applied-configuration';

// Fields nobody owns: identity and bookkeeping the server sets.
const STRIPPED = FieldSet.of(
  ['f:apiVersion'],
  ['f:kind'],
  ['f:metadata'],
  ['f:metadata', 'f:name'],
  ['f:metadata', 'f:namespace'],
  ['f:metadata', 'f:creationTimestamp'],
  ['f:metadata', 'f:selfLink'],
  ['f:metadata', 'f:uid'],
  ['f:metadata', 'f:clusterName'],
  ['f:metadata', 'f:generation'],
  ['f:metadata', 'f:managedFields'],
  ['f:metadata', 'f:resourceVersion'],
);

/**
 * Fields a write through this endpoint cannot change, so no manager gains or loses them (the
 * strategies' reset fields): status through the main resource, spec through /status.
 */
function resetFields(kind: string, apiVersion: string, subresource?: string): FieldSet | undefined {
  if (subresource === 'status') return FieldSet.of([fieldElement('spec')]);
  if (subresource) return undefined;
  const t = findByKind(parseApiVersion(apiVersion).group, kind);
  return t?.subresources.includes('status') ? FieldSet.of([fieldElement('status')]) : undefined;
}

function filtered(s: FieldSet, reset: FieldSet | undefined): FieldSet {
  return reset ? s.recursiveDifference(reset) : s;
}

class Conflicts extends Error {
  constructor(readonly byManager: Map<string, FieldSet>) {
    super('conflicts');
  }
}

/**
 * Record the fields of `oldTyped` → `newTyped` as changed by `entry` (upstream's Updater.Update
 * behind managedFieldsUpdater): others lose what it changed or removed; it keeps what it had.
 */
function recordUpdate(
  managed: Managed,
  shape: Shape,
  oldTyped: unknown,
  newTyped: unknown,
  entry: { manager: string; apiVersion: string; subresource?: string },
  now: string,
  reset: FieldSet | undefined,
): void {
  const id = managerId(entry.manager, 'Update', entry.apiVersion, entry.subresource);
  const c = filterComparison(compare(shape, withAlwaysPresent(shape, oldTyped), withAlwaysPresent(shape, newTyped)), reset);
  const changed = c.modified.union(c.added);
  for (const [mid, m] of [...managed]) {
    let set = m.set;
    const conflict = set.intersection(changed);
    if (!conflict.isEmpty()) set = set.difference(conflict);
    if (!c.removed.isEmpty()) set = set.difference(c.removed);
    if (set.isEmpty()) managed.delete(mid);
    else if (set !== m.set) managed.set(mid, { ...m, set });
  }
  const mine = filtered(changed, reset).difference(STRIPPED);
  if (mine.isEmpty()) return;
  const prev = managed.get(id);
  managed.set(id, {
    manager: entry.manager,
    operation: 'Update',
    apiVersion: entry.apiVersion,
    ...(entry.subresource ? { subresource: entry.subresource } : {}),
    time: rfc3339Seconds(now),
    set: prev ? mine.union(prev.set) : mine,
  });
}

function filterComparison(c: Comparison, reset: FieldSet | undefined): Comparison {
  if (!reset) return c;
  return { added: filtered(c.added, reset), removed: filtered(c.removed, reset), modified: filtered(c.modified, reset) };
}

function metadataOf(o: unknown): Obj {
  if (!isObject(o)) return {};
  return isObject(o.metadata) ? o.metadata : {};
}

function omit(o: Obj, key: string): Obj {
  const out = { ...o };
  delete out[key];
  return out;
}

function withoutManagedFields(o: Obj): Obj {
  const md = metadataOf(o);
  return 'managedFields' in md ? { ...o, metadata: omit(md, 'managedFields') } : o;
}

function setManagedFields(o: Obj, managed: Managed): Obj {
  const md = { ...metadataOf(o) };
  const encoded = encodeManagedFields(managed);
  if (encoded) md.managedFields = encoded;
  else delete md.managedFields;
  return { ...o, metadata: md };
}

/**
 * Track a create/update/patch by `manager` (operation "Update"): the returned copy of `newObj`
 * carries managedFields updated as upstream would. `oldObj` is undefined on create.
 */
export function trackUpdate(
  kind: string,
  oldObj: object | undefined,
  newObj: object,
  manager: string,
  operation: 'Update',
  apiVersion: string,
  now: string,
  subresource?: string,
): object {
  const oldO = (oldObj ?? {}) as Obj;
  const newO = newObj as Obj;
  const shape = rootShape(kind, apiVersion);
  // A request may set managedFields itself (or wipe them with [] / [{}]); subresources can't.
  let managed: Managed;
  const requested = metadataOf(newO).managedFields;
  try {
    if (subresource) managed = decodeManagedFields(metadataOf(oldO).managedFields);
    else if (isResetManagedFields(requested)) managed = new Map();
    else {
      let fromNew: Managed | undefined;
      try {
        fromNew = decodeManagedFields(requested);
      } catch {
        fromNew = undefined;
      }
      managed = fromNew && fromNew.size > 0 ? fromNew : decodeManagedFields(metadataOf(oldO).managedFields);
    }
  } catch {
    managed = new Map();
  }
  const out = withoutManagedFields(newO);
  // Objects that have no managedFields are not tracked until the first apply; creates are.
  if (managed.size === 0 && oldObj !== undefined && metadataOf(oldO).uid) return out;
  const reset = resetFields(kind, apiVersion, subresource);
  const entry = { manager: manager || 'unknown', apiVersion, subresource };
  recordUpdate(managed, shape, typedForm(shape, withoutManagedFields(oldO)), typedForm(shape, out), entry, now, reset);
  capUpdateManagers(managed);
  return setManagedFields(out, managed);
}

/**
 * Server-side apply `applied` (the manager's full intent) onto `live` (undefined to create).
 * Returns the merged object with managedFields updated; throws a 409 Conflict StatusError
 * naming every conflicting field unless `force`.
 */
export function serverSideApply(kind: string, live: object | undefined, applied: object, opts: ApplyOptions): object {
  const config = applied as Obj;
  if (!isObject(config)) throw badRequest('error decoding YAML: the applied configuration must be an object');
  if (config.apiVersion !== opts.apiVersion || config.kind !== kind) {
    const { group, version } = parseApiVersion(typeof config.apiVersion === 'string' ? config.apiVersion : '');
    throw badRequest(`invalid object type: ${group}/${version}, Kind=${typeof config.kind === 'string' ? config.kind : ''}`);
  }
  if (metadataOf(config).managedFields !== undefined && metadataOf(config).managedFields !== null) {
    throw badRequest('metadata.managedFields must be nil');
  }
  const shape = rootShape(kind, opts.apiVersion);
  const liveO = (live ?? {}) as Obj;
  let managed: Managed;
  try {
    managed = decodeManagedFields(metadataOf(liveO).managedFields);
  } catch (err) {
    throw internalError(`failed to decode managed fields: ${(err as Error).message}`);
  }
  const liveTyped = (typedForm(shape, withoutManagedFields(liveO)) ?? {}) as Obj;
  const reset = resetFields(kind, opts.apiVersion, opts.subresource);

  // Fields set before anyone applied belong to "before-first-apply", so they are neither
  // silently taken over nor pruned.
  if (managed.size === 0 && live !== undefined) {
    const entry = { manager: 'before-first-apply', apiVersion: opts.apiVersion, subresource: opts.subresource };
    recordUpdate(managed, shape, {}, liveTyped, entry, opts.now, reset);
    capUpdateManagers(managed);
  }

  const name = opts.manager || 'unknown';
  const { set: configSet, errors } = toFieldSet(shape, config, true);
  if (errors.length > 0) {
    const md = metadataOf(config);
    const who = `${typeof md.namespace === 'string' ? md.namespace : ''}/${typeof md.name === 'string' ? md.name : ''}`;
    const { group, version } = parseApiVersion(opts.apiVersion);
    throw new StatusError(500, 'InternalError', `failed to create typed patch object (${who}; ${group}/${version}, Kind=${kind}): ${errors.join('\n')}`);
  }

  const attempt = (force: boolean): { object: Obj; managed: Managed } => {
    const m: Managed = new Map([...managed].map(([k, v]) => [k, { ...v }]));
    return applyOnce(shape, liveO, liveTyped, config, configSet, m, name, force, opts, reset);
  };
  let result: { object: Obj; managed: Managed };
  try {
    result = attempt(opts.force);
  } catch (err) {
    if (!(err instanceof Conflicts)) throw err;
    // kubectl's server-side apply takes over fields its client-side apply set, as long as
    // they still hold the last-applied values (upgrade from client-side apply).
    if (name !== 'kubectl') throw conflictError(err.byManager);
    const allowed = allowedByLastApplied(shape, liveO, liveTyped, opts.apiVersion);
    if (!allowed) throw conflictError(err.byManager);
    const remaining = new Map<string, FieldSet>();
    for (const [id, s] of err.byManager) {
      const rest = s.difference(allowed);
      if (!rest.isEmpty()) remaining.set(id, rest);
    }
    if (remaining.size > 0) throw conflictError(remaining);
    result = attempt(true);
  }

  let object = result.object;
  const annotations = metadataOf(object).annotations;
  if (name === 'kubectl' && isObject(annotations) && typeof annotations[LAST_APPLIED_ANNOTATION] === 'string' && annotations[LAST_APPLIED_ANNOTATION] !== '') {
    const md = metadataOf(object);
    object = { ...object, metadata: { ...md, annotations: { ...annotations, [LAST_APPLIED_ANNOTATION]: lastAppliedOf(config) } } };
  }
  return setManagedFields(object, result.managed);
}

/** One run of upstream's Updater.Apply plus the managedFieldsUpdater/stripMeta wrappers. */
function applyOnce(
  shape: Shape,
  live: Obj,
  liveTyped: Obj,
  config: Obj,
  configSet: FieldSet,
  managed: Managed,
  name: string,
  force: boolean,
  opts: ApplyOptions,
  reset: FieldSet | undefined,
): { object: Obj; managed: Managed } {
  const id = managerId(name, 'Apply', opts.apiVersion, opts.subresource);
  let merged = (mergeApplied(shape, liveTyped, config) ?? {}) as Obj;
  const last = managed.get(id);
  const previousTime = last?.time;
  managed.set(id, {
    manager: name,
    operation: 'Apply',
    apiVersion: opts.apiVersion,
    ...(opts.subresource ? { subresource: opts.subresource } : {}),
    ...(previousTime ? { time: previousTime } : {}),
    set: filtered(configSet, reset),
  });
  if (last && !last.set.isEmpty()) merged = prune(shape, merged, managed, last.set);

  // Other managers: conflicts on fields they own that this apply changes; removals drop out.
  const c = filterComparison(compare(shape, withAlwaysPresent(shape, liveTyped), withAlwaysPresent(shape, merged)), reset);
  const changed = c.modified.union(c.added);
  const conflicts = new Map<string, FieldSet>();
  for (const [mid, m] of managed) {
    if (mid === id) continue;
    const conflict = m.set.intersection(changed);
    if (!conflict.isEmpty()) conflicts.set(mid, conflict);
  }
  if (!force && conflicts.size > 0) throw new Conflicts(conflicts);
  for (const [mid, m] of [...managed]) {
    if (mid === id) continue;
    let set = m.set;
    const conflict = conflicts.get(mid);
    if (conflict) set = set.difference(conflict);
    if (!c.removed.isEmpty()) set = set.difference(c.removed);
    if (set.isEmpty()) managed.delete(mid);
    else managed.set(mid, { ...m, set });
  }

  const noop = deepEqual(liveTyped, merged);
  const mine = managed.get(id)!;
  const set = mine.set.difference(STRIPPED);
  if (set.isEmpty()) managed.delete(id);
  else managed.set(id, { ...mine, set, ...(noop ? {} : { time: rfc3339Seconds(opts.now) }) });
  const object = noop ? withoutManagedFields(live) : (dropNulls(merged) as Obj);
  return { object, managed };
}

/** Remove what the applier owned last time and no longer applies, unless another manager owns it. */
function prune(shape: Shape, merged: Obj, managed: Managed, lastSet: FieldSet): Obj {
  const named = (s: FieldSet): FieldSet => ensureNamedFieldsAreMembers(shape, s);
  const fieldsOf = (o: unknown): FieldSet => named(toFieldSet(shape, o).set);
  const last = named(lastSet);
  let pruned = (removeItems(shape, merged, last) ?? {}) as Obj;
  // Add back what anyone (including the new configuration) still owns.
  let owned = new FieldSet();
  for (const m of managed.values()) owned = owned.union(m.set);
  const mergedSet = fieldsOf(merged);
  pruned = (removeItems(shape, merged, mergedSet.difference(fieldsOf(pruned).union(named(owned)))) ?? {}) as Obj;
  // Only ever remove what the applier itself owned.
  return (removeItems(shape, merged, mergedSet.difference(fieldsOf(pruned)).intersection(last)) ?? {}) as Obj;
}

/**
 * Fields of the last-applied annotation that still hold their values in the live object:
 * the client-side applier's fields that server-side `kubectl` may take over without conflict.
 */
function allowedByLastApplied(shape: Shape, live: Obj, liveTyped: Obj, apiVersion: string): FieldSet | undefined {
  const annotations = metadataOf(live).annotations;
  if (!isObject(annotations)) return undefined;
  const raw = annotations[LAST_APPLIED_ANNOTATION];
  if (typeof raw !== 'string' || raw === '') return undefined;
  let lastApplied: unknown;
  try {
    lastApplied = JSON.parse(raw);
  } catch {
    return undefined;
  }
  if (!isObject(lastApplied) || lastApplied.apiVersion !== apiVersion) return undefined;
  const { set, errors } = toFieldSet(shape, lastApplied, true);
  if (errors.length > 0) return undefined;
  const c = compare(shape, lastApplied, liveTyped);
  return set.difference(c.modified).difference(c.added).difference(c.removed);
}

/** The last-applied annotation value: the configuration without that annotation, keys sorted. */
function lastAppliedOf(config: Obj): string {
  const md = metadataOf(config);
  let copy: Obj = config;
  if (isObject(md.annotations) && LAST_APPLIED_ANNOTATION in md.annotations) {
    copy = { ...config, metadata: { ...md, annotations: omit(md.annotations, LAST_APPLIED_ANNOTATION) } };
  }
  return `${sortedJson(copy)}\n`;
}

function sortedJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(sortedJson).join(',')}]`;
  if (isObject(v)) {
    const keys = Object.keys(v).filter((k) => v[k] !== undefined).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${sortedJson(v[k])}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

/** How conflicts name a manager: `"kubectl"`, or `"kube-controller-manager" using apps/v1` for updaters. */
function printManager(id: string): string {
  let e: { manager?: string; operation?: string; apiVersion?: string; subresource?: string };
  try {
    e = JSON.parse(id) as typeof e;
  } catch {
    return JSON.stringify(id);
  }
  let s = JSON.stringify(e.manager ?? '');
  if (e.subresource) s += ` with subresource ${JSON.stringify(e.subresource)}`;
  if (e.operation === 'Update') s += ` using ${e.apiVersion ?? ''}`;
  return s;
}

/** The 409 upstream returns for apply conflicts (reason Conflict, one FieldManagerConflict cause per field). */
function conflictError(byManager: Map<string, FieldSet>): StatusError {
  const list: { id: string; path: Path }[] = [];
  for (const id of [...byManager.keys()].sort()) for (const path of byManager.get(id)!.paths()) list.push({ id, path });
  const causes: StatusCause[] = list.map((c) => ({
    reason: 'FieldManagerConflict',
    message: `conflict with ${printManager(c.id)}`,
    field: pathString(c.path),
  }));
  let message: string;
  if (list.length === 1) {
    message = `Apply failed with 1 conflict: conflict with ${printManager(list[0].id)}: ${pathString(list[0].path)}`;
  } else {
    const lines: string[] = [];
    for (const id of [...byManager.keys()].sort()) {
      lines.push(`conflicts with ${printManager(id)}:`);
      for (const path of byManager.get(id)!.paths()) lines.push(`- ${pathString(path)}`);
    }
    message = `Apply failed with ${list.length} conflicts: ${lines.join('\n')}`;
  }
  return new StatusError(409, 'Conflict', message, { causes });
}

/**
 * The manager name upstream derives when a request names none: the User-Agent up to the
 * first "/", printable characters only, at most 128 bytes ("kubectl/v1.31.0 (linux/amd64) …" → "kubectl").
 */
export function fieldManagerFromUserAgent(userAgent: string | undefined): string {
  const prefix = (userAgent ?? '').split('/')[0];
  let out = '';
  for (const ch of prefix) {
    if (!/\p{L}|\p{M}|\p{N}|\p{P}|\p{S}| /u.test(ch)) continue;
    if (Buffer.byteLength(out) >= 128) break;
    out += ch;
  }
  return out;
}

/** The manager a write is attributed to: the fieldManager parameter, else the User-Agent prefix. */
export function fieldManagerFor(fieldManager: string | undefined, userAgent: string | undefined): string {
  return fieldManager ? fieldManager : fieldManagerFromUserAgent(userAgent);
}

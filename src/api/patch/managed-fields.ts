// metadata.managedFields: decoding entries into per-manager field sets and back, with
// upstream's manager identity (manager + operation + apiVersion for updates + subresource),
// entry order and the cap on how many update managers an object keeps.
import type { ManagedFieldsEntry } from 'kubernetes-types/meta/v1.js';
import { FieldSet } from './fieldpath.js';

export type Operation = 'Apply' | 'Update';

export interface ManagerFields {
  manager: string;
  operation: Operation;
  apiVersion: string;
  subresource?: string;
  /** RFC3339, seconds precision; absent when upstream would leave it unset. */
  time?: string;
  set: FieldSet;
}

/** Keyed by manager identity (see managerId). */
export type Managed = Map<string, ManagerFields>;

/**
 * The identity upstream keys managers by: the JSON of the entry without fields and time, and
 * without apiVersion for appliers (so one applier stays one entry across versions).
 */
export function managerId(manager: string, operation: Operation, apiVersion: string, subresource?: string): string {
  const o: Record<string, string> = {};
  if (manager) o.manager = manager;
  o.operation = operation;
  if (operation === 'Update' && apiVersion) o.apiVersion = apiVersion;
  if (subresource) o.subresource = subresource;
  return JSON.stringify(o);
}

export function idOf(m: ManagerFields): string {
  return managerId(m.manager, m.operation, m.apiVersion, m.subresource);
}

/** Decode managedFields; throws with upstream's wording on a malformed entry. */
export function decodeManagedFields(entries: unknown): Managed {
  const out: Managed = new Map();
  if (entries === undefined || entries === null) return out;
  if (!Array.isArray(entries)) throw new Error('managedFields must be a list');
  entries.forEach((raw, i) => {
    const e = (raw ?? {}) as ManagedFieldsEntry;
    if (e.operation !== 'Apply' && e.operation !== 'Update') throw new Error('operation must be `Apply` or `Update`');
    if (!e.apiVersion) throw new Error('apiVersion must not be empty');
    if (e.fieldsType === undefined || e.fieldsType === '') throw new Error(`missing fieldsType in managed fields entry ${i}`);
    if (e.fieldsType !== 'FieldsV1') throw new Error(`invalid fieldsType ${JSON.stringify(e.fieldsType)} in managed fields entry ${i}`);
    const m: ManagerFields = {
      manager: e.manager ?? '',
      operation: e.operation,
      apiVersion: e.apiVersion,
      set: FieldSet.fromFieldsV1(e.fieldsV1 ?? {}),
    };
    if (e.subresource) m.subresource = e.subresource;
    if (e.time) m.time = e.time;
    out.set(idOf(m), m);
  });
  return out;
}

/** True for `[]` or `[{}]`: a client asking to wipe managedFields. */
export function isResetManagedFields(entries: unknown): boolean {
  if (!Array.isArray(entries)) return false;
  if (entries.length === 0) return true;
  return entries.length === 1 && typeof entries[0] === 'object' && entries[0] !== null && Object.keys(entries[0]).length === 0;
}

function seconds(time: string | undefined): number {
  if (!time) return 0;
  const t = Date.parse(time);
  return Number.isNaN(t) ? 0 : Math.floor(t / 1000);
}

/** Encode in upstream's order: Apply before Update, then oldest first, then by name. */
export function encodeManagedFields(managed: Managed): ManagedFieldsEntry[] | undefined {
  if (managed.size === 0) return undefined;
  const list = [...managed.values()].filter((m) => !m.set.isEmpty());
  if (list.length === 0) return undefined;
  list.sort(
    (p, q) =>
      cmp(p.operation, q.operation) ||
      seconds(p.time) - seconds(q.time) ||
      cmp(p.manager, q.manager) ||
      cmp(p.apiVersion, q.apiVersion) ||
      cmp(p.subresource ?? '', q.subresource ?? ''),
  );
  return list.map((m) => {
    const e: ManagedFieldsEntry = {};
    if (m.manager) e.manager = m.manager;
    e.operation = m.operation;
    e.apiVersion = m.apiVersion;
    if (m.time) e.time = m.time;
    e.fieldsType = 'FieldsV1';
    e.fieldsV1 = m.set.toFieldsV1();
    if (m.subresource) e.subresource = m.subresource;
    return e;
  });
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** RFC3339 at seconds precision in UTC, as metav1.Time serializes. */
export function rfc3339Seconds(now: string): string {
  // Every write in the same second asks for the same value.
  if (now === lastSecondsIn) return lastSecondsOut;
  const t = Date.parse(now);
  if (Number.isNaN(t)) return now;
  const out = new Date(Math.floor(t / 1000) * 1000).toISOString().replace('.000Z', 'Z');
  lastSecondsIn = now;
  lastSecondsOut = out;
  return out;
}

let lastSecondsIn = '';
let lastSecondsOut = '';

export const DEFAULT_MAX_UPDATE_MANAGERS = 10;
const ANCIENT = 'ancient-changes';

/**
 * Keep at most `max` update managers: the oldest are folded, per apiVersion, into an
 * "ancient-changes" entry (upstream's capManagersManager).
 */
export function capUpdateManagers(managed: Managed, max = DEFAULT_MAX_UPDATE_MANAGERS): void {
  const updaters = [...managed.entries()].filter(([, m]) => m.operation === 'Update').map(([id]) => id);
  if (updaters.length <= max) return;
  updaters.sort((i, j) => seconds(managed.get(i)!.time) - seconds(managed.get(j)!.time) || cmp(i, j));
  const firstByVersion = new Map<string, string>();
  let length = updaters.length;
  for (let i = 0; i < updaters.length && length > max; i++) {
    const id = updaters[i];
    const m = managed.get(id)!;
    const bucketId = managerId(ANCIENT, 'Update', m.apiVersion);
    const first = firstByVersion.get(m.apiVersion);
    if (first === undefined) {
      firstByVersion.set(m.apiVersion, id);
      continue;
    }
    if (!managed.has(bucketId)) {
      const f = managed.get(first)!;
      managed.delete(first);
      managed.set(bucketId, { ...f, manager: ANCIENT, operation: 'Update', subresource: undefined });
    }
    const bucket = managed.get(bucketId)!;
    managed.set(bucketId, { ...bucket, set: m.set.union(bucket.set), time: m.time });
    managed.delete(id);
    length--;
  }
}

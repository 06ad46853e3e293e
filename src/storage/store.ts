// The revisioned key-value contract every backend (memory, sqlite, etcd) implements.
// Semantics follow etcd/kine: one monotonically increasing revision per cluster; every
// write gets the next revision; history is kept until compaction.

/** One stored key at one revision. `value` is the serialized object (JSON text). */
export interface KeyValue {
  key: string;
  value: string;
  /** Revision at which the key was (last) created. */
  createRevision: number;
  /** Revision of the last write to this key; becomes metadata.resourceVersion. */
  modRevision: number;
}

export type WatchEventType = 'PUT' | 'DELETE';

export interface WatchEvent {
  type: WatchEventType;
  /** For PUT: the new value. For DELETE: the last value, with modRevision = the delete revision. */
  kv: KeyValue;
  /** The value before this event (absent for a create). */
  prevKv?: KeyValue;
  /** True when this PUT created the key. */
  created?: boolean;
}

export interface ListOptions {
  /** Maximum number of items to return; 0 or undefined = all. */
  limit?: number;
  /** Return keys strictly greater than this key (paging). */
  startAfter?: string;
  /** Read at this revision (0/undefined = current). Fails with CompactedError if compacted. */
  revision?: number;
}

export interface ListResult {
  items: KeyValue[];
  /** The revision the list was read at. */
  revision: number;
  /** True when more keys under the prefix remain after the last returned item. */
  more: boolean;
  /** Number of keys remaining after this page (when known). */
  remaining?: number;
}

export interface Watch {
  /** Stop delivering events. Idempotent. */
  cancel(): void;
}

export interface WatchOptions {
  /** Deliver every event with revision > fromRevision (history replay, then live). */
  fromRevision: number;
  onEvent(events: WatchEvent[]): void;
  /** Called once if the watch ends abnormally (e.g. fromRevision is compacted). */
  onError?(err: Error): void;
}

export interface Store {
  /** Human-readable backend name, e.g. "sqlite". */
  readonly name: string;
  /** The latest revision written (0 for an empty store). */
  currentRevision(): Promise<number>;
  /** Create `key`. Throws KeyExistsError if it exists. Returns the new KeyValue. */
  create(key: string, value: string): Promise<KeyValue>;
  /**
   * Replace `key`. When expectedRevision is given, the key's modRevision must equal it
   * (else ConflictError). Throws KeyNotFoundError if the key does not exist.
   */
  update(key: string, value: string, expectedRevision?: number): Promise<KeyValue>;
  /** Delete `key` (optionally only at expectedRevision). Returns the deleted value, modRevision = delete revision. */
  delete(key: string, expectedRevision?: number): Promise<KeyValue>;
  get(key: string, revision?: number): Promise<KeyValue | null>;
  /** Keys with the prefix, in key order. */
  list(prefix: string, opts?: ListOptions): Promise<ListResult>;
  /** Count keys under a prefix at the current revision. */
  count(prefix: string): Promise<number>;
  watch(prefix: string, opts: WatchOptions): Watch;
  /** Drop history at or below `revision`; later reads/watches at or below it fail with CompactedError. */
  compact(revision: number): Promise<void>;
  /** The oldest revision still readable (compacted revision + 1, or 1). */
  oldestRevision(): Promise<number>;
  close(): Promise<void>;
}

export class StoreError extends Error {}
export class KeyExistsError extends StoreError {
  constructor(readonly key: string) { super(`key exists: ${key}`); }
}
export class KeyNotFoundError extends StoreError {
  constructor(readonly key: string) { super(`key not found: ${key}`); }
}
export class ConflictError extends StoreError {
  constructor(readonly key: string, readonly expected: number, readonly actual: number) {
    super(`revision mismatch for ${key}: expected ${expected}, have ${actual}`);
  }
}
export class CompactedError extends StoreError {
  constructor(readonly requested: number, readonly compacted: number) {
    super(`required revision ${requested} has been compacted (oldest available ${compacted + 1})`);
  }
}
export class FutureRevisionError extends StoreError {
  constructor(readonly requested: number, readonly current: number) {
    super(`required revision ${requested} is a future revision (current ${current})`);
  }
}

// In-memory Store: the same revision/history/watch semantics as the persistent backends,
// for tests and `--datastore memory`. Nothing survives the process.
import {
  CompactedError, ConflictError, FutureRevisionError, KeyExistsError, KeyNotFoundError, StoreError,
  type KeyValue, type ListOptions, type ListResult, type Store, type Watch, type WatchEvent, type WatchOptions,
} from './store.js';
import { WatchFanout } from './watch-fanout.js';

/** One write to one key. `deleted` marks a tombstone (value = the last value). */
interface Version {
  rev: number;
  value: string;
  createRevision: number;
  deleted: boolean;
}

export class MemoryStore implements Store {
  readonly name = 'memory';
  private rev = 0;
  private compacted = 0;
  /** Per key, its versions in revision order (superseded ones dropped by compaction). */
  private readonly history = new Map<string, Version[]>();
  /** Every key in `history`, sorted, so prefix lists and paging are range scans. */
  private keys: string[] = [];
  /** Every event with revision > compacted, in revision order (for watch replay). */
  private log: WatchEvent[] = [];
  private closed = false;
  private readonly fanout = new WatchFanout({
    revision: () => this.rev,
    compactedRevision: () => this.compacted,
    readEvents: (prefix, after, upto, limit) => this.readEvents(prefix, after, upto, limit),
  });

  async currentRevision(): Promise<number> {
    this.checkOpen();
    return this.rev;
  }

  async create(key: string, value: string): Promise<KeyValue> {
    this.checkOpen();
    const cur = this.latest(key);
    if (cur && !cur.deleted) throw new KeyExistsError(key);
    const rev = ++this.rev;
    this.append(key, { rev, value, createRevision: rev, deleted: false });
    const kv: KeyValue = { key, value, createRevision: rev, modRevision: rev };
    this.emit({ type: 'PUT', kv, created: true });
    return { ...kv };
  }

  async update(key: string, value: string, expectedRevision?: number): Promise<KeyValue> {
    this.checkOpen();
    const cur = this.current(key, expectedRevision);
    const rev = ++this.rev;
    this.append(key, { rev, value, createRevision: cur.createRevision, deleted: false });
    const kv: KeyValue = { key, value, createRevision: cur.createRevision, modRevision: rev };
    this.emit({ type: 'PUT', kv, prevKv: toKv(key, cur) });
    return { ...kv };
  }

  async delete(key: string, expectedRevision?: number): Promise<KeyValue> {
    this.checkOpen();
    const cur = this.current(key, expectedRevision);
    const rev = ++this.rev;
    this.append(key, { rev, value: cur.value, createRevision: cur.createRevision, deleted: true });
    const kv: KeyValue = { key, value: cur.value, createRevision: cur.createRevision, modRevision: rev };
    this.emit({ type: 'DELETE', kv, prevKv: toKv(key, cur) });
    return { ...kv };
  }

  async get(key: string, revision?: number): Promise<KeyValue | null> {
    this.checkOpen();
    const at = this.readRevision(revision);
    const v = versionAt(this.history.get(key), at);
    return v && !v.deleted ? toKv(key, v) : null;
  }

  async list(prefix: string, opts: ListOptions = {}): Promise<ListResult> {
    this.checkOpen();
    const at = this.readRevision(opts.revision);
    const limit = opts.limit && opts.limit > 0 ? opts.limit : Infinity;
    const items: KeyValue[] = [];
    let remaining = 0;
    for (let i = this.firstIndex(prefix, opts.startAfter); i < this.keys.length; i++) {
      const key = this.keys[i];
      if (!key.startsWith(prefix)) break;
      const v = versionAt(this.history.get(key), at);
      if (!v || v.deleted) continue;
      if (items.length < limit) items.push(toKv(key, v));
      else remaining++;
    }
    return { items, revision: at, more: remaining > 0, remaining };
  }

  async count(prefix: string): Promise<number> {
    this.checkOpen();
    let n = 0;
    for (let i = lowerBound(this.keys, prefix); i < this.keys.length && this.keys[i].startsWith(prefix); i++) {
      const last = this.latest(this.keys[i]);
      if (last && !last.deleted) n++;
    }
    return n;
  }

  watch(prefix: string, opts: WatchOptions): Watch {
    this.checkOpen();
    return this.fanout.watch(prefix, opts);
  }

  async compact(revision: number): Promise<void> {
    this.checkOpen();
    if (revision > this.rev) throw new FutureRevisionError(revision, this.rev);
    if (revision <= this.compacted) return;
    // Keep, per key, only what a read after `revision` can still see: the latest version at or
    // below it (unless that is a tombstone) and everything newer.
    const gone: string[] = [];
    for (const [key, versions] of this.history) {
      let idx = -1;
      while (idx + 1 < versions.length && versions[idx + 1].rev <= revision) idx++;
      if (idx < 0) continue;
      const drop = versions[idx].deleted ? idx + 1 : idx;
      if (drop === 0) continue;
      versions.splice(0, drop);
      if (versions.length === 0) gone.push(key);
    }
    if (gone.length > 0) {
      for (const key of gone) this.history.delete(key);
      this.keys = this.keys.filter((k) => this.history.has(k));
    }
    let cut = 0;
    while (cut < this.log.length && this.log[cut].kv.modRevision <= revision) cut++;
    this.log = this.log.slice(cut);
    this.compacted = revision;
  }

  async oldestRevision(): Promise<number> {
    this.checkOpen();
    return this.compacted + 1;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.fanout.closeAll();
  }

  private checkOpen(): void {
    if (this.closed) throw new StoreError('store is closed');
  }

  private latest(key: string): Version | undefined {
    const versions = this.history.get(key);
    return versions?.[versions.length - 1];
  }

  /** The live version of `key`, checked against the caller's expected revision. */
  private current(key: string, expectedRevision?: number): Version {
    const cur = this.latest(key);
    if (!cur || cur.deleted) throw new KeyNotFoundError(key);
    if (expectedRevision !== undefined && expectedRevision !== cur.rev) {
      throw new ConflictError(key, expectedRevision, cur.rev);
    }
    return cur;
  }

  private append(key: string, v: Version): void {
    const versions = this.history.get(key);
    if (versions) {
      versions.push(v);
      return;
    }
    this.history.set(key, [v]);
    this.keys.splice(lowerBound(this.keys, key), 0, key);
  }

  private emit(ev: WatchEvent): void {
    this.log.push(ev);
    this.fanout.publish([ev]);
  }

  private readRevision(revision: number | undefined): number {
    if (!revision) return this.rev;
    if (revision > this.rev) throw new FutureRevisionError(revision, this.rev);
    if (revision <= this.compacted) throw new CompactedError(revision, this.compacted);
    return revision;
  }

  private firstIndex(prefix: string, startAfter: string | undefined): number {
    if (startAfter !== undefined && startAfter >= prefix) return upperBound(this.keys, startAfter);
    return lowerBound(this.keys, prefix);
  }

  private readEvents(prefix: string, after: number, upto: number, limit: number): WatchEvent[] {
    const out: WatchEvent[] = [];
    // log revisions are strictly increasing: binary search the first one after `after`.
    let lo = 0;
    let hi = this.log.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.log[mid].kv.modRevision <= after) lo = mid + 1;
      else hi = mid;
    }
    for (let i = lo; i < this.log.length && out.length < limit; i++) {
      const ev = this.log[i];
      if (ev.kv.modRevision > upto) break;
      if (ev.kv.key.startsWith(prefix)) out.push(ev);
    }
    return out;
  }
}

function toKv(key: string, v: Version): KeyValue {
  return { key, value: v.value, createRevision: v.createRevision, modRevision: v.rev };
}

/** The newest version at or below `rev`. */
function versionAt(versions: Version[] | undefined, rev: number): Version | undefined {
  if (!versions) return undefined;
  let lo = 0;
  let hi = versions.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (versions[mid].rev <= rev) lo = mid + 1;
    else hi = mid;
  }
  return lo > 0 ? versions[lo - 1] : undefined;
}

/** First index whose key is >= k. */
function lowerBound(keys: string[], k: string): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (keys[mid] < k) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First index whose key is > k. */
function upperBound(keys: string[], k: string): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (keys[mid] <= k) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

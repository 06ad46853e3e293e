// Watch delivery for backends that keep their own event log (memory, sqlite).
// A new watcher first catches up from the backend's log in pages (asynchronously, so a long
// replay never blocks the event loop), then switches to live delivery in the same synchronous
// step that observed the latest revision. Backends publish every committed event synchronously
// right after the commit, so nothing falls between the replay and the live stream.
import { CompactedError, StoreError, type Watch, type WatchEvent, type WatchOptions } from './store.js';

/** What the fan-out needs from a backend; all calls are synchronous. */
export interface EventLog {
  /** Latest committed (and published) revision. */
  revision(): number;
  /** Highest compacted revision (0 if never compacted). */
  compactedRevision(): number;
  /** Events with afterRev < revision <= uptoRev whose key starts with prefix, in revision order, at most limit. */
  readEvents(prefix: string, afterRev: number, uptoRev: number, limit: number): WatchEvent[];
}

interface Watcher {
  prefix: string;
  opts: WatchOptions;
  /** Revision of the last event considered (delivered or filtered out). */
  last: number;
  live: boolean;
  done: boolean;
  pending: WatchEvent[];
  flushScheduled: boolean;
}

const REPLAY_PAGE = 1000;

export class WatchFanout {
  private readonly watchers = new Set<Watcher>();

  constructor(private readonly log: EventLog) {}

  watch(prefix: string, opts: WatchOptions): Watch {
    const w: Watcher = {
      prefix, opts, last: Math.max(0, opts.fromRevision), live: false, done: false, pending: [], flushScheduled: false,
    };
    this.watchers.add(w);
    setImmediate(() => this.catchUp(w));
    return { cancel: () => this.finish(w) };
  }

  /** Called by the backend synchronously after each commit, with events in revision order. */
  publish(events: WatchEvent[]): void {
    events.forEach(freezeEvent);
    for (const w of this.watchers) {
      if (!w.live) continue; // still catching up: it will read these from the log
      for (const ev of events) {
        const rev = ev.kv.modRevision;
        if (rev <= w.last) continue;
        w.last = rev;
        if (ev.kv.key.startsWith(w.prefix)) w.pending.push(ev);
      }
      if (w.pending.length > 0 && !w.flushScheduled) {
        w.flushScheduled = true;
        queueMicrotask(() => this.flush(w));
      }
    }
  }

  /** Ends every watch with `err` (store closing). */
  closeAll(err: Error = new StoreError('store closed')): void {
    for (const w of [...this.watchers]) this.fail(w, err);
  }

  get size(): number {
    return this.watchers.size;
  }

  private catchUp(w: Watcher): void {
    if (w.done) return;
    let events: WatchEvent[];
    let upto: number;
    try {
      const compacted = this.log.compactedRevision();
      if (w.last < compacted) {
        this.fail(w, new CompactedError(w.last, compacted));
        return;
      }
      upto = this.log.revision();
      events = this.log.readEvents(w.prefix, w.last, upto, REPLAY_PAGE);
      events.forEach(freezeEvent);
    } catch (err) {
      this.fail(w, err as Error);
      return;
    }
    if (events.length === REPLAY_PAGE) {
      w.last = events[events.length - 1].kv.modRevision;
      this.deliver(w, events);
      setImmediate(() => this.catchUp(w));
      return;
    }
    // Everything up to `upto` has been read; later commits arrive through publish().
    w.last = Math.max(w.last, upto);
    w.live = true;
    if (events.length > 0) this.deliver(w, events);
  }

  private flush(w: Watcher): void {
    w.flushScheduled = false;
    if (w.done || w.pending.length === 0) return;
    const batch = w.pending;
    w.pending = [];
    this.deliver(w, batch);
  }

  private deliver(w: Watcher, batch: WatchEvent[]): void {
    if (w.done) return;
    try {
      w.opts.onEvent(batch);
    } catch (err) {
      // A throwing consumer must not break the writer or other watchers: end only this watch.
      this.fail(w, err instanceof Error ? err : new Error(String(err)));
    }
  }

  private finish(w: Watcher): void {
    w.done = true;
    w.pending = [];
    this.watchers.delete(w);
  }

  private fail(w: Watcher, err: Error): void {
    if (w.done) return;
    this.finish(w);
    try {
      w.opts.onError?.(err);
    } catch {
      // nothing more to tell a consumer whose error handler throws
    }
  }
}

/** Events are shared by every watcher (and the memory log): make accidental mutation loud. */
function freezeEvent(ev: WatchEvent): void {
  if (Object.isFrozen(ev)) return;
  Object.freeze(ev.kv);
  if (ev.prevKv) Object.freeze(ev.prevKv);
  Object.freeze(ev);
}

// A work queue with client-go semantics: a key is never handed to two workers at once; adding a
// key that is already queued is a no-op; adding a key that is being processed marks it dirty so
// it is queued again when the worker calls done(). Delayed and rate-limited (per-key exponential
// back-off) adds sit in timers until due.
import { realClock, type Clock } from './clock.js';
import { workqueueAdds, workqueueDepth, workqueueRetries } from './metrics.js';

export interface WorkQueueOptions {
  name?: string;
  clock?: Clock;
  /** First retry delay of addRateLimited (doubles per requeue). Default 5 ms. */
  baseDelayMs?: number;
  /** Cap of the per-key back-off. Default 1000 s. */
  maxDelayMs?: number;
}

export class WorkQueue<K = string> {
  readonly name: string;
  private readonly clock: Clock;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  /** Keys waiting for a worker, in order. */
  private queue: K[] = [];
  /** Keys that need processing (queued, or re-added while processing). */
  private dirty = new Set<K>();
  private processing = new Set<K>();
  /** Delayed adds: one timer per key, keeping the earliest due time. */
  private waiting = new Map<K, { due: number; handle: unknown }>();
  private failures = new Map<K, number>();
  private getters: ((k: K | undefined) => void)[] = [];
  private shuttingDown = false;

  constructor(opts: WorkQueueOptions = {}) {
    this.name = opts.name ?? 'unnamed';
    this.clock = opts.clock ?? realClock;
    this.baseDelayMs = opts.baseDelayMs ?? 5;
    this.maxDelayMs = opts.maxDelayMs ?? 1_000_000;
  }

  add(key: K): void {
    if (this.shuttingDown) return;
    workqueueAdds.inc({ name: this.name });
    if (this.dirty.has(key)) return;
    this.dirty.add(key);
    if (this.processing.has(key)) return;
    this.enqueue(key);
  }

  addAfter(key: K, delayMs: number): void {
    if (this.shuttingDown) return;
    if (delayMs <= 0) {
      this.add(key);
      return;
    }
    const due = this.clock.now() + delayMs;
    const existing = this.waiting.get(key);
    if (existing) {
      if (existing.due <= due) return;
      this.clock.clearTimeout(existing.handle);
    }
    const handle = this.clock.setTimeout(() => {
      this.waiting.delete(key);
      this.add(key);
    }, delayMs);
    this.waiting.set(key, { due, handle });
  }

  addRateLimited(key: K): void {
    const n = this.failures.get(key) ?? 0;
    this.failures.set(key, n + 1);
    workqueueRetries.inc({ name: this.name });
    // 2^n overflows to Infinity for large n; the cap keeps the delay finite.
    const delay = Math.min(this.baseDelayMs * Math.pow(2, n), this.maxDelayMs);
    this.addAfter(key, delay);
  }

  forget(key: K): void {
    this.failures.delete(key);
  }

  numRequeues(key: K): number {
    return this.failures.get(key) ?? 0;
  }

  /** Wait for the next key; undefined once the queue is shut down. Call done(key) when finished. */
  get(): Promise<K | undefined> {
    if (this.shuttingDown) return Promise.resolve(undefined);
    if (this.queue.length > 0) return Promise.resolve(this.take());
    return new Promise((resolve) => this.getters.push(resolve));
  }

  done(key: K): void {
    if (!this.processing.delete(key)) return;
    if (this.dirty.has(key) && !this.shuttingDown) this.enqueue(key);
  }

  len(): number {
    return this.queue.length;
  }

  isShuttingDown(): boolean {
    return this.shuttingDown;
  }

  /** Stop handing out keys: pending and future get() calls resolve to undefined. */
  shutdown(): void {
    if (this.shuttingDown) return;
    this.shuttingDown = true;
    for (const w of this.waiting.values()) this.clock.clearTimeout(w.handle);
    this.waiting.clear();
    const getters = this.getters;
    this.getters = [];
    for (const g of getters) g(undefined);
    workqueueDepth.set({ name: this.name }, 0);
  }

  private enqueue(key: K): void {
    const getter = this.getters.shift();
    if (getter) {
      getter(this.claim(key));
      return;
    }
    this.queue.push(key);
    workqueueDepth.set({ name: this.name }, this.queue.length);
  }

  private take(): K {
    const key = this.queue.shift()!;
    workqueueDepth.set({ name: this.name }, this.queue.length);
    return this.claim(key);
  }

  private claim(key: K): K {
    this.dirty.delete(key);
    this.processing.add(key);
    return key;
  }
}

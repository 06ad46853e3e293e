// Controller expectations (upstream ControllerExpectations): after a controller issues creates or
// deletes it must not act on the same key again until its informer has observed them, or it would
// over-create from a stale cache. Expectations expire after a TTL so a lost watch event cannot
// wedge a controller forever.
import type { Clock } from '../client/clock.js';

export const EXPECTATIONS_TTL_MS = 5 * 60 * 1000;

interface Expectation {
  add: number;
  /** Pod keys whose deletion we wait to see. */
  del: Set<string>;
  timestamp: number;
}

export class ControllerExpectations {
  private readonly byKey = new Map<string, Expectation>();

  constructor(
    private readonly clock: Clock,
    private readonly ttlMs = EXPECTATIONS_TTL_MS,
  ) {}

  /** True when the controller may sync this key: no expectations, all fulfilled, or expired. */
  satisfied(key: string): boolean {
    const e = this.byKey.get(key);
    if (!e) return true;
    if (e.add <= 0 && e.del.size === 0) return true;
    return this.clock.now() - e.timestamp > this.ttlMs;
  }

  expectCreations(key: string, n: number): void {
    this.byKey.set(key, { add: n, del: new Set(), timestamp: this.clock.now() });
  }

  expectDeletions(key: string, podKeys: string[]): void {
    this.byKey.set(key, { add: 0, del: new Set(podKeys), timestamp: this.clock.now() });
  }

  creationObserved(key: string): void {
    const e = this.byKey.get(key);
    if (e && e.add > 0) e.add--;
  }

  deletionObserved(key: string, podKey: string): void {
    this.byKey.get(key)?.del.delete(podKey);
  }

  /** Pending creations and deletions, for tests and logging. */
  pending(key: string): { add: number; del: number } | undefined {
    const e = this.byKey.get(key);
    return e && { add: e.add, del: e.del.size };
  }

  delete(key: string): void {
    this.byKey.delete(key);
  }
}

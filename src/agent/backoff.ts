// Container restart back-off, as kubelet's flowcontrol.Backoff keyed per pod+container: the
// first restart is immediate, later ones wait 10 s, 20 s, 40 s … capped at 5 min after the
// previous exit; an exit more than 10 min (2 × cap) after the previous one starts over.
export const BACKOFF_INITIAL_MS = 10_000;
export const BACKOFF_MAX_MS = 300_000;

interface Entry {
  backoffMs: number;
  lastUpdate: number;
}

export class CrashBackoff {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly initialMs = BACKOFF_INITIAL_MS,
    private readonly maxMs = BACKOFF_MAX_MS,
  ) {}

  private expired(entry: Entry, eventTime: number): boolean {
    return eventTime - entry.lastUpdate > 2 * this.maxMs;
  }

  /**
   * Milliseconds still to wait before restarting a container that finished at `finishedAt`;
   * 0 means restart now (and the back-off for the next exit has been recorded).
   */
  check(key: string, finishedAt: number, now: number): number {
    const e = this.entries.get(key);
    if (e && !this.expired(e, finishedAt)) {
      const waited = now - finishedAt;
      if (waited < e.backoffMs) return e.backoffMs - waited;
    }
    this.next(key, finishedAt);
    return 0;
  }

  /** The current delay for a key (shown in the CrashLoopBackOff message). */
  current(key: string): number {
    return this.entries.get(key)?.backoffMs ?? 0;
  }

  private next(key: string, eventTime: number): void {
    const e = this.entries.get(key);
    if (!e || this.expired(e, eventTime)) this.entries.set(key, { backoffMs: this.initialMs, lastUpdate: eventTime });
    else this.entries.set(key, { backoffMs: Math.min(e.backoffMs * 2, this.maxMs), lastUpdate: eventTime });
  }

  forgetPrefix(prefix: string): void {
    for (const k of this.entries.keys()) if (k.startsWith(prefix)) this.entries.delete(k);
  }
}

/** Go's time.Duration String() for whole seconds/minutes, as in "back-off 1m20s". */
export function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  const rest = s % 60;
  return `${m}m${rest}s`;
}

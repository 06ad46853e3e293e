// Runs one probe of one container on its schedule (initialDelaySeconds, then every
// periodSeconds) and turns attempts into a result with successThreshold/failureThreshold, like
// kubelet's prober worker. Results are reported only when they change.
import type { Probe } from 'kubernetes-types/core/v1.js';
import type { Clock } from '../../client/clock.js';
import { runProbe, type ProbeOutcome, type ProbeTarget } from './prober.js';

export type ProbeKind = 'liveness' | 'readiness' | 'startup';

export interface ProbeListener {
  /** The result flipped (ready/healthy = true); message is the failing attempt's message. */
  onResult(kind: ProbeKind, ok: boolean, message: string): void;
  /** An attempt failed (for the Unhealthy event), before the threshold is reached. */
  onFailedAttempt(kind: ProbeKind, message: string): void;
}

export class ProbeWorker {
  private timer?: unknown;
  private stopped = false;
  private successes = 0;
  private failures = 0;
  private result: boolean | undefined;
  private paused = false;

  constructor(
    readonly kind: ProbeKind,
    private readonly probe: Probe,
    private readonly target: () => ProbeTarget | undefined,
    private readonly listener: ProbeListener,
    private readonly clock: Clock,
    startedAt: number,
  ) {
    // Readiness starts as failed, liveness/startup as unknown (treated as fine).
    this.result = kind === 'readiness' ? false : undefined;
    const delay = Math.max(0, startedAt + (probe.initialDelaySeconds ?? 0) * 1000 - clock.now());
    this.schedule(delay);
  }

  get current(): boolean | undefined {
    return this.result;
  }

  /** Liveness/readiness wait while the startup probe has not succeeded. */
  setPaused(p: boolean): void {
    this.paused = p;
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = this.clock.setTimeout(() => void this.tick(), ms);
  }

  private async tick(): Promise<void> {
    if (this.stopped) return;
    const period = Math.max(1, this.probe.periodSeconds ?? 10) * 1000;
    const t = this.target();
    if (!t || this.paused) return this.schedule(period);
    const outcome: ProbeOutcome = await runProbe(this.probe, t);
    if (this.stopped) return;
    this.record(outcome);
    // A startup probe stops once it succeeded; the others run for the container's life.
    if (this.kind === 'startup' && this.result === true) return;
    this.schedule(period);
  }

  private record(o: ProbeOutcome): void {
    const successThreshold = this.kind === 'readiness' ? Math.max(1, this.probe.successThreshold ?? 1) : 1;
    const failureThreshold = Math.max(1, this.probe.failureThreshold ?? 3);
    if (o.ok) {
      this.failures = 0;
      this.successes++;
      if (this.result !== true && this.successes >= successThreshold) {
        this.result = true;
        this.listener.onResult(this.kind, true, '');
      }
    } else {
      this.successes = 0;
      this.failures++;
      this.listener.onFailedAttempt(this.kind, o.message);
      if (this.result !== false && this.failures >= failureThreshold) {
        this.result = false;
        this.listener.onResult(this.kind, false, o.message);
        // Liveness/startup failure kills the container; the next container starts afresh.
        if (this.kind !== 'readiness') this.failures = 0;
      } else if (this.result === false && this.kind !== 'readiness' && this.failures >= failureThreshold) {
        this.failures = 0;
      }
    }
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
  }
}

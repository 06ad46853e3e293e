// Leader election over a coordination.k8s.io/v1 Lease, as client-go does it: a candidate takes the
// lease when it is free or its holder has not renewed within leaseDuration (measured on the local
// clock from when this candidate last saw the lease change, so clock skew between machines does
// not matter); the leader renews every retryPeriod and steps down when it could not renew for
// renewDeadline. Writes carry the lease's resourceVersion, so two candidates cannot both win.
import type { Lease, LeaseSpec } from 'kubernetes-types/coordination/v1.js';
import { findByKind, type ResourceType } from '../api/registry.js';
import { isAlreadyExists, isNotFound, type ApiClient } from './api.js';
import { realClock, type Clock } from './clock.js';
import { clientLogger } from './log.js';

export interface LeaderElectorOptions {
  namespace: string;
  name: string;
  /** Unique per candidate, e.g. hostname + random suffix. */
  identity: string;
  leaseDurationSeconds?: number;
  renewDeadlineSeconds?: number;
  retryPeriodSeconds?: number;
  clock?: Clock;
  onStartedLeading: () => void;
  onStoppedLeading: () => void;
}

const leaseType: ResourceType = findByKind('coordination.k8s.io', 'Lease')!;
const log = clientLogger.child({ component: 'leaderelection' });

/** metav1.MicroTime wire form: RFC 3339 with microseconds. */
function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

export class LeaderElector {
  private readonly clock: Clock;
  private readonly leaseDurationMs: number;
  private readonly renewDeadlineMs: number;
  private readonly retryPeriodMs: number;
  private leading = false;
  private running = false;
  private stopped = false;
  private tickTimer?: unknown;
  private deadlineTimer?: unknown;
  /** The operation in flight, so stop() can wait for it before releasing. */
  private inFlight: Promise<unknown> = Promise.resolve();
  /** The lease spec as last seen, and when (local clock) it last changed. */
  private observedSpec = '';
  private observedAt = 0;

  constructor(
    private readonly client: ApiClient,
    private readonly opts: LeaderElectorOptions,
  ) {
    this.clock = opts.clock ?? realClock;
    this.leaseDurationMs = (opts.leaseDurationSeconds ?? 15) * 1000;
    this.renewDeadlineMs = (opts.renewDeadlineSeconds ?? 10) * 1000;
    this.retryPeriodMs = (opts.retryPeriodSeconds ?? 2) * 1000;
    if (this.leaseDurationMs <= this.renewDeadlineMs) throw new Error('leaseDurationSeconds must be greater than renewDeadlineSeconds');
    if (this.renewDeadlineMs <= this.retryPeriodMs * 1.2) throw new Error('renewDeadlineSeconds must be greater than retryPeriodSeconds*1.2');
    if (!opts.identity) throw new Error('leader election requires an identity');
  }

  /** Start contending. After losing the lease the elector contends again until stop(). */
  run(): void {
    if (this.running || this.stopped) return;
    this.running = true;
    this.schedule(0);
  }

  isLeader(): boolean {
    return this.leading;
  }

  /** Stop contending; a leader releases the lease (so another candidate takes over at once). */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.clearTimers();
    await this.inFlight.catch(() => undefined);
    if (this.leading) {
      await this.release();
      this.leading = false;
      this.notify(this.opts.onStoppedLeading, 'onStoppedLeading');
    }
  }

  private clearTimers(): void {
    if (this.tickTimer !== undefined) this.clock.clearTimeout(this.tickTimer);
    if (this.deadlineTimer !== undefined) this.clock.clearTimeout(this.deadlineTimer);
    this.tickTimer = this.deadlineTimer = undefined;
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.tickTimer = this.clock.setTimeout(() => {
      this.tickTimer = undefined;
      const p = this.tick();
      this.inFlight = p;
      void p;
    }, ms);
  }

  /** Candidates retry with jitter (like client-go's JitterUntil) so they don't collide in step. */
  private nextDelay(): number {
    return this.leading ? this.retryPeriodMs : this.retryPeriodMs * (1 + Math.random() * 0.2);
  }

  private async tick(): Promise<void> {
    let ok = false;
    try {
      ok = await this.tryAcquireOrRenew();
    } catch (e) {
      log.warn({ lease: `${this.opts.namespace}/${this.opts.name}`, err: e instanceof Error ? e.message : String(e) }, 'error acquiring or renewing lease');
    }
    if (this.stopped) return;
    if (ok) {
      this.armDeadline();
      if (!this.leading) {
        this.leading = true;
        log.info({ lease: `${this.opts.namespace}/${this.opts.name}`, identity: this.opts.identity }, 'became leader');
        this.notify(this.opts.onStartedLeading, 'onStartedLeading');
      }
    }
    this.schedule(this.nextDelay());
  }

  /** A leader that has not renewed for renewDeadline steps down (even if a call is hanging). */
  private armDeadline(): void {
    if (this.deadlineTimer !== undefined) this.clock.clearTimeout(this.deadlineTimer);
    this.deadlineTimer = this.clock.setTimeout(() => {
      this.deadlineTimer = undefined;
      if (!this.leading || this.stopped) return;
      this.leading = false;
      log.warn({ lease: `${this.opts.namespace}/${this.opts.name}`, identity: this.opts.identity }, 'failed to renew lease in time; stepping down');
      this.notify(this.opts.onStoppedLeading, 'onStoppedLeading');
    }, this.renewDeadlineMs);
  }

  private notify(fn: () => void, what: string): void {
    try {
      fn();
    } catch (e) {
      log.error({ err: e instanceof Error ? e.message : String(e) }, `${what} callback threw`);
    }
  }

  private async tryAcquireOrRenew(): Promise<boolean> {
    const { namespace, name, identity } = this.opts;
    const now = this.clock.now();
    const leaseSeconds = Math.round(this.leaseDurationMs / 1000);
    let current: Lease;
    try {
      current = await this.client.get<Lease & { [k: string]: unknown }>(leaseType, namespace, name);
    } catch (e) {
      if (!isNotFound(e)) throw e;
      const spec: LeaseSpec = {
        holderIdentity: identity,
        leaseDurationSeconds: leaseSeconds,
        acquireTime: microTime(now),
        renewTime: microTime(now),
        leaseTransitions: 0,
      };
      try {
        await this.client.create(leaseType, namespace, { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name, namespace }, spec });
      } catch (ce) {
        if (isAlreadyExists(ce)) return false; // another candidate created it first
        throw ce;
      }
      this.observe(spec, this.clock.now());
      return true;
    }
    const old = current.spec ?? {};
    const seen = JSON.stringify(old);
    if (seen !== this.observedSpec) this.observe(old, now);
    const heldByOther = !!old.holderIdentity && old.holderIdentity !== identity;
    const oldDurationMs = (old.leaseDurationSeconds ?? leaseSeconds) * 1000;
    if (heldByOther && this.observedAt + oldDurationMs > now) return false;

    const renewing = old.holderIdentity === identity;
    const spec: LeaseSpec = {
      holderIdentity: identity,
      leaseDurationSeconds: leaseSeconds,
      acquireTime: renewing && old.acquireTime ? old.acquireTime : microTime(now),
      renewTime: microTime(now),
      leaseTransitions: renewing ? (old.leaseTransitions ?? 0) : (old.leaseTransitions ?? 0) + 1,
    };
    // The resourceVersion in metadata makes this a compare-and-swap: a concurrent writer gets 409.
    try {
      await this.client.update(leaseType, namespace, { ...current, spec });
    } catch (e) {
      log.debug({ err: e instanceof Error ? e.message : String(e) }, 'lease update failed');
      return false;
    }
    this.observe(spec, this.clock.now());
    return true;
  }

  private observe(spec: LeaseSpec, at: number): void {
    this.observedSpec = JSON.stringify(spec);
    this.observedAt = at;
  }

  /** Give the lease up: empty holder and a 1 s duration, as client-go's ReleaseOnCancel. */
  private async release(): Promise<void> {
    const { namespace, name, identity } = this.opts;
    try {
      const current = await this.client.get<Lease & { [k: string]: unknown }>(leaseType, namespace, name);
      if (current.spec?.holderIdentity !== identity) return;
      const now = microTime(this.clock.now());
      const spec: LeaseSpec = { ...current.spec, holderIdentity: '', leaseDurationSeconds: 1, acquireTime: now, renewTime: now };
      await this.client.update(leaseType, namespace, { ...current, spec });
    } catch (e) {
      log.warn({ err: e instanceof Error ? e.message : String(e) }, 'failed to release lease');
    }
  }
}

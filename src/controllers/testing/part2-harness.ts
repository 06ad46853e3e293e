// Test bench for the part-2 controllers: a FakeApiClient on a FakeClock, a shared informer
// factory, an in-memory event sink, and helpers that let watch events arrive and run a
// controller's queue dry by calling reconcile directly (no workers, deterministic order).
import pino from 'pino';
import type { ResourceType } from '../../api/registry.js';
import type { KubeObject } from '../../client/api.js';
import { FakeClock } from '../../client/clock.js';
import { InformerFactory } from '../../client/informer.js';
import type { Controller, ControllerContext } from '../context.js';
import { FakeApiClient } from './fake-api.js';

export interface RecordedEvent {
  kind?: string;
  name?: string;
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
}

export const T0 = Date.parse('2024-01-01T00:00:00Z');

export class Part2Harness {
  readonly clock = new FakeClock(T0);
  readonly api = new FakeApiClient(this.clock);
  readonly factory = new InformerFactory(this.api, { clock: this.clock });
  readonly events: RecordedEvent[] = [];
  readonly ctx: ControllerContext = {
    client: this.api,
    factory: this.factory,
    clock: this.clock,
    logger: pino({ level: 'silent' }),
    events: () => ({
      event: (obj: KubeObject, type: 'Normal' | 'Warning', reason: string, message: string) => {
        this.events.push({ kind: obj.kind, name: obj.metadata?.name, type, reason, message });
      },
    }),
  };

  /** Seed objects before the informers start. */
  async seed(rt: ResourceType, ...objs: KubeObject[]): Promise<KubeObject[]> {
    const out: KubeObject[] = [];
    for (const o of objs) out.push(await this.api.create(rt, o.metadata?.namespace, o));
    return out;
  }

  async start(): Promise<void> {
    await this.factory.start();
    await this.settle();
  }

  /** Let queued microtasks (watch deliveries) and immediates run. */
  async settle(): Promise<void> {
    for (let i = 0; i < 6; i++) await new Promise((r) => setImmediate(r));
  }

  /** Reconcile queued keys until the queue is empty (or maxRounds keys were processed). */
  async drain(c: Controller, maxRounds = 200): Promise<void> {
    await this.settle();
    for (let n = 0; n < maxRounds && c.queue.len() > 0; n++) {
      const key = (await c.queue.get())!;
      try {
        const r = await c.reconcile(key);
        c.queue.forget(key);
        if (r && r.requeueAfterMs !== undefined) c.queue.addAfter(key, r.requeueAfterMs);
      } catch (e) {
        c.queue.done(key);
        throw e;
      }
      c.queue.done(key);
      await this.settle();
    }
  }

  /** Move the fake clock (firing delayed queue adds) and let everything settle. */
  async advance(ms: number): Promise<void> {
    this.clock.advance(ms);
    await this.settle();
  }

  stop(): void {
    this.factory.stop();
  }
}

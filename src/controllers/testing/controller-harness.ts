// Drive controllers by hand in tests: a ControllerContext over a (fake) client with events kept
// in memory, and helpers to let watch events land and to work a controller's queue until empty.
import pino from 'pino';
import type { ApiClient, KubeObject } from '../../client/api.js';
import type { Clock } from '../../client/clock.js';
import { InformerFactory } from '../../client/informer.js';
import type { Controller, ControllerContext } from '../context.js';

export interface RecordedEvent {
  component: string;
  object: string;
  type: string;
  reason: string;
  message: string;
}

export function testContext(client: ApiClient, clock: Clock): { ctx: ControllerContext; events: RecordedEvent[]; factory: InformerFactory } {
  const events: RecordedEvent[] = [];
  const factory = new InformerFactory(client, { clock });
  const ctx: ControllerContext = {
    client,
    factory,
    clock,
    logger: pino({ level: 'silent' }),
    events: (component) => ({
      event: (obj: KubeObject, type, reason, message) => events.push({ component, object: `${obj.kind}/${obj.metadata?.name}`, type, reason, message }),
    }),
  };
  return { ctx, events, factory };
}

/** Let pending watch deliveries (microtasks) and their handlers run. */
export async function flush(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
}

/**
 * Reconcile queued keys until the queue stays empty. Returns the errors reconcile threw (keys
 * that failed are not retried here) and the requeue requests.
 */
export async function drain(c: Controller, maxSteps = 200): Promise<{ errors: unknown[]; requeues: Map<string, number> }> {
  const errors: unknown[] = [];
  const requeues = new Map<string, number>();
  for (let i = 0; i < maxSteps; i++) {
    await flush();
    if (c.queue.len() === 0) return { errors, requeues };
    const key = (await c.queue.get())!;
    try {
      const r = await c.reconcile(key);
      if (r && r.requeueAfterMs !== undefined) requeues.set(key, r.requeueAfterMs);
    } catch (e) {
      errors.push(e);
    } finally {
      c.queue.done(key);
    }
  }
  throw new Error(`queue of ${c.name} did not drain in ${maxSteps} steps`);
}

// Runs a reconciler from a work queue (controller-runtime shape): N workers take keys, call
// reconcile(key), and on failure re-queue the key with per-key exponential back-off.
import type pino from 'pino';
import { clientLogger } from './log.js';
import { reconcileDuration, reconcileErrors } from './metrics.js';
import type { WorkQueue } from './workqueue.js';

export interface Reconciler {
  reconcile(key: string): Promise<void | { requeueAfterMs?: number }>;
}

export interface ControllerRunnerOptions {
  name: string;
  queue: WorkQueue<string>;
  reconciler: Reconciler;
  /** Parallel workers; a key is still never reconciled twice at once. Default 1. */
  workers?: number;
  logger?: pino.Logger;
}

export class ControllerRunner {
  private readonly log: pino.Logger;
  private workers: Promise<void>[] = [];
  private running = false;

  constructor(private readonly opts: ControllerRunnerOptions) {
    this.log = (opts.logger ?? clientLogger).child({ component: 'controller', controller: opts.name });
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    const n = Math.max(1, this.opts.workers ?? 1);
    for (let i = 0; i < n; i++) this.workers.push(this.work());
  }

  /** Shut the queue down and wait for in-flight reconciles to finish. */
  async stop(): Promise<void> {
    this.opts.queue.shutdown();
    await Promise.all(this.workers);
    this.workers = [];
    this.running = false;
  }

  private async work(): Promise<void> {
    const { queue, reconciler, name } = this.opts;
    for (;;) {
      const key = await queue.get();
      if (key === undefined) return;
      const end = reconcileDuration.startTimer({ controller: name });
      try {
        const result = await reconciler.reconcile(key);
        queue.forget(key);
        const after = result && typeof result === 'object' ? result.requeueAfterMs : undefined;
        if (after !== undefined && after >= 0) queue.addAfter(key, after);
      } catch (e) {
        reconcileErrors.inc({ controller: name });
        queue.addRateLimited(key);
        this.log.error(
          { key, err: e instanceof Error ? e.message : String(e), requeues: queue.numRequeues(key) },
          'reconcile failed; retrying with back-off',
        );
      } finally {
        end();
        queue.done(key);
      }
    }
  }
}

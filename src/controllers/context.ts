// What every controller gets from the manager, and what the manager needs from a controller.
import type pino from 'pino';
import type { ApiClient, KubeObject } from '../client/api.js';
import type { Clock } from '../client/clock.js';
import type { Reconciler } from '../client/controller.js';
import type { InformerFactory } from '../client/informer.js';
import type { WorkQueue } from '../client/workqueue.js';

/** The part of EventRecorder controllers use (tests substitute an in-memory sink). */
export interface EventSink {
  event(obj: KubeObject, type: 'Normal' | 'Warning', reason: string, message: string): void;
}

export interface ControllerContext {
  client: ApiClient;
  factory: InformerFactory;
  clock: Clock;
  /** An event recorder reporting as `component` (e.g. "deployment-controller"). */
  events(component: string): EventSink;
  logger: pino.Logger;
}

/** A controller as the manager runs it: informer handlers feed `queue`, workers call reconcile. */
export interface Controller extends Reconciler {
  readonly name: string;
  readonly queue: WorkQueue<string>;
  readonly workers: number;
}

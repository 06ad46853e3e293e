// Prometheus metrics for the client runtime (work queues and reconcilers), in one registry that
// the process exposes on /metrics.
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

export const metricsRegistry = new Registry();

export const workqueueDepth = new Gauge({
  name: 'workqueue_depth',
  help: 'Current depth of the work queue.',
  labelNames: ['name'],
  registers: [metricsRegistry],
});

export const workqueueAdds = new Counter({
  name: 'workqueue_adds_total',
  help: 'Total number of adds handled by the work queue.',
  labelNames: ['name'],
  registers: [metricsRegistry],
});

export const workqueueRetries = new Counter({
  name: 'workqueue_retries_total',
  help: 'Total number of rate-limited retries handled by the work queue.',
  labelNames: ['name'],
  registers: [metricsRegistry],
});

export const reconcileDuration = new Histogram({
  name: 'reconcile_duration_seconds',
  help: 'Time spent in one reconcile call.',
  labelNames: ['controller'],
  buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  registers: [metricsRegistry],
});

export const reconcileErrors = new Counter({
  name: 'reconcile_errors_total',
  help: 'Total number of reconcile calls that failed.',
  labelNames: ['controller'],
  registers: [metricsRegistry],
});

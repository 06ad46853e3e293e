// Event recorder: writes core/v1 Events about objects, de-duplicated and aggregated like
// client-go's EventCorrelator so a hot loop shows "x12 over 3m" instead of a flood of Events:
// - the same event (object, type, reason, message, source) within 10 minutes PATCHes count+1 and
//   lastTimestamp of the Event already written;
// - from the 10th distinct message with the same object/type/reason within 10 minutes, messages
//   are combined into one Event: "(combined from similar events): <latest message>";
// - spam filter: each source may write at most 25 events (creates or count patches) about one
//   object in a burst, then one per 5 minutes (client-go EventSourceObjectSpamFilter); the rest
//   are dropped, so a 1,000-replica ReplicaSet does not cost 1,000 Event writes.
// Writes happen in the background in order; failures are logged, never thrown.
import type { Event, ObjectReference } from 'kubernetes-types/core/v1.js';
import { findByKind, type ResourceType } from '../api/registry.js';
import { isNotFound, type ApiClient, type KubeObject } from './api.js';
import { realClock, type Clock } from './clock.js';
import { clientLogger } from './log.js';
import type { KubeObjectShape } from './object-shape.js';

export interface EventSource {
  component: string;
  host?: string;
}

const eventType: ResourceType = findByKind('', 'Event')!;
const log = clientLogger.child({ component: 'events' });

const WINDOW_MS = 10 * 60 * 1000;
/** Distinct messages per object/type/reason before they are combined (client-go maxEvents). */
const MAX_SIMILAR = 10;
const MAX_CACHE = 4096;
const MAX_PENDING = 1000;
const COMBINED_PREFIX = '(combined from similar events): ';
/** Spam filter token bucket per source and involved object (client-go defaultSpamBurst/QPS). */
const SPAM_BURST = 25;
const SPAM_REFILL_MS = 5 * 60 * 1000;

interface Written {
  name: string;
  namespace: string;
  count: number;
  firstTimestamp: string;
  lastMs: number;
}

/** metav1.Time wire form: RFC 3339, whole seconds. */
function wireTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Map-based LRU: re-inserting moves a key to the end; the oldest falls out past the cap. */
function touch<V>(m: Map<string, V>, key: string, value: V): void {
  m.delete(key);
  m.set(key, value);
  if (m.size > MAX_CACHE) m.delete(m.keys().next().value as string);
}

export class EventRecorder {
  private readonly clock: Clock;
  private readonly written = new Map<string, Written>();
  private readonly similar = new Map<string, { messages: Set<string>; lastMs: number }>();
  private readonly spam = new Map<string, { tokens: number; lastMs: number }>();
  private chain: Promise<void> = Promise.resolve();
  private pending = 0;
  private seq = 0;

  constructor(
    private readonly client: ApiClient,
    private readonly source: EventSource,
    opts: { clock?: Clock } = {},
  ) {
    this.clock = opts.clock ?? realClock;
  }

  event(obj: KubeObjectShape, type: 'Normal' | 'Warning', reason: string, message: string): void {
    try {
      this.record(obj, type, reason, message);
    } catch (e) {
      log.error({ err: e instanceof Error ? e.message : String(e), reason }, 'could not record event');
    }
  }

  /** Resolves when every event recorded so far has been written (tests, graceful shutdown). */
  flush(): Promise<void> {
    return this.chain;
  }

  private record(obj: KubeObjectShape, type: string, reason: string, message: string): void {
    const meta = obj.metadata ?? {};
    if (!meta.name) throw new Error('event about an object without metadata.name');
    const ref: ObjectReference = {
      kind: obj.kind,
      namespace: meta.namespace,
      name: meta.name,
      uid: meta.uid,
      apiVersion: obj.apiVersion,
      resourceVersion: meta.resourceVersion,
    };
    const now = this.clock.now();
    const src = `${this.source.component}\u0000${this.source.host ?? ''}`;
    const objKey = [ref.kind, ref.namespace, ref.name, ref.uid, ref.apiVersion].join('\u0000');
    const aggKey = [src, objKey, type, reason].join('\u0000');

    // Aggregation: count distinct messages for this object/type/reason inside the window.
    let sim = this.similar.get(aggKey);
    if (!sim || now - sim.lastMs > WINDOW_MS) sim = { messages: new Set(), lastMs: now };
    sim.messages.add(message);
    sim.lastMs = now;
    let key = `${aggKey}\u0000${message}`;
    let text = message;
    if (sim.messages.size >= MAX_SIMILAR) {
      // Keep the set just under the limit so every further message stays combined.
      sim.messages.delete(sim.messages.values().next().value as string);
      key = aggKey;
      text = COMBINED_PREFIX + message;
    }
    touch(this.similar, aggKey, sim);

    const prev = this.written.get(key);
    // Like client-go, the event still counts in the caches above when the filter drops it.
    if (!this.takeSpamToken(`${src}\u0000${objKey}`, now)) {
      if (prev && now - prev.lastMs <= WINDOW_MS) {
        prev.count++;
        prev.lastMs = now;
      }
      return;
    }
    const namespace = ref.namespace || 'default'; // cluster-scoped objects' events live in default
    if (prev && now - prev.lastMs <= WINDOW_MS) {
      prev.count++;
      prev.lastMs = now;
      touch(this.written, key, prev);
      const count = prev.count;
      this.enqueue(async () => {
        try {
          await this.client.patch(eventType, prev.namespace, prev.name, 'merge', { count, lastTimestamp: wireTime(now), message: text });
        } catch (e) {
          if (!isNotFound(e)) throw e;
          // Someone deleted the Event: start over with a fresh one.
          prev.count = 1;
          await this.create(this.build(ref, namespace, prev.name, type, reason, text, now, now, 1));
        }
      });
      return;
    }
    const name = `${ref.name}.${(BigInt(now) * 1_000_000n + BigInt(this.seq++ % 1_000_000)).toString(16)}`;
    touch(this.written, key, { name, namespace, count: 1, firstTimestamp: wireTime(now), lastMs: now });
    const ev = this.build(ref, namespace, name, type, reason, text, now, now, 1);
    this.enqueue(() => this.create(ev));
  }

  /** Token bucket per source+object: SPAM_BURST tokens, one more every SPAM_REFILL_MS. */
  private takeSpamToken(key: string, now: number): boolean {
    const b = this.spam.get(key) ?? { tokens: SPAM_BURST, lastMs: now };
    b.tokens = Math.min(SPAM_BURST, b.tokens + (now - b.lastMs) / SPAM_REFILL_MS);
    b.lastMs = now;
    const ok = b.tokens >= 1;
    if (ok) b.tokens -= 1;
    touch(this.spam, key, b);
    return ok;
  }

  private build(ref: ObjectReference, namespace: string, name: string, type: string, reason: string, message: string, first: number, last: number, count: number): Event {
    return {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name, namespace },
      involvedObject: Object.fromEntries(Object.entries(ref).filter(([, v]) => v !== undefined && v !== '')) as ObjectReference,
      reason,
      message,
      source: this.source.host ? { component: this.source.component, host: this.source.host } : { component: this.source.component },
      firstTimestamp: wireTime(first),
      lastTimestamp: wireTime(last),
      count,
      type,
      reportingComponent: this.source.component,
      reportingInstance: this.source.host ?? '',
    };
  }

  private async create(ev: Event): Promise<void> {
    await this.client.create(eventType, ev.metadata.namespace, ev as unknown as KubeObject);
  }

  private enqueue(write: () => Promise<void>): void {
    if (this.pending >= MAX_PENDING) {
      log.warn({ pending: this.pending }, 'too many events waiting to be written; dropping one');
      return;
    }
    this.pending++;
    this.chain = this.chain
      .then(write)
      .catch((e: unknown) => log.warn({ err: e instanceof Error ? e.message : String(e) }, 'failed to write event'))
      .finally(() => {
        this.pending--;
      });
  }
}

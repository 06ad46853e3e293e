// Event rows (core/v1 and events.k8s.io/v1): LAST SEEN TYPE REASON OBJECT MESSAGE, plus the wide
// SUBOBJECT SOURCE FIRST SEEN COUNT NAME.
import type { Event as CoreEvent } from 'kubernetes-types/core/v1.js';
import type { Event as EventsEvent } from 'kubernetes-types/events/v1.js';
import { NAME_DESCRIPTION, column, wide } from './columns.js';
import { formatAge } from './format.js';
import type { PrintContext, Printer, TableCell } from './types.js';

function formatSource(component: string, host: string): string {
  return host ? `${component}, ${host}` : component;
}

function eventCells(e: CoreEvent, ctx: PrintContext): TableCell[] {
  // Events of the new API carry only eventTime (and series) instead of first/last timestamps.
  const firstSeen = e.firstTimestamp ? formatAge(e.firstTimestamp, ctx.now) : formatAge(e.eventTime, ctx.now);
  let lastSeen = e.lastTimestamp ? formatAge(e.lastTimestamp, ctx.now) : firstSeen;
  let count = e.count ?? 0;
  if (e.series) {
    lastSeen = formatAge(e.series.lastObservedTime, ctx.now);
    count = e.series.count ?? 0;
  } else if (count === 0) {
    count = 1;
  }
  const inv = e.involvedObject ?? {};
  const kind = (inv.kind ?? '').toLowerCase();
  const target = inv.name ? `${kind}/${inv.name}` : kind;
  const source = formatSource(e.source?.component || e.reportingComponent || '', e.source?.host || e.reportingInstance || '');
  return [lastSeen, e.type ?? '', e.reason ?? '', target, inv.fieldPath ?? '', source, (e.message ?? '').trim(), firstSeen, count, e.metadata?.name ?? ''];
}

const columns = [
  column('Last Seen', 'string', 'The time at which the most recent occurrence of this event was recorded.'),
  column('Type', 'string', 'Type of this event (Normal, Warning), new types could be added in the future'),
  column('Reason', 'string', "This should be a short, machine understandable string that gives the reason for the transition into the object's current status."),
  column('Object', 'string', 'The object that this event is about.'),
  wide('Subobject', 'string', 'If referring to a piece of an object instead of an entire object, this string should contain a valid JSON/Go field access statement, such as desiredState.manifest.containers[2].'),
  wide('Source', 'string', 'The component reporting this event. Should be a short machine understandable string.'),
  column('Message', 'string', 'A human-readable description of the status of this operation.'),
  wide('First Seen', 'string', 'The time at which the event was first recorded. (Time of server receipt is in TypeMeta.)'),
  wide('Count', 'string', 'The number of times this event has occurred.'),
  column('Name', 'string', NAME_DESCRIPTION, { priority: 1, format: 'name' }),
];

export const coreEventPrinter: Printer = { columns, cells: eventCells };

/** events.k8s.io/v1 fields mapped onto the core/v1 shape the printer reads. */
function toCoreEvent(e: EventsEvent): CoreEvent {
  return {
    metadata: e.metadata ?? {},
    involvedObject: e.regarding ?? {},
    reason: e.reason,
    message: e.note,
    type: e.type,
    source: e.deprecatedSource,
    firstTimestamp: e.deprecatedFirstTimestamp,
    lastTimestamp: e.deprecatedLastTimestamp,
    count: e.deprecatedCount,
    eventTime: e.eventTime,
    series: e.series ? { count: e.series.count, lastObservedTime: e.series.lastObservedTime } : undefined,
    reportingComponent: e.reportingController,
    reportingInstance: e.reportingInstance,
  };
}

export const eventsApiEventPrinter: Printer = {
  columns,
  cells: (e: EventsEvent, ctx: PrintContext) => eventCells(toCoreEvent(e), ctx),
};

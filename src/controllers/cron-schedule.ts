// CronJob schedules as upstream's robfig/cron standard parser accepts them: five fields
// (minute hour day-of-month month day-of-week) or a descriptor (@yearly/@annually, @monthly,
// @weekly, @daily/@midnight, @hourly), evaluated in spec.timeZone (or a CRON_TZ=/TZ= prefix),
// plus the "most recent missed schedule" arithmetic the CronJob controller needs.
import { CronExpressionParser } from 'cron-parser';

const DESCRIPTORS: Record<string, string> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

export interface CronSchedule {
  /** First activation strictly after `ms`. */
  next(ms: number): number;
  /** Last activation at or before `ms`, if any. */
  prev(ms: number): number | undefined;
}

export function isValidTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** Parse a schedule; throws an Error with upstream-like text when it is not valid. */
export function parseSchedule(schedule: string, timeZone?: string): CronSchedule {
  let expr = schedule.trim();
  let tz = timeZone || 'UTC';
  const m = /^(?:CRON_TZ|TZ)=(\S+)\s+(.*)$/.exec(expr);
  if (m) {
    tz = m[1];
    expr = m[2].trim();
  }
  if (!isValidTimeZone(tz)) throw new Error(`provided bad location ${tz}: unknown time zone ${tz}`);
  if (expr.startsWith('@')) {
    const d = DESCRIPTORS[expr];
    if (!d) throw new Error(`unrecognized descriptor: ${expr}`);
    expr = d;
  }
  const fields = expr.split(/\s+/).filter(Boolean);
  if (fields.length !== 5) throw new Error(`expected exactly 5 fields, found ${fields.length}: [${fields.join(' ')}]`);
  // Validate once up front so a bad field fails at parse time.
  CronExpressionParser.parse(expr, { tz, currentDate: new Date(0) });
  return {
    next(ms) {
      return CronExpressionParser.parse(expr, { tz, currentDate: new Date(ms) }).next().getTime();
    },
    prev(ms) {
      try {
        // prev() is strictly before currentDate; +1 ms makes an activation at exactly ms count.
        return CronExpressionParser.parse(expr, { tz, currentDate: new Date(ms + 1) }).prev().getTime();
      } catch {
        return undefined;
      }
    },
  };
}

/**
 * The most recent activation in (earliestMs, nowMs], and how many activations fell in that range
 * (counting stops at 101, enough for the "too many missed start times" check).
 */
export function mostRecentScheduleTime(s: CronSchedule, earliestMs: number, nowMs: number): { time?: number; missed: number } {
  const last = s.prev(nowMs);
  if (last === undefined || last <= earliestMs) return { missed: 0 };
  let missed = 0;
  for (let t = s.next(earliestMs); t <= last && missed <= 100; t = s.next(t)) missed++;
  return { time: last, missed };
}

/** RFC 3339 in the given zone, e.g. "2024-01-01T09:00:00-05:00" ("Z" for UTC). */
export function formatInZone(ms: number, tz?: string): string {
  const whole = Math.floor(ms / 1000) * 1000;
  if (!tz || tz === 'UTC' || tz === 'Etc/UTC') return new Date(whole).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', { timeZone: tz, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' })
      .formatToParts(new Date(whole))
      .map((p) => [p.type, p.value]),
  );
  const local = Date.UTC(+parts.year, +parts.month - 1, +parts.day, +parts.hour, +parts.minute, +parts.second);
  const off = Math.round((local - whole) / 60_000);
  const sign = off < 0 ? '-' : '+';
  const abs = Math.abs(off);
  const zone = off === 0 ? 'Z' : `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
  return `${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}:${parts.second}${zone}`;
}

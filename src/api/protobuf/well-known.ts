// Kubernetes types whose protobuf message differs from their JSON form (their Go types have custom
// protobuf and JSON marshalling upstream): Quantity, Time, MicroTime, Duration, IntOrString,
// RawExtension and FieldsV1. Each converts between its message fields and its JSON value.
import { ProtobufError } from './wire.js';

// ---- Time / MicroTime: {seconds=1 int64, nanos=2 int32} ---------------------------------------

/** meta/v1.Time → RFC 3339 in UTC, whole seconds (upstream drops nanos); zero time → null. */
export function timeToJson(seconds: number | undefined): string | null {
  if (seconds === undefined || seconds === ZERO_TIME_SECONDS) return null;
  return new Date(seconds * 1000).toISOString().replace(/\.\d+Z$/, 'Z');
}

/** meta/v1.MicroTime → RFC 3339 in UTC with exactly six fractional digits; zero time → null. */
export function microTimeToJson(seconds: number | undefined, nanos: number | undefined): string | null {
  if ((seconds === undefined || seconds === ZERO_TIME_SECONDS) && !nanos) return null;
  const base = new Date((seconds ?? 0) * 1000).toISOString().replace(/\.\d+Z$/, '');
  const micros = Math.floor((nanos ?? 0) / 1000);
  return `${base}.${String(micros).padStart(6, '0')}Z`;
}

/** Go's zero time.Time (0001-01-01T00:00:00Z) as Unix seconds. */
const ZERO_TIME_SECONDS = -62135596800;

/** An RFC 3339 string → {seconds, nanos}; null/empty → undefined (the zero time, written as an empty message). */
export function parseTime(value: unknown): { seconds: number; nanos: number } | undefined {
  if (value === null || value === undefined || value === '') return undefined;
  if (typeof value !== 'string') throw new ProtobufError(`a time must be an RFC 3339 string, got ${JSON.stringify(value)}`);
  const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:\d\d)$/i.exec(value);
  if (!m) throw new ProtobufError(`invalid RFC 3339 time ${JSON.stringify(value)}`);
  const ms = Date.parse(`${m[1]}${m[3].toUpperCase()}`);
  if (Number.isNaN(ms)) throw new ProtobufError(`invalid RFC 3339 time ${JSON.stringify(value)}`);
  return { seconds: Math.floor(ms / 1000), nanos: m[2] ? Number(m[2].padEnd(9, '0')) : 0 };
}

// ---- Duration: {duration=1 int64 nanoseconds} → Go duration string ----------------------------

const NS = { h: 3_600_000_000_000n, m: 60_000_000_000n, s: 1_000_000_000n, ms: 1_000_000n, us: 1_000n, 'µs': 1_000n, 'μs': 1_000n, ns: 1n } as const;

/** Formats nanoseconds the way Go's time.Duration.String does ("1h0m0s", "1.5s", "300ms", "0s"). */
export function formatGoDuration(nanos: number | bigint): string {
  let u = BigInt(nanos);
  const neg = u < 0n;
  if (neg) u = -u;
  let out: string;
  if (u < NS.s) {
    if (u === 0n) return '0s';
    if (u < NS.us) out = `${u}ns`;
    else if (u < NS.ms) out = `${fraction(u, 3)}µs`;
    else out = `${fraction(u, 6)}ms`;
  } else {
    const secs = fraction(u % NS.m, 9);
    const mins = (u / NS.m) % 60n;
    const hours = u / NS.h;
    out = hours > 0n ? `${hours}h${mins}m${secs}s` : mins > 0n ? `${mins}m${secs}s` : `${secs}s`;
  }
  return neg ? `-${out}` : out;
}

/** v / 10^digits with the fraction's trailing zeros (and a bare point) dropped. */
function fraction(v: bigint, digits: number): string {
  const scale = 10n ** BigInt(digits);
  const whole = v / scale;
  const frac = (v % scale).toString().padStart(digits, '0').replace(/0+$/, '');
  return frac ? `${whole}.${frac}` : `${whole}`;
}

/** Parses a Go duration string ("1h30m", "2.5s", "100ms", "-3us") into nanoseconds. */
export function parseGoDuration(value: unknown): bigint {
  if (typeof value !== 'string') throw new ProtobufError(`a duration must be a string like "1m30s", got ${JSON.stringify(value)}`);
  let s = value;
  let sign = 1n;
  if (s.startsWith('-') || s.startsWith('+')) {
    if (s[0] === '-') sign = -1n;
    s = s.slice(1);
  }
  if (s === '0') return 0n;
  if (!s) throw new ProtobufError(`invalid duration ${JSON.stringify(value)}`);
  let total = 0n;
  const re = /(\d*)(?:\.(\d*))?(ns|us|µs|μs|ms|s|m|h)/y;
  let pos = 0;
  while (pos < s.length) {
    re.lastIndex = pos;
    const m = re.exec(s);
    if (!m || (m[1] === '' && !m[2])) throw new ProtobufError(`invalid duration ${JSON.stringify(value)}`);
    const unit = NS[m[3] as keyof typeof NS];
    total += BigInt(m[1] || '0') * unit;
    if (m[2]) total += (BigInt(m[2]) * unit) / 10n ** BigInt(m[2].length);
    pos = re.lastIndex;
  }
  return sign * total;
}

// ---- IntOrString: {type=1 int64 (0 int, 1 string), intVal=2 int32, strVal=3 string} ----------

export function intOrStringToJson(type: number | undefined, intVal: number | undefined, strVal: string | undefined): number | string {
  return type === 1 ? (strVal ?? '') : (intVal ?? 0);
}

// ---- RawExtension {raw=1} and FieldsV1 {Raw=1}: embedded JSON --------------------------------

/** The JSON value held in raw bytes; null when empty (as upstream marshals a nil Raw). */
export function rawJsonToValue(raw: Uint8Array | undefined, what: string): unknown {
  if (!raw || raw.length === 0) return null;
  const text = Buffer.from(raw).toString('utf8');
  try {
    return JSON.parse(text);
  } catch {
    throw new ProtobufError(`${what} does not hold JSON`);
  }
}

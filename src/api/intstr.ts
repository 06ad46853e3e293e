// IntOrString values (maxSurge, maxUnavailable, minAvailable, targetPort): percent scaling
// with upstream's rounding and the validation messages for percentages.
/** An int or a string such as "25%" (kubernetes-types spells it `number | string`). */
export type IntOrString = number | string;
import type { FieldError } from './errors.js';

const PERCENT_RE = /^[0-9]+%$/;

export function isPercent(v: IntOrString | undefined | null): v is string {
  return typeof v === 'string' && PERCENT_RE.test(v);
}

/**
 * Resolve an int or a percentage of `total` (upstream GetScaledValueFromIntOrPercent):
 * 25% of 10 → 3 when rounding up (maxSurge), 2 when rounding down (maxUnavailable).
 */
export function scaledValue(v: IntOrString | undefined | null, total: number, roundUp: boolean): number {
  if (v === undefined || v === null) return 0;
  if (typeof v === 'number') return v;
  if (/^-?\d+$/.test(v)) return Number(v); // an int carried as a string
  if (!isPercent(v)) throw new Error(`invalid value for IntOrString: invalid value "${v}": must be an integer or a percentage`);
  const pct = Number(v.slice(0, -1));
  const raw = (pct * total) / 100;
  return roundUp ? Math.ceil(raw) : Math.floor(raw);
}

export function percentMsg(): string {
  return "a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')";
}

/** Go's `%#v` of an intstr.IntOrString, as upstream prints it in field errors. */
export function goIntOrString(v: IntOrString | undefined | null): string {
  if (typeof v === 'string') return `intstr.IntOrString{Type:1, IntVal:0, StrVal:${JSON.stringify(v)}}`;
  return `intstr.IntOrString{Type:0, IntVal:${typeof v === 'number' ? v : 0}, StrVal:""}`;
}

function invalidIntOrString(field: string, v: IntOrString | undefined | null, detail: string): FieldError {
  return { type: 'FieldValueInvalid', field, detail: `Invalid value: ${goIntOrString(v)}: ${detail}` };
}

/** Upstream ValidatePositiveIntOrPercent: non-negative int or a valid percent string. */
export function validatePositiveIntOrPercent(v: IntOrString | undefined | null, field: string): FieldError[] {
  if (v === undefined || v === null) return [];
  if (typeof v === 'string') return isPercent(v) ? [] : [invalidIntOrString(field, v, percentMsg())];
  if (typeof v === 'number' && v < 0) return [{ type: 'FieldValueInvalid', field, detail: `Invalid value: ${v}: must be greater than or equal to 0` }];
  return [];
}

/** Upstream IsNotMoreThan100Percent. */
export function validateNotMoreThan100Percent(v: IntOrString | undefined | null, field: string): FieldError[] {
  if (!isPercent(v)) return [];
  return Number(v.slice(0, -1)) > 100 ? [invalidIntOrString(field, v, 'must not be greater than 100%')] : [];
}

/** An Invalid error carrying an IntOrString value rendered as upstream does. */
export { invalidIntOrString };

/** The value as an int when it is one, and 0 for percentages (for "both zero" checks). */
export function intValue(v: IntOrString | undefined | null): number | undefined {
  if (typeof v === 'number') return v;
  if (isPercent(v)) return Number(v.slice(0, -1));
  return undefined;
}

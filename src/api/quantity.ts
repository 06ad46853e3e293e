// Kubernetes resource quantities (`100m`, `1.5`, `128Mi`, `1G`, `1e3`): exact parsing into
// nano-units (bigint, rounded up like upstream), comparison, canonical formatting.
import { type FieldError, invalidValue } from './errors.js';

export type QuantityFormat = 'DecimalSI' | 'BinarySI' | 'DecimalExponent';

export interface Quantity {
  /** The value in units of 1e-9, rounded away from zero (upstream keeps nano precision). */
  nanos: bigint;
  format: QuantityFormat;
}

export const QUANTITY_REGEX_MESSAGE = "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";
const QUANTITY_RE = /^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$/;

const DECIMAL_SUFFIX: Record<string, number> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const BINARY_SUFFIX: Record<string, number> = { Ki: 1, Mi: 2, Gi: 3, Ti: 4, Pi: 5, Ei: 6 };
const DECIMAL_BY_EXP = new Map(Object.entries(DECIMAL_SUFFIX).map(([k, v]) => [v, k]));
const BINARY_BY_POW = new Map(Object.entries(BINARY_SUFFIX).map(([k, v]) => [v, k]));

const TEN = 10n;
const NANO = 1_000_000_000n;

function divAwayFromZero(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b === 0n ? q : a < 0n ? q - 1n : q + 1n;
}

function divCeil(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && a > 0n ? q + 1n : q;
}

/** Parse a quantity; throws an Error carrying upstream's message when malformed. */
export function parseQuantity(input: string | number): Quantity {
  const s = typeof input === 'number' ? String(input) : input;
  if (typeof s !== 'string' || s.length === 0) throw new Error('quantities must match the regular expression');
  const m = QUANTITY_RE.exec(s.trim() === s ? s : '');
  if (!m) throw new Error(QUANTITY_REGEX_MESSAGE);
  let num = m[1];
  const suffix = m[2];
  let negative = false;
  if (num[0] === '+' || num[0] === '-') {
    negative = num[0] === '-';
    num = num.slice(1);
  }
  const dot = num.indexOf('.');
  if (num.indexOf('.', dot + 1) >= 0 && dot >= 0) throw new Error(QUANTITY_REGEX_MESSAGE);
  const intPart = dot >= 0 ? num.slice(0, dot) : num;
  const fracPart = dot >= 0 ? num.slice(dot + 1) : '';
  if (intPart === '' && fracPart === '') throw new Error(QUANTITY_REGEX_MESSAGE);

  let format: QuantityFormat;
  let exp10 = 0;
  let pow1024 = 0;
  if (suffix in DECIMAL_SUFFIX) {
    format = 'DecimalSI';
    exp10 = DECIMAL_SUFFIX[suffix];
  } else if (suffix in BINARY_SUFFIX) {
    format = 'BinarySI';
    pow1024 = BINARY_SUFFIX[suffix];
  } else if (/^[eE][-+]?[0-9]+$/.test(suffix)) {
    format = 'DecimalExponent';
    exp10 = Number(suffix.slice(1));
  } else {
    throw new Error('unable to parse quantity\'s suffix');
  }

  let digits = BigInt((intPart || '0') + fracPart);
  if (pow1024) digits *= 1024n ** BigInt(pow1024);
  const shift = 9 + exp10 - fracPart.length;
  let nanos = shift >= 0 ? digits * TEN ** BigInt(shift) : divAwayFromZero(digits, TEN ** BigInt(-shift));
  if (negative) nanos = -nanos;
  return { nanos, format };
}

/** Like parseQuantity but returns undefined when malformed. */
export function tryParseQuantity(input: unknown): Quantity | undefined {
  if (typeof input !== 'string' && typeof input !== 'number') return undefined;
  try {
    return parseQuantity(input);
  } catch {
    return undefined;
  }
}

/** Field errors for a quantity value (syntax only; callers add sign rules). */
export function validateQuantity(field: string, value: unknown): FieldError[] {
  if (typeof value !== 'string' && typeof value !== 'number') return [invalidValue(field, value, QUANTITY_REGEX_MESSAGE)];
  try {
    parseQuantity(value);
    return [];
  } catch (e) {
    return [invalidValue(field, value, (e as Error).message)];
  }
}

/** Non-negative quantity (resource requests/limits, capacity). */
export function validateNonNegativeQuantity(field: string, value: unknown): FieldError[] {
  const errs = validateQuantity(field, value);
  if (errs.length) return errs;
  return parseQuantity(value as string).nanos < 0n ? [invalidValue(field, value, 'must be greater than or equal to 0')] : [];
}

function toQ(q: Quantity | string | number): Quantity {
  return typeof q === 'object' ? q : parseQuantity(q);
}

export function compareQuantity(a: Quantity | string | number, b: Quantity | string | number): -1 | 0 | 1 {
  const x = toQ(a).nanos;
  const y = toQ(b).nanos;
  return x < y ? -1 : x > y ? 1 : 0;
}

export function addQuantity(a: Quantity | string | number, b: Quantity | string | number): Quantity {
  const qa = toQ(a);
  return { nanos: qa.nanos + toQ(b).nanos, format: qa.format };
}

/** Canonical string, as upstream's Quantity.String(): `1.5` → `1500m`, `1024Ki` → `1Mi`, `1000` → `1k`. */
export function formatQuantity(q: Quantity | string | number): string {
  const { nanos, format } = toQ(q);
  if (nanos === 0n) return '0';
  const neg = nanos < 0n;
  const abs = neg ? -nanos : nanos;
  const sign = neg ? '-' : '';
  if (format === 'BinarySI' && abs % NANO === 0n && abs / NANO >= 1024n) {
    let v = abs / NANO;
    let pow = 0;
    while (pow < 6 && v % 1024n === 0n) {
      v /= 1024n;
      pow++;
    }
    return `${sign}${v}${pow ? BINARY_BY_POW.get(pow) : ''}`;
  }
  // Largest exponent (multiple of 3, ≤ 18) that leaves an integer mantissa.
  let exp = -9;
  let mant = abs;
  while (exp < 18 && mant % 1000n === 0n) {
    mant /= 1000n;
    exp += 3;
  }
  if (format === 'DecimalExponent') return `${sign}${mant}${exp === 0 ? '' : `e${exp}`}`;
  return `${sign}${mant}${DECIMAL_BY_EXP.get(exp)}`;
}

/** CPU in millicores, rounded up (upstream MilliValue). */
export function cpuMillis(q: Quantity | string | number): number {
  return Number(divCeil(toQ(q).nanos, 1_000_000n));
}

/** Whole units (bytes for memory/storage), rounded up (upstream Value). */
export function bytes(q: Quantity | string | number): number {
  return Number(divCeil(toQ(q).nanos, NANO));
}

/** The value as a float (for ratios such as utilisation). */
export function quantityToNumber(q: Quantity | string | number): number {
  return Number(toQ(q).nanos) / 1e9;
}

export function quantityFromMillis(millis: number): Quantity {
  return { nanos: BigInt(Math.round(millis)) * 1_000_000n, format: 'DecimalSI' };
}

export function quantityFromBytes(n: number, format: QuantityFormat = 'BinarySI'): Quantity {
  return { nanos: BigInt(Math.round(n)) * NANO, format };
}

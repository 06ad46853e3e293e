// Canonical rendering of resource quantities, as resource.Quantity.String() prints them
// (`1024Mi` → `1Gi`, `1500m` stays, `0.5` → `500m`, `1000` → `1k`). Table cells for capacities,
// quota usage and HPA targets show this form. Kept local so tables need no quantity library.

const BINARY: Record<string, number> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };
const DECIMAL: Record<string, number> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const DECIMAL_SUFFIX: Record<number, string> = { [-9]: 'n', [-6]: 'u', [-3]: 'm', 0: '', 3: 'k', 6: 'M', 9: 'G', 12: 'T', 15: 'P', 18: 'E' };
const BINARY_SUFFIX = ['', 'Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei'];

type Format = 'BinarySI' | 'DecimalSI' | 'DecimalExponent';

const pow10 = (n: number): bigint => 10n ** BigInt(n);

/** value = unscaled * 10^scale */
interface Dec {
  unscaled: bigint;
  scale: number;
}

function parse(input: string): { value: Dec; format: Format } | undefined {
  const m = /^([+-]?)(\d*)(?:\.(\d*))?(.*)$/.exec(input.trim());
  if (!m || (m[2] === '' && (m[3] ?? '') === '')) return undefined;
  const [, sign, whole, frac = '', suffix] = m;
  let unscaled = BigInt((whole || '0') + frac);
  let scale = -frac.length;
  let format: Format;
  if (suffix in BINARY) {
    unscaled *= 2n ** BigInt(BINARY[suffix]);
    format = 'BinarySI';
  } else if (suffix in DECIMAL) {
    scale += DECIMAL[suffix];
    format = 'DecimalSI';
  } else if (/^[eE][+-]?\d+$/.test(suffix)) {
    scale += Number(suffix.slice(1));
    format = 'DecimalExponent';
  } else {
    return undefined;
  }
  if (sign === '-') unscaled = -unscaled;
  // Quantities keep nano precision at most; finer values round away from zero.
  if (scale < -9) {
    const d = pow10(-9 - scale);
    const neg = unscaled < 0n;
    const abs = neg ? -unscaled : unscaled;
    let q = abs / d;
    if (q * d !== abs) q += 1n;
    unscaled = neg ? -q : q;
    scale = -9;
  }
  return { value: { unscaled, scale }, format };
}

function decimalCanonical(v: Dec, format: Format): string {
  let { unscaled, scale } = v;
  if (unscaled === 0n) return '0';
  while (unscaled % 10n === 0n) {
    unscaled /= 10n;
    scale += 1;
  }
  // Lower the exponent to a multiple of three.
  const r = ((scale % 3) + 3) % 3;
  unscaled *= pow10(r);
  scale -= r;
  if (format === 'DecimalExponent') return scale === 0 ? `${unscaled}` : `${unscaled}e${scale}`;
  const suffix = DECIMAL_SUFFIX[scale];
  return suffix === undefined ? `${unscaled}e${scale}` : `${unscaled}${suffix}`;
}

/** Canonical string of a quantity; input that does not parse is returned unchanged. */
export function canonicalQuantity(q: string | number | undefined | null): string {
  if (q === undefined || q === null) return '0';
  const parsed = parse(String(q));
  if (!parsed) return String(q);
  const { value, format } = parsed;
  if (format !== 'BinarySI') return decimalCanonical(value, format);
  // Small binary values read better in decimal (no `0.5Ki`).
  const integer = value.scale >= 0 ? value.unscaled * pow10(value.scale) : undefined;
  const exact = integer !== undefined || value.unscaled % pow10(-value.scale) === 0n;
  const int = integer ?? (exact ? value.unscaled / pow10(-value.scale) : 0n);
  if (!exact || (int > -1024n && int < 1024n)) return decimalCanonical(value, 'DecimalSI');
  let amount = int;
  let exp = 0;
  while (exp < BINARY_SUFFIX.length - 1 && amount % 1024n === 0n && (amount >= 1024n || amount <= -1024n)) {
    amount /= 1024n;
    exp += 1;
  }
  return `${amount}${BINARY_SUFFIX[exp]}`;
}

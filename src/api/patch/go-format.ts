// Go's `%v` rendering of decoded JSON values, used where upstream error messages embed
// patch content (e.g. `map: map[image:nginx] does not contain declared merge key: name`).

export function goFormat(v: unknown): string {
  if (v === null || v === undefined) return '<nil>';
  if (Array.isArray(v)) return `[${v.map(goFormat).join(' ')}]`;
  if (typeof v === 'object') {
    const o = v as Record<string, unknown>;
    const keys = Object.keys(o).sort();
    return `map[${keys.map((k) => `${k}:${goFormat(o[k])}`).join(' ')}]`;
  }
  if (typeof v === 'number') return formatNumber(v);
  return String(v);
}

// Whole numbers decode as int64 (printed plainly); others as float64, which %v prints in
// the shortest form, switching to exponent notation for large/small magnitudes.
function formatNumber(n: number): string {
  if (Number.isInteger(n) && Math.abs(n) < 2 ** 63) return BigInt(n).toString();
  const abs = Math.abs(n);
  if (abs !== 0 && (abs < 1e-4 || abs >= 1e21)) return n.toExponential().replace(/e([+-])(\d)$/, 'e$10$2');
  return String(n);
}

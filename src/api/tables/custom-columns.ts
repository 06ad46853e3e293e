// Tables for custom resources: NAME plus the CRD's additionalPrinterColumns, or NAME AGE when the
// CRD declares none (what apiextensions-apiserver serves).
import { CREATION_TIMESTAMP_DESCRIPTION, column, nameColumn } from './columns.js';
import { formatAge, parseTime } from './format.js';
import type { PrintContext, Printer, TableCell } from './types.js';

/** One entry of a CRD version's additionalPrinterColumns. */
export interface PrinterColumn {
  name: string;
  type: string;
  format?: string;
  description?: string;
  priority?: number;
  jsonPath: string;
}

/**
 * Split a simple JSONPath (`.spec.replicas`, `.status.conditions[0].type`,
 * `.metadata.labels.app\.kubernetes\.io/name`) into field names and indexes.
 */
export function parseSimpleJsonPath(path: string): (string | number)[] {
  const p = path.trim().replace(/^\{(.*)\}$/, '$1');
  const out: (string | number)[] = [];
  let cur = '';
  let started = false;
  for (let i = 0; i < p.length; i++) {
    const ch = p[i];
    if (ch === '\\' && i + 1 < p.length) {
      cur += p[++i];
    } else if (ch === '.') {
      if (started) out.push(cur);
      cur = '';
      started = true;
    } else if (ch === '[') {
      if (started && cur !== '') out.push(cur);
      const end = p.indexOf(']', i);
      const inner = p.slice(i + 1, end < 0 ? p.length : end).replace(/^['"]|['"]$/g, '');
      out.push(/^\d+$/.test(inner) ? Number(inner) : inner);
      i = end < 0 ? p.length : end;
      cur = '';
      started = false;
    } else {
      cur += ch;
      started = true;
    }
  }
  if (started && cur !== '') out.push(cur);
  return out;
}

function lookup(obj: unknown, path: (string | number)[]): unknown {
  let v: unknown = obj;
  for (const k of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string | number, unknown>)[k];
  }
  return v;
}

function cellFor(type: string, value: unknown, now: Date): TableCell {
  if (value === undefined || value === null) return null;
  switch (type) {
    case 'date':
      return typeof value === 'string' && parseTime(value) !== undefined ? formatAge(value, now) : '<invalid>';
    case 'integer':
    case 'number':
      return typeof value === 'number' ? value : null;
    case 'boolean':
      return typeof value === 'boolean' ? value : null;
    default:
      return typeof value === 'string' ? value : typeof value === 'object' ? JSON.stringify(value) : String(value);
  }
}

const defaultAgeColumn: PrinterColumn = {
  name: 'Age',
  type: 'date',
  description: CREATION_TIMESTAMP_DESCRIPTION,
  jsonPath: '.metadata.creationTimestamp',
};

export function customResourcePrinter(printerColumns: PrinterColumn[] | undefined): Printer {
  const cols = printerColumns && printerColumns.length > 0 ? printerColumns : [defaultAgeColumn];
  const paths = cols.map((c) => parseSimpleJsonPath(c.jsonPath));
  return {
    columns: [
      nameColumn(),
      ...cols.map((c) => column(c.name, c.type, c.description ?? '', { priority: c.priority ?? 0, format: c.format ?? '' })),
    ],
    cells(obj: { metadata?: { name?: string } }, ctx: PrintContext): TableCell[] {
      return [obj.metadata?.name ?? '', ...cols.map((c, i) => cellFor(c.type, lookup(obj, paths[i]), ctx.now))];
    },
  };
}

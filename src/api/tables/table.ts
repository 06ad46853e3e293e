// Server-side Table output (`Accept: application/json;as=Table;v=v1;g=meta.k8s.io`): kubectl
// prints these columns and cells verbatim, so they follow upstream's printers exactly.
import { RESOURCES, findByKind } from '../registry.js';
import { CREATION_TIMESTAMP_DESCRIPTION, column, nameColumn } from './columns.js';
import { customResourcePrinter, type PrinterColumn } from './custom-columns.js';
import { rfc3339 } from './format.js';
import { printerFor } from './printers.js';
import type { Printer, Table, TableListMeta, TableRow } from './types.js';

export type IncludeObject = 'None' | 'Metadata' | 'Object';

export interface BuildTableOptions {
  now: Date;
  /** The `includeObject` query parameter; kubectl sends Metadata. */
  includeObject: IncludeObject;
  /** List metadata for list responses; a single object's resourceVersion is used otherwise. */
  listMeta?: TableListMeta;
  /** Omit column definitions (later events of a watch). */
  noHeaders?: boolean;
  /** A custom resource's additionalPrinterColumns (ignored for built-in kinds). */
  printerColumns?: PrinterColumn[];
}

/** Groups whose kinds are built in: without a printer they get NAME, CREATED AT. */
const BUILTIN_GROUPS = new Set<string>([
  ...RESOURCES.map((r) => r.group),
  'extensions',
  'apiextensions.k8s.io',
  'apiregistration.k8s.io',
  'admissionregistration.k8s.io',
  'authentication.k8s.io',
  'authorization.k8s.io',
  'certificates.k8s.io',
  'flowcontrol.apiserver.k8s.io',
  'node.k8s.io',
  'resource.k8s.io',
  'storagemigration.k8s.io',
  'internal.apiserver.k8s.io',
]);

/** The generic apiserver's table for built-in kinds without a printer (Role, LimitRange, ...). */
const createdAtPrinter: Printer = {
  columns: [nameColumn(), column('Created At', 'date', CREATION_TIMESTAMP_DESCRIPTION)],
  cells(o: { metadata?: { name?: string; creationTimestamp?: string } }) {
    return [o.metadata?.name ?? '', rfc3339(o.metadata?.creationTimestamp)];
  },
};

function selectPrinter(group: string, kind: string, printerColumns: PrinterColumn[] | undefined): Printer {
  const p = printerFor(group, kind);
  if (p) return p;
  if (findByKind(group, kind) || BUILTIN_GROUPS.has(group)) return createdAtPrinter;
  return customResourcePrinter(printerColumns);
}

interface MetaCarrier {
  metadata?: { resourceVersion?: string } & Record<string, unknown>;
}

function rowObject(obj: object, mode: IncludeObject): unknown {
  if (mode === 'Object') return obj;
  if (mode === 'Metadata') {
    return { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: (obj as MetaCarrier).metadata ?? {} };
  }
  return undefined;
}

/** Build the meta.k8s.io/v1 Table for objects of one kind. */
export function buildTable(kind: string, group: string, objects: object[], opts: BuildTableOptions): Table {
  const printer = selectPrinter(group, kind, opts.printerColumns);
  const ctx = { now: opts.now };
  const rows: TableRow[] = objects.map((obj) => {
    const row: TableRow = { cells: printer.cells(obj, ctx) };
    const conditions = printer.conditions?.(obj);
    if (conditions) row.conditions = conditions;
    const object = rowObject(obj, opts.includeObject);
    if (object !== undefined) row.object = object;
    return row;
  });

  const metadata: TableListMeta = {};
  if (opts.listMeta) {
    if (opts.listMeta.resourceVersion) metadata.resourceVersion = opts.listMeta.resourceVersion;
    if (opts.listMeta.continue) metadata.continue = opts.listMeta.continue;
    if (opts.listMeta.remainingItemCount !== undefined) metadata.remainingItemCount = opts.listMeta.remainingItemCount;
  } else if (objects.length === 1) {
    const rv = (objects[0] as MetaCarrier).metadata?.resourceVersion;
    if (rv) metadata.resourceVersion = rv;
  }

  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata,
    columnDefinitions: opts.noHeaders ? [] : printer.columns.map((c) => ({ ...c })),
    rows,
  };
}

// meta.k8s.io/v1 Table wire types and the shape of one kind's printer.

export interface TableColumnDefinition {
  name: string;
  /** OpenAPI type: string, integer, number, boolean, date. */
  type: string;
  /** 'name' marks the column holding the object's name. */
  format: string;
  description: string;
  /** 0 = always shown, 1 = only with `kubectl get -o wide`. */
  priority: number;
}

export type TableCell = string | number | boolean | null;

export interface TableRowCondition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}

export interface TableRow {
  cells: TableCell[];
  conditions?: TableRowCondition[];
  object?: unknown;
}

export interface TableListMeta {
  resourceVersion?: string;
  continue?: string;
  remainingItemCount?: number;
}

export interface Table {
  kind: 'Table';
  apiVersion: 'meta.k8s.io/v1';
  metadata: TableListMeta;
  columnDefinitions: TableColumnDefinition[];
  rows: TableRow[];
}

export interface PrintContext {
  now: Date;
}

/**
 * How one kind prints: its columns and, per object, one cell per column (wide cells included:
 * the server always sends them and kubectl hides priority-1 columns without `-o wide`).
 */
export interface Printer {
  columns: TableColumnDefinition[];
  // Objects arrive as decoded JSON of the stored version; each printer narrows the type itself.
  cells(obj: any, ctx: PrintContext): TableCell[];
  conditions?(obj: any): TableRowCondition[] | undefined;
}

// Public surface of server-side Table printing.
export { buildTable, type BuildTableOptions, type IncludeObject } from './table.js';
export { formatAge, humanDuration } from './format.js';
export type { PrinterColumn } from './custom-columns.js';
export type { Table, TableColumnDefinition, TableRow, TableCell, TableRowCondition, TableListMeta } from './types.js';
export { summarizePod, type PodSummary } from './pod.js';

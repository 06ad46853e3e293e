// Printers for ConfigMap, Secret and ServiceAccount.
import type { ConfigMap, Secret, ServiceAccount } from 'kubernetes-types/core/v1.js';
import { ageColumn, column, nameColumn } from './columns.js';
import { formatAge } from './format.js';
import type { Printer, TableCell } from './types.js';

export const configMapPrinter: Printer = {
  columns: [nameColumn(), column('Data', 'string', 'Data contains the configuration data.'), ageColumn()],
  cells(cm: ConfigMap, ctx): TableCell[] {
    const count = Object.keys(cm.data ?? {}).length + Object.keys(cm.binaryData ?? {}).length;
    return [cm.metadata?.name ?? '', count, formatAge(cm.metadata?.creationTimestamp, ctx.now)];
  },
};

export const secretPrinter: Printer = {
  columns: [
    nameColumn(),
    column('Type', 'string', 'Used to facilitate programmatic handling of secret data.'),
    column('Data', 'string', 'Data contains the secret data.'),
    ageColumn(),
  ],
  cells(s: Secret, ctx): TableCell[] {
    // stringData is write-only and merged into data; count the union in case it was kept.
    const keys = new Set([...Object.keys(s.data ?? {}), ...Object.keys(s.stringData ?? {})]);
    return [s.metadata?.name ?? '', s.type ?? 'Opaque', keys.size, formatAge(s.metadata?.creationTimestamp, ctx.now)];
  },
};

export const serviceAccountPrinter: Printer = {
  columns: [
    nameColumn(),
    column('Secrets', 'string', 'Secrets is a list of the secrets in the same namespace that pods running using this ServiceAccount are allowed to use.'),
    ageColumn(),
  ],
  cells(sa: ServiceAccount, ctx): TableCell[] {
    return [sa.metadata?.name ?? '', (sa.secrets ?? []).length, formatAge(sa.metadata?.creationTimestamp, ctx.now)];
  },
};

// Printers for RoleBinding and ClusterRoleBinding (Role and ClusterRole use the default table).
import type { RoleBinding, Subject } from 'kubernetes-types/rbac/v1.js';
import { ageColumn, column, nameColumn, wide } from './columns.js';
import { formatAge } from './format.js';
import type { Printer, TableCell } from './types.js';

/** Subjects split into users, groups and `namespace/name` service accounts. */
function subjectsStrings(subjects: Subject[] | undefined): { users: string[]; groups: string[]; serviceAccounts: string[] } {
  const users: string[] = [];
  const groups: string[] = [];
  const serviceAccounts: string[] = [];
  for (const s of subjects ?? []) {
    if (s.kind === 'ServiceAccount') serviceAccounts.push(`${s.namespace ?? ''}/${s.name}`);
    else if (s.kind === 'User') users.push(s.name);
    else if (s.kind === 'Group') groups.push(s.name);
  }
  return { users, groups, serviceAccounts };
}

function bindingPrinter(what: string): Printer {
  return {
    columns: [
      nameColumn(),
      column('Role', 'string', 'RoleRef can only reference a ClusterRole in the global namespace. If the RoleRef cannot be resolved, the Authorizer must return an error.'),
      ageColumn(),
      wide('Users', 'string', `Users in the ${what}`),
      wide('Groups', 'string', `Groups in the ${what}`),
      wide('ServiceAccounts', 'string', `ServiceAccounts in the ${what}`),
    ],
    cells(b: RoleBinding, ctx): TableCell[] {
      const s = subjectsStrings(b.subjects);
      return [
        b.metadata?.name ?? '',
        `${b.roleRef?.kind ?? ''}/${b.roleRef?.name ?? ''}`,
        formatAge(b.metadata?.creationTimestamp, ctx.now),
        s.users.join(', '),
        s.groups.join(', '),
        s.serviceAccounts.join(', '),
      ];
    },
  };
}

export const roleBindingPrinter = bindingPrinter('roleBinding');
export const clusterRoleBindingPrinter = bindingPrinter('clusterRoleBinding');

// Printers for cluster-level and policy kinds: Node, Namespace, ComponentStatus, Lease,
// PriorityClass, ResourceQuota, PodDisruptionBudget.
import type { Lease } from 'kubernetes-types/coordination/v1.js';
import type { ComponentStatus, Namespace, Node, ResourceQuota } from 'kubernetes-types/core/v1.js';
import type { PodDisruptionBudget } from 'kubernetes-types/policy/v1.js';
import type { PriorityClass } from 'kubernetes-types/scheduling/v1.js';
import { ageColumn, column, nameColumn, wide } from './columns.js';
import { formatAge, intOrString } from './format.js';
import { canonicalQuantity } from './quantity-format.js';
import type { PrintContext, Printer, TableCell } from './types.js';

const age = (o: { metadata?: { creationTimestamp?: string } }, ctx: PrintContext) => formatAge(o.metadata?.creationTimestamp, ctx.now);
const name = (o: { metadata?: { name?: string } }) => o.metadata?.name ?? '';

/** STATUS: `Ready` / `NotReady` / `Unknown`, plus `,SchedulingDisabled` when cordoned. */
export function nodeStatus(node: Node): string {
  let ready: string | undefined;
  for (const c of node.status?.conditions ?? []) {
    if (c.type === 'Ready') ready = c.status === 'True' ? 'Ready' : 'NotReady';
  }
  const parts = [ready ?? 'Unknown'];
  if (node.spec?.unschedulable) parts.push('SchedulingDisabled');
  return parts.join(',');
}

/** ROLES from `node-role.kubernetes.io/<role>` keys and the `kubernetes.io/role` value, sorted. */
export function nodeRoles(node: Node): string {
  const roles = new Set<string>();
  for (const [k, v] of Object.entries(node.metadata?.labels ?? {})) {
    if (k.startsWith('node-role.kubernetes.io/')) {
      const role = k.slice('node-role.kubernetes.io/'.length);
      if (role) roles.add(role);
    } else if (k === 'kubernetes.io/role' && v) {
      roles.add(v);
    }
  }
  return roles.size === 0 ? '<none>' : [...roles].sort().join(',');
}

function nodeAddress(node: Node, type: string): string {
  return (node.status?.addresses ?? []).find((a) => a.type === type)?.address ?? '<none>';
}

export const nodePrinter: Printer = {
  columns: [
    nameColumn(),
    column('Status', 'string', 'The status of the node'),
    column('Roles', 'string', 'The roles of the node'),
    ageColumn(),
    column('Version', 'string', 'Kubelet Version reported by the node.'),
    wide('Internal-IP', 'string', 'List of addresses reachable to the node.'),
    wide('External-IP', 'string', 'List of addresses reachable to the node.'),
    wide('OS-Image', 'string', 'OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy)).'),
    wide('Kernel-Version', 'string', "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64)."),
    wide('Container-Runtime', 'string', 'ContainerRuntime Version reported by the node through runtime remote API (e.g. containerd://1.4.2).'),
  ],
  cells(node: Node, ctx): TableCell[] {
    const info = node.status?.nodeInfo;
    return [
      name(node),
      nodeStatus(node),
      nodeRoles(node),
      age(node, ctx),
      info?.kubeletVersion ?? '',
      nodeAddress(node, 'InternalIP'),
      nodeAddress(node, 'ExternalIP'),
      info?.osImage || '<unknown>',
      info?.kernelVersion || '<unknown>',
      info?.containerRuntimeVersion || '<unknown>',
    ];
  },
};

export const namespacePrinter: Printer = {
  columns: [nameColumn(), column('Status', 'string', 'The status of the namespace'), ageColumn()],
  cells(ns: Namespace, ctx): TableCell[] {
    return [name(ns), ns.status?.phase ?? 'Active', age(ns, ctx)];
  },
};

export const componentStatusPrinter: Printer = {
  columns: [
    nameColumn(),
    column('Status', 'string', 'Status of the component conditions'),
    column('Message', 'string', 'Message of the component conditions'),
    column('Error', 'string', 'Error of the component conditions'),
  ],
  cells(cs: ComponentStatus): TableCell[] {
    const c = (cs.conditions ?? []).find((x) => x.type === 'Healthy');
    const status = c ? (c.status === 'True' ? 'Healthy' : 'Unhealthy') : 'Unknown';
    return [name(cs), status, c?.message ?? '', c?.error ?? ''];
  },
};

export const leasePrinter: Printer = {
  columns: [nameColumn(), column('Holder', 'string', 'holderIdentity contains the identity of the holder of a current lease.'), ageColumn()],
  cells(l: Lease, ctx): TableCell[] {
    return [name(l), l.spec?.holderIdentity ?? '', age(l, ctx)];
  },
};

export const priorityClassPrinter: Printer = {
  columns: [
    nameColumn(),
    column('Value', 'integer', 'value represents the integer value of this priority class.'),
    column('Global-Default', 'boolean', 'globalDefault specifies whether this PriorityClass should be considered as the default priority for pods that do not have any priority class.'),
    ageColumn(),
    column('PreemptionPolicy', 'string', 'preemptionPolicy is the Policy for preempting pods with lower priority.'),
  ],
  cells(pc: PriorityClass, ctx): TableCell[] {
    return [name(pc), pc.value ?? 0, pc.globalDefault ?? false, age(pc, ctx), pc.preemptionPolicy ?? ''];
  },
};

/** REQUEST and LIMIT cells: `resource: used/hard` pairs, `limits.*` going to LIMIT. */
export function quotaCells(rq: ResourceQuota): [string, string] {
  const hard = rq.status?.hard ?? {};
  const used = rq.status?.used ?? {};
  const requests: string[] = [];
  const limits: string[] = [];
  for (const res of Object.keys(hard).sort()) {
    const text = `${res}: ${canonicalQuantity(used[res])}/${canonicalQuantity(hard[res])}`;
    const pieces = res.split('.');
    (pieces.length > 1 && pieces[0] === 'limits' ? limits : requests).push(text);
  }
  return [requests.join(', '), limits.join(', ')];
}

export const resourceQuotaPrinter: Printer = {
  columns: [
    nameColumn(),
    column('Request', 'string', 'Request represents a minimum amount of cpu/memory that a container may consume.'),
    column('Limit', 'string', 'Limits control the maximum amount of cpu/memory that a container may use independent of contention on the node.'),
    ageColumn(),
  ],
  cells(rq: ResourceQuota, ctx): TableCell[] {
    const [req, lim] = quotaCells(rq);
    return [name(rq), req, lim, age(rq, ctx)];
  },
};

export const podDisruptionBudgetPrinter: Printer = {
  columns: [
    nameColumn(),
    column('Min Available', 'string', 'The minimum number of pods that must be available.'),
    column('Max Unavailable', 'string', 'The maximum number of pods that may be unavailable.'),
    column('Allowed Disruptions', 'integer', 'Calculated number of pods that may be disrupted at this time.'),
    ageColumn(),
  ],
  cells(pdb: PodDisruptionBudget, ctx): TableCell[] {
    const min = pdb.spec?.minAvailable;
    const max = pdb.spec?.maxUnavailable;
    return [
      name(pdb),
      min === undefined || min === null ? 'N/A' : intOrString(min),
      max === undefined || max === null ? 'N/A' : intOrString(max),
      pdb.status?.disruptionsAllowed ?? 0,
      age(pdb, ctx),
    ];
  },
};

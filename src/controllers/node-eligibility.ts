// Whether a pod template may run on a node, as the DaemonSet controller decides it (upstream
// NodeShouldRunDaemonPod): nodeSelector, required node affinity, and taints against tolerations
// (NoSchedule keeps new pods off; NoExecute also evicts running ones). Written here because
// controllers may not import the scheduler.
import type { Node, NodeSelectorRequirement, NodeSelectorTerm, PodSpec, Taint, Toleration } from 'kubernetes-types/core/v1.js';

function requirementMatches(r: NodeSelectorRequirement, value: string | undefined): boolean {
  const values = r.values ?? [];
  switch (r.operator) {
    case 'In':
      return value !== undefined && values.includes(value);
    case 'NotIn':
      return value === undefined || !values.includes(value);
    case 'Exists':
      return value !== undefined;
    case 'DoesNotExist':
      return value === undefined;
    case 'Gt':
    case 'Lt': {
      if (value === undefined || !/^-?\d+$/.test(value) || values.length !== 1) return false;
      return r.operator === 'Gt' ? Number(value) > Number(values[0]) : Number(value) < Number(values[0]);
    }
    default:
      return false;
  }
}

export function nodeSelectorTermMatches(term: NodeSelectorTerm, node: Node): boolean {
  const exprs = term.matchExpressions ?? [];
  const fields = term.matchFields ?? [];
  if (exprs.length === 0 && fields.length === 0) return false; // an empty term matches nothing
  const labels = node.metadata?.labels ?? {};
  return exprs.every((r) => requirementMatches(r, labels[r.key])) && fields.every((r) => r.key === 'metadata.name' && requirementMatches(r, node.metadata?.name));
}

export function toleratesTaint(t: Toleration, taint: Taint): boolean {
  if (t.effect && t.effect !== taint.effect) return false;
  if (t.operator === 'Exists') return !t.key || t.key === taint.key;
  return t.key === taint.key && (t.value ?? '') === (taint.value ?? '');
}

/** Node taints, plus the taint the API implies for spec.unschedulable. */
function taintsOf(node: Node): Taint[] {
  const taints = [...(node.spec?.taints ?? [])];
  if (node.spec?.unschedulable && !taints.some((t) => t.key === 'node.kubernetes.io/unschedulable')) taints.push({ key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' });
  return taints;
}

export interface Eligibility {
  /** A new pod may be placed there. */
  shouldRun: boolean;
  /** An existing pod may stay. */
  shouldContinueRunning: boolean;
}

export function nodeEligibility(spec: PodSpec | undefined, node: Node): Eligibility {
  const labels = node.metadata?.labels ?? {};
  const selectorOk = Object.entries(spec?.nodeSelector ?? {}).every(([k, v]) => labels[k] === v);
  const terms = spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
  const affinityOk = !terms || terms.some((t) => nodeSelectorTermMatches(t, node));
  if (!selectorOk || !affinityOk) return { shouldRun: false, shouldContinueRunning: false };
  const tols = spec?.tolerations ?? [];
  let shouldRun = true;
  let shouldContinueRunning = true;
  for (const taint of taintsOf(node)) {
    if (taint.effect !== 'NoSchedule' && taint.effect !== 'NoExecute') continue;
    if (tols.some((t) => toleratesTaint(t, taint))) continue;
    shouldRun = false;
    if (taint.effect === 'NoExecute') shouldContinueRunning = false;
  }
  return { shouldRun, shouldContinueRunning };
}

// Label/node selector and toleration matching as the scheduler needs them: compiled once per
// selector object (WeakMap) because the same selector is evaluated against thousands of pods.
import type { NodeSelector, NodeSelectorRequirement, NodeSelectorTerm, Node, Taint, Toleration } from 'kubernetes-types/core/v1.js';
import type { LabelSelector, LabelSelectorRequirement } from 'kubernetes-types/meta/v1.js';

export type Labels = Record<string, string> | undefined;
export type LabelMatcher = (labels: Labels) => boolean;

const matchNothing: LabelMatcher = () => false;
const matchEverything: LabelMatcher = () => true;
const compiled = new WeakMap<object, LabelMatcher>();

function requirementMatcher(r: LabelSelectorRequirement): LabelMatcher {
  const key = r.key;
  const values = new Set(r.values ?? []);
  switch (r.operator) {
    case 'In':
      return (l) => l !== undefined && key in l && values.has(l[key]);
    case 'NotIn':
      return (l) => l === undefined || !(key in l) || !values.has(l[key]);
    case 'Exists':
      return (l) => l !== undefined && key in l;
    case 'DoesNotExist':
      return (l) => l === undefined || !(key in l);
    default:
      return matchNothing;
  }
}

/**
 * A LabelSelector as a predicate. `undefined` (nil) matches nothing, `{}` matches everything,
 * as upstream's LabelSelectorAsSelector for affinity terms, spread constraints and PDBs.
 */
export function labelSelectorMatcher(sel: LabelSelector | undefined | null): LabelMatcher {
  if (!sel) return matchNothing;
  const hit = compiled.get(sel);
  if (hit) return hit;
  const parts: LabelMatcher[] = [];
  const eq = Object.entries(sel.matchLabels ?? {});
  for (const r of sel.matchExpressions ?? []) parts.push(requirementMatcher(r));
  let m: LabelMatcher;
  if (eq.length === 0 && parts.length === 0) m = matchEverything;
  else
    m = (l) => {
      if (eq.length && !l) return false;
      for (const [k, v] of eq) if (l![k] !== v) return false;
      for (const p of parts) if (!p(l)) return false;
      return true;
    };
  compiled.set(sel, m);
  return m;
}

/** nodeSelector map: every key must be present with the same value. */
export function mapSelectorMatches(sel: Record<string, string> | undefined, labels: Labels): boolean {
  if (!sel) return true;
  for (const k in sel) if (!labels || labels[k] !== sel[k]) return false;
  return true;
}

function nodeRequirementMatches(r: NodeSelectorRequirement, value: string | undefined, has: boolean): boolean {
  switch (r.operator) {
    case 'In':
      return has && (r.values ?? []).includes(value!);
    case 'NotIn':
      return !has || !(r.values ?? []).includes(value!);
    case 'Exists':
      return has;
    case 'DoesNotExist':
      return !has;
    case 'Gt':
    case 'Lt': {
      if (!has || (r.values ?? []).length !== 1) return false;
      const a = Number.parseInt(value!, 10);
      const b = Number.parseInt(r.values![0], 10);
      if (!Number.isFinite(a) || !Number.isFinite(b)) return false;
      return r.operator === 'Gt' ? a > b : a < b;
    }
    default:
      return false;
  }
}

/** One term: all expressions and fields must match; a term with neither matches nothing. */
export function nodeSelectorTermMatches(term: NodeSelectorTerm, node: Node): boolean {
  const exprs = term.matchExpressions ?? [];
  const fields = term.matchFields ?? [];
  if (exprs.length === 0 && fields.length === 0) return false;
  const labels = node.metadata?.labels;
  for (const r of exprs) {
    const has = labels !== undefined && r.key in labels;
    if (!nodeRequirementMatches(r, has ? labels![r.key] : undefined, has)) return false;
  }
  for (const r of fields) {
    // Only metadata.name is a supported field (as upstream).
    if (r.key !== 'metadata.name') return false;
    if (!nodeRequirementMatches(r, node.metadata?.name, true)) return false;
  }
  return true;
}

/** Terms are ORed. */
export function nodeSelectorMatches(sel: NodeSelector, node: Node): boolean {
  for (const t of sel.nodeSelectorTerms ?? []) if (nodeSelectorTermMatches(t, node)) return true;
  return false;
}

/** Does this toleration tolerate the taint (upstream Toleration.ToleratesTaint)? */
export function toleratesTaint(tol: Toleration, taint: Taint): boolean {
  if (tol.effect && tol.effect !== taint.effect) return false;
  if (tol.key && tol.key !== taint.key) return false;
  switch (tol.operator ?? 'Equal') {
    case 'Exists':
      return true;
    case 'Equal':
      // An empty key with Equal is invalid API-side; treat value equality as upstream does.
      return (tol.value ?? '') === (taint.value ?? '');
    default:
      return false;
  }
}

export function tolerationsTolerateTaint(tols: Toleration[] | undefined, taint: Taint): boolean {
  if (!tols) return false;
  for (const t of tols) if (toleratesTaint(t, taint)) return true;
  return false;
}

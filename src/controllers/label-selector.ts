// Label selectors as controllers use them (metav1.LabelSelectorAsSelector): a missing selector
// matches nothing — unlike src/api/labels.ts, whose apps semantics treat it as "everything" —
// and an empty one everything (callers refuse empty selectors where upstream does).
import type { LabelSelector } from 'kubernetes-types/meta/v1.js';
import { selectorFromLabelSelector, selectorFromMap } from '../api/labels.js';
import type { LabelMatcher } from './controller-ref.js';

export const matchNothing: LabelMatcher = { matches: () => false };

/** Throws (400 BadRequest) for an unknown operator. */
export function labelSelectorMatcher(ls: LabelSelector | undefined | null): LabelMatcher {
  if (!ls) return matchNothing;
  return selectorFromLabelSelector(ls);
}

/** True for a selector with no requirements at all (it would select every pod). */
export function isEmptySelector(ls: LabelSelector | undefined | null): boolean {
  return !!ls && Object.keys(ls.matchLabels ?? {}).length === 0 && (ls.matchExpressions ?? []).length === 0;
}

/** Every label of `set` present with the same value (labels.SelectorFromSet). */
export function matchesLabelSet(set: Record<string, string> | undefined, labels: Record<string, string> | undefined): boolean {
  return selectorFromMap(set).matches(labels);
}

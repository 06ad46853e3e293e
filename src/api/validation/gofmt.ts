// Go-syntax rendering (`%#v`) of the values upstream puts in "Invalid value: …" messages
// for maps, slices and selectors, so messages read exactly as kube-apiserver prints them.
import type { LabelSelector } from 'kubernetes-types/meta/v1.js';

function q(s: string): string {
  return JSON.stringify(s);
}

export function goStringMap(m: Record<string, string> | undefined | null): string {
  if (m == null) return 'map[string]string(nil)';
  const keys = Object.keys(m).sort();
  return `map[string]string{${keys.map((k) => `${q(k)}:${q(String(m[k]))}`).join(', ')}}`;
}

export function goStringSlice(a: string[] | undefined | null): string {
  if (a == null) return '[]string(nil)';
  return `[]string{${a.map((s) => q(String(s))).join(', ')}}`;
}

export function goLabelSelector(ls: LabelSelector | undefined | null): string {
  if (ls == null) return 'null';
  const exprs =
    ls.matchExpressions == null
      ? '[]v1.LabelSelectorRequirement(nil)'
      : `[]v1.LabelSelectorRequirement{${ls.matchExpressions
          .map((e) => `v1.LabelSelectorRequirement{Key:${q(e.key)}, Operator:${q(e.operator)}, Values:${goStringSlice(e.values)}}`)
          .join(', ')}}`;
  return `v1.LabelSelector{MatchLabels:${goStringMap(ls.matchLabels)}, MatchExpressions:${exprs}}`;
}

// Cell formatting shared by the Table printers. Each helper reproduces the exact text that
// upstream's printers produce (kubectl prints server-side cells verbatim).
import type { LabelSelector } from 'kubernetes-types/meta/v1.js';

/** Milliseconds since the epoch, or undefined when the timestamp is missing or unparsable. */
export function parseTime(t: Date | string | undefined | null): number | undefined {
  if (t === undefined || t === null || t === '') return undefined;
  const ms = t instanceof Date ? t.getTime() : Date.parse(t);
  return Number.isNaN(ms) ? undefined : ms;
}

/**
 * Compact human duration, identical to apimachinery's duration.HumanDuration:
 * `81s`, `2m6s`, `38m`, `4h43m`, `8h`, `4d11h`, `8d`, `2y14d`, `9y`.
 */
export function humanDuration(ms: number): string {
  // Go truncates toward zero at every step (int(d.Seconds()), d / time.Minute, ...).
  const seconds = Math.trunc(ms / 1000);
  // Up to ~2s in the future is tolerated as clock skew and shown as 0s.
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 60 * 2) return `${seconds}s`;
  const minutes = Math.trunc(ms / 60_000);
  if (minutes < 10) {
    const s = seconds % 60;
    return s === 0 ? `${minutes}m` : `${minutes}m${s}s`;
  }
  if (minutes < 60 * 3) return `${minutes}m`;
  const hours = Math.trunc(ms / 3_600_000);
  if (hours < 8) {
    const m = minutes % 60;
    return m === 0 ? `${hours}h` : `${hours}h${m}m`;
  }
  if (hours < 48) return `${hours}h`;
  const days = Math.trunc(hours / 24);
  if (hours < 24 * 8) {
    const h = hours % 24;
    return h === 0 ? `${days}d` : `${days}d${h}h`;
  }
  if (hours < 24 * 365 * 2) return `${days}d`;
  const years = Math.trunc(days / 365);
  if (hours < 24 * 365 * 8) {
    const dy = days % 365;
    return dy === 0 ? `${years}y` : `${years}y${dy}d`;
  }
  return `${years}y`;
}

/** Age of a timestamp as kubectl's AGE column shows it; `<unknown>` when missing. */
export function formatAge(from: Date | string | undefined | null, now: Date): string {
  const ms = parseTime(from);
  if (ms === undefined) return '<unknown>';
  return humanDuration(now.getTime() - ms);
}

/** `k=v,k2=v2` sorted by key; `<none>` when empty (labels.FormatLabels). */
export function formatLabels(labels: Record<string, string> | undefined | null): string {
  const keys = Object.keys(labels ?? {}).sort();
  if (keys.length === 0) return '<none>';
  return keys.map((k) => `${k}=${labels![k]}`).join(',');
}

/**
 * A label selector in selector-string form (`app=x,tier in (a,b),!gone`), or undefined when the
 * selector is invalid. Empty and nil selectors both give ''.
 */
export function labelSelectorString(sel: LabelSelector | undefined | null): string | undefined {
  if (!sel) return '';
  const reqs: { key: string; text: string }[] = [];
  for (const [key, value] of Object.entries(sel.matchLabels ?? {})) reqs.push({ key, text: `${key}=${value}` });
  for (const e of sel.matchExpressions ?? []) {
    const values = [...(e.values ?? [])].sort();
    switch (e.operator) {
      case 'In':
      case 'NotIn':
        if (values.length === 0) return undefined;
        reqs.push({ key: e.key, text: `${e.key} ${e.operator === 'In' ? 'in' : 'notin'} (${values.join(',')})` });
        break;
      case 'Exists':
      case 'DoesNotExist':
        if (values.length > 0) return undefined;
        reqs.push({ key: e.key, text: e.operator === 'Exists' ? e.key : `!${e.key}` });
        break;
      default:
        return undefined;
    }
  }
  reqs.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return reqs.map((r) => r.text).join(',');
}

/** metav1.FormatLabelSelector: `<none>` when empty, `<error>` when invalid. */
export function formatLabelSelector(sel: LabelSelector | undefined | null): string {
  const s = labelSelectorString(sel);
  if (s === undefined) return '<error>';
  return s === '' ? '<none>' : s;
}

/** Container names and images, each comma-joined, as the CONTAINERS/IMAGES wide columns. */
export function containerCells(containers: { name?: string; image?: string }[] | undefined): [string, string] {
  const list = containers ?? [];
  return [list.map((c) => c.name ?? '').join(','), list.map((c) => c.image ?? '').join(',')];
}

/** `a,b,c + 2 more...` for lists capped at `max`; `<unset>` when empty. */
export function listWithMore(items: string[], max: number, empty = '<unset>'): string {
  const shown = items.slice(0, max).join(',');
  if (items.length > max) return `${shown} + ${items.length - max} more...`;
  return shown === '' ? empty : shown;
}

/** PV access modes in their short forms, fixed order, duplicates dropped. */
export function formatAccessModes(modes: string[] | undefined): string {
  const set = new Set(modes ?? []);
  const out: string[] = [];
  if (set.has('ReadWriteOnce')) out.push('RWO');
  if (set.has('ReadOnlyMany')) out.push('ROX');
  if (set.has('ReadWriteMany')) out.push('RWX');
  if (set.has('ReadWriteOncePod')) out.push('RWOP');
  return out.join(',');
}

/** Go's printBool for *bool fields: `True`, `False`, `<unset>`. */
export function formatBoolPtr(v: boolean | undefined | null): string {
  if (v === undefined || v === null) return '<unset>';
  return v ? 'True' : 'False';
}

/** IntOrString.String(). */
export function intOrString(v: number | string): string {
  return typeof v === 'number' ? String(Math.trunc(v)) : v;
}

/** host:port, with IPv6 hosts bracketed (net.JoinHostPort). */
export function joinHostPort(host: string, port: number | string): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** `kind.group` lowercased (schema.GroupKind.String()), used for `daemonset.apps/name`. */
export function groupKindLower(apiVersion: string | undefined, kind: string): string {
  const av = apiVersion ?? '';
  const i = av.indexOf('/');
  const group = i < 0 ? '' : av.slice(0, i);
  return (group ? `${kind}.${group}` : kind).toLowerCase();
}

/** Go's time.RFC3339 rendering of a UTC timestamp (no fractional seconds). */
export function rfc3339(t: string | undefined | null): string {
  const ms = parseTime(t);
  if (ms === undefined) return '0001-01-01T00:00:00Z';
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

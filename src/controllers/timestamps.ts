// Kubernetes timestamps on the wire are RFC 3339 with second precision ("2023-05-04T11:02:23Z").

export function rfc3339(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Milliseconds since the epoch, or undefined for a missing/unparseable time. */
export function parseTime(t: string | undefined | null): number | undefined {
  if (!t) return undefined;
  const ms = Date.parse(t);
  return Number.isNaN(ms) ? undefined : ms;
}

// Turns a TransportRequest's path + query into the request target both transports send.

export function requestTarget(path: string, query?: Record<string, string | undefined>): string {
  if (!query) return path;
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined) qs.append(k, v);
  const s = qs.toString();
  return s ? `${path}?${s}` : path;
}

// The log of a background `skiff up` cluster (pino JSON lines in DATA_DIR/logs/server.log):
// reading it from an offset, learning the addresses the server announced, filtering by
// component and printing lines for people.
import { closeSync, openSync, readSync, statSync } from 'node:fs';

export interface LogRecord {
  level?: number;
  time?: number;
  msg?: string;
  /** Every `component` value on the line (child loggers may repeat the key). */
  components: string[];
  fields: Record<string, unknown>;
  raw: string;
}

/** Parse one line; undefined for non-JSON lines (e.g. a stack trace printed by node itself). */
export function parseLogLine(line: string): LogRecord | undefined {
  if (!line.startsWith('{')) return undefined;
  let fields: Record<string, unknown>;
  try {
    fields = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  // JSON.parse keeps only the last duplicate key; the raw text has them all.
  const components = [...line.matchAll(/"component":"([^"]*)"/g)].map((m) => m[1]);
  return { level: fields.level as number | undefined, time: fields.time as number | undefined, msg: fields.msg as string | undefined, components, fields, raw: line };
}

/** Text of `path` from byte `offset` to its current end, and the new end. */
export function readFrom(path: string, offset: number): { text: string; end: number } {
  let size: number;
  try {
    size = statSync(path).size;
  } catch {
    return { text: '', end: offset };
  }
  if (size < offset) offset = 0; // truncated or replaced
  if (size === offset) return { text: '', end: size };
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(size - offset);
    const n = readSync(fd, buf, 0, buf.length, offset);
    // Stop at the last complete line so a half-written line is read whole next time.
    const text = buf.subarray(0, n).toString('utf8');
    const cut = text.lastIndexOf('\n') + 1;
    return { text: text.slice(0, cut), end: offset + Buffer.byteLength(text.slice(0, cut)) };
  } finally {
    closeSync(fd);
  }
}

export interface AnnouncedAddresses {
  /** The server logged "skiff server ready": every role it runs has started. */
  ready: boolean;
  dns?: { host: string; port: number };
  ingress?: { http: number; https: number };
}

/** What the server logged about itself since `offset` (one run of the server). */
export function announcedAddresses(text: string): AnnouncedAddresses {
  const out: AnnouncedAddresses = { ready: false };
  for (const line of text.split('\n')) {
    const r = parseLogLine(line);
    if (!r) continue;
    if (r.msg === 'cluster DNS listening') out.dns = { host: String(r.fields.host), port: Number(r.fields.port) };
    else if (r.msg === 'ingress controller listening') out.ingress = { http: Number(r.fields.http), https: Number(r.fields.https) };
    else if (r.msg === 'skiff server ready') out.ready = true;
  }
  return out;
}

/** User-facing component names and the logger components each covers. */
const COMPONENT_GROUPS: Record<string, string[]> = {
  apiserver: ['apiserver'],
  'controller-manager': ['controller-manager', 'controller', 'leaderelection', 'events'],
  scheduler: ['scheduler'],
  kubelet: ['agent', 'kubelet', 'process-runtime', 'agent-server', 'pod-proxy'],
  dns: ['cluster-dns'],
  proxy: ['service-proxy', 'service-lb', 'service-lb-controller'],
  ingress: ['ingress', 'ingress-controller'],
  server: ['server'],
};
COMPONENT_GROUPS.agent = COMPONENT_GROUPS.kubelet;
COMPONENT_GROUPS['kube-proxy'] = COMPONENT_GROUPS.proxy;
COMPONENT_GROUPS.coredns = COMPONENT_GROUPS.dns;

export function knownComponents(): string[] {
  return Object.keys(COMPONENT_GROUPS);
}

/** Does a line belong to `component` (a group name above, or any logger component / *-controller)? */
export function matchesComponent(r: LogRecord, component: string): boolean {
  const group = COMPONENT_GROUPS[component];
  return r.components.some((c) => c === component || group?.includes(c) || (component === 'controller-manager' && c.endsWith('-controller') && !c.startsWith('ingress') && !c.startsWith('service-lb')));
}

const LEVELS: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };
const HIDDEN = new Set(['level', 'time', 'msg', 'pid', 'hostname', 'component']);

/** "HH:MM:SS.mmm LEVEL component  message key=value …" */
export function formatLogRecord(r: LogRecord): string {
  const t = r.time ? new Date(r.time).toISOString().slice(11, 23) : '';
  const comp = r.components.at(-1) ?? '-';
  const extra = Object.entries(r.fields)
    .filter(([k]) => !HIDDEN.has(k))
    .map(([k, v]) => `${k}=${typeof v === 'string' ? (/\s/.test(v) ? JSON.stringify(v) : v) : JSON.stringify(v)}`)
    .join(' ');
  return `${t} ${(LEVELS[r.level ?? 30] ?? String(r.level)).padEnd(5)} ${comp.padEnd(20)} ${r.msg ?? ''}${extra ? `  ${extra}` : ''}`;
}

// Merging the `skiff` cluster/user/context into a user's kubeconfig without clobbering others.
import { copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, delimiter } from 'node:path';
import YAML from 'yaml';

interface Named<T> {
  name: string;
  [k: string]: unknown;
  cluster?: T;
  user?: T;
  context?: T;
}

interface KubeconfigDoc {
  apiVersion?: string;
  kind?: string;
  clusters?: Named<unknown>[];
  users?: Named<unknown>[];
  contexts?: Named<unknown>[];
  'current-context'?: string;
  preferences?: object;
  [k: string]: unknown;
}

/** The file kubectl writes to: the first path in $KUBECONFIG, else ~/.kube/config. */
export function userKubeconfigPath(env: NodeJS.ProcessEnv = process.env): string {
  const kc = env.KUBECONFIG?.split(delimiter).find((p) => p.length > 0);
  return kc ?? join(env.HOME ?? homedir(), '.kube', 'config');
}

function readDoc(path: string): KubeconfigDoc {
  if (!existsSync(path)) return { apiVersion: 'v1', kind: 'Config', clusters: [], users: [], contexts: [], preferences: {} };
  const text = readFileSync(path, 'utf8');
  const doc = (YAML.parse(text) ?? {}) as KubeconfigDoc;
  if (typeof doc !== 'object' || Array.isArray(doc)) throw new Error(`${path} is not a kubeconfig file (not a YAML mapping)`);
  return doc;
}

function writeAtomic(path: string, doc: KubeconfigDoc): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, YAML.stringify(doc), { mode: 0o600 });
  renameSync(tmp, path);
}

/**
 * Copy cluster/user/context `name` from `source` (a Skiff-written kubeconfig) into `target`,
 * keep every other entry, make it current, and keep a backup of the previous file.
 * Returns the backup path when an existing file was changed (undefined when nothing changed).
 */
export function mergeKubeconfig(source: string, target: string, name = 'skiff'): string | undefined {
  const src = readDoc(source);
  const cluster = src.clusters?.[0];
  const user = src.users?.[0];
  const ctx = src.contexts?.[0];
  if (!cluster || !user || !ctx) throw new Error(`${source} has no cluster/user/context to merge`);
  const doc = readDoc(target);
  const before = JSON.stringify(doc);
  doc.apiVersion ??= 'v1';
  doc.kind ??= 'Config';
  doc.clusters = upsertInPlace(doc.clusters, { name, cluster: cluster.cluster });
  doc.users = upsertInPlace(doc.users, { name, user: user.user });
  doc.contexts = upsertInPlace(doc.contexts, { name, context: { ...(ctx.context as object), cluster: name, user: name } });
  doc['current-context'] = name;
  // A repeated `skiff up` changes nothing: leave the file (and the earlier backup) alone.
  if (existsSync(target) && JSON.stringify(doc) === before) return undefined;
  let backup: string | undefined;
  if (existsSync(target)) {
    backup = `${target}.skiff-backup`;
    copyFileSync(target, backup);
  }
  writeAtomic(target, doc);
  return backup;
}

/** Replace the entry with the same name where it stands (so a re-merge is a no-op), else append. */
function upsertInPlace<T>(list: Named<T>[] | undefined, entry: Named<T>): Named<T>[] {
  const out = [...(list ?? [])];
  const i = out.findIndex((e) => e.name === entry.name);
  if (i >= 0) out[i] = entry;
  else out.push(entry);
  return out;
}

/**
 * Remove the `name` entries. If it was current, the context that was current before `skiff up`
 * (from the backup) becomes current again when it still exists; otherwise none is.
 */
export function removeFromKubeconfig(target: string, name = 'skiff'): boolean {
  if (!existsSync(target)) return false;
  const doc = readDoc(target);
  const before = JSON.stringify(doc);
  doc.clusters = (doc.clusters ?? []).filter((e) => e.name !== name);
  doc.users = (doc.users ?? []).filter((e) => e.name !== name);
  doc.contexts = (doc.contexts ?? []).filter((e) => e.name !== name);
  if (doc['current-context'] === name) {
    let previous: string | undefined;
    try {
      previous = readDoc(`${target}.skiff-backup`)['current-context'];
    } catch {
      /* no usable backup */
    }
    doc['current-context'] = previous && previous !== name && doc.contexts.some((c) => c.name === previous) ? previous : '';
  }
  if (JSON.stringify(doc) === before) return false;
  writeAtomic(target, doc);
  return true;
}

export function kubeconfigHasContext(target: string, name = 'skiff'): boolean {
  if (!existsSync(target)) return false;
  try {
    return (readDoc(target).contexts ?? []).some((c) => c.name === name);
  } catch {
    return false;
  }
}

/** What `skiff status` reports: whether the context exists, which one is current, its server. */
export function kubeconfigContextInfo(target: string, name = 'skiff'): { present: boolean; current?: string; server?: string } {
  if (!existsSync(target)) return { present: false };
  try {
    const doc = readDoc(target);
    const present = (doc.contexts ?? []).some((c) => c.name === name);
    const server = (doc.clusters ?? []).find((c) => c.name === name)?.cluster as { server?: string } | undefined;
    return { present, current: doc['current-context'] || undefined, server: server?.server };
  } catch {
    return { present: false };
  }
}

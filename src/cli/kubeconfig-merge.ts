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

function upsert<T>(list: Named<T>[] | undefined, entry: Named<T>): Named<T>[] {
  const out = (list ?? []).filter((e) => e.name !== entry.name);
  out.push(entry);
  return out;
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
 * Returns the backup path, if a file existed.
 */
export function mergeKubeconfig(source: string, target: string, name = 'skiff'): string | undefined {
  const src = readDoc(source);
  const cluster = src.clusters?.[0];
  const user = src.users?.[0];
  const ctx = src.contexts?.[0];
  if (!cluster || !user || !ctx) throw new Error(`${source} has no cluster/user/context to merge`);
  let backup: string | undefined;
  if (existsSync(target)) {
    backup = `${target}.skiff-backup`;
    copyFileSync(target, backup);
  }
  const doc = readDoc(target);
  doc.apiVersion ??= 'v1';
  doc.kind ??= 'Config';
  doc.clusters = upsert(doc.clusters, { name, cluster: cluster.cluster });
  doc.users = upsert(doc.users, { name, user: user.user });
  doc.contexts = upsert(doc.contexts, { name, context: { ...(ctx.context as object), cluster: name, user: name } });
  doc['current-context'] = name;
  writeAtomic(target, doc);
  return backup;
}

/** Remove the `name` entries; if it was current, leave no current context. */
export function removeFromKubeconfig(target: string, name = 'skiff'): boolean {
  if (!existsSync(target)) return false;
  const doc = readDoc(target);
  const before = JSON.stringify(doc);
  doc.clusters = (doc.clusters ?? []).filter((e) => e.name !== name);
  doc.users = (doc.users ?? []).filter((e) => e.name !== name);
  doc.contexts = (doc.contexts ?? []).filter((e) => e.name !== name);
  if (doc['current-context'] === name) doc['current-context'] = '';
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

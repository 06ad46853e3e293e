// Reads a kubeconfig file (the format kubectl uses) into HttpTransport options.
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parse } from 'yaml';
import type { HttpTransportOptions } from './http-transport.js';

interface Named<T> {
  name: string;
  [k: string]: unknown;
  cluster?: T;
  user?: T;
  context?: T;
}

interface KubeconfigFile {
  'current-context'?: string;
  clusters?: Named<Record<string, unknown>>[];
  users?: Named<Record<string, unknown>>[];
  contexts?: Named<Record<string, unknown>>[];
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/** Inline base64 data wins over a file path (relative paths are relative to the kubeconfig). */
function material(section: Record<string, unknown>, dataKey: string, fileKey: string, baseDir: string): string | undefined {
  const data = str(section[dataKey]);
  if (data) return Buffer.from(data, 'base64').toString('utf8');
  const file = str(section[fileKey]);
  if (file) return readFileSync(isAbsolute(file) ? file : resolve(baseDir, file), 'utf8');
  return undefined;
}

export function loadKubeconfig(path: string, context?: string): HttpTransportOptions {
  const doc = (parse(readFileSync(path, 'utf8')) ?? {}) as KubeconfigFile;
  const baseDir = dirname(path);
  const ctxName = context ?? doc['current-context'];
  if (!ctxName) throw new Error(`kubeconfig ${path}: no context given and no current-context set`);
  const ctx = doc.contexts?.find((c) => c.name === ctxName)?.context;
  if (!ctx) throw new Error(`kubeconfig ${path}: context "${ctxName}" not found`);
  const clusterName = str(ctx['cluster']);
  const cluster = doc.clusters?.find((c) => c.name === clusterName)?.cluster;
  if (!cluster) throw new Error(`kubeconfig ${path}: cluster "${clusterName ?? ''}" of context "${ctxName}" not found`);
  const server = str(cluster['server']);
  if (!server) throw new Error(`kubeconfig ${path}: cluster "${clusterName}" has no server`);
  const userName = str(ctx['user']);
  const user = (userName ? doc.users?.find((u) => u.name === userName)?.user : undefined) ?? {};

  const opts: HttpTransportOptions = { server };
  const ca = material(cluster, 'certificate-authority-data', 'certificate-authority', baseDir);
  if (ca) opts.ca = ca;
  if (cluster['insecure-skip-tls-verify'] === true) opts.insecureSkipVerify = true;
  const cert = material(user, 'client-certificate-data', 'client-certificate', baseDir);
  if (cert) opts.cert = cert;
  const key = material(user, 'client-key-data', 'client-key', baseDir);
  if (key) opts.key = key;
  const token = str(user['token']);
  const tokenFile = str(user['tokenFile']);
  if (token) opts.token = token;
  else if (tokenFile) opts.token = readFileSync(isAbsolute(tokenFile) ? tokenFile : resolve(baseDir, tokenFile), 'utf8').trim();
  return opts;
}

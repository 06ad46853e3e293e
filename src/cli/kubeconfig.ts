// Writing kubeconfig files for the admin user of a Skiff cluster.
import { mkdirSync, writeFileSync, renameSync } from 'node:fs';
import { dirname } from 'node:path';
import YAML from 'yaml';

export interface KubeconfigParams {
  server: string;
  caCert: string;
  clientCert: string;
  clientKey: string;
  name?: string; // cluster/context/user name, default "skiff"
}

export function renderKubeconfig(p: KubeconfigParams): string {
  const name = p.name ?? 'skiff';
  const b64 = (s: string) => Buffer.from(s).toString('base64');
  return YAML.stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name, cluster: { server: p.server, 'certificate-authority-data': b64(p.caCert) } }],
    users: [{ name: `${name}-admin`, user: { 'client-certificate-data': b64(p.clientCert), 'client-key-data': b64(p.clientKey) } }],
    contexts: [{ name, context: { cluster: name, user: `${name}-admin`, namespace: 'default' } }],
    'current-context': name,
    preferences: {},
  });
}

/** Atomic write (temp file + rename) so a reader never sees half a kubeconfig. */
export function writeKubeconfig(path: string, p: KubeconfigParams): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, renderKubeconfig(p), { mode: 0o600 });
  renameSync(tmp, path);
}

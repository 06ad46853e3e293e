// Container environment as kubelet builds it: Service link variables, then envFrom, then env
// (later definitions win), with $(VAR) references expanded from what was defined before, and
// $(VAR) expanded in command and args from the final environment.
import type { ConfigMap, Container, EnvVar, Pod, Secret } from 'kubernetes-types/core/v1.js';
import { bytes, cpuMillis } from '../api/quantity.js';

export interface EnvSources {
  configMap(namespace: string, name: string): Promise<ConfigMap | undefined>;
  secret(namespace: string, name: string): Promise<Secret | undefined>;
  podIP: string;
  hostIP: string;
  /** Docker-link variables of the namespace's Services. */
  serviceEnv: { name: string; value: string }[];
  /** Node allocatable, the default for limits that are not set. */
  nodeAllocatable: { cpuMillis: number; memoryBytes: number; ephemeralBytes: number };
}

/** The container cannot start until its configuration is fixed (CreateContainerConfigError). */
export class ContainerConfigError extends Error {}

const ENV_NAME = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;

/** Expand $(VAR) with Kubernetes' rules: unknown references stay as written, $$ escapes. */
export function expand(input: string, lookup: (name: string) => string | undefined): string {
  let out = '';
  for (let i = 0; i < input.length; i++) {
    const ch = input[i];
    if (ch !== '$' || i + 1 >= input.length) {
      out += ch;
      continue;
    }
    const next = input[i + 1];
    if (next === '$') {
      out += '$';
      i++;
    } else if (next === '(') {
      const close = input.indexOf(')', i + 2);
      if (close < 0) {
        out += input.slice(i);
        break;
      }
      const name = input.slice(i + 2, close);
      const v = lookup(name);
      out += v ?? `$(${name})`;
      i = close;
    } else {
      out += ch;
    }
  }
  return out;
}

function secretValue(s: Secret, key: string): string | undefined {
  if (s.data?.[key] !== undefined) return Buffer.from(s.data[key], 'base64').toString('utf8');
  return s.stringData?.[key];
}

function secretKeys(s: Secret): string[] {
  return [...new Set([...Object.keys(s.data ?? {}), ...Object.keys(s.stringData ?? {})])];
}

export function fieldRefValue(pod: Pod, path: string, podIP: string, hostIP: string): string {
  const m = /^metadata\.(labels|annotations)\['(.*)'\]$/.exec(path);
  if (m) return (m[1] === 'labels' ? pod.metadata?.labels : pod.metadata?.annotations)?.[m[2]] ?? '';
  switch (path) {
    case 'metadata.name':
      return pod.metadata?.name ?? '';
    case 'metadata.namespace':
      return pod.metadata?.namespace ?? '';
    case 'metadata.uid':
      return pod.metadata?.uid ?? '';
    case 'metadata.labels':
      return Object.entries(pod.metadata?.labels ?? {}).map(([k, v]) => `${k}="${v}"`).sort().join('\n');
    case 'metadata.annotations':
      return Object.entries(pod.metadata?.annotations ?? {}).map(([k, v]) => `${k}="${v}"`).sort().join('\n');
    case 'spec.nodeName':
      return pod.spec?.nodeName ?? '';
    case 'spec.serviceAccountName':
      return pod.spec?.serviceAccountName ?? '';
    case 'status.podIP':
    case 'status.podIPs':
      return podIP;
    case 'status.hostIP':
    case 'status.hostIPs':
      return hostIP;
    default:
      throw new ContainerConfigError(`unsupported fieldRef fieldPath "${path}"`);
  }
}

export function resourceFieldValue(
  container: Container | undefined,
  resource: string,
  divisor: string | undefined,
  alloc: EnvSources['nodeAllocatable'],
): string {
  if (!container) throw new ContainerConfigError('resourceFieldRef names an unknown container');
  const [kind, name] = resource.split('.') as ['limits' | 'requests', string];
  const q = (container.resources?.[kind] as Record<string, string | number> | undefined)?.[name];
  if (name === 'cpu') {
    const v = q !== undefined ? cpuMillis(q) : kind === 'limits' ? alloc.cpuMillis : 0;
    const d = divisor ? cpuMillis(divisor) : 1000;
    return String(Math.ceil(v / d));
  }
  if (name === 'memory' || name === 'ephemeral-storage') {
    const def = name === 'memory' ? alloc.memoryBytes : alloc.ephemeralBytes;
    const v = q !== undefined ? bytes(q) : kind === 'limits' ? def : 0;
    const d = divisor ? bytes(divisor) : 1;
    return String(Math.ceil(v / d));
  }
  throw new ContainerConfigError(`unsupported resourceFieldRef resource "${resource}"`);
}

export interface ResolvedEnv {
  env: { name: string; value: string }[];
  command: string[];
  args: string[];
  /** Keys skipped from envFrom because they are not valid variable names. */
  invalidKeys: string[];
}

export async function resolveEnv(pod: Pod, container: Container, src: EnvSources): Promise<ResolvedEnv> {
  const ns = pod.metadata?.namespace ?? 'default';
  const vars = new Map<string, string>();
  const invalidKeys: string[] = [];
  for (const e of src.serviceEnv) vars.set(e.name, e.value);
  vars.set('HOSTNAME', pod.spec?.hostname ?? pod.metadata?.name ?? '');

  for (const from of container.envFrom ?? []) {
    const prefix = from.prefix ?? '';
    if (from.configMapRef) {
      const name = from.configMapRef.name ?? '';
      const cm = await src.configMap(ns, name);
      if (!cm) {
        if (from.configMapRef.optional) continue;
        throw new ContainerConfigError(`configmap "${name}" not found`);
      }
      for (const [k, v] of Object.entries({ ...(cm.data ?? {}) })) {
        const key = prefix + k;
        if (!ENV_NAME.test(key)) invalidKeys.push(key);
        else vars.set(key, v);
      }
    } else if (from.secretRef) {
      const name = from.secretRef.name ?? '';
      const s = await src.secret(ns, name);
      if (!s) {
        if (from.secretRef.optional) continue;
        throw new ContainerConfigError(`secret "${name}" not found`);
      }
      for (const k of secretKeys(s)) {
        const key = prefix + k;
        if (!ENV_NAME.test(key)) invalidKeys.push(key);
        else vars.set(key, secretValue(s, k) ?? '');
      }
    }
  }

  for (const e of container.env ?? []) {
    const v = await envValue(pod, container, e, ns, vars, src);
    if (v !== undefined) vars.set(e.name, v);
  }

  const lookup = (n: string) => vars.get(n);
  return {
    env: [...vars].map(([name, value]) => ({ name, value })),
    command: (container.command ?? []).map((c) => expand(c, lookup)),
    args: (container.args ?? []).map((c) => expand(c, lookup)),
    invalidKeys,
  };
}

async function envValue(pod: Pod, container: Container, e: EnvVar, ns: string, vars: Map<string, string>, src: EnvSources): Promise<string | undefined> {
  if (e.value !== undefined || !e.valueFrom) return expand(e.value ?? '', (n) => vars.get(n));
  const vf = e.valueFrom;
  if (vf.configMapKeyRef) {
    const { name = '', key, optional } = vf.configMapKeyRef;
    const cm = await src.configMap(ns, name);
    if (!cm) {
      if (optional) return undefined;
      throw new ContainerConfigError(`configmap "${name}" not found`);
    }
    const v = cm.data?.[key] ?? (cm.binaryData?.[key] !== undefined ? Buffer.from(cm.binaryData[key], 'base64').toString('utf8') : undefined);
    if (v === undefined) {
      if (optional) return undefined;
      throw new ContainerConfigError(`couldn't find key ${key} in ConfigMap ${ns}/${name}`);
    }
    return v;
  }
  if (vf.secretKeyRef) {
    const { name = '', key, optional } = vf.secretKeyRef;
    const s = await src.secret(ns, name);
    if (!s) {
      if (optional) return undefined;
      throw new ContainerConfigError(`secret "${name}" not found`);
    }
    const v = secretValue(s, key);
    if (v === undefined) {
      if (optional) return undefined;
      throw new ContainerConfigError(`couldn't find key ${key} in Secret ${ns}/${name}`);
    }
    return v;
  }
  if (vf.fieldRef) return fieldRefValue(pod, vf.fieldRef.fieldPath, src.podIP, src.hostIP);
  if (vf.resourceFieldRef) {
    const target = vf.resourceFieldRef.containerName
      ? [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])].find((c) => c.name === vf.resourceFieldRef!.containerName)
      : container;
    return resourceFieldValue(target, vf.resourceFieldRef.resource, vf.resourceFieldRef.divisor as string | undefined, src.nodeAllocatable);
  }
  return '';
}


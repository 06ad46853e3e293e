// Materialises a pod's volumes under DATA_DIR/pods/<uid>/volumes/<plugin>/<name> (emptyDir,
// configMap, secret, projected, downwardAPI) or resolves them to host directories (hostPath,
// persistentVolumeClaim on local/hostPath volumes). Called on every pod sync, so ConfigMap and
// Secret changes reach running pods through the atomic `..data` swap.
import type { ConfigMap, Container, KeyToPath, PersistentVolume, PersistentVolumeClaim, Pod, Secret, Volume } from 'kubernetes-types/core/v1.js';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, normalize } from 'node:path';
import { bytes } from '../../api/quantity.js';
import type { Mount } from '../runtime/runtime.js';
import { writeAtomic, type VolumeFile } from './atomic-writer.js';
import { fieldRefValue, resourceFieldValue, type EnvSources } from '../env.js';
import { run } from '../runtime/process/host-command.js';

export interface VolumeSources {
  configMap(namespace: string, name: string): Promise<ConfigMap | undefined>;
  secret(namespace: string, name: string): Promise<Secret | undefined>;
  pvc(namespace: string, name: string): Promise<PersistentVolumeClaim | undefined>;
  pv(name: string): Promise<PersistentVolume | undefined>;
  /** A service account token (TokenRequest); undefined when the API cannot issue one. */
  token(namespace: string, serviceAccount: string, audience: string | undefined, expirationSeconds: number): Promise<string | undefined>;
}

/** Written as a projected service account token when the API server cannot issue tokens. */
export const PLACEHOLDER_SA_TOKEN = 'skiff-placeholder-token.the-api-server-issues-no-service-account-tokens-yet';

export class VolumeError extends Error {
  constructor(
    readonly volume: string,
    message: string,
  ) {
    super(`MountVolume.SetUp failed for volume "${volume}" : ${message}`);
  }
}

export interface PodVolumeContext {
  podIP: string;
  hostIP: string;
  nodeAllocatable: EnvSources['nodeAllocatable'];
}

const PLUGIN: Record<string, string> = {
  emptyDir: 'kubernetes.io~empty-dir',
  configMap: 'kubernetes.io~configmap',
  secret: 'kubernetes.io~secret',
  projected: 'kubernetes.io~projected',
  downwardAPI: 'kubernetes.io~downward-api',
};

function pluginOf(v: Volume): string | undefined {
  return Object.keys(PLUGIN).find((k) => (v as unknown as Record<string, unknown>)[k] !== undefined);
}

/** File paths in volumes are relative and may not climb out ("..") of the volume. */
function safeRel(p: string): string {
  const n = normalize(p);
  if (n.startsWith('/') || n === '..' || n.startsWith('../')) throw new Error(`invalid path "${p}"`);
  return n;
}

export class VolumeManager {
  /** pod uid → tmpfs mount points, unmounted at tear-down. */
  private readonly tmpfs = new Map<string, Set<string>>();

  constructor(
    private readonly podsDir: string,
    private readonly sources: VolumeSources,
    private readonly canMount: boolean,
  ) {}

  podDir(uid: string): string {
    return join(this.podsDir, uid);
  }

  /** Prepare every volume; returns volume name → host path. Throws VolumeError on the first failure. */
  async setUp(pod: Pod, ctx: PodVolumeContext): Promise<Map<string, string>> {
    const uid = pod.metadata!.uid!;
    const out = new Map<string, string>();
    for (const v of pod.spec?.volumes ?? []) {
      try {
        out.set(v.name, await this.setUpOne(pod, uid, v, ctx));
      } catch (e) {
        if (e instanceof VolumeError) throw e;
        throw new VolumeError(v.name, (e as Error).message);
      }
    }
    return out;
  }

  private async setUpOne(pod: Pod, uid: string, v: Volume, ctx: PodVolumeContext): Promise<string> {
    const ns = pod.metadata?.namespace ?? 'default';
    if (v.hostPath) return checkHostPath(v.hostPath.path, v.hostPath.type ?? '');
    if (v.persistentVolumeClaim) return this.pvcPath(ns, v.persistentVolumeClaim.claimName);
    const plugin = pluginOf(v);
    if (!plugin) throw new Error('volume type is not supported by the skiff node agent');
    const dir = join(this.podDir(uid), 'volumes', PLUGIN[plugin], v.name);
    if (v.emptyDir) {
      if (!existsSync(dir)) {
        mkdirSync(dir, { recursive: true, mode: 0o777 });
        if (v.emptyDir.medium === 'Memory' && this.canMount) {
          const size = v.emptyDir.sizeLimit ? [`-o`, `size=${bytes(v.emptyDir.sizeLimit)}`] : [];
          await run('mount', ['-t', 'tmpfs', ...size, 'tmpfs', dir]);
          this.rememberTmpfs(uid, dir);
        }
      }
      return dir;
    }
    let files: Map<string, VolumeFile> | undefined;
    if (v.configMap) files = await this.configMapFiles(ns, v.configMap.name ?? '', v.configMap.items, v.configMap.defaultMode ?? 0o644, !!v.configMap.optional);
    else if (v.secret) files = await this.secretFiles(ns, v.secret.secretName ?? '', v.secret.items, v.secret.defaultMode ?? 0o644, !!v.secret.optional);
    else if (v.downwardAPI) files = this.downwardFiles(pod, v.downwardAPI.items ?? [], v.downwardAPI.defaultMode ?? 0o644, ctx);
    else if (v.projected) {
      files = new Map();
      const mode = v.projected.defaultMode ?? 0o644;
      for (const s of v.projected.sources ?? []) {
        let part: Map<string, VolumeFile> | undefined;
        if (s.configMap) part = await this.configMapFiles(ns, s.configMap.name ?? '', s.configMap.items, mode, !!s.configMap.optional);
        else if (s.secret) part = await this.secretFiles(ns, s.secret.name ?? '', s.secret.items, mode, !!s.secret.optional);
        else if (s.downwardAPI) part = this.downwardFiles(pod, s.downwardAPI.items ?? [], mode, ctx);
        else if (s.serviceAccountToken) {
          const sa = pod.spec?.serviceAccountName ?? 'default';
          // Without TokenRequest support in the API server the file holds a placeholder, which the
          // API server does not accept: in-cluster clients are then anonymous.
          const token = (await this.sources.token(ns, sa, s.serviceAccountToken.audience, s.serviceAccountToken.expirationSeconds ?? 3600)) ?? PLACEHOLDER_SA_TOKEN;
          part = new Map([[safeRel(s.serviceAccountToken.path), { data: Buffer.from(token), mode }]]);
        }
        for (const [k, f] of part ?? []) files.set(k, f);
      }
    }
    writeAtomic(dir, files ?? new Map());
    return dir;
  }

  private async configMapFiles(ns: string, name: string, items: KeyToPath[] | undefined, mode: number, optional: boolean): Promise<Map<string, VolumeFile>> {
    const cm = await this.sources.configMap(ns, name);
    if (!cm) {
      if (optional) return new Map();
      throw new Error(`configmap "${name}" not found`);
    }
    const all = new Map<string, Buffer>();
    for (const [k, v] of Object.entries(cm.data ?? {})) all.set(k, Buffer.from(v));
    for (const [k, v] of Object.entries(cm.binaryData ?? {})) all.set(k, Buffer.from(v, 'base64'));
    return pick(all, items, mode, optional, `configmap references non-existent config key`);
  }

  private async secretFiles(ns: string, name: string, items: KeyToPath[] | undefined, mode: number, optional: boolean): Promise<Map<string, VolumeFile>> {
    const s = await this.sources.secret(ns, name);
    if (!s) {
      if (optional) return new Map();
      throw new Error(`secret "${name}" not found`);
    }
    const all = new Map<string, Buffer>();
    for (const [k, v] of Object.entries(s.data ?? {})) all.set(k, Buffer.from(v, 'base64'));
    for (const [k, v] of Object.entries(s.stringData ?? {})) all.set(k, Buffer.from(v));
    return pick(all, items, mode, optional, `references non-existent secret key`);
  }

  private downwardFiles(pod: Pod, items: NonNullable<NonNullable<Volume['downwardAPI']>['items']>, mode: number, ctx: PodVolumeContext): Map<string, VolumeFile> {
    const out = new Map<string, VolumeFile>();
    for (const it of items) {
      let value = '';
      if (it.fieldRef) value = fieldRefValue(pod, it.fieldRef.fieldPath, ctx.podIP, ctx.hostIP);
      else if (it.resourceFieldRef) {
        const c: Container | undefined = (pod.spec?.containers ?? []).find((x) => x.name === it.resourceFieldRef!.containerName) ?? pod.spec?.containers?.[0];
        value = resourceFieldValue(c, it.resourceFieldRef.resource, it.resourceFieldRef.divisor as string | undefined, ctx.nodeAllocatable);
      }
      out.set(safeRel(it.path), { data: Buffer.from(value), mode: it.mode ?? mode });
    }
    return out;
  }

  private async pvcPath(ns: string, claim: string): Promise<string> {
    const pvc = await this.sources.pvc(ns, claim);
    if (!pvc) throw new Error(`persistentvolumeclaim "${claim}" not found`);
    const pvName = pvc.spec?.volumeName;
    if (!pvName || pvc.status?.phase !== 'Bound') throw new Error(`persistentvolumeclaim "${claim}" is not bound yet`);
    const pv = await this.sources.pv(pvName);
    if (!pv) throw new Error(`persistentvolume "${pvName}" not found`);
    const path = pv.spec?.hostPath?.path ?? pv.spec?.local?.path;
    if (!path) throw new Error(`persistentvolume "${pvName}" is not a hostPath or local volume, which is all the process runtime can mount`);
    mkdirSync(path, { recursive: true, mode: 0o777 });
    return path;
  }

  private rememberTmpfs(uid: string, dir: string): void {
    let s = this.tmpfs.get(uid);
    if (!s) this.tmpfs.set(uid, (s = new Set()));
    s.add(dir);
  }

  /** Mounts for one container (subPath resolved into the host path). */
  mountsFor(container: Container, dirs: Map<string, string>): Mount[] {
    const out: Mount[] = [];
    for (const m of container.volumeMounts ?? []) {
      const base = dirs.get(m.name);
      if (!base) continue;
      let hostPath = base;
      if (m.subPath) {
        hostPath = join(base, safeRel(m.subPath));
        if (!existsSync(hostPath)) mkdirSync(hostPath, { recursive: true });
      }
      out.push({ containerPath: m.mountPath, hostPath, readonly: !!m.readOnly });
    }
    return out;
  }

  /** Unmount and delete everything of a pod. */
  async tearDown(uid: string): Promise<void> {
    const dir = this.podDir(uid);
    for (const mp of this.tmpfs.get(uid) ?? []) await run('umount', ['-l', mp], { allowFail: true });
    this.tmpfs.delete(uid);
    await unmountUnder(dir);
    rmSync(dir, { recursive: true, force: true });
  }

  /** Remove pod directories of pods this agent no longer runs (after a restart). */
  async cleanupExcept(keep: Set<string>): Promise<void> {
    if (!existsSync(this.podsDir)) return;
    const { readdirSync } = await import('node:fs');
    for (const uid of readdirSync(this.podsDir)) if (!keep.has(uid)) await this.tearDown(uid);
  }
}

function pick(all: Map<string, Buffer>, items: KeyToPath[] | undefined, mode: number, optional: boolean, missingMsg: string): Map<string, VolumeFile> {
  const out = new Map<string, VolumeFile>();
  if (!items || items.length === 0) {
    for (const [k, v] of all) out.set(k, { data: v, mode });
    return out;
  }
  for (const it of items) {
    const v = all.get(it.key);
    if (v === undefined) {
      if (optional) continue;
      throw new Error(`${missingMsg} "${it.key}"`);
    }
    out.set(safeRel(it.path), { data: v, mode: it.mode ?? mode });
  }
  return out;
}

/** hostPath type checks as upstream (DirectoryOrCreate, Directory, FileOrCreate, File, Socket, CharDevice, BlockDevice). */
export function checkHostPath(path: string, type: string): string {
  const st = (() => {
    try {
      return statSync(path);
    } catch {
      return undefined;
    }
  })();
  switch (type) {
    case '':
      return path;
    case 'DirectoryOrCreate':
      if (!st) mkdirSync(path, { recursive: true, mode: 0o755 });
      else if (!st.isDirectory()) throw new Error(`hostPath type check failed: ${path} is not a directory`);
      return path;
    case 'Directory':
      if (!st) throw new Error(`hostPath type check failed: ${path} is not a directory`);
      if (!st.isDirectory()) throw new Error(`hostPath type check failed: ${path} is not a directory`);
      return path;
    case 'FileOrCreate':
      if (!st) writeFileSync(path, '', { mode: 0o644 });
      else if (!st.isFile()) throw new Error(`hostPath type check failed: ${path} is not a file`);
      return path;
    case 'File':
      if (!st?.isFile()) throw new Error(`hostPath type check failed: ${path} is not a file`);
      return path;
    case 'Socket':
      if (!st?.isSocket()) throw new Error(`hostPath type check failed: ${path} is not a socket file`);
      return path;
    case 'CharDevice':
      if (!st?.isCharacterDevice()) throw new Error(`hostPath type check failed: ${path} is not a character device`);
      return path;
    case 'BlockDevice':
      if (!st?.isBlockDevice()) throw new Error(`hostPath type check failed: ${path} is not a block device`);
      return path;
    default:
      throw new Error(`hostPath type "${type}" is not supported`);
  }
}

/** Unmount anything still mounted below dir (tmpfs emptyDirs of a crashed run). */
async function unmountUnder(dir: string): Promise<void> {
  let text = '';
  try {
    text = readFileSync('/proc/self/mountinfo', 'utf8');
  } catch {
    return;
  }
  const points = text
    .split('\n')
    .map((l) => l.split(' ')[4])
    .filter((p) => p && (p === dir || p.startsWith(dir + '/')))
    .sort((a, b) => b.length - a.length);
  for (const p of points) await run('umount', ['-l', p], { allowFail: true });
}

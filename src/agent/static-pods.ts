// Static pods: manifests in DATA_DIR/manifests run on this node without the API server (kubelet
// --pod-manifest-path). Each gets a stable uid from its content, is named <name>-<node>, and is
// shown in the API as a mirror pod (annotation kubernetes.io/config.mirror).
import type { Pod } from 'kubernetes-types/core/v1.js';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import YAML from 'yaml';
import type { Logger } from 'pino';

export const MIRROR_ANNOTATION = 'kubernetes.io/config.mirror';
export const CONFIG_HASH_ANNOTATION = 'kubernetes.io/config.hash';
export const CONFIG_SOURCE_ANNOTATION = 'kubernetes.io/config.source';

function uuidFromHash(hex: string): string {
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/** Parse one manifest file into static pods for nodeName (invalid documents are reported). */
export function staticPodsFrom(file: string, text: string, nodeName: string): { pods: Pod[]; errors: string[] } {
  const pods: Pod[] = [];
  const errors: string[] = [];
  for (const doc of YAML.parseAllDocuments(text)) {
    const obj = doc.toJSON() as Pod | null;
    if (!obj) continue;
    if (obj.kind !== 'Pod' || !obj.metadata?.name || !obj.spec?.containers?.length) {
      errors.push(`${file}: not a Pod with metadata.name and containers`);
      continue;
    }
    const hash = createHash('sha256').update(nodeName).update(JSON.stringify(obj)).digest('hex');
    const name = `${obj.metadata.name}-${nodeName}`;
    const pod: Pod = {
      ...obj,
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        ...obj.metadata,
        name,
        namespace: obj.metadata.namespace ?? 'default',
        uid: uuidFromHash(hash),
        annotations: {
          ...(obj.metadata.annotations ?? {}),
          [CONFIG_HASH_ANNOTATION]: hash.slice(0, 32),
          [MIRROR_ANNOTATION]: hash.slice(0, 32),
          [CONFIG_SOURCE_ANNOTATION]: 'file',
        },
      },
      spec: { restartPolicy: 'Always', terminationGracePeriodSeconds: 30, ...obj.spec, nodeName },
    };
    pods.push(pod);
  }
  return { pods, errors };
}

/** Polls the manifest directory and reports the full set of static pods when it changes. */
export class StaticPodSource {
  private timer?: NodeJS.Timeout;
  private last = '';

  constructor(
    private readonly dir: string,
    private readonly nodeName: string,
    private readonly onChange: (pods: Pod[]) => void,
    private readonly log: Logger,
    private readonly intervalMs = 5_000,
  ) {}

  scan(): Pod[] {
    if (!existsSync(this.dir)) return [];
    const pods: Pod[] = [];
    for (const f of readdirSync(this.dir).sort()) {
      if (!/\.(ya?ml|json)$/.test(f) || f.startsWith('.')) continue;
      try {
        const r = staticPodsFrom(f, readFileSync(join(this.dir, f), 'utf8'), this.nodeName);
        for (const e of r.errors) this.log.warn({ file: f }, e);
        pods.push(...r.pods);
      } catch (e) {
        this.log.warn({ file: f, err: (e as Error).message }, 'cannot read static pod manifest');
      }
    }
    return pods;
  }

  private poll(): void {
    const pods = this.scan();
    const sig = pods.map((p) => p.metadata!.uid).join(',');
    if (sig !== this.last) {
      this.last = sig;
      this.onChange(pods);
    }
  }

  start(): void {
    this.poll();
    this.timer = setInterval(() => this.poll(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }
}

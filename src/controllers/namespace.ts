// The namespace controller (upstream namespace-controller): when a namespace is being deleted
// (deletionTimestamp set, phase Terminating, spec.finalizers ["kubernetes"]), delete every
// namespaced object in it, report progress in the five upstream status conditions, and once the
// namespace is empty hand spec.finalizers back through PUT namespaces/{name}/finalize so the API
// server can remove it.
import type { Namespace, NamespaceCondition } from 'kubernetes-types/core/v1.js';
import type pino from 'pino';
import { RESOURCES, type ResourceType } from '../api/registry.js';
import { isNotFound, type ApiClient, type KubeObject } from '../client/api.js';
import { clone, keyOf, type SharedInformer } from '../client/informer.js';
import { WorkQueue } from '../client/workqueue.js';
import type { Controller, ControllerContext } from './context.js';
import { NAMESPACES } from './kinds.js';
import { rfc3339 } from './timestamps.js';

export const NAMESPACE_CONTROLLER = 'namespace-controller';
export const NAMESPACE_FINALIZER = 'kubernetes';
/** How soon to look again while content is still terminating. */
export const CONTENT_RECHECK_MS = 2_000;

type NamespaceObj = Namespace & KubeObject;

/** Namespaced kinds whose objects a namespace deletion removes (events.k8s.io shares core Events). */
export function namespacedContentTypes(): ResourceType[] {
  return RESOURCES.filter((rt) => rt.namespaced && rt.verbs.includes('list') && rt.verbs.includes('delete') && rt.group !== 'events.k8s.io');
}

/** ApiClient implementations may offer PUT on an arbitrary subresource. */
interface SubresourceUpdater {
  updateSubresource?<T extends KubeObject>(rt: ResourceType, namespace: string | undefined, obj: T, subresource: string): Promise<T>;
}

/** PUT namespaces/{name}/finalize with the given spec.finalizers. */
export async function finalizeNamespace(client: ApiClient, ns: NamespaceObj, finalizers: string[]): Promise<void> {
  const body = { ...clone(ns), spec: { ...(ns.spec ?? {}), finalizers } } as NamespaceObj;
  const updater = client as ApiClient & SubresourceUpdater;
  if (updater.updateSubresource) {
    await updater.updateSubresource(NAMESPACES, undefined, body, 'finalize');
    return;
  }
  // Fallback until the client can PUT subresources: the same change as a merge patch on finalize.
  await client.patch(NAMESPACES, undefined, ns.metadata!.name!, 'merge', { spec: { finalizers }, metadata: { resourceVersion: ns.metadata?.resourceVersion } }, { subresource: 'finalize' });
}

interface ContentReport {
  remaining: Map<string, number>;
  finalizers: Map<string, number>;
  failures: string[];
}

/** The five conditions upstream keeps on a terminating namespace. */
export function namespaceConditions(r: ContentReport, now: string, previous: NamespaceCondition[] = []): NamespaceCondition[] {
  const mk = (type: string, bad: boolean, badReason: string, badMessage: string, okReason: string, okMessage: string): NamespaceCondition => {
    const status = bad ? 'True' : 'False';
    const prev = previous.find((c) => c.type === type);
    return { type, status, lastTransitionTime: prev && prev.status === status ? prev.lastTransitionTime : now, reason: bad ? badReason : okReason, message: bad ? badMessage : okMessage };
  };
  const list = (m: Map<string, number>, fmt: (k: string, n: number) => string) => [...m.entries()].map(([k, n]) => fmt(k, n)).join(', ');
  return [
    mk('NamespaceDeletionDiscoveryFailure', false, '', '', 'ResourcesDiscovered', 'All resources successfully discovered'),
    mk('NamespaceDeletionGroupVersionParsingFailure', false, '', '', 'ParsedGroupVersions', 'All legacy kube types successfully parsed'),
    mk('NamespaceDeletionContentFailure', r.failures.length > 0, 'ContentDeletionFailed', `Failed to delete all resource types, ${r.failures.length} remaining: ${r.failures.join(', ')}`, 'ContentDeleted', 'All content successfully deleted, may be waiting on finalization'),
    mk('NamespaceContentRemaining', r.remaining.size > 0, 'SomeResourcesRemain', `Some resources are remaining: ${list(r.remaining, (k, n) => `${k} has ${n} resource instances`)}`, 'ContentRemoved', 'All content successfully removed'),
    mk('NamespaceFinalizersRemaining', r.finalizers.size > 0, 'SomeFinalizersRemain', `Some content in the namespace has finalizers remaining: ${list(r.finalizers, (k, n) => `${k} in ${n} resource instances`)}`, 'ContentHasNoFinalizers', 'All content-preserving finalizers finished'),
  ];
}

export class NamespaceController implements Controller {
  readonly name = NAMESPACE_CONTROLLER;
  readonly queue: WorkQueue<string>;
  readonly workers: number;
  private readonly namespaces: SharedInformer<NamespaceObj>;
  private readonly log: pino.Logger;
  private readonly types: ResourceType[];

  constructor(
    private readonly ctx: ControllerContext,
    opts: { workers?: number; types?: ResourceType[] } = {},
  ) {
    this.queue = new WorkQueue<string>({ name: 'namespace', clock: ctx.clock });
    this.workers = opts.workers ?? 5;
    this.types = opts.types ?? namespacedContentTypes();
    this.log = ctx.logger.child({ component: NAMESPACE_CONTROLLER });
    this.namespaces = ctx.factory.informerFor(NAMESPACES);
    const enqueue = (ns: NamespaceObj) => {
      if (ns.metadata?.deletionTimestamp) this.queue.add(keyOf(ns));
    };
    this.namespaces.addEventHandler({ onAdd: enqueue, onUpdate: (_o, ns) => enqueue(ns) });
  }

  async reconcile(name: string): Promise<void | { requeueAfterMs?: number }> {
    const ns = this.namespaces.get(undefined, name);
    if (!ns?.metadata?.deletionTimestamp) return;
    const specFinalizers = ns.spec?.finalizers ?? [];
    if (!specFinalizers.includes(NAMESPACE_FINALIZER)) return;

    const report = await this.deleteContent(name);
    const now = rfc3339(this.ctx.clock.now());
    const conditions = namespaceConditions(report, now, ns.status?.conditions ?? []);
    let latest: NamespaceObj = ns;
    if (JSON.stringify(conditions) !== JSON.stringify(ns.status?.conditions ?? [])) {
      try {
        latest = await this.ctx.client.updateStatus<NamespaceObj>(NAMESPACES, undefined, { ...clone(ns), status: { ...(ns.status ?? {}), phase: 'Terminating', conditions } } as NamespaceObj);
      } catch (e) {
        if (isNotFound(e)) return;
        throw e;
      }
    }
    if (report.failures.length > 0) throw new Error(`namespace ${name}: failed to delete content: ${report.failures.join('; ')}`);
    if (report.remaining.size > 0) {
      this.log.debug({ namespace: name, remaining: Object.fromEntries(report.remaining) }, 'namespace content remaining');
      return { requeueAfterMs: CONTENT_RECHECK_MS };
    }
    try {
      await finalizeNamespace(
        this.ctx.client,
        latest,
        specFinalizers.filter((f) => f !== NAMESPACE_FINALIZER),
      );
      this.log.info({ namespace: name }, 'namespace content deleted; finalized');
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
  }

  /** Delete everything in the namespace; report what is left and which finalizers hold it. */
  private async deleteContent(namespace: string): Promise<ContentReport> {
    const report: ContentReport = { remaining: new Map(), finalizers: new Map(), failures: [] };
    for (const rt of this.types) {
      const label = `${rt.plural}.${rt.group}`;
      let items: KubeObject[];
      try {
        items = (await this.ctx.client.list(rt, namespace)).items;
      } catch (e) {
        if (isNotFound(e)) continue;
        report.failures.push(`${label}: ${(e as Error).message}`);
        continue;
      }
      let left = 0;
      for (const obj of items) {
        if (!obj.metadata?.deletionTimestamp) {
          try {
            const res = (await this.ctx.client.delete(rt, namespace, obj.metadata!.name!, { propagationPolicy: 'Background' })) as KubeObject;
            // A Status (or nothing) means it is gone; an object means it is still terminating.
            if (res?.kind === 'Status' || !res?.metadata?.deletionTimestamp) continue;
            obj.metadata = res.metadata;
          } catch (e) {
            if (isNotFound(e)) continue;
            report.failures.push(`${label}/${obj.metadata?.name}: ${(e as Error).message}`);
          }
        }
        left++;
        for (const f of obj.metadata?.finalizers ?? []) report.finalizers.set(f, (report.finalizers.get(f) ?? 0) + 1);
      }
      if (left > 0) report.remaining.set(label, left);
    }
    return report;
  }
}

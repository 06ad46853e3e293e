// The garbage collector (upstream garbagecollector): follows metadata.ownerReferences across every
// kind in the registry. A dependent whose owners are all gone is deleted (background cascading);
// an owner being deleted with the `orphan` finalizer first has its ownerReferences removed from
// its dependents; an owner with `foregroundDeletion` waits until its dependents that have
// blockOwnerDeletion are gone (they are deleted first) before its finalizer is removed.
import type { OwnerReference } from 'kubernetes-types/meta/v1.js';
import type pino from 'pino';
import { findByKind, parseApiVersion, resolveKind, RESOURCES, type ResourceType } from '../api/registry.js';
import { ApiError, isNotFound, type KubeObject } from '../client/api.js';
import { ownerUidIndexFunc, type SharedInformer } from '../client/informer.js';
import { WorkQueue } from '../client/workqueue.js';
import type { Controller, ControllerContext } from './context.js';
import { hasFinalizer, removeFinalizer } from './finalizers.js';

export const GARBAGE_COLLECTOR = 'garbage-collector-controller';
export const FINALIZER_ORPHAN = 'orphan';
export const FINALIZER_FOREGROUND = 'foregroundDeletion';
const OWNER_UID_INDEX = 'ownerUid';

/** Kinds the collector tracks: everything that can be listed, watched and deleted (events excepted). */
export function collectableTypes(): ResourceType[] {
  return RESOURCES.filter((rt) => ['list', 'watch', 'delete'].every((v) => rt.verbs.includes(v as never)) && rt.kind !== 'Event');
}

function typeKey(rt: ResourceType): string {
  return `${rt.group}|${rt.plural}`;
}

/** Queue keys: "dependent|group|plural|ns|name" checks one object's owners; "owner|…" handles a deleting owner. */
function itemKey(kind: 'dependent' | 'owner', rt: ResourceType, obj: KubeObject): string {
  return [kind, rt.group, rt.plural, obj.metadata?.namespace ?? '', obj.metadata?.name ?? ''].join('|');
}

function ownerType(ref: OwnerReference): ResourceType | undefined {
  return findByKind(parseApiVersion(ref.apiVersion).group, ref.kind) ?? resolveKind(ref.apiVersion, ref.kind)?.type;
}

type OwnerState = 'solid' | 'dangling' | 'waiting' | 'deleting';

export class GarbageCollector implements Controller {
  readonly name = GARBAGE_COLLECTOR;
  readonly queue: WorkQueue<string>;
  readonly workers: number;
  private readonly informers = new Map<string, { rt: ResourceType; inf: SharedInformer<KubeObject> }>();
  private readonly log: pino.Logger;

  constructor(
    private readonly ctx: ControllerContext,
    opts: { workers?: number; types?: ResourceType[] } = {},
  ) {
    this.queue = new WorkQueue<string>({ name: 'garbagecollector', clock: ctx.clock });
    this.workers = opts.workers ?? 5;
    this.log = ctx.logger.child({ component: GARBAGE_COLLECTOR });
    for (const rt of opts.types ?? collectableTypes()) {
      const inf = ctx.factory.informerFor<KubeObject>(rt);
      inf.addIndexer(OWNER_UID_INDEX, ownerUidIndexFunc);
      this.informers.set(typeKey(rt), { rt, inf });
      inf.addEventHandler({
        onAdd: (o) => this.observe(rt, o),
        onUpdate: (old, o) => {
          if (old.metadata?.resourceVersion !== o.metadata?.resourceVersion) this.observe(rt, o);
        },
        onDelete: (o) => this.gone(o),
      });
    }
  }

  private observe(rt: ResourceType, obj: KubeObject): void {
    if ((obj.metadata?.ownerReferences ?? []).length > 0) this.queue.add(itemKey('dependent', rt, obj));
    if (obj.metadata?.deletionTimestamp && (hasFinalizer(obj, FINALIZER_ORPHAN) || hasFinalizer(obj, FINALIZER_FOREGROUND))) {
      this.queue.add(itemKey('owner', rt, obj));
    }
  }

  /** An object vanished: its dependents may now be garbage, and a foreground owner may be unblocked. */
  private gone(obj: KubeObject): void {
    for (const d of this.dependentsOf(obj.metadata!.uid!)) this.queue.add(itemKey('dependent', d.rt, d.obj));
    for (const ref of obj.metadata?.ownerReferences ?? []) {
      const owner = this.cachedOwner(obj, ref);
      if (owner) this.queue.add(itemKey('owner', owner.rt, owner.obj));
    }
  }

  private dependentsOf(uid: string): { rt: ResourceType; obj: KubeObject }[] {
    const out: { rt: ResourceType; obj: KubeObject }[] = [];
    for (const { rt, inf } of this.informers.values()) for (const obj of inf.byIndex(OWNER_UID_INDEX, uid)) out.push({ rt, obj });
    return out;
  }

  private cachedOwner(dependent: KubeObject, ref: OwnerReference): { rt: ResourceType; obj: KubeObject } | undefined {
    const rt = ownerType(ref);
    if (!rt) return undefined;
    const entry = this.informers.get(typeKey(rt));
    const obj = entry?.inf.get(rt.namespaced ? dependent.metadata?.namespace : undefined, ref.name);
    return obj && obj.metadata?.uid === ref.uid ? { rt, obj } : undefined;
  }

  async reconcile(key: string): Promise<void> {
    const [kind, group, plural, ns, name] = key.split('|');
    const entry = this.informers.get(`${group}|${plural}`);
    if (!entry) return;
    const obj = entry.inf.get(ns || undefined, name);
    if (!obj) return;
    if (kind === 'owner') return this.processDeletingOwner(entry.rt, obj);
    return this.attemptToDelete(entry.rt, obj);
  }

  /** Classify an owner reference, confirming an apparently missing owner with a live read. */
  private async ownerState(dependent: KubeObject, ref: OwnerReference): Promise<OwnerState> {
    const rt = ownerType(ref);
    if (!rt) return 'solid'; // unknown kind: never collect on a guess
    if (rt.namespaced && !dependent.metadata?.namespace) return 'dangling'; // cluster-scoped object cannot have a namespaced owner
    const ns = rt.namespaced ? dependent.metadata?.namespace : undefined;
    let owner = this.informers.get(typeKey(rt))?.inf.get(ns, ref.name);
    if (!owner || owner.metadata?.uid !== ref.uid) {
      try {
        owner = await this.ctx.client.get(rt, ns, ref.name);
      } catch (e) {
        if (isNotFound(e)) return 'dangling';
        throw e;
      }
      if (owner.metadata?.uid !== ref.uid) return 'dangling';
    }
    if (owner.metadata?.deletionTimestamp) return hasFinalizer(owner, FINALIZER_FOREGROUND) ? 'waiting' : 'deleting';
    return 'solid';
  }

  private async attemptToDelete(rt: ResourceType, obj: KubeObject): Promise<void> {
    const refs = obj.metadata?.ownerReferences ?? [];
    if (refs.length === 0) return;
    if (obj.metadata?.deletionTimestamp && !hasFinalizer(obj, FINALIZER_FOREGROUND)) return; // already going away
    const states = await Promise.all(refs.map(async (r) => ({ ref: r, state: await this.ownerState(obj, r) })));
    const solid = states.filter((s) => s.state === 'solid' || s.state === 'deleting');
    const dangling = states.filter((s) => s.state === 'dangling');
    const waiting = states.filter((s) => s.state === 'waiting');
    if (dangling.length === 0 && waiting.length === 0) return;
    if (obj.metadata?.deletionTimestamp) return; // a foreground-deleting dependent: its own owner pass finishes it
    if (solid.length > 0) {
      // Still owned by someone alive: just drop the references to owners that are gone or going.
      await this.removeOwnerRefs(rt, obj, [...dangling, ...waiting].map((s) => s.ref.uid));
      return;
    }
    let policy: 'Orphan' | 'Foreground' | 'Background';
    if (waiting.length > 0 && this.dependentsOf(obj.metadata!.uid!).length > 0) policy = 'Foreground';
    else if (hasFinalizer(obj, FINALIZER_ORPHAN)) policy = 'Orphan';
    else if (hasFinalizer(obj, FINALIZER_FOREGROUND)) policy = 'Foreground';
    else policy = 'Background';
    this.log.debug({ kind: rt.kind, namespace: obj.metadata?.namespace, name: obj.metadata?.name, policy }, 'deleting object whose owners are gone');
    try {
      await this.ctx.client.delete(rt, obj.metadata?.namespace, obj.metadata!.name!, { propagationPolicy: policy, preconditions: { uid: obj.metadata?.uid } });
    } catch (e) {
      if (isNotFound(e) || (e instanceof ApiError && e.code === 409)) return;
      throw e;
    }
  }

  private async processDeletingOwner(rt: ResourceType, owner: KubeObject): Promise<void> {
    if (!owner.metadata?.deletionTimestamp) return;
    const uid = owner.metadata.uid!;
    const dependents = this.dependentsOf(uid);
    if (hasFinalizer(owner, FINALIZER_ORPHAN)) {
      for (const d of dependents) await this.removeOwnerRefs(d.rt, d.obj, [uid]);
      await removeFinalizer(this.ctx.client, rt, owner, FINALIZER_ORPHAN);
      return;
    }
    if (!hasFinalizer(owner, FINALIZER_FOREGROUND)) return;
    // Delete every dependent; only those with blockOwnerDeletion hold the owner back.
    for (const d of dependents) if (!d.obj.metadata?.deletionTimestamp || hasFinalizer(d.obj, FINALIZER_FOREGROUND)) await this.attemptToDelete(d.rt, d.obj);
    const blocking = dependents.filter((d) => (d.obj.metadata?.ownerReferences ?? []).some((r) => r.uid === uid && r.blockOwnerDeletion === true));
    if (blocking.length > 0) return; // their deletion events bring us back
    await removeFinalizer(this.ctx.client, rt, owner, FINALIZER_FOREGROUND);
  }

  private async removeOwnerRefs(rt: ResourceType, obj: KubeObject, uids: (string | undefined)[]): Promise<void> {
    const patch = { metadata: { ownerReferences: uids.map((u) => ({ $patch: 'delete', uid: u })), uid: obj.metadata?.uid } };
    try {
      await this.ctx.client.patch(rt, obj.metadata?.namespace, obj.metadata!.name!, 'strategic', patch);
    } catch (e) {
      if (isNotFound(e) || (e instanceof ApiError && (e.code === 409 || e.code === 422))) return;
      throw e;
    }
  }
}

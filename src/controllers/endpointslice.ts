// The EndpointSlice controller (upstream endpointslice-controller.k8s.io): for every Service with
// a selector it keeps discovery.k8s.io/v1 EndpointSlices (addressType IPv4, at most 100
// endpoints each, one set per distinct resolved port list) whose endpoints carry the pod's
// readiness as conditions ready/serving/terminating. Terminating pods stay listed (ready false,
// serving as the pod reports) so proxies can drain them; a Service with no endpoints keeps one
// empty placeholder slice.
import type { EndpointPort as SlicePort, Endpoint as SliceEndpoint, EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import type { Pod, Service } from 'kubernetes-types/core/v1.js';
import type { OwnerReference } from 'kubernetes-types/meta/v1.js';
import type pino from 'pino';
import { isNotFound, type ApiClient, type KubeObject } from '../client/api.js';
import { keyOf, splitKey, type SharedInformer } from '../client/informer.js';
import { WorkQueue } from '../client/workqueue.js';
import type { Controller, ControllerContext } from './context.js';
import {
  ENDPOINT_SLICES,
  SERVICES,
  findPort,
  isPodReady,
  podIPv4,
  selectorMatches,
  serviceSelects,
  shouldPodBeInEndpoints,
  shouldSetHostname,
} from './endpoint-pods.js';
import { HEADLESS_LABEL, LAST_CHANGE_TRIGGER_TIME } from './endpoints.js';
import { PODS } from './resource-types.js';
import { rfc3339 } from './timestamps.js';

export const ENDPOINTSLICE_CONTROLLER = 'endpointslice-controller';
export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';
export const MANAGED_BY_LABEL = 'endpointslice.kubernetes.io/managed-by';
export const MANAGED_BY_CONTROLLER = 'endpointslice-controller.k8s.io';
export const MAX_ENDPOINTS_PER_SLICE = 100;
/** How soon to look again when the cache has not caught up with our own writes. */
const STALE_RETRY_MS = 50;

export type Slice = EndpointSlice & KubeObject;

/** Endpoints sharing one port list. */
export interface EndpointGroup {
  ports: SlicePort[] | undefined;
  endpoints: SliceEndpoint[];
}

export function portsKey(ports: SlicePort[] | undefined | null): string {
  return (ports ?? []).map((p) => `${p.name ?? ''}/${p.port}/${p.protocol ?? 'TCP'}`).sort().join(',');
}

function sameJSON(a: unknown, b: unknown): boolean {
  return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
}

/** The slice endpoint for a pod (upstream podToEndpoint). */
export function podToEndpoint(pod: Pod, svc: Service): SliceEndpoint {
  const serving = isPodReady(pod);
  const terminating = !!pod.metadata?.deletionTimestamp;
  // Compatibility: "ready" is never true for a terminating pod unless publishNotReadyAddresses.
  const ready = !!svc.spec?.publishNotReadyAddresses || (serving && !terminating);
  const ep: SliceEndpoint = {
    addresses: [podIPv4(pod)!],
    conditions: { ready, serving, terminating },
    targetRef: { kind: 'Pod', namespace: pod.metadata?.namespace, name: pod.metadata?.name, uid: pod.metadata?.uid },
  };
  if (pod.spec?.nodeName) ep.nodeName = pod.spec.nodeName;
  if (shouldSetHostname(pod, svc)) ep.hostname = pod.spec!.hostname;
  return ep;
}

/** Endpoints of a selector Service grouped by the port list each pod resolves to. */
export function desiredGroups(svc: Service, pods: Pod[]): EndpointGroup[] {
  const groups = new Map<string, EndpointGroup>();
  for (const pod of pods) {
    if (!shouldPodBeInEndpoints(pod, true)) continue;
    const ports: SlicePort[] = [];
    for (const sp of svc.spec?.ports ?? []) {
      const port = findPort(pod, sp);
      if (port === undefined) continue;
      const p: SlicePort = { name: sp.name ?? '', port, protocol: sp.protocol ?? 'TCP' };
      if (sp.appProtocol) p.appProtocol = sp.appProtocol;
      ports.push(p);
    }
    const k = portsKey(ports);
    let g = groups.get(k);
    if (!g) groups.set(k, (g = { ports, endpoints: [] }));
    g.endpoints.push(podToEndpoint(pod, svc));
  }
  return [...groups.values()];
}

function byAddress(a: SliceEndpoint, b: SliceEndpoint): number {
  const x = a.addresses[0] ?? '';
  const y = b.addresses[0] ?? '';
  return x < y ? -1 : x > y ? 1 : 0;
}

export interface SliceSetSpec {
  namespace: string;
  /** generateName prefix ("<service>-"). */
  generateName: string;
  labels: Record<string, string>;
  annotations?: Record<string, string>;
  owner: OwnerReference;
  groups: EndpointGroup[];
  maxPerSlice: number;
  /** Time stamped into last-change-trigger-time when a slice changes (omit for none). */
  triggerTime?: string;
}

/** What a sync wrote: slice name → resourceVersion after the write, or null when deleted. */
export type SliceWrites = Map<string, string | null>;

/**
 * Make the existing slices of one owner equal the desired groups, reusing slices with the same
 * port list (stable names), creating the missing ones and deleting the rest. With no groups a
 * single empty placeholder slice remains.
 */
export async function syncSliceSet(client: ApiClient, existing: Slice[], spec: SliceSetSpec): Promise<SliceWrites> {
  const writes: SliceWrites = new Map();
  const groups = spec.groups.length ? spec.groups : [{ ports: undefined, endpoints: [] }];
  const pool = new Map<string, Slice[]>();
  for (const s of [...existing].sort((a, b) => ((a.metadata?.name ?? '') < (b.metadata?.name ?? '') ? -1 : 1))) {
    const k = portsKey(s.ports);
    pool.set(k, [...(pool.get(k) ?? []), s]);
  }
  for (const g of groups) {
    const eps = [...g.endpoints].sort(byAddress);
    const chunks: SliceEndpoint[][] = [];
    for (let i = 0; i < eps.length; i += spec.maxPerSlice) chunks.push(eps.slice(i, i + spec.maxPerSlice));
    if (chunks.length === 0) chunks.push([]);
    const reuse = pool.get(portsKey(g.ports)) ?? [];
    for (const chunk of chunks) {
      const cur = reuse.shift();
      const body: Slice = {
        apiVersion: 'discovery.k8s.io/v1',
        kind: 'EndpointSlice',
        metadata: { namespace: spec.namespace, labels: spec.labels, ownerReferences: [spec.owner] },
        addressType: 'IPv4',
        endpoints: chunk,
      };
      if (g.ports && g.ports.length) body.ports = g.ports;
      const annotations = { ...(spec.annotations ?? {}) };
      if (cur) {
        const unchanged =
          sameJSON(cur.endpoints ?? [], chunk) &&
          sameJSON(cur.ports ?? [], body.ports ?? []) &&
          sameJSON(cur.metadata?.labels ?? {}, spec.labels) &&
          sameJSON(cur.metadata?.ownerReferences, [spec.owner]);
        if (unchanged) continue;
        if (spec.triggerTime) annotations[LAST_CHANGE_TRIGGER_TIME] = spec.triggerTime;
        body.metadata = { ...cur.metadata, ...body.metadata, annotations };
        const out = await client.update<Slice>(ENDPOINT_SLICES, spec.namespace, body);
        writes.set(out.metadata!.name!, out.metadata?.resourceVersion ?? '');
      } else {
        if (spec.triggerTime) annotations[LAST_CHANGE_TRIGGER_TIME] = spec.triggerTime;
        body.metadata!.generateName = spec.generateName;
        if (Object.keys(annotations).length) body.metadata!.annotations = annotations;
        const out = await client.create<Slice>(ENDPOINT_SLICES, spec.namespace, body);
        writes.set(out.metadata!.name!, out.metadata?.resourceVersion ?? '');
      }
    }
    pool.set(portsKey(g.ports), reuse);
  }
  for (const left of pool.values()) {
    for (const s of left) {
      await deleteIgnoringNotFound(client, s);
      writes.set(s.metadata!.name!, null);
    }
  }
  return writes;
}

/**
 * Remembers this controller's own slice writes per owner key until the informer shows them, so a
 * reconcile never acts on a cache that predates its previous writes (which would create
 * duplicate slices). Upstream calls this the EndpointSliceTracker.
 */
export class SliceWriteTracker {
  private readonly pending = new Map<string, SliceWrites>();

  record(key: string, writes: SliceWrites): void {
    if (writes.size) this.pending.set(key, writes);
  }

  forget(key: string): void {
    this.pending.delete(key);
  }

  /** True while the cache lacks one of the writes made for `key`. */
  stale(key: string, cached: (name: string) => Slice | undefined): boolean {
    const w = this.pending.get(key);
    if (!w) return false;
    for (const [name, rv] of w) {
      const c = cached(name);
      if (rv === null ? c !== undefined : !c || revision(c) < Number(rv)) return true;
    }
    this.pending.delete(key);
    return false;
  }
}

function revision(s: Slice): number {
  const n = Number(s.metadata?.resourceVersion);
  return Number.isFinite(n) ? n : 0;
}

export async function deleteIgnoringNotFound(client: ApiClient, s: Slice): Promise<void> {
  try {
    await client.delete(ENDPOINT_SLICES, s.metadata!.namespace, s.metadata!.name!);
  } catch (e) {
    if (!isNotFound(e)) throw e;
  }
}

/** Slice labels for a Service (upstream copies the service's labels, then adds its own). */
export function sliceLabels(svc: Service, managedBy: string): Record<string, string> {
  const labels: Record<string, string> = { ...(svc.metadata?.labels ?? {}) };
  labels[SERVICE_NAME_LABEL] = svc.metadata!.name!;
  labels[MANAGED_BY_LABEL] = managedBy;
  if (svc.spec?.clusterIP === 'None') labels[HEADLESS_LABEL] = '';
  else delete labels[HEADLESS_LABEL];
  return labels;
}

/** Index of slices by "ns/<service-name label>". */
export const SLICE_SERVICE_INDEX = 'serviceName';
export function sliceServiceIndexFunc(s: KubeObject): string[] {
  const svc = s.metadata?.labels?.[SERVICE_NAME_LABEL];
  return svc && s.metadata?.namespace ? [`${s.metadata.namespace}/${svc}`] : [];
}

export class EndpointSliceController implements Controller {
  readonly name = ENDPOINTSLICE_CONTROLLER;
  readonly queue: WorkQueue<string>;
  readonly workers: number;
  private readonly services: SharedInformer<Service & KubeObject>;
  private readonly pods: SharedInformer<Pod & KubeObject>;
  private readonly slices: SharedInformer<Slice>;
  private readonly log: pino.Logger;
  private readonly maxPerSlice: number;
  private readonly tracker = new SliceWriteTracker();

  constructor(
    private readonly ctx: ControllerContext,
    opts: { workers?: number; maxEndpointsPerSlice?: number } = {},
  ) {
    this.queue = new WorkQueue<string>({ name: 'endpoint_slice', clock: ctx.clock });
    this.workers = opts.workers ?? 5;
    this.maxPerSlice = opts.maxEndpointsPerSlice ?? MAX_ENDPOINTS_PER_SLICE;
    this.log = ctx.logger.child({ component: ENDPOINTSLICE_CONTROLLER });
    this.services = ctx.factory.informerFor(SERVICES);
    this.pods = ctx.factory.informerFor(PODS);
    this.slices = ctx.factory.informerFor(ENDPOINT_SLICES);
    this.slices.addIndexer(SLICE_SERVICE_INDEX, sliceServiceIndexFunc);
    this.services.addEventHandler({
      onAdd: (s) => this.queue.add(keyOf(s)),
      onUpdate: (_o, s) => this.queue.add(keyOf(s)),
      onDelete: (s) => this.queue.add(keyOf(s)),
    });
    this.pods.addEventHandler({
      onAdd: (p) => this.enqueueServicesOf(p),
      onUpdate: (o, p) => {
        if (!sameJSON(o.metadata?.labels, p.metadata?.labels)) this.enqueueServicesOf(o);
        this.enqueueServicesOf(p);
      },
      onDelete: (p) => this.enqueueServicesOf(p),
    });
    const ownSlice = (s: Slice) => {
      if (s.metadata?.labels?.[MANAGED_BY_LABEL] !== MANAGED_BY_CONTROLLER) return;
      const svc = s.metadata?.labels?.[SERVICE_NAME_LABEL];
      if (svc) this.queue.add(`${s.metadata!.namespace}/${svc}`);
    };
    this.slices.addEventHandler({ onUpdate: (_o, s) => ownSlice(s), onDelete: ownSlice });
  }

  private enqueueServicesOf(pod: Pod): void {
    const ns = pod.metadata?.namespace;
    if (!ns) return;
    for (const svc of this.services.byIndex('namespace', ns)) {
      if (serviceSelects(svc) && selectorMatches(svc.spec!.selector!, pod.metadata?.labels)) this.queue.add(keyOf(svc));
    }
  }

  async reconcile(key: string): Promise<void | { requeueAfterMs: number }> {
    const { namespace, name } = splitKey(key);
    if (this.tracker.stale(key, (n) => this.slices.get(namespace, n))) return { requeueAfterMs: STALE_RETRY_MS };
    const svc = this.services.get(namespace, name);
    const managed = this.slices.byIndex(SLICE_SERVICE_INDEX, key).filter((s) => s.metadata?.labels?.[MANAGED_BY_LABEL] === MANAGED_BY_CONTROLLER);
    if (!svc || !serviceSelects(svc) || svc.metadata?.deletionTimestamp) {
      const gone: SliceWrites = new Map();
      for (const s of managed) {
        await deleteIgnoringNotFound(this.ctx.client, s);
        gone.set(s.metadata!.name!, null);
      }
      this.tracker.record(key, gone);
      return;
    }
    // Slices left by an earlier Service of the same name belong to nobody now.
    const uid = svc.metadata?.uid;
    const mine: Slice[] = [];
    for (const s of managed) {
      const owner = s.metadata?.ownerReferences?.find((r) => r.controller);
      if (owner && owner.uid !== uid) await deleteIgnoringNotFound(this.ctx.client, s);
      else mine.push(s);
    }
    const pods = this.pods.byIndex('namespace', namespace!).filter((p) => selectorMatches(svc.spec!.selector!, p.metadata?.labels));
    const writes = await syncSliceSet(this.ctx.client, mine, {
      namespace: namespace!,
      generateName: `${name}-`,
      labels: sliceLabels(svc, MANAGED_BY_CONTROLLER),
      owner: { apiVersion: 'v1', kind: 'Service', name, uid: uid!, controller: true, blockOwnerDeletion: true },
      groups: desiredGroups(svc, pods),
      maxPerSlice: this.maxPerSlice,
      triggerTime: rfc3339(this.ctx.clock.now()),
    });
    this.tracker.record(key, writes);
    if (writes.size) this.log.debug({ service: key, writes: writes.size }, 'endpoint slices synced');
  }
}

// The EndpointSlice mirroring controller (upstream endpointslicemirroring-controller.k8s.io):
// hand-written Endpoints of a Service without a selector (the "external database" pattern) are
// mirrored into EndpointSlices, so slice consumers (proxy, DNS, ingress) see them too.
// Endpoints labelled endpointslice.kubernetes.io/skip-mirror=true are left alone.
import type { EndpointSlice, Endpoint as SliceEndpoint, EndpointPort as SlicePort } from 'kubernetes-types/discovery/v1.js';
import type { EndpointAddress, Endpoints, Service } from 'kubernetes-types/core/v1.js';
import type pino from 'pino';
import type { KubeObject } from '../client/api.js';
import { keyOf, splitKey, type SharedInformer } from '../client/informer.js';
import { WorkQueue } from '../client/workqueue.js';
import type { Controller, ControllerContext } from './context.js';
import { ENDPOINTS, ENDPOINT_SLICES, SERVICES, serviceSelects } from './endpoint-pods.js';
import { LAST_CHANGE_TRIGGER_TIME } from './endpoints.js';
import {
  MANAGED_BY_LABEL,
  SERVICE_NAME_LABEL,
  SLICE_SERVICE_INDEX,
  SliceWriteTracker,
  deleteIgnoringNotFound,
  portsKey,
  sliceServiceIndexFunc,
  syncSliceSet,
  type EndpointGroup,
  type Slice,
  type SliceWrites,
} from './endpointslice.js';

export const MIRRORING_CONTROLLER = 'endpointslice-mirroring-controller';
export const MANAGED_BY_MIRRORING = 'endpointslicemirroring-controller.k8s.io';
export const SKIP_MIRROR_LABEL = 'endpointslice.kubernetes.io/skip-mirror';
/** Upstream mirrors at most this many addresses per Endpoints. */
export const MAX_MIRRORED_ADDRESSES = 1000;

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

function toEndpoint(a: EndpointAddress, ready: boolean): SliceEndpoint {
  const ep: SliceEndpoint = { addresses: [a.ip], conditions: { ready } };
  if (a.hostname) ep.hostname = a.hostname;
  if (a.nodeName) ep.nodeName = a.nodeName;
  if (a.targetRef) ep.targetRef = a.targetRef;
  return ep;
}

/** Slice groups for an Endpoints object: subsets with the same ports merge; IPv4 only. */
export function mirroredGroups(ep: Endpoints): EndpointGroup[] {
  const groups = new Map<string, EndpointGroup>();
  let budget = MAX_MIRRORED_ADDRESSES;
  for (const ss of ep.subsets ?? []) {
    const ports: SlicePort[] = (ss.ports ?? []).map((p) => {
      const sp: SlicePort = { name: p.name ?? '', port: p.port, protocol: p.protocol ?? 'TCP' };
      if (p.appProtocol) sp.appProtocol = p.appProtocol;
      return sp;
    });
    const k = portsKey(ports);
    let g = groups.get(k);
    if (!g) groups.set(k, (g = { ports, endpoints: [] }));
    for (const [list, ready] of [[ss.addresses ?? [], true], [ss.notReadyAddresses ?? [], false]] as const) {
      for (const a of list) {
        if (budget <= 0 || !IPV4.test(a.ip)) continue;
        budget--;
        g.endpoints.push(toEndpoint(a, ready));
      }
    }
  }
  return [...groups.values()].filter((g) => g.endpoints.length > 0);
}

/** Labels of mirrored slices: the Endpoints' own labels plus the slice labels. */
function mirroredLabels(ep: Endpoints, service: string): Record<string, string> {
  const labels: Record<string, string> = { ...(ep.metadata?.labels ?? {}) };
  labels[SERVICE_NAME_LABEL] = service;
  labels[MANAGED_BY_LABEL] = MANAGED_BY_MIRRORING;
  return labels;
}

export class EndpointSliceMirroringController implements Controller {
  readonly name = MIRRORING_CONTROLLER;
  readonly queue: WorkQueue<string>;
  readonly workers: number;
  private readonly services: SharedInformer<Service & KubeObject>;
  private readonly endpoints: SharedInformer<Endpoints & KubeObject>;
  private readonly slices: SharedInformer<Slice>;
  private readonly tracker = new SliceWriteTracker();
  private readonly log: pino.Logger;

  constructor(
    private readonly ctx: ControllerContext,
    opts: { workers?: number } = {},
  ) {
    this.queue = new WorkQueue<string>({ name: 'endpointslice_mirroring', clock: ctx.clock });
    this.workers = opts.workers ?? 5;
    this.log = ctx.logger.child({ component: MIRRORING_CONTROLLER });
    this.services = ctx.factory.informerFor(SERVICES);
    this.endpoints = ctx.factory.informerFor(ENDPOINTS);
    this.slices = ctx.factory.informerFor(ENDPOINT_SLICES);
    this.slices.addIndexer(SLICE_SERVICE_INDEX, sliceServiceIndexFunc);
    const enqueue = (o: KubeObject) => this.queue.add(keyOf(o));
    this.services.addEventHandler({ onAdd: enqueue, onUpdate: (_o, s) => enqueue(s), onDelete: enqueue });
    this.endpoints.addEventHandler({ onAdd: enqueue, onUpdate: (_o, e) => enqueue(e), onDelete: enqueue });
    const ownSlice = (s: Slice) => {
      const svc = s.metadata?.labels?.[SERVICE_NAME_LABEL];
      if (svc && s.metadata?.labels?.[MANAGED_BY_LABEL] === MANAGED_BY_MIRRORING) this.queue.add(`${s.metadata!.namespace}/${svc}`);
    };
    this.slices.addEventHandler({ onUpdate: (_o, s) => ownSlice(s), onDelete: ownSlice });
  }

  async reconcile(key: string): Promise<void | { requeueAfterMs: number }> {
    const { namespace, name } = splitKey(key);
    if (this.tracker.stale(key, (n) => this.slices.get(namespace, n))) return { requeueAfterMs: 50 };
    const svc = this.services.get(namespace, name);
    const ep = this.endpoints.get(namespace, name);
    const mirrored = this.slices.byIndex(SLICE_SERVICE_INDEX, key).filter((s) => s.metadata?.labels?.[MANAGED_BY_LABEL] === MANAGED_BY_MIRRORING);
    const wanted = svc && !serviceSelects(svc) && svc.spec?.type !== 'ExternalName' && ep && ep.metadata?.labels?.[SKIP_MIRROR_LABEL] !== 'true';
    if (!wanted) {
      const gone: SliceWrites = new Map();
      for (const s of mirrored) {
        await deleteIgnoringNotFound(this.ctx.client, s);
        gone.set(s.metadata!.name!, null);
      }
      this.tracker.record(key, gone);
      return;
    }
    const annotations = { ...(ep.metadata?.annotations ?? {}) };
    delete annotations['kubectl.kubernetes.io/last-applied-configuration'];
    delete annotations[LAST_CHANGE_TRIGGER_TIME];
    const writes = await syncSliceSet(this.ctx.client, mirrored, {
      namespace: namespace!,
      generateName: `${name}-`,
      labels: mirroredLabels(ep, name),
      annotations,
      owner: { apiVersion: 'v1', kind: 'Endpoints', name, uid: ep.metadata!.uid!, controller: true, blockOwnerDeletion: true },
      groups: mirroredGroups(ep),
      maxPerSlice: 100,
    });
    this.tracker.record(key, writes);
    if (writes.size) this.log.debug({ endpoints: key, writes: writes.size }, 'mirrored endpoint slices synced');
  }
}

export type { EndpointSlice };

// The Endpoints controller (upstream endpoint-controller): for every Service with a selector it
// keeps an Endpoints object of the same name listing the matching pods — ready pods under
// `addresses`, the others under `notReadyAddresses` (all under `addresses` with
// publishNotReadyAddresses) — with targetRef, nodeName and hostname, and ports resolved per pod
// (named targetPorts). Services without a selector keep their hand-written Endpoints.
import type { EndpointAddress, EndpointPort, Endpoints, EndpointSubset, Pod, Service } from 'kubernetes-types/core/v1.js';
import type pino from 'pino';
import { isAlreadyExists, isConflict, isNotFound, type KubeObject } from '../client/api.js';
import { keyOf, splitKey, type SharedInformer } from '../client/informer.js';
import { WorkQueue } from '../client/workqueue.js';
import type { Controller, ControllerContext } from './context.js';
import {
  ENDPOINTS,
  SERVICES,
  findPort,
  isPodReady,
  podIPv4,
  selectorMatches,
  serviceSelects,
  shouldPodBeInEndpoints,
  shouldSetHostname,
} from './endpoint-pods.js';
import { PODS } from './resource-types.js';
import { rfc3339 } from './timestamps.js';

export const ENDPOINT_CONTROLLER = 'endpoint-controller';
export const LAST_CHANGE_TRIGGER_TIME = 'endpoints.kubernetes.io/last-change-trigger-time';
export const OVER_CAPACITY = 'endpoints.kubernetes.io/over-capacity';
export const HEADLESS_LABEL = 'service.kubernetes.io/headless';
/** Endpoints beyond this many addresses are truncated (upstream maxCapacity). */
export const MAX_ENDPOINT_ADDRESSES = 1000;

type Addr = { addr: EndpointAddress; ready: boolean };

function portKey(p: EndpointPort | undefined): string {
  return p ? `${p.name ?? ''}/${p.port}/${p.protocol ?? 'TCP'}` : '';
}

function addrKey(a: EndpointAddress): string {
  return `${a.ip}/${a.targetRef?.uid ?? ''}`;
}

function compareAddr(a: EndpointAddress, b: EndpointAddress): number {
  return a.ip < b.ip ? -1 : a.ip > b.ip ? 1 : addrKey(a) < addrKey(b) ? -1 : addrKey(a) > addrKey(b) ? 1 : 0;
}

/**
 * Upstream RepackSubsets: group addresses by the exact set of ports they offer, so a pod whose
 * named port resolves differently lands in its own subset. Output is sorted (stable objects).
 */
export function repackSubsets(entries: { addr: EndpointAddress; ready: boolean; port?: EndpointPort }[]): EndpointSubset[] {
  const byAddr = new Map<string, { a: Addr; ports: Map<string, EndpointPort> }>();
  for (const e of entries) {
    const k = addrKey(e.addr) + (e.ready ? '+' : '-');
    let cur = byAddr.get(k);
    if (!cur) byAddr.set(k, (cur = { a: { addr: e.addr, ready: e.ready }, ports: new Map() }));
    if (e.port) cur.ports.set(portKey(e.port), e.port);
  }
  const groups = new Map<string, { ports: EndpointPort[]; ready: EndpointAddress[]; notReady: EndpointAddress[] }>();
  for (const { a, ports } of byAddr.values()) {
    const sorted = [...ports.values()].sort((x, y) => (portKey(x) < portKey(y) ? -1 : portKey(x) > portKey(y) ? 1 : 0));
    const k = sorted.map(portKey).join(',');
    let g = groups.get(k);
    if (!g) groups.set(k, (g = { ports: sorted, ready: [], notReady: [] }));
    (a.ready ? g.ready : g.notReady).push(a.addr);
  }
  const out: EndpointSubset[] = [];
  for (const g of groups.values()) {
    const ss: EndpointSubset = {};
    if (g.ready.length) ss.addresses = g.ready.sort(compareAddr);
    if (g.notReady.length) ss.notReadyAddresses = g.notReady.sort(compareAddr);
    if (g.ports.length) ss.ports = g.ports;
    out.push(ss);
  }
  const first = (s: EndpointSubset) => (s.addresses?.[0] ?? s.notReadyAddresses?.[0])?.ip ?? '';
  return out.sort((a, b) => (first(a) < first(b) ? -1 : first(a) > first(b) ? 1 : 0));
}

/** The address entry of a pod as the Endpoints controller writes it. */
export function endpointAddress(pod: Pod, svc: Service): EndpointAddress {
  const addr: EndpointAddress = {
    ip: podIPv4(pod)!,
    targetRef: { kind: 'Pod', namespace: pod.metadata?.namespace, name: pod.metadata?.name, uid: pod.metadata?.uid },
  };
  if (pod.spec?.nodeName) addr.nodeName = pod.spec.nodeName;
  if (shouldSetHostname(pod, svc)) addr.hostname = pod.spec!.hostname;
  return addr;
}

/** The subsets a Service should have for these (already selector-matched) pods. */
export function desiredSubsets(svc: Service, pods: Pod[]): EndpointSubset[] {
  const tolerate = !!svc.spec?.publishNotReadyAddresses;
  const ports = svc.spec?.ports ?? [];
  const entries: { addr: EndpointAddress; ready: boolean; port?: EndpointPort }[] = [];
  for (const pod of pods) {
    if (!shouldPodBeInEndpoints(pod, tolerate)) continue;
    const addr = endpointAddress(pod, svc);
    const ready = tolerate || isPodReady(pod);
    if (ports.length === 0) {
      // Headless services may have no ports; other port-less services get no endpoints.
      if (svc.spec?.clusterIP === 'None') entries.push({ addr, ready });
      continue;
    }
    for (const sp of ports) {
      const port = findPort(pod, sp);
      if (port === undefined) continue;
      const ep: EndpointPort = { port, protocol: sp.protocol ?? 'TCP' };
      if (sp.name) ep.name = sp.name;
      if (sp.appProtocol) ep.appProtocol = sp.appProtocol;
      entries.push({ addr, ready, port: ep });
    }
  }
  return repackSubsets(entries);
}

/** Cap the number of addresses (upstream truncates and marks the object over capacity). */
function truncate(subsets: EndpointSubset[], max: number): { subsets: EndpointSubset[]; truncated: boolean } {
  let total = 0;
  for (const s of subsets) total += (s.addresses?.length ?? 0) + (s.notReadyAddresses?.length ?? 0);
  if (total <= max) return { subsets, truncated: false };
  let left = max;
  const out: EndpointSubset[] = [];
  for (const s of subsets) {
    const ready = (s.addresses ?? []).slice(0, Math.max(0, left));
    left -= ready.length;
    const notReady = (s.notReadyAddresses ?? []).slice(0, Math.max(0, left));
    left -= notReady.length;
    if (!ready.length && !notReady.length) continue;
    out.push({ ...(ready.length ? { addresses: ready } : {}), ...(notReady.length ? { notReadyAddresses: notReady } : {}), ...(s.ports ? { ports: s.ports } : {}) });
  }
  return { subsets: out, truncated: true };
}

/** Labels of the Endpoints: the service's labels, plus the headless marker. */
export function endpointsLabels(svc: Service): Record<string, string> {
  const labels: Record<string, string> = { ...(svc.metadata?.labels ?? {}) };
  if (svc.spec?.clusterIP === 'None') labels[HEADLESS_LABEL] = '';
  else delete labels[HEADLESS_LABEL];
  return labels;
}

function sameJSON(a: unknown, b: unknown): boolean {
  return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
}

export class EndpointsController implements Controller {
  readonly name = ENDPOINT_CONTROLLER;
  readonly queue: WorkQueue<string>;
  readonly workers: number;
  private readonly services: SharedInformer<Service & KubeObject>;
  private readonly pods: SharedInformer<Pod & KubeObject>;
  private readonly endpoints: SharedInformer<Endpoints & KubeObject>;
  private readonly log: pino.Logger;

  constructor(
    private readonly ctx: ControllerContext,
    opts: { workers?: number } = {},
  ) {
    this.queue = new WorkQueue<string>({ name: 'endpoint', clock: ctx.clock });
    this.workers = opts.workers ?? 5;
    this.log = ctx.logger.child({ component: ENDPOINT_CONTROLLER });
    this.services = ctx.factory.informerFor(SERVICES);
    this.pods = ctx.factory.informerFor(PODS);
    this.endpoints = ctx.factory.informerFor(ENDPOINTS);
    this.services.addEventHandler({
      onAdd: (s) => this.queue.add(keyOf(s)),
      onUpdate: (_o, s) => this.queue.add(keyOf(s)),
      onDelete: (s) => this.queue.add(keyOf(s)),
    });
    this.pods.addEventHandler({
      onAdd: (p) => this.enqueueServicesOf(p),
      onUpdate: (o, p) => {
        // A label change can move the pod between services: wake both sides.
        if (!sameJSON(o.metadata?.labels, p.metadata?.labels)) this.enqueueServicesOf(o);
        this.enqueueServicesOf(p);
      },
      onDelete: (p) => this.enqueueServicesOf(p),
    });
    // Someone deleted a managed Endpoints: put it back (upstream reacts to deletes only, so a
    // hand-written Endpoints created before its Service survives).
    this.endpoints.addEventHandler({ onDelete: (ep) => this.queue.add(keyOf(ep)) });
  }

  private enqueueServicesOf(pod: Pod): void {
    const ns = pod.metadata?.namespace;
    if (!ns) return;
    for (const svc of this.services.byIndex('namespace', ns)) {
      if (serviceSelects(svc) && selectorMatches(svc.spec!.selector!, pod.metadata?.labels)) this.queue.add(keyOf(svc));
    }
  }

  async reconcile(key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    const svc = this.services.get(namespace, name);
    if (!svc) {
      // Upstream deletes the Endpoints of a deleted Service (selector or not).
      if (this.endpoints.get(namespace, name)) {
        try {
          await this.ctx.client.delete(ENDPOINTS, namespace, name);
        } catch (e) {
          if (!isNotFound(e)) throw e;
        }
      }
      return;
    }
    if (!serviceSelects(svc)) return;
    if (svc.metadata?.deletionTimestamp) return;
    const pods = this.pods.byIndex('namespace', namespace!).filter((p) => selectorMatches(svc.spec!.selector!, p.metadata?.labels));
    const { subsets, truncated } = truncate(desiredSubsets(svc, pods), MAX_ENDPOINT_ADDRESSES);
    const labels = endpointsLabels(svc);
    const current = this.endpoints.get(namespace, name);
    const annotations: Record<string, string> = { ...(current?.metadata?.annotations ?? {}) };
    if (truncated) annotations[OVER_CAPACITY] = 'truncated';
    else delete annotations[OVER_CAPACITY];
    if (current && sameJSON(current.subsets ?? [], subsets) && sameJSON(current.metadata?.labels ?? {}, labels) && sameJSON(current.metadata?.annotations ?? {}, annotations)) return;
    annotations[LAST_CHANGE_TRIGGER_TIME] = rfc3339(this.ctx.clock.now());
    const desired: Endpoints & KubeObject = {
      apiVersion: 'v1',
      kind: 'Endpoints',
      metadata: current ? { ...current.metadata, labels, annotations } : { name, namespace, labels, annotations },
    };
    if (subsets.length) desired.subsets = subsets;
    try {
      if (current) await this.ctx.client.update(ENDPOINTS, namespace, desired);
      else await this.ctx.client.create(ENDPOINTS, namespace, desired);
    } catch (e) {
      // A stale cache: the rate-limited retry runs once the informer has caught up.
      if (isConflict(e) || isAlreadyExists(e) || isNotFound(e)) this.log.debug({ key, err: String(e) }, 'endpoints write raced; retrying');
      throw e;
    }
  }
}

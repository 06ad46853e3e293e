// A node-side view of Services and their endpoints (from EndpointSlices; the Endpoints object is
// the fallback for a Service that has no slices at all, e.g. `kubernetes`, whose Endpoints the
// API server writes with skip-mirror). Proxy, DNS and ingress all read it, and get one
// coalesced onChange call per burst of watch events.
import type { Endpoints, Namespace, Service } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import { findByKind, type ResourceType } from '../api/registry.js';
import type { ApiClient, KubeObject } from '../client/api.js';
import { InformerFactory, type SharedInformer } from '../client/informer.js';

function must(group: string, kind: string): ResourceType {
  const rt = findByKind(group, kind);
  if (!rt) throw new Error(`resource ${kind}.${group} missing from the registry`);
  return rt;
}

export const SERVICES = must('', 'Service');
export const ENDPOINTS = must('', 'Endpoints');
export const ENDPOINT_SLICES = must('discovery.k8s.io', 'EndpointSlice');
export const NAMESPACES = must('', 'Namespace');
const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';
const SLICE_INDEX = 'serviceName';

/** One address of a Service, as the data path sees it. */
export interface ServiceEndpoint {
  ip: string;
  ready: boolean;
  serving: boolean;
  terminating: boolean;
  nodeName?: string;
  hostname?: string;
  /** Port name → port number on this address. */
  ports: Map<string, { port: number; protocol: string }>;
}

/** Where a service port's traffic goes. */
export interface Backend {
  ip: string;
  port: number;
  ready: boolean;
  serving: boolean;
  terminating: boolean;
  nodeName?: string;
}

export type CatalogService = Service & KubeObject;

export class ServiceCatalog {
  readonly services: SharedInformer<CatalogService>;
  readonly slices: SharedInformer<EndpointSlice & KubeObject>;
  readonly endpoints: SharedInformer<Endpoints & KubeObject>;
  readonly namespaces?: SharedInformer<Namespace & KubeObject>;
  private readonly factory: InformerFactory;
  private readonly listeners: (() => void)[] = [];
  private pending = false;
  private started = false;

  constructor(client: ApiClient, opts: { withNamespaces?: boolean } = {}) {
    this.factory = new InformerFactory(client);
    this.services = this.factory.informerFor(SERVICES);
    this.slices = this.factory.informerFor(ENDPOINT_SLICES);
    this.slices.addIndexer(SLICE_INDEX, (s) => {
      const svc = s.metadata?.labels?.[SERVICE_NAME_LABEL];
      return svc && s.metadata?.namespace ? [`${s.metadata.namespace}/${svc}`] : [];
    });
    this.endpoints = this.factory.informerFor(ENDPOINTS);
    if (opts.withNamespaces) this.namespaces = this.factory.informerFor(NAMESPACES);
    const changed = () => this.changed();
    for (const inf of [this.services, this.slices, this.endpoints, this.namespaces]) {
      inf?.addEventHandler({ onAdd: changed, onUpdate: changed, onDelete: changed });
    }
  }

  async start(): Promise<void> {
    this.started = true;
    await this.factory.start();
  }

  stop(): void {
    this.started = false;
    this.factory.stop();
  }

  /** Called once per burst of changes (after the current tick). */
  onChange(cb: () => void): void {
    this.listeners.push(cb);
  }

  private changed(): void {
    if (this.pending || !this.started) return;
    this.pending = true;
    setImmediate(() => {
      this.pending = false;
      for (const cb of this.listeners) cb();
    });
  }

  service(namespace: string, name: string): CatalogService | undefined {
    return this.services.get(namespace, name);
  }

  allServices(): CatalogService[] {
    return this.services.list();
  }

  namespaceExists(ns: string): boolean {
    if (this.namespaces) return !!this.namespaces.get(undefined, ns);
    return this.services.byIndex('namespace', ns).length > 0;
  }

  /** Every address of a Service with its per-port numbers. */
  serviceEndpoints(namespace: string, name: string): ServiceEndpoint[] {
    const slices = this.slices.byIndex(SLICE_INDEX, `${namespace}/${name}`).filter((s) => s.addressType === 'IPv4');
    const out: ServiceEndpoint[] = [];
    if (slices.length > 0) {
      const seen = new Set<string>();
      for (const s of slices) {
        const ports = new Map<string, { port: number; protocol: string }>();
        for (const p of s.ports ?? []) if (p.port !== undefined) ports.set(p.name ?? '', { port: p.port, protocol: p.protocol ?? 'TCP' });
        const portsKey = [...ports].map(([n, p]) => `${n}=${p.port}/${p.protocol}`).join(',');
        for (const e of s.endpoints ?? []) {
          const ip = e.addresses?.[0];
          // The same endpoint may briefly sit in two slices while the controller moves it.
          if (!ip || seen.has(`${ip}|${portsKey}`)) continue;
          seen.add(`${ip}|${portsKey}`);
          const c = e.conditions ?? {};
          // Unset conditions mean "ready"/"serving" per the API docs.
          const ready = c.ready ?? true;
          out.push({ ip, ready, serving: c.serving ?? ready, terminating: c.terminating ?? false, nodeName: e.nodeName, hostname: e.hostname, ports });
        }
      }
      return out;
    }
    const ep = this.endpoints.get(namespace, name);
    for (const ss of ep?.subsets ?? []) {
      const ports = new Map<string, { port: number; protocol: string }>();
      for (const p of ss.ports ?? []) ports.set(p.name ?? '', { port: p.port, protocol: p.protocol ?? 'TCP' });
      for (const [list, ready] of [[ss.addresses ?? [], true], [ss.notReadyAddresses ?? [], false]] as const) {
        for (const a of list) out.push({ ip: a.ip, ready, serving: ready, terminating: false, nodeName: a.nodeName, hostname: a.hostname, ports });
      }
    }
    return out;
  }

  /** Addresses serving one service port (by port name; '' for the unnamed port). */
  backends(namespace: string, name: string, portName: string, protocol = 'TCP'): Backend[] {
    const out: Backend[] = [];
    for (const e of this.serviceEndpoints(namespace, name)) {
      const p = e.ports.get(portName);
      if (!p || p.protocol !== protocol) continue;
      out.push({ ip: e.ip, port: p.port, ready: e.ready, serving: e.serving, terminating: e.terminating, nodeName: e.nodeName });
    }
    return out;
  }
}

/**
 * The endpoints traffic should use (upstream kube-proxy's topology filter): ready ones, or, when
 * none is ready, serving-but-terminating ones so connections drain gracefully.
 */
export function usableBackends(all: Backend[]): Backend[] {
  const ready = all.filter((b) => b.ready);
  if (ready.length) return ready;
  return all.filter((b) => b.serving && b.terminating);
}

// The service proxy that runs on every node (kube-proxy). Two data paths:
//  - iptables: for pods in their own network namespaces behind a node bridge. Cluster IPs, node
//    ports, external and load-balancer IPs are DNATed in the kernel (see iptables-rules.ts).
//    NodeRouting (node-routing.ts) turns on forwarding and route_localnet (endpoints on loopback:
//    the API server, cluster DNS) and adds a route for the service CIDR when the node has none,
//    so locally originated connections reach the OUTPUT chain.
//  - userspace: for pods sharing the host network, where nothing can be DNATed to a pod address.
//    The proxy listens itself and forwards round-robin: node ports on nodeIP:nodePort,
//    load-balancer/external IPs that are local on ip:port, and each cluster IP on its loopback
//    alias (10.96.0.10:53 → 127.96.0.10:53, all of 127/8 being local on Linux). Cluster IPs
//    themselves are not reachable in this mode: clients use the alias (ClusterDns can answer
//    with aliases, see its serviceAddress option), a node port or a load-balancer address.
// Service and EndpointSlice changes are applied within one sync (milliseconds); stop() removes
// every rule (SKIFF-* chains) or listener.
import { networkInterfaces } from 'node:os';
import pino from 'pino';
import type { ApiClient } from '../../client/api.js';
import { ServiceCatalog } from '../service-catalog.js';
import { IptablesBackend } from './iptables.js';
import { NodeRouting } from './node-routing.js';
import { loopbackAlias, servicePortTable, type ServicePortInfo } from './service-ports.js';
import { listenTcp, listenUdp, type ForwardTarget, type Listener } from './userspace.js';

export interface ServiceProxyOptions {
  nodeName: string;
  mode: 'iptables' | 'userspace';
  nodeIP: string;
  /** Pod CIDR; cluster-IP traffic from outside it is masqueraded (iptables mode). */
  clusterCIDR?: string;
  /** Service CIDR (iptables mode: routed via the node address when there is no route). */
  serviceCIDR?: string;
  /** iptables binary family: "iptables" (default), "iptables-legacy", "iptables-nft". */
  iptablesCommand?: string;
  /** Userspace mode: listen on 127.x.y.z aliases of cluster IPs (default true). */
  clusterIPAliases?: boolean;
  /** Share the node's catalog (DNS/ingress on the same node) instead of starting one. */
  catalog?: ServiceCatalog;
  logger?: pino.Logger;
}

interface OpenListener {
  listener: Listener;
  target: ForwardTarget;
}

export class ServiceProxy {
  private readonly log: pino.Logger;
  private readonly catalog: ServiceCatalog;
  private readonly ownsCatalog: boolean;
  private readonly iptables?: IptablesBackend;
  private routing?: NodeRouting;
  private readonly listeners = new Map<string, OpenListener>();
  private readonly failed = new Set<string>();
  private running?: Promise<void>;
  private dirty = false;
  private stopped = true;
  private syncs = 0;
  private lastSync = 0;

  constructor(
    client: ApiClient,
    private readonly opts: ServiceProxyOptions,
  ) {
    this.log = (opts.logger ?? pino({ level: process.env.SKIFF_LOG_LEVEL ?? 'info' }, pino.destination(2))).child({ component: 'service-proxy', mode: opts.mode });
    this.ownsCatalog = !opts.catalog;
    this.catalog = opts.catalog ?? new ServiceCatalog(client);
    if (opts.mode === 'iptables') this.iptables = new IptablesBackend(opts.iptablesCommand);
    this.catalog.onChange(() => this.requestSync());
  }

  async start(): Promise<void> {
    this.stopped = false;
    if (this.iptables) {
      if (!(await this.iptables.available())) throw new Error(`iptables mode needs ${this.opts.iptablesCommand ?? 'iptables'}-restore (Debian package iptables)`);
      await this.iptables.adoptLeftovers();
      this.routing = new NodeRouting({ nodeIP: this.opts.nodeIP, serviceCIDR: this.opts.serviceCIDR ?? '10.96.0.0/12' });
      for (const note of await this.routing.apply()) this.log.info(note);
    }
    if (this.ownsCatalog) await this.catalog.start();
    this.requestSync();
    await this.running;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.running?.catch(() => undefined);
    if (this.ownsCatalog) this.catalog.stop();
    await Promise.all([...this.listeners.values()].map((l) => l.listener.close()));
    this.listeners.clear();
    if (this.iptables) await this.iptables.teardown();
    await this.routing?.undo();
  }

  /** Number of completed syncs and when the last one finished (performance.now() ms). */
  syncStats(): { syncs: number; lastSyncAt: number } {
    return { syncs: this.syncs, lastSyncAt: this.lastSync };
  }

  /** Userspace listeners currently open, as "proto/ip:port". */
  listening(): string[] {
    return [...this.listeners.keys()].sort();
  }

  private requestSync(): void {
    if (this.stopped) return;
    if (this.running) {
      this.dirty = true;
      return;
    }
    this.running = (async () => {
      do {
        this.dirty = false;
        try {
          await this.sync();
        } catch (e) {
          this.log.error({ err: e instanceof Error ? e.message : String(e) }, 'sync failed');
          // Try again shortly even without a new change.
          setTimeout(() => this.requestSync(), 1000).unref();
        }
      } while (this.dirty && !this.stopped);
      this.running = undefined;
    })();
  }

  private async sync(): Promise<void> {
    const table = servicePortTable(this.catalog);
    if (this.iptables) await this.iptables.sync(table, { nodeName: this.opts.nodeName, clusterCIDR: this.opts.clusterCIDR });
    else await this.syncListeners(table);
    this.syncs++;
    this.lastSync = performance.now();
  }

  private localAddresses(): Set<string> {
    const out = new Set<string>([this.opts.nodeIP]);
    for (const list of Object.values(networkInterfaces())) for (const a of list ?? []) out.add(a.address);
    return out;
  }

  private async syncListeners(table: ServicePortInfo[]): Promise<void> {
    const local = this.localAddresses();
    const isLocal = (ip: string) => ip.startsWith('127.') || local.has(ip);
    const want = new Map<string, ForwardTarget & { proto: string; ip: string; port: number }>();
    for (const p of table) {
      if (p.protocol === 'SCTP') continue;
      const all: ForwardTarget = { id: p.id, backends: p.backends, affinitySeconds: p.affinitySeconds };
      const ext: ForwardTarget = p.externalLocal ? { ...all, backends: p.backends.filter((b) => b.nodeName === this.opts.nodeName) } : all;
      const add = (ip: string, port: number, t: ForwardTarget) => want.set(`${p.protocol}/${ip}:${port}`, { ...t, proto: p.protocol, ip, port });
      if (p.clusterIP && this.opts.clusterIPAliases !== false) add(loopbackAlias(p.clusterIP), p.port, all);
      if (p.nodePort) add(this.opts.nodeIP, p.nodePort, ext);
      for (const ip of [...p.loadBalancerIPs, ...p.externalIPs]) if (isLocal(ip)) add(ip, p.port, ext);
    }
    for (const [key, open] of [...this.listeners]) {
      if (!want.has(key)) {
        this.listeners.delete(key);
        await open.listener.close();
      }
    }
    for (const [key, w] of want) {
      const target: ForwardTarget = { id: w.id, backends: w.backends, affinitySeconds: w.affinitySeconds };
      const open = this.listeners.get(key);
      if (open) {
        open.listener.setTarget(target);
        continue;
      }
      try {
        const listener = w.proto === 'UDP' ? await listenUdp(w.ip, w.port, target) : await listenTcp(w.ip, w.port, target, this.log);
        this.listeners.set(key, { listener, target });
        this.failed.delete(key);
      } catch (e) {
        if (!this.failed.has(key)) this.log.warn({ service: w.id, address: `${w.ip}:${w.port}`, err: e instanceof Error ? e.message : String(e) }, 'cannot listen for service');
        this.failed.add(key);
      }
    }
  }
}

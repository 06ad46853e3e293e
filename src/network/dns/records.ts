// Cluster DNS records, as CoreDNS's kubernetes plugin answers them (kubeadm Corefile: `pods
// insecure`, `ttl 30`, fallthrough for reverse zones):
//   <svc>.<ns>.svc.<zone>                A: cluster IP, or every ready address of a headless service;
//                                        ExternalName: CNAME to spec.externalName
//   <host>.<svc>.<ns>.svc.<zone>         A: the endpoint whose hostname (or dashed IP) is <host>
//   _<port>._<proto>.<svc>.<ns>.svc.<zone>  SRV for named ports
//   <a-b-c-d>.<ns>.pod.<zone>            A: a.b.c.d
//   <d.c.b.a>.in-addr.arpa               PTR: service and endpoint addresses
// A name that exists with no records of the asked type is NODATA (NOERROR + SOA); a name that
// does not exist is NXDOMAIN (+ SOA). Names outside the zone are for the forwarder.
import type { Answer } from 'dns-packet';
import type { CatalogService, ServiceEndpoint } from '../service-catalog.js';

/** What the resolver reads (ServiceCatalog implements it). */
export interface DnsData {
  service(namespace: string, name: string): CatalogService | undefined;
  allServices(): CatalogService[];
  serviceEndpoints(namespace: string, name: string): ServiceEndpoint[];
  namespaceExists(ns: string): boolean;
}

export interface ResolverOptions {
  zone: string;
  ttl: number;
  /** The DNS service's address (answers for ns.dns.<zone>). */
  dnsIP?: string;
  /** Map a cluster IP to the address clients should use (userspace proxy: loopback aliases). */
  serviceAddress?: (clusterIP: string) => string;
}

export type Resolution =
  | { kind: 'answer'; rcode: 'NOERROR' | 'NXDOMAIN'; answers: Answer[]; authorities: Answer[]; additionals: Answer[]; cnameTarget?: string }
  | { kind: 'forward' };

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

function dashed(ip: string): string {
  return ip.replace(/[.:]/g, '-');
}

function hostnameOf(e: ServiceEndpoint): string {
  return e.hostname || dashed(e.ip);
}

function isHeadless(s: CatalogService): boolean {
  return s.spec?.clusterIP === 'None';
}

export class ClusterResolver {
  private readonly zone: string;
  private readonly serial = Math.floor(Date.now() / 1000);

  constructor(
    private readonly data: DnsData,
    private readonly opts: ResolverOptions,
  ) {
    this.zone = opts.zone.toLowerCase().replace(/\.$/, '');
  }

  /** True for names this server is authoritative for. */
  inZone(name: string): boolean {
    const n = name.toLowerCase().replace(/\.$/, '');
    return n === this.zone || n.endsWith('.' + this.zone);
  }

  soa(): Answer {
    const ttl = Math.min(this.opts.ttl, 300);
    return {
      type: 'SOA',
      name: this.zone,
      ttl,
      data: { mname: `ns.dns.${this.zone}`, rname: `hostmaster.${this.zone}`, serial: this.serial, refresh: 7200, retry: 1800, expire: 86400, minimum: this.opts.ttl },
    } as Answer;
  }

  private addr(ip: string): string {
    return this.opts.serviceAddress ? this.opts.serviceAddress(ip) : ip;
  }

  private noData(): Resolution {
    return { kind: 'answer', rcode: 'NOERROR', answers: [], authorities: [this.soa()], additionals: [] };
  }

  private nx(): Resolution {
    return { kind: 'answer', rcode: 'NXDOMAIN', answers: [], authorities: [this.soa()], additionals: [] };
  }

  private ok(answers: Answer[], additionals: Answer[] = []): Resolution {
    return answers.length ? { kind: 'answer', rcode: 'NOERROR', answers, authorities: [], additionals } : this.noData();
  }

  resolve(qname: string, qtype: string): Resolution {
    const name = qname.toLowerCase().replace(/\.$/, '');
    if (name.endsWith('.in-addr.arpa')) return this.reverse(name, qtype);
    if (!this.inZone(name)) return { kind: 'forward' };
    const ttl = this.opts.ttl;
    if (name === this.zone) {
      if (qtype === 'SOA') return this.ok([this.soa()]);
      if (qtype === 'NS') return this.ok([{ type: 'NS', name, ttl, data: `ns.dns.${this.zone}` } as Answer]);
      return this.noData();
    }
    const labels = name.slice(0, -(this.zone.length + 1)).split('.');
    const kind = labels[labels.length - 1];
    if (labels.length === 2 && labels[0] === 'ns' && kind === 'dns') {
      if (qtype === 'A' && this.opts.dnsIP) return this.ok([{ type: 'A', name, ttl, data: this.opts.dnsIP }]);
      return this.noData();
    }
    if (kind === 'dns' && labels.length === 1) return this.noData();
    if (kind === 'pod') return this.pod(name, labels, qtype);
    if (kind === 'svc') return this.svc(name, labels, qtype);
    return this.nx();
  }

  private pod(name: string, labels: string[], qtype: string): Resolution {
    if (labels.length === 1) return this.noData();
    if (labels.length === 2) return this.data.namespaceExists(labels[0]) ? this.noData() : this.nx();
    if (labels.length !== 3) return this.nx();
    const ip = labels[0].replace(/-/g, '.');
    if (!IPV4.test(ip)) return this.nx();
    if (qtype === 'A' || qtype === 'ANY') return this.ok([{ type: 'A', name, ttl: this.opts.ttl, data: ip }]);
    return this.noData();
  }

  private svc(name: string, labels: string[], qtype: string): Resolution {
    const ttl = this.opts.ttl;
    if (labels.length === 1) return this.noData();
    if (labels.length === 2) return this.data.namespaceExists(labels[0]) ? this.noData() : this.nx();
    // [svc, ns, 'svc'] | [endpoint, svc, ns, 'svc'] | [_port, _proto, svc, ns, 'svc']
    const ns = labels[labels.length - 2];
    const svcName = labels[labels.length - 3];
    const svc = this.data.service(ns, svcName);
    if (!svc) return this.nx();
    const fqdn = `${svcName}.${ns}.svc.${this.zone}`;
    if (labels.length === 3) return this.serviceRecords(svc, fqdn, name, qtype);
    if (labels.length === 4) {
      if (svc.spec?.type === 'ExternalName') return this.nx();
      const host = labels[0];
      const eps = this.data.serviceEndpoints(ns, svcName).filter((e) => hostnameOf(e) === host);
      if (!eps.length) return this.nx();
      if (qtype !== 'A' && qtype !== 'ANY') return this.noData();
      return this.ok(eps.map((e) => ({ type: 'A', name, ttl, data: e.ip }) as Answer));
    }
    if (labels.length === 5 && labels[0].startsWith('_') && labels[1].startsWith('_')) {
      const portName = labels[0].slice(1);
      const proto = labels[1].slice(1).toUpperCase();
      const ports = (svc.spec?.ports ?? []).filter((p) => p.name && p.name.toLowerCase() === portName && (p.protocol ?? 'TCP') === proto);
      if (!ports.length) return this.nx();
      if (qtype !== 'SRV' && qtype !== 'ANY') return this.noData();
      return this.srv(svc, fqdn, name, ports.map((p) => p.name!));
    }
    return this.nx();
  }

  private serviceRecords(svc: CatalogService, fqdn: string, name: string, qtype: string): Resolution {
    const ttl = this.opts.ttl;
    if (svc.spec?.type === 'ExternalName') {
      const target = (svc.spec.externalName ?? '').replace(/\.$/, '');
      if (!target) return this.noData();
      const cname: Answer = { type: 'CNAME', name, ttl, data: target };
      // In-zone targets are chased here; others by the server through the upstreams.
      const answers: Answer[] = [cname];
      if (this.inZone(target) && qtype !== 'CNAME') {
        const r = this.resolve(target, qtype);
        if (r.kind === 'answer') answers.push(...r.answers);
      }
      return { kind: 'answer', rcode: 'NOERROR', answers, authorities: [], additionals: [], cnameTarget: this.inZone(target) ? undefined : target };
    }
    const ns = svc.metadata!.namespace!;
    const svcName = svc.metadata!.name!;
    if (qtype === 'A' || qtype === 'ANY') {
      if (!isHeadless(svc)) {
        const ip = svc.spec?.clusterIP;
        return ip && IPV4.test(ip) ? this.ok([{ type: 'A', name, ttl, data: this.addr(ip) }]) : this.noData();
      }
      const ips = [...new Set(this.data.serviceEndpoints(ns, svcName).filter((e) => e.ready).map((e) => e.ip))];
      return this.ok(ips.map((ip) => ({ type: 'A', name, ttl, data: ip }) as Answer));
    }
    if (qtype === 'SRV') {
      const named = (svc.spec?.ports ?? []).filter((p) => p.name).map((p) => p.name!);
      return this.srv(svc, fqdn, name, named);
    }
    return this.noData();
  }

  /** SRV answers for the given port names, with A records of the targets as additionals. */
  private srv(svc: CatalogService, fqdn: string, name: string, portNames: string[]): Resolution {
    const ttl = this.opts.ttl;
    const answers: Answer[] = [];
    const additionals: Answer[] = [];
    const ns = svc.metadata!.namespace!;
    const svcName = svc.metadata!.name!;
    if (!isHeadless(svc)) {
      const ip = svc.spec?.clusterIP;
      for (const pn of portNames) {
        const sp = svc.spec?.ports?.find((p) => p.name === pn);
        if (sp) answers.push({ type: 'SRV', name, ttl, data: { priority: 0, weight: 100, port: sp.port, target: fqdn } } as Answer);
      }
      if (answers.length && ip && IPV4.test(ip)) additionals.push({ type: 'A', name: fqdn, ttl, data: this.addr(ip) });
      return this.ok(answers, additionals);
    }
    const eps = this.data.serviceEndpoints(ns, svcName).filter((e) => e.ready);
    const targets: { target: string; port: number; ip: string }[] = [];
    for (const pn of portNames) {
      for (const e of eps) {
        const p = e.ports.get(pn);
        if (p) targets.push({ target: `${hostnameOf(e)}.${fqdn}`, port: p.port, ip: e.ip });
      }
    }
    const weight = targets.length ? Math.floor(100 / targets.length) || 1 : 100;
    const seen = new Set<string>();
    for (const t of targets) {
      answers.push({ type: 'SRV', name, ttl, data: { priority: 0, weight, port: t.port, target: t.target } } as Answer);
      if (!seen.has(t.target)) {
        seen.add(t.target);
        additionals.push({ type: 'A', name: t.target, ttl, data: t.ip });
      }
    }
    return this.ok(answers, additionals);
  }

  private reverse(name: string, qtype: string): Resolution {
    const parts = name.slice(0, -'.in-addr.arpa'.length).split('.');
    if (parts.length !== 4) return { kind: 'forward' };
    const ip = parts.reverse().join('.');
    if (!IPV4.test(ip)) return { kind: 'forward' };
    const ttl = this.opts.ttl;
    const names: string[] = [];
    for (const s of this.data.allServices()) {
      const ns = s.metadata!.namespace!;
      const sn = s.metadata!.name!;
      if (s.spec?.clusterIP === ip || (this.opts.serviceAddress && s.spec?.clusterIP && this.addr(s.spec.clusterIP) === ip)) names.push(`${sn}.${ns}.svc.${this.zone}`);
    }
    if (!names.length) {
      for (const s of this.data.allServices()) {
        const ns = s.metadata!.namespace!;
        const sn = s.metadata!.name!;
        for (const e of this.data.serviceEndpoints(ns, sn)) if (e.ip === ip) names.push(`${hostnameOf(e)}.${sn}.${ns}.svc.${this.zone}`);
      }
    }
    // Not a cluster address: let the upstream resolvers answer (Corefile fallthrough).
    if (!names.length) return { kind: 'forward' };
    if (qtype !== 'PTR' && qtype !== 'ANY') return { kind: 'answer', rcode: 'NOERROR', answers: [], authorities: [], additionals: [] };
    return this.ok([...new Set(names)].map((n) => ({ type: 'PTR', name, ttl, data: n }) as Answer));
  }
}

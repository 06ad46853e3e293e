// The cluster DNS server (the kube-dns Service): answers the cluster zone from the API (through
// ServiceCatalog) over UDP and TCP, forwards everything else to upstream resolvers, and
// publishes itself as Service kube-system/kube-dns (10.96.0.10, ports dns/53 UDP, dns-tcp/53
// TCP, metrics/9153 TCP) with Endpoints pointing at its listen address.
import dgram from 'node:dgram';
import net from 'node:net';
import dnsPacket, { type Answer, type Packet } from 'dns-packet';
import pino from 'pino';
import { isAlreadyExists, isNotFound, type ApiClient, type KubeObject } from '../../client/api.js';
import { ENDPOINTS, SERVICES, ServiceCatalog } from '../service-catalog.js';
import { ClusterResolver, type DnsData } from './records.js';
import { forwardQuery, hostNameservers, parseUpstream, type Upstream } from './upstream.js';

export const DNS_SERVICE_NAMESPACE = 'kube-system';
export const DNS_SERVICE_NAME = 'kube-dns';
export const DEFAULT_DNS_SERVICE_IP = '10.96.0.10';

export interface ClusterDnsOptions {
  listen: { host: string; port: number };
  clusterDomain?: string;
  /** "ip" or "ip:port"; default: the nameservers of the host's /etc/resolv.conf. */
  upstreams?: string[];
  /** Record TTL in seconds (the kubeadm Corefile sets 30; CoreDNS's own default is 5). */
  ttl?: number;
  /** Create/refresh Service kube-system/kube-dns and its Endpoints (default true). */
  publish?: boolean;
  serviceIP?: string;
  /** Address written into the kube-dns Endpoints (default: listen.host, or 127.0.0.1 for 0.0.0.0). */
  advertiseAddress?: string;
  /** Map a cluster IP to the address clients should dial (userspace proxy aliases). */
  serviceAddress?: (clusterIP: string) => string;
  /** Use this catalog instead of starting one (shared with the proxy on a node). */
  catalog?: ServiceCatalog;
  logger?: pino.Logger;
}

const AA = 1 << 10;
const RD = 1 << 8;
const RA = 1 << 7;
const RCODE = { NOERROR: 0, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5 } as const;

export class ClusterDns {
  private readonly log: pino.Logger;
  private readonly catalog: ServiceCatalog;
  private readonly ownsCatalog: boolean;
  private readonly resolver: ClusterResolver;
  private readonly upstreams: Upstream[];
  private udp?: dgram.Socket;
  private tcp?: net.Server;
  private readonly conns = new Set<net.Socket>();
  private address?: { host: string; udpPort: number; tcpPort: number };

  constructor(
    private readonly client: ApiClient,
    private readonly opts: ClusterDnsOptions,
  ) {
    this.log = (opts.logger ?? pino({ level: process.env.SKIFF_LOG_LEVEL ?? 'info' }, pino.destination(2))).child({ component: 'cluster-dns' });
    this.ownsCatalog = !opts.catalog;
    this.catalog = opts.catalog ?? new ServiceCatalog(client, { withNamespaces: true });
    const data: DnsData = this.catalog;
    this.resolver = new ClusterResolver(data, {
      zone: opts.clusterDomain ?? 'cluster.local',
      ttl: opts.ttl ?? 30,
      dnsIP: opts.serviceIP ?? DEFAULT_DNS_SERVICE_IP,
      serviceAddress: opts.serviceAddress,
    });
    const own = `${opts.listen.host}:${opts.listen.port}`;
    this.upstreams = (opts.upstreams ?? hostNameservers()).map(parseUpstream).filter((u) => `${u.host}:${u.port}` !== own);
  }

  /** The bound address (ports resolved when listen.port was 0). */
  listenAddress(): { host: string; udpPort: number; tcpPort: number } {
    if (!this.address) throw new Error('cluster DNS is not started');
    return this.address;
  }

  async start(): Promise<void> {
    if (this.ownsCatalog) await this.catalog.start();
    const { host, port } = this.opts.listen;
    // With port 0 the UDP port is chosen first and TCP must take the same number; another
    // process may hold it on TCP, so pick again a few times.
    let bound: { udp: dgram.Socket; tcp: net.Server } | undefined;
    for (let attempt = 0; !bound; attempt++) {
      try {
        bound = await this.bind(host, port);
      } catch (e) {
        if (port !== 0 || attempt >= 5 || (e as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw e;
      }
    }
    const { udp, tcp } = bound;
    udp.on('error', (e) => this.log.error({ err: e.message }, 'udp socket error'));
    udp.on('message', (msg, rinfo) => void this.onUdp(msg, rinfo));
    this.udp = udp;
    this.tcp = tcp;
    const udpPort = udp.address().port;
    this.address = { host, udpPort, tcpPort: (tcp.address() as net.AddressInfo).port };
    this.log.info({ host, port: udpPort, upstreams: this.upstreams.map((u) => `${u.host}:${u.port}`) }, 'cluster DNS listening');
    if (this.opts.publish !== false) {
      await this.publish().catch((e) => this.log.error({ err: String(e) }, 'publishing the kube-dns Service failed'));
    }
  }

  async stop(): Promise<void> {
    for (const c of this.conns) c.destroy();
    await Promise.all([
      new Promise<void>((r) => (this.udp ? this.udp.close(() => r()) : r())),
      new Promise<void>((r) => (this.tcp ? this.tcp.close(() => r()) : r())),
    ]);
    this.udp = undefined;
    this.tcp = undefined;
    if (this.ownsCatalog) this.catalog.stop();
  }

  private async bind(host: string, port: number): Promise<{ udp: dgram.Socket; tcp: net.Server }> {
    const udp = dgram.createSocket(net.isIPv6(host) ? 'udp6' : 'udp4');
    await new Promise<void>((resolve, reject) => {
      udp.once('error', reject);
      udp.bind(port, host, () => {
        udp.off('error', reject);
        resolve();
      });
    });
    const tcp = net.createServer((s) => this.onTcp(s));
    try {
      await new Promise<void>((resolve, reject) => {
        tcp.once('error', reject);
        // Same port as UDP, as DNS clients expect.
        tcp.listen(udp.address().port, host, () => {
          tcp.off('error', reject);
          resolve();
        });
      });
    } catch (e) {
      udp.close();
      throw e;
    }
    return { udp, tcp };
  }

  /** Answer one raw query (exposed for tests and benchmarks). */
  async handle(msg: Buffer, transport: 'udp' | 'tcp'): Promise<Buffer | undefined> {
    let query: Packet;
    try {
      query = dnsPacket.decode(msg);
    } catch {
      return undefined; // not DNS: drop, as servers do
    }
    const q = query.questions?.[0];
    const base = { id: query.id, type: 'response' as const, questions: query.questions ?? [] };
    const rd = (query.flags ?? 0) & RD;
    if (!q || (query.flags ?? 0) & 0x7800) {
      return dnsPacket.encode({ ...base, flags: rd | RA | RCODE.NOTIMP });
    }
    const res = this.resolver.resolve(q.name, q.type);
    if (res.kind === 'forward') {
      try {
        return await forwardQuery(this.upstreams, msg, { tcp: transport === 'tcp' });
      } catch (e) {
        this.log.debug({ name: q.name, err: String(e) }, 'forwarding failed');
        return dnsPacket.encode({ ...base, flags: rd | RA | RCODE.SERVFAIL });
      }
    }
    const answers = [...res.answers];
    if (res.cnameTarget && (q.type === 'A' || q.type === 'AAAA') && this.upstreams.length) {
      answers.push(...(await this.chase(res.cnameTarget, q.type)));
    }
    const out = dnsPacket.encode({
      ...base,
      flags: AA | rd | RA | RCODE[res.rcode],
      answers,
      authorities: res.authorities,
      additionals: res.additionals,
    });
    const limit = transport === 'udp' ? udpLimit(query) : 65535;
    if (out.length <= limit) return out;
    // Too big for the client's UDP buffer: truncate and let it retry over TCP.
    return dnsPacket.encode({ ...base, flags: AA | rd | RA | 0x0200 | RCODE[res.rcode] });
  }

  /** Resolve an ExternalName target through the upstreams (CoreDNS does this too). */
  private async chase(target: string, type: 'A' | 'AAAA'): Promise<Answer[]> {
    try {
      const q = dnsPacket.encode({ id: Math.floor(Math.random() * 65535), type: 'query', flags: RD, questions: [{ type, name: target, class: 'IN' }] });
      const ans = dnsPacket.decode(await forwardQuery(this.upstreams, q, { timeoutMs: 1000 }));
      return ans.answers ?? [];
    } catch {
      return [];
    }
  }

  private async onUdp(msg: Buffer, rinfo: dgram.RemoteInfo): Promise<void> {
    const out = await this.handle(msg, 'udp');
    if (out && this.udp) this.udp.send(out, rinfo.port, rinfo.address);
  }

  private onTcp(sock: net.Socket): void {
    this.conns.add(sock);
    sock.setTimeout(30_000, () => sock.destroy());
    sock.on('close', () => this.conns.delete(sock));
    sock.on('error', () => sock.destroy());
    let buf = Buffer.alloc(0);
    sock.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        const msg = buf.subarray(2, 2 + buf.readUInt16BE(0));
        buf = buf.subarray(2 + msg.length);
        void this.handle(Buffer.from(msg), 'tcp').then((out) => {
          if (!out || sock.destroyed) return;
          const len = Buffer.alloc(2);
          len.writeUInt16BE(out.length);
          sock.write(Buffer.concat([len, out]));
        });
      }
    });
  }

  /** Service kube-system/kube-dns and its Endpoints (the server is its only endpoint). */
  private async publish(): Promise<void> {
    const addr = this.listenAddress();
    const ip = this.opts.advertiseAddress ?? (addr.host === '0.0.0.0' || addr.host === '::' ? '127.0.0.1' : addr.host);
    const labels = { 'k8s-app': 'kube-dns', 'kubernetes.io/cluster-service': 'true', 'kubernetes.io/name': 'KubeDNS' };
    const serviceIP = this.opts.serviceIP ?? DEFAULT_DNS_SERVICE_IP;
    const svc: KubeObject = {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: DNS_SERVICE_NAME, namespace: DNS_SERVICE_NAMESPACE, labels, annotations: { 'prometheus.io/port': '9153', 'prometheus.io/scrape': 'true' } },
      spec: {
        clusterIP: serviceIP,
        ports: [
          { name: 'dns', port: 53, protocol: 'UDP', targetPort: addr.udpPort },
          { name: 'dns-tcp', port: 53, protocol: 'TCP', targetPort: addr.tcpPort },
          { name: 'metrics', port: 9153, protocol: 'TCP', targetPort: 9153 },
        ],
      },
    };
    // Look first: creating it again would fail on its own cluster IP (422), not with AlreadyExists.
    type Svc = KubeObject & { spec?: { ports?: unknown } };
    const getSvc = () =>
      this.client.get<Svc>(SERVICES, DNS_SERVICE_NAMESPACE, DNS_SERVICE_NAME).catch((e) => {
        if (isNotFound(e)) return undefined;
        throw e;
      });
    let cur = await getSvc();
    if (!cur) {
      try {
        await this.client.create(SERVICES, DNS_SERVICE_NAMESPACE, svc);
      } catch (e) {
        if (!isAlreadyExists(e)) throw e;
        cur = await getSvc();
      }
    }
    const ports = (svc.spec as { ports: unknown }).ports;
    if (cur && JSON.stringify(cur.spec?.ports) !== JSON.stringify(ports)) {
      await this.client.update(SERVICES, DNS_SERVICE_NAMESPACE, { ...cur, spec: { ...cur.spec, ports } });
    }
    const subsets = [
      {
        addresses: [{ ip }],
        ports: [
          { name: 'dns', port: addr.udpPort, protocol: 'UDP' },
          { name: 'dns-tcp', port: addr.tcpPort, protocol: 'TCP' },
        ],
      },
    ];
    try {
      const cur = await this.client.get<KubeObject>(ENDPOINTS, DNS_SERVICE_NAMESPACE, DNS_SERVICE_NAME);
      if (JSON.stringify(cur.subsets) !== JSON.stringify(subsets)) await this.client.update(ENDPOINTS, DNS_SERVICE_NAMESPACE, { ...cur, subsets });
    } catch (e) {
      if (!isNotFound(e)) throw e;
      await this.client.create(ENDPOINTS, DNS_SERVICE_NAMESPACE, { apiVersion: 'v1', kind: 'Endpoints', metadata: { name: DNS_SERVICE_NAME, namespace: DNS_SERVICE_NAMESPACE, labels }, subsets });
    }
  }
}

function udpLimit(q: Packet): number {
  const opt = (q.additionals ?? []).find((a) => a.type === 'OPT') as { udpPayloadSize?: number } | undefined;
  return Math.max(512, Math.min(opt?.udpPayloadSize ?? 512, 4096));
}

// Readiness checks `skiff up` and `skiff status` run against a local cluster. DNS and ingress
// are built into the server rather than run as pods, so they are checked where users meet them:
// the kube-dns Service has ready endpoints and answers a query; the ingress port accepts TCP.
import dgram from 'node:dgram';
import { connect } from 'node:net';
import dnsPacket from 'dns-packet';
import type { Endpoints, Node } from 'kubernetes-types/core/v1.js';
import type { ApiClient, KubeObject } from '../client/api.js';
import { findByKind } from '../api/registry.js';

export interface NodeReadiness {
  name: string;
  ready: boolean;
  version?: string;
  roles: string[];
}

export async function nodeReadiness(client: ApiClient): Promise<NodeReadiness[]> {
  const list = await client.list<Node & KubeObject>(findByKind('', 'Node')!);
  return list.items.map((n) => ({
    name: n.metadata?.name ?? '',
    ready: n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false,
    version: n.status?.nodeInfo?.kubeletVersion,
    roles: Object.keys(n.metadata?.labels ?? {})
      .filter((l) => l.startsWith('node-role.kubernetes.io/'))
      .map((l) => l.slice('node-role.kubernetes.io/'.length)),
  }));
}

/** Ready addresses of kube-system/kube-dns ("ip:port" list); empty when none are ready. */
export async function kubeDnsEndpoints(client: ApiClient): Promise<string[]> {
  const ep = await client.get<Endpoints & KubeObject>(findByKind('', 'Endpoints')!, 'kube-system', 'kube-dns');
  const out: string[] = [];
  for (const s of ep.subsets ?? []) {
    const port = s.ports?.find((p) => p.protocol !== 'TCP')?.port ?? s.ports?.[0]?.port;
    for (const a of s.addresses ?? []) out.push(port ? `${a.ip}:${port}` : a.ip);
  }
  return out;
}

/** Ask the cluster DNS server for kubernetes.default's A record; the answer's addresses. */
export function queryClusterDns(server: { host: string; port: number }, name = 'kubernetes.default.svc.cluster.local', timeoutMs = 1000): Promise<string[]> {
  const host = server.host === '0.0.0.0' || server.host === '' ? '127.0.0.1' : server.host === '::' ? '::1' : server.host;
  return new Promise((resolve, reject) => {
    const sock = dgram.createSocket(host.includes(':') ? 'udp6' : 'udp4');
    const id = Math.floor(Math.random() * 65535);
    const timer = setTimeout(() => finish(new Error(`no DNS answer from ${host}:${server.port} in ${timeoutMs} ms`)), timeoutMs);
    const finish = (err?: Error, addrs?: string[]) => {
      clearTimeout(timer);
      sock.close();
      if (err) reject(err);
      else resolve(addrs ?? []);
    };
    sock.on('error', (e) => finish(e));
    sock.on('message', (msg) => {
      const res = dnsPacket.decode(msg);
      if (res.id !== id) return;
      finish(undefined, (res.answers ?? []).flatMap((a) => (a.type === 'A' ? [String(a.data)] : [])));
    });
    sock.send(dnsPacket.encode({ type: 'query', id, flags: dnsPacket.RECURSION_DESIRED, questions: [{ type: 'A', name }] }), server.port, host);
  });
}

/** Does something accept TCP connections on host:port? */
export function tcpOpen(host: string, port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host, port });
    const done = (ok: boolean) => {
      s.destroy();
      resolve(ok);
    };
    s.setTimeout(timeoutMs, () => done(false));
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
  });
}

// Service address allocation at create/update time, as kube-apiserver does it: a cluster IP
// from the service CIDR (random free address; the first is reserved for `kubernetes`) and
// node ports from 30000-32767. Used addresses are derived from the watch cache plus
// in-flight reservations, so a restart needs no separate allocation state.
import type { Service, ServicePort } from 'kubernetes-types/core/v1.js';
import { findByKind } from '../api/registry.js';
import { invalid, type FieldError } from '../api/errors.js';
import type { KubeObject } from '../client/api.js';
import type { ResourceHooks } from './rest.js';
import type { WatchCache } from './watch-cache.js';

export interface ServiceNetworkConfig {
  /** e.g. 10.96.0.0/12 */
  serviceCidr: string;
  nodePortRange: [number, number];
}

export const DEFAULT_SERVICE_NETWORK: ServiceNetworkConfig = { serviceCidr: '10.96.0.0/12', nodePortRange: [30000, 32767] };

export function ipToInt(ip: string): number | undefined {
  const p = ip.split('.');
  if (p.length !== 4) return undefined;
  let n = 0;
  for (const x of p) {
    if (!/^\d{1,3}$/.test(x) || Number(x) > 255) return undefined;
    n = n * 256 + Number(x);
  }
  return n;
}

export function intToIp(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

export function parseCidr(cidr: string): { base: number; size: number } {
  const [ip, bits] = cidr.split('/');
  const b = Number(bits);
  const base = ipToInt(ip);
  if (base === undefined || !Number.isInteger(b) || b < 8 || b > 30) throw new Error(`invalid CIDR ${cidr}`);
  const size = 2 ** (32 - b);
  return { base: base - (base % size), size };
}

/** The n-th address of a CIDR (1 = first usable), e.g. nthAddress('10.96.0.0/12', 10) = 10.96.0.10. */
export function nthAddress(cidr: string, n: number): string {
  return intToIp(parseCidr(cidr).base + n);
}

const svcType = findByKind('', 'Service')!;

export class ServiceAllocator implements ResourceHooks {
  readonly kinds = ['Service'];
  private readonly range: { base: number; size: number };
  private readonly reservedIps = new Set<string>();
  private readonly reservedPorts = new Set<number>();

  constructor(
    private readonly cache: WatchCache,
    readonly config: ServiceNetworkConfig = DEFAULT_SERVICE_NETWORK,
  ) {
    this.range = parseCidr(config.serviceCidr);
  }

  private used(excludeUid?: string): { ips: Set<string>; ports: Set<number> } {
    const ips = new Set(this.reservedIps);
    const ports = new Set(this.reservedPorts);
    for (const c of this.cache.list(svcType)) {
      const s = c.obj as Service;
      if (excludeUid && s.metadata?.uid === excludeUid) continue;
      for (const ip of s.spec?.clusterIPs ?? (s.spec?.clusterIP ? [s.spec.clusterIP] : [])) ips.add(ip);
      for (const p of s.spec?.ports ?? []) if (p.nodePort) ports.add(p.nodePort);
    }
    return { ips, ports };
  }

  private inRange(ip: string): boolean {
    const n = ipToInt(ip);
    return n !== undefined && n > this.range.base && n < this.range.base + this.range.size - 1;
  }

  private pickIp(used: Set<string>): string | undefined {
    const first = this.range.base + 1;
    const count = this.range.size - 2;
    const start = Math.floor(Math.random() * count);
    for (let i = 0; i < count; i++) {
      const ip = intToIp(first + ((start + i) % count));
      if (!used.has(ip)) return ip;
    }
    return undefined;
  }

  private pickPort(used: Set<number>): number | undefined {
    const [lo, hi] = this.config.nodePortRange;
    const count = hi - lo + 1;
    const start = Math.floor(Math.random() * count);
    for (let i = 0; i < count; i++) {
      const p = lo + ((start + i) % count);
      if (!used.has(p)) return p;
    }
    return undefined;
  }

  /** Assign addresses to `svc` (mutates). Throws 422 Invalid on conflicts or out-of-range requests. */
  private allocate(svc: Service & KubeObject, old: Service | undefined, dryRun: boolean): void {
    const spec = (svc.spec ??= {}) as NonNullable<Service['spec']> & { clusterIP?: string; clusterIPs?: string[] };
    const type = spec.type ?? 'ClusterIP';
    const name = svc.metadata?.name ?? '';
    const errs: FieldError[] = [];
    const { ips, ports } = this.used(old?.metadata?.uid);
    const reserve: { ip?: string; ports: number[] } = { ports: [] };

    if (type === 'ExternalName') {
      delete spec.clusterIP;
      delete spec.clusterIPs;
    } else if (old?.spec?.clusterIP && old.spec.clusterIP !== 'None') {
      // Keep the existing address; changing it is rejected by validation (immutable).
      if (!spec.clusterIP) spec.clusterIP = old.spec.clusterIP;
      spec.clusterIPs = [spec.clusterIP];
    } else if (spec.clusterIP === 'None') {
      spec.clusterIPs = ['None'];
    } else if (spec.clusterIP) {
      const ip = spec.clusterIP;
      if (ipToInt(ip) === undefined) {
        // Malformed addresses are reported by validation.
      } else if (!this.inRange(ip)) {
        errs.push({
          type: 'FieldValueInvalid',
          field: 'spec.clusterIPs',
          detail: `Invalid value: []string{"${ip}"}: failed to allocate IP ${ip}: the provided IP (${ip}) is not in the valid range. The range of valid IPs is ${this.config.serviceCidr}`,
        });
      } else if (ips.has(ip)) {
        errs.push({ type: 'FieldValueInvalid', field: 'spec.clusterIPs', detail: `Invalid value: []string{"${ip}"}: failed to allocate IP ${ip}: provided IP is already allocated` });
      } else reserve.ip = ip;
      spec.clusterIPs = [ip];
    } else {
      const ip = this.pickIp(ips);
      if (!ip) errs.push({ type: 'FieldValueInvalid', field: 'spec.clusterIPs', detail: 'Internal error: failed to allocate a serviceIP: range is full' });
      else {
        spec.clusterIP = ip;
        spec.clusterIPs = [ip];
        reserve.ip = ip;
      }
    }

    const wantsNodePorts = type === 'NodePort' || (type === 'LoadBalancer' && spec.allocateLoadBalancerNodePorts !== false);
    const oldPorts = new Map<string, number>();
    for (const p of old?.spec?.ports ?? []) if (p.nodePort) oldPorts.set(`${p.port}/${p.protocol ?? 'TCP'}`, p.nodePort);
    const [lo, hi] = this.config.nodePortRange;
    (spec.ports ?? []).forEach((p: ServicePort, i: number) => {
      if (!wantsNodePorts) {
        if (type === 'ClusterIP' || type === 'ExternalName') delete p.nodePort;
        return;
      }
      const prev = oldPorts.get(`${p.port}/${p.protocol ?? 'TCP'}`);
      if (p.nodePort) {
        if (p.nodePort === prev) return;
        if (p.nodePort < lo || p.nodePort > hi) {
          errs.push({ type: 'FieldValueInvalid', field: `spec.ports[${i}].nodePort`, detail: `Invalid value: ${p.nodePort}: provided port is not in the valid range. The range of valid ports is ${lo}-${hi}` });
        } else if (ports.has(p.nodePort) || reserve.ports.includes(p.nodePort)) {
          errs.push({ type: 'FieldValueInvalid', field: `spec.ports[${i}].nodePort`, detail: `Invalid value: ${p.nodePort}: provided port is already allocated` });
        } else reserve.ports.push(p.nodePort);
        return;
      }
      if (prev) {
        p.nodePort = prev;
        return;
      }
      const np = this.pickPort(new Set([...ports, ...reserve.ports]));
      if (np === undefined) errs.push({ type: 'FieldValueInvalid', field: `spec.ports[${i}].nodePort`, detail: 'Internal error: failed to allocate a nodePort: range is full' });
      else {
        p.nodePort = np;
        reserve.ports.push(np);
      }
    });
    if (errs.length) throw invalid('Service', '', name, errs);
    if (!dryRun) {
      // Hold the addresses until the watch cache shows the stored Service.
      if (reserve.ip) this.reservedIps.add(reserve.ip);
      reserve.ports.forEach((p) => this.reservedPorts.add(p));
      setTimeout(() => {
        if (reserve.ip) this.reservedIps.delete(reserve.ip);
        reserve.ports.forEach((p) => this.reservedPorts.delete(p));
      }, 5000).unref();
    }
  }

  async beforeCreate(obj: KubeObject, dryRun: boolean): Promise<void> {
    await this.cache.sync();
    this.allocate(obj as Service & KubeObject, undefined, dryRun);
  }

  async beforeUpdate(obj: KubeObject, old: KubeObject, dryRun: boolean): Promise<void> {
    await this.cache.sync();
    this.allocate(obj as Service & KubeObject, old as Service, dryRun);
  }
}

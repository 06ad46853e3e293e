// Docker-link style environment variables for Services (kubelet getServiceEnvVarMap +
// envvars.FromServices): every Service with a cluster IP in the pod's namespace (when
// enableServiceLinks) plus the `kubernetes` Service of `default` (always).
import type { Service } from 'kubernetes-types/core/v1.js';

export interface EnvPair {
  name: string;
  value: string;
}

/** Services in `default` whose variables every pod gets, even with enableServiceLinks false. */
const MASTER_SERVICES = new Set(['kubernetes']);

function envName(s: string): string {
  return s.replace(/-/g, '_').toUpperCase();
}

function hasClusterIP(svc: Service): boolean {
  const ip = svc.spec?.clusterIP;
  return !!ip && ip !== 'None';
}

function joinHostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** The variables of one Service, in upstream order. */
export function envVarsForService(svc: Service): EnvPair[] {
  const ports = svc.spec?.ports ?? [];
  if (!hasClusterIP(svc) || ports.length === 0) return [];
  const ip = svc.spec!.clusterIP!;
  const prefix = envName(svc.metadata?.name ?? '');
  const out: EnvPair[] = [{ name: `${prefix}_SERVICE_HOST`, value: ip }];
  const portVar = `${prefix}_SERVICE_PORT`;
  out.push({ name: portVar, value: String(ports[0].port) });
  for (const p of ports) if (p.name) out.push({ name: `${portVar}_${envName(p.name)}`, value: String(p.port) });
  ports.forEach((p, i) => {
    const proto = p.protocol || 'TCP';
    const url = `${proto.toLowerCase()}://${joinHostPort(ip, p.port)}`;
    // Docker special-cases the first port.
    if (i === 0) out.push({ name: `${prefix}_PORT`, value: url });
    const pp = `${prefix}_PORT_${p.port}_${proto.toUpperCase()}`;
    out.push(
      { name: pp, value: url },
      { name: `${pp}_PROTO`, value: proto.toLowerCase() },
      { name: `${pp}_PORT`, value: String(p.port) },
      { name: `${pp}_ADDR`, value: ip },
    );
  });
  return out;
}

/**
 * Environment for a pod in `namespace`, from the Services that exist when its containers start.
 * A Service of the pod's own namespace wins over a master service of the same name. Output is
 * sorted by service name, so the result is stable; container `env` entries override these.
 */
export function serviceEnvVars(services: Service[], namespace: string, enableServiceLinks: boolean): EnvPair[] {
  const chosen = new Map<string, Service>();
  for (const svc of services) {
    if (!hasClusterIP(svc)) continue;
    const name = svc.metadata?.name ?? '';
    const ns = svc.metadata?.namespace ?? 'default';
    if (ns === namespace && enableServiceLinks) chosen.set(name, svc);
    else if (ns === 'default' && MASTER_SERVICES.has(name) && !chosen.has(name)) chosen.set(name, svc);
  }
  const byName = new Map<string, string>();
  for (const name of [...chosen.keys()].sort()) for (const e of envVarsForService(chosen.get(name)!)) byName.set(e.name, e.value);
  return [...byName].map(([name, value]) => ({ name, value }));
}

// Ingress routing (ingress-nginx semantics): all Ingress objects of our class merge into one
// table. A request picks a host group — exact host, else single-label wildcard (*.foo.com
// matches bar.foo.com, not foo.com or a.bar.foo.com), else rules without a host — then a path
// within it: Exact before Prefix, longest prefix first, Prefix matching whole path elements
// (/foo matches /foo and /foo/bar, not /foobar); ImplementationSpecific is a prefix. Paths of
// Ingresses with nginx.ingress.kubernetes.io/use-regex or rewrite-target are regular
// expressions, and rewrite-target rewrites the path ("/$1"). No match → a defaultBackend, else 404.
import type { Ingress, IngressBackend } from 'kubernetes-types/networking/v1.js';

export const REWRITE_TARGET = 'nginx.ingress.kubernetes.io/rewrite-target';
export const USE_REGEX = 'nginx.ingress.kubernetes.io/use-regex';

export interface RouteBackend {
  namespace: string;
  service: string;
  port: { number?: number; name?: string };
  /** The Ingress that contributed this route ("ns/name"). */
  source: string;
  /** "ns/service:number:name", computed once so that per-request lookups hash no new string. */
  key: string;
}

interface PathRule {
  kind: 'Exact' | 'Prefix' | 'Regex';
  path: string;
  regex?: RegExp;
  rewrite?: string;
  backend: RouteBackend;
  /** Older Ingresses win conflicts. */
  order: number;
}

export interface RouteMatch {
  backend: RouteBackend;
  /** Path to send upstream (differs from the request path with rewrite-target). */
  path: string;
}

function toBackend(b: IngressBackend | undefined, ing: Ingress): RouteBackend | undefined {
  const svc = b?.service;
  if (!svc?.name) return undefined; // resource backends are not served
  const namespace = ing.metadata?.namespace ?? 'default';
  const port = { number: svc.port?.number, name: svc.port?.name };
  return { namespace, service: svc.name, port, source: `${ing.metadata?.namespace}/${ing.metadata?.name}`, key: `${namespace}/${svc.name}:${port.number ?? ''}:${port.name ?? ''}` };
}

/** Element-wise prefix match: "/foo" and "/foo/" both match "/foo", "/foo/x"; not "/foobar". */
export function prefixMatches(prefix: string, path: string): boolean {
  const p = prefix.replace(/\/+$/, '');
  if (p === '') return true;
  return path === p || path.startsWith(p + '/');
}

export function hostMatches(pattern: string, host: string): boolean {
  if (!pattern.startsWith('*.')) return pattern === host;
  const suffix = pattern.slice(1); // ".foo.com"
  if (!host.endsWith(suffix)) return false;
  const label = host.slice(0, -suffix.length);
  return label.length > 0 && !label.includes('.');
}

export class RouteTable {
  private readonly exact = new Map<string, PathRule[]>();
  private readonly wildcard = new Map<string, PathRule[]>();
  private readonly catchAll: PathRule[] = [];
  private defaultBackend?: RouteBackend;
  /** TLS hosts (exact or wildcard) → "ns/secretName". */
  readonly tls = new Map<string, string>();

  constructor(ingresses: Ingress[]) {
    const sorted = [...ingresses].sort((a, b) => {
      const ta = a.metadata?.creationTimestamp ?? '';
      const tb = b.metadata?.creationTimestamp ?? '';
      if (ta !== tb) return ta < tb ? -1 : 1;
      const ka = `${a.metadata?.namespace}/${a.metadata?.name}`;
      const kb = `${b.metadata?.namespace}/${b.metadata?.name}`;
      return ka < kb ? -1 : 1;
    });
    sorted.forEach((ing, order) => {
      const ann = ing.metadata?.annotations ?? {};
      const rewrite = ann[REWRITE_TARGET];
      const regex = ann[USE_REGEX] === 'true' || rewrite !== undefined;
      const def = toBackend(ing.spec?.defaultBackend, ing);
      if (def && !this.defaultBackend) this.defaultBackend = def;
      for (const t of ing.spec?.tls ?? []) {
        if (!t.secretName) continue;
        for (const h of t.hosts ?? []) if (!this.tls.has(h.toLowerCase())) this.tls.set(h.toLowerCase(), `${ing.metadata?.namespace}/${t.secretName}`);
      }
      for (const rule of ing.spec?.rules ?? []) {
        const host = rule.host?.toLowerCase();
        const list = !host ? this.catchAll : host.startsWith('*.') ? getOrAdd(this.wildcard, host) : getOrAdd(this.exact, host);
        const paths = rule.http?.paths ?? [];
        for (const p of paths) {
          const backend = toBackend(p.backend, ing);
          if (!backend) continue;
          const path = p.path || '/';
          if (regex) {
            let re: RegExp | undefined;
            try {
              re = new RegExp('^' + path, 'i');
            } catch {
              continue; // an invalid expression routes nothing (nginx would reject the config)
            }
            list.push({ kind: 'Regex', path, regex: re, rewrite, backend, order });
          } else list.push({ kind: p.pathType === 'Exact' ? 'Exact' : 'Prefix', path, backend, order });
        }
        // A host rule without paths sends everything to the default backend of that Ingress.
        if (!rule.http && def) list.push({ kind: 'Prefix', path: '/', backend: def, order });
      }
    });
    const rank = (r: PathRule) => (r.kind === 'Exact' ? 0 : 1);
    const sortRules = (l: PathRule[]) => l.sort((a, b) => rank(a) - rank(b) || b.path.length - a.path.length || a.order - b.order);
    for (const l of this.exact.values()) sortRules(l);
    for (const l of this.wildcard.values()) sortRules(l);
    sortRules(this.catchAll);
  }

  /** The route for a request (host without port, path without query). */
  match(hostHeader: string, path: string): RouteMatch | undefined {
    const host = plainHost(hostHeader) ? hostHeader : hostHeader.toLowerCase().replace(/:\d+$/, '').replace(/\.$/, '');
    let group = this.exact.get(host);
    if (!group) {
      const dot = host.indexOf('.');
      if (dot > 0) group = this.wildcard.get('*' + host.slice(dot));
    }
    const rules = group ?? this.catchAll;
    for (const r of rules) {
      if (r.kind === 'Exact' && r.path === path) return { backend: r.backend, path };
      if (r.kind === 'Prefix' && prefixMatches(r.path, path)) return { backend: r.backend, path };
      if (r.kind === 'Regex') {
        const m = r.regex!.exec(path);
        if (!m) continue;
        if (r.rewrite === undefined) return { backend: r.backend, path };
        const rewritten = r.rewrite.replace(/\$(\d)/g, (_s, n: string) => m[Number(n)] ?? '');
        return { backend: r.backend, path: rewritten.startsWith('/') ? rewritten : '/' + rewritten };
      }
    }
    if (this.defaultBackend) return { backend: this.defaultBackend, path };
    return undefined;
  }

  /** The TLS secret ("ns/name") for a server name, exact before wildcard. */
  tlsSecretFor(serverName: string): string | undefined {
    const host = serverName.toLowerCase();
    const exact = this.tls.get(host);
    if (exact) return exact;
    for (const [pattern, secret] of this.tls) if (pattern.startsWith('*.') && hostMatches(pattern, host)) return secret;
    return undefined;
  }
}

/** Already lower case, without a port or a trailing dot (the usual Host header): no rewriting needed. */
function plainHost(h: string): boolean {
  for (let i = 0; i < h.length; i++) {
    const c = h.charCodeAt(i);
    if ((c >= 65 && c <= 90) || c === 58) return false;
  }
  return h.charCodeAt(h.length - 1) !== 46;
}

function getOrAdd(m: Map<string, PathRule[]>, k: string): PathRule[] {
  let l = m.get(k);
  if (!l) m.set(k, (l = []));
  return l;
}

// Ingress, IngressClass and NetworkPolicy validation (upstream networking validation).
/* eslint-disable @typescript-eslint/no-explicit-any */
import { type FieldError, invalidValue, notSupported, required } from '../errors.js';
import { validateLabelSelector } from '../labels.js';
import { isDNS1035Label, isDNS1123Subdomain, isWildcardDNS1123Subdomain, nameIsDNSSubdomain } from '../names.js';
import { validateObjectMeta, validateObjectMetaUpdate } from '../objectmeta.js';
import { invalidEach, invalidRendered, isCIDR, isIP, isValidPortName, portNumberMsgs } from './field.js';

const PATH_TYPES = ['Exact', 'ImplementationSpecific', 'Prefix'];
const INVALID_PATH_SEQUENCES = ['//', '/./', '/../', '%2f', '%2F'];
const INVALID_PATH_SUFFIXES = ['/..', '/.'];

function validateBackend(b: any, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const hasResource = b?.resource != null;
  const hasService = b?.service != null;
  if (hasResource && hasService) return [invalidValue(path, '', 'cannot set both resource and service backends')];
  if (hasResource) {
    const r = b.resource;
    if (!r.kind) errs.push(required(`${path}.resource.kind`));
    if (!r.name) errs.push(required(`${path}.resource.name`));
    return errs;
  }
  if (!hasService) return [invalidValue(path, '', 'resource or service backend is required')];
  const svc = b.service;
  if (!svc.name) errs.push(required(`${path}.service.name`));
  else errs.push(...invalidEach(`${path}.service.name`, svc.name, isDNS1035Label(svc.name)));
  const name = svc.port?.name ?? '';
  const number = svc.port?.number ?? 0;
  if (name && number) errs.push(invalidValue(path, '', 'cannot set both port name & port number'));
  else if (name) errs.push(...invalidEach(`${path}.service.port.name`, name, isValidPortName(name)));
  else if (number) errs.push(...invalidEach(`${path}.service.port.number`, number, portNumberMsgs(number)));
  else errs.push(required(path, 'port name or number is required'));
  return errs;
}

function validateHost(host: string, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (isIP(host)) errs.push(invalidValue(path, host, 'must be a DNS name, not an IP address'));
  const msgs = host.includes('*') ? isWildcardDNS1123Subdomain(host) : isDNS1123Subdomain(host);
  errs.push(...invalidEach(path, host, msgs));
  return errs;
}

function validateIngressSpec(s: any): FieldError[] {
  const errs: FieldError[] = [];
  const rules: any[] = s.rules ?? [];
  if (rules.length === 0 && s.defaultBackend == null)
    errs.push(invalidRendered('spec', '[]networking.IngressRule(nil)', 'either `defaultBackend` or `rules` must be specified'));
  if (s.defaultBackend != null) errs.push(...validateBackend(s.defaultBackend, 'spec.defaultBackend'));
  rules.forEach((r, i) => {
    const p = `spec.rules[${i}]`;
    if (r?.host) errs.push(...validateHost(r.host, `${p}.host`));
    if (r?.http == null) return;
    const paths: any[] = r.http.paths ?? [];
    if (paths.length === 0) errs.push(required(`${p}.http.paths`));
    paths.forEach((hp, j) => {
      const pp = `${p}.http.paths[${j}]`;
      if (!hp?.pathType) {
        errs.push(required(`${pp}.pathType`, 'pathType must be specified'));
        return;
      }
      const path = hp.path ?? '';
      if (hp.pathType === 'Exact' || hp.pathType === 'Prefix') {
        if (!path.startsWith('/')) errs.push(invalidValue(`${pp}.path`, path, 'must be an absolute path'));
        if (path) {
          for (const seq of INVALID_PATH_SEQUENCES) if (path.includes(seq)) errs.push(invalidValue(`${pp}.path`, path, `must not contain '${seq}'`));
          for (const suf of INVALID_PATH_SUFFIXES) if (path.endsWith(suf)) errs.push(invalidValue(`${pp}.path`, path, `cannot end with '${suf}'`));
        }
      } else if (hp.pathType === 'ImplementationSpecific') {
        if (path && !path.startsWith('/')) errs.push(invalidValue(`${pp}.path`, path, 'must be an absolute path'));
      } else {
        errs.push(notSupported(`${pp}.pathType`, hp.pathType, PATH_TYPES));
      }
      errs.push(...validateBackend(hp.backend, `${pp}.backend`));
    });
  });
  (s.tls ?? []).forEach((t: any, i: number) => {
    (t?.hosts ?? []).forEach((h: string, j: number) => {
      const msgs = h.includes('*') ? isWildcardDNS1123Subdomain(h) : isDNS1123Subdomain(h);
      errs.push(...invalidEach(`spec.tls[${i}].hosts[${j}]`, h, msgs));
    });
  });
  if (s.ingressClassName) errs.push(...invalidEach('spec.ingressClassName', s.ingressClassName, isDNS1123Subdomain(s.ingressClassName)));
  return errs;
}

export function validateIngress(ing: any): FieldError[] {
  return [...validateObjectMeta(ing.metadata, true, nameIsDNSSubdomain), ...validateIngressSpec(ing.spec ?? {})];
}

export function validateIngressUpdate(ing: any, old: any): FieldError[] {
  return [...validateObjectMetaUpdate(ing.metadata, old.metadata), ...validateIngressSpec(ing.spec ?? {})];
}

function validateIngressClassSpec(s: any): FieldError[] {
  const errs: FieldError[] = [];
  const c: string = s.controller ?? '';
  if (!c) errs.push(required('spec.controller'));
  else {
    if (c.length > 250) errs.push({ type: 'FieldValueTooLong', field: 'spec.controller', detail: 'Too long: may not be more than 250 bytes' });
    const slash = c.indexOf('/');
    if (slash <= 0 || isDNS1123Subdomain(c.slice(0, slash)).length > 0)
      errs.push(invalidValue('spec.controller', c, 'must be a domain-prefixed path (such as "acme.io/foo")'));
  }
  if (s.parameters) {
    if (!s.parameters.kind) errs.push(required('spec.parameters.kind'));
    if (!s.parameters.name) errs.push(required('spec.parameters.name'));
    if (s.parameters.scope && !['Cluster', 'Namespace'].includes(s.parameters.scope))
      errs.push(notSupported('spec.parameters.scope', s.parameters.scope, ['Cluster', 'Namespace']));
  }
  return errs;
}

export function validateIngressClass(ic: any): FieldError[] {
  return [...validateObjectMeta(ic.metadata, false, nameIsDNSSubdomain), ...validateIngressClassSpec(ic.spec ?? {})];
}

export function validateIngressClassUpdate(ic: any, old: any): FieldError[] {
  const errs = [...validateObjectMetaUpdate(ic.metadata, old.metadata), ...validateIngressClassSpec(ic.spec ?? {})];
  if ((ic.spec?.controller ?? '') !== (old.spec?.controller ?? '')) errs.push(invalidValue('spec.controller', ic.spec?.controller ?? '', 'field is immutable'));
  return errs;
}

function validatePeers(peers: any[] | undefined, path: string): FieldError[] {
  const errs: FieldError[] = [];
  (peers ?? []).forEach((peer, i) => {
    const p = `${path}[${i}]`;
    const n = (peer?.podSelector ? 1 : 0) + (peer?.namespaceSelector ? 1 : 0);
    if (peer?.ipBlock) {
      if (n > 0) errs.push({ type: 'FieldValueForbidden', field: p, detail: 'Forbidden: may not specify both ipBlock and another peer' });
      const cidr = peer.ipBlock.cidr ?? '';
      if (!cidr) errs.push(required(`${p}.ipBlock.cidr`));
      else if (!isCIDR(cidr)) errs.push(invalidValue(`${p}.ipBlock.cidr`, cidr, 'must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)'));
      (peer.ipBlock.except ?? []).forEach((e: string, j: number) => {
        if (!isCIDR(e)) errs.push(invalidValue(`${p}.ipBlock.except[${j}]`, e, 'must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)'));
      });
    } else if (n === 0) errs.push(required(p, 'must specify a peer'));
    if (peer?.podSelector) errs.push(...validateLabelSelector(peer.podSelector, `${p}.podSelector`));
    if (peer?.namespaceSelector) errs.push(...validateLabelSelector(peer.namespaceSelector, `${p}.namespaceSelector`));
  });
  return errs;
}

function validateNetPolPorts(ports: any[] | undefined, path: string): FieldError[] {
  const errs: FieldError[] = [];
  (ports ?? []).forEach((port, i) => {
    const p = `${path}[${i}]`;
    if (port?.protocol && !['SCTP', 'TCP', 'UDP'].includes(port.protocol)) errs.push(notSupported(`${p}.protocol`, port.protocol, ['SCTP', 'TCP', 'UDP']));
    const v = port?.port;
    if (typeof v === 'number') errs.push(...invalidEach(`${p}.port`, v, portNumberMsgs(v)));
    else if (typeof v === 'string') errs.push(...invalidEach(`${p}.port`, v, isValidPortName(v)));
    if (port?.endPort != null) {
      if (typeof v !== 'number') errs.push(required(`${p}.port`, 'must be specified when endPort is specified'));
      else if (port.endPort < v) errs.push(invalidValue(`${p}.endPort`, port.endPort, 'must be greater than or equal to `port`'));
      else errs.push(...invalidEach(`${p}.endPort`, port.endPort, portNumberMsgs(port.endPort)));
    }
  });
  return errs;
}

function validateNetworkPolicySpec(s: any): FieldError[] {
  const errs = validateLabelSelector(s.podSelector ?? {}, 'spec.podSelector');
  (s.ingress ?? []).forEach((r: any, i: number) => {
    errs.push(...validateNetPolPorts(r?.ports, `spec.ingress[${i}].ports`));
    errs.push(...validatePeers(r?.from, `spec.ingress[${i}].from`));
  });
  (s.egress ?? []).forEach((r: any, i: number) => {
    errs.push(...validateNetPolPorts(r?.ports, `spec.egress[${i}].ports`));
    errs.push(...validatePeers(r?.to, `spec.egress[${i}].to`));
  });
  const types: string[] = s.policyTypes ?? [];
  types.forEach((t, i) => {
    if (!['Egress', 'Ingress'].includes(t)) errs.push(notSupported(`spec.policyTypes[${i}]`, t, ['Egress', 'Ingress']));
  });
  if (types.length > 2) errs.push(invalidRendered('spec.policyTypes', JSON.stringify(types), 'may not specify more than two policyTypes'));
  return errs;
}

export function validateNetworkPolicy(np: any): FieldError[] {
  return [...validateObjectMeta(np.metadata, true, nameIsDNSSubdomain), ...validateNetworkPolicySpec(np.spec ?? {})];
}

export function validateNetworkPolicyUpdate(np: any, old: any): FieldError[] {
  return [...validateObjectMetaUpdate(np.metadata, old.metadata), ...validateNetworkPolicySpec(np.spec ?? {})];
}

// Service, Endpoints and EndpointSlice validation (upstream core/discovery validation).
/* eslint-disable @typescript-eslint/no-explicit-any */
import { duplicate, type FieldError, forbiddenField, invalidValue, notSupported, required } from '../errors.js';
import { validateLabels } from '../labels.js';
import { isDNS1123Label, isDNS1123Subdomain, nameIsDNS1035Label, nameIsDNSSubdomain } from '../names.js';
import { validateObjectMeta, validateObjectMetaUpdate } from '../objectmeta.js';
import { goStringSlice } from './gofmt.js';
import { invalidEach, invalidRendered, ipMsgs, isIPv4, isIPv6, isValidPortName, portNumberMsgs, tooMany } from './field.js';

const SERVICE_TYPES = ['ClusterIP', 'ExternalName', 'LoadBalancer', 'NodePort'];
const PROTOCOLS = ['SCTP', 'TCP', 'UDP'];
const IP_FAMILY_POLICIES = ['PreferDualStack', 'RequireDualStack', 'SingleStack'];
export const NODE_PORT_RANGE = { min: 30000, max: 32767 };

function isHeadless(s: any): boolean {
  return s.clusterIP === 'None' || (s.clusterIPs ?? [])[0] === 'None';
}

function validatePortNumOrName(v: unknown, path: string): FieldError[] {
  if (typeof v === 'number') return invalidEach(path, v, portNumberMsgs(v));
  if (typeof v === 'string') return invalidEach(path, v, isValidPortName(v));
  return [];
}

function validateServiceSpec(s: any): FieldError[] {
  const errs: FieldError[] = [];
  const ports: any[] = s.ports ?? [];
  const headless = isHeadless(s);
  if (ports.length === 0 && !headless && s.type !== 'ExternalName') errs.push(required('spec.ports'));
  switch (s.type) {
    case 'LoadBalancer':
      if (headless) errs.push(invalidValue('spec.clusterIPs[0]', 'None', "may not be set to 'None' for LoadBalancer services"));
      ports.forEach((p, i) => {
        if (p?.port === 10250) errs.push(invalidValue(`spec.ports[${i}]`, p.port, 'may not expose port 10250 externally since it is used by kubelet'));
      });
      break;
    case 'NodePort':
      if (headless) errs.push(invalidValue('spec.clusterIPs[0]', 'None', "may not be set to 'None' for NodePort services"));
      break;
    case 'ExternalName': {
      if ((s.clusterIPs ?? []).length > 0) errs.push(forbiddenField('spec.clusterIPs', 'may not be set for ExternalName services'));
      if ((s.ipFamilies ?? []).length > 0) errs.push(forbiddenField('spec.ipFamilies', 'may not be set for ExternalName services'));
      if (s.ipFamilyPolicy != null) errs.push(forbiddenField('spec.ipFamilyPolicy', 'may not be set for ExternalName services'));
      const cname = String(s.externalName ?? '').replace(/\.$/, '');
      if (cname) errs.push(...invalidEach('spec.externalName', cname, isDNS1123Subdomain(cname)));
      else errs.push(required('spec.externalName'));
      break;
    }
  }
  const names = new Set<string>();
  ports.forEach((p, i) => {
    const pp = `spec.ports[${i}]`;
    if (!p) return;
    if (ports.length > 1 && !p.name) errs.push(required(`${pp}.name`));
    else if (p.name) {
      errs.push(...invalidEach(`${pp}.name`, p.name, isDNS1123Label(p.name)));
      if (names.has(p.name)) errs.push(duplicate(`${pp}.name`, p.name));
      names.add(p.name);
    }
    errs.push(...invalidEach(`${pp}.port`, p.port ?? 0, portNumberMsgs(p.port ?? 0)));
    if (!p.protocol) errs.push(required(`${pp}.protocol`));
    else if (!PROTOCOLS.includes(p.protocol)) errs.push(notSupported(`${pp}.protocol`, p.protocol, PROTOCOLS));
    errs.push(...validatePortNumOrName(p.targetPort, `${pp}.targetPort`));
    if (p.nodePort) {
      if (s.type === 'ClusterIP') errs.push(forbiddenField(`${pp}.nodePort`, "may not be used when `type` is 'ClusterIP'"));
      else if (p.nodePort < NODE_PORT_RANGE.min || p.nodePort > NODE_PORT_RANGE.max)
        errs.push(
          invalidValue(
            `${pp}.nodePort`,
            p.nodePort,
            `provided port is not in the valid range. The range of valid ports is ${NODE_PORT_RANGE.min}-${NODE_PORT_RANGE.max}`,
          ),
        );
    }
  });
  if (s.selector != null) errs.push(...validateLabels(s.selector, 'spec.selector'));
  if (!s.sessionAffinity) errs.push(required('spec.sessionAffinity'));
  else if (!['ClientIP', 'None'].includes(s.sessionAffinity)) errs.push(notSupported('spec.sessionAffinity', s.sessionAffinity, ['ClientIP', 'None']));
  else if (s.sessionAffinity === 'None' && s.sessionAffinityConfig != null)
    errs.push(forbiddenField('spec.sessionAffinityConfig', 'must not be set when session affinity is None'));
  else if (s.sessionAffinity === 'ClientIP') {
    const t = s.sessionAffinityConfig?.clientIP?.timeoutSeconds;
    if (t != null && (t <= 0 || t > 86400))
      errs.push(invalidValue('spec.sessionAffinityConfig.clientIP.timeoutSeconds', t, 'must be greater than 0 and less than 86400'));
  }
  // clusterIP / clusterIPs
  const ips: string[] = s.clusterIPs ?? [];
  if (s.clusterIP && ips.length && s.clusterIP !== ips[0])
    errs.push(invalidRendered('spec.clusterIPs', goStringSlice(ips), 'first value must match `clusterIP`'));
  ips.forEach((ip, i) => {
    if (ip === 'None') {
      if (i > 0 || ips.length > 1) errs.push(invalidRendered('spec.clusterIPs', goStringSlice(ips), "'None' must be the first and only value"));
      return;
    }
    if (ip) errs.push(...invalidEach(`spec.clusterIPs[${i}]`, ip, ipMsgs(ip)));
  });
  if (ips.length === 2 && ips.every((ip) => ip !== 'None') && isIPv4(ips[0]) === isIPv4(ips[1]))
    errs.push(invalidRendered('spec.clusterIPs[1]', goStringSlice(ips), 'may not have the same family as clusterIPs[0]'));
  if (s.ipFamilyPolicy != null && !IP_FAMILY_POLICIES.includes(s.ipFamilyPolicy))
    errs.push(notSupported('spec.ipFamilyPolicy', s.ipFamilyPolicy, IP_FAMILY_POLICIES));
  (s.ipFamilies ?? []).forEach((f: string, i: number) => {
    if (!['IPv4', 'IPv6'].includes(f)) errs.push(notSupported(`spec.ipFamilies[${i}]`, f, ['IPv4', 'IPv6']));
  });
  (s.externalIPs ?? []).forEach((ip: string, i: number) => errs.push(...invalidEach(`spec.externalIPs[${i}]`, ip, ipMsgs(ip))));
  if (!s.type) errs.push(required('spec.type'));
  else if (!SERVICE_TYPES.includes(s.type)) errs.push(notSupported('spec.type', s.type, SERVICE_TYPES));
  // duplicate (protocol, port) and (protocol, nodePort)
  const seenPorts = new Set<string>();
  const seenNodePorts = new Set<string>();
  ports.forEach((p, i) => {
    if (!p) return;
    const k = `${p.protocol}/${p.port}`;
    if (seenPorts.has(k))
      errs.push({ type: 'FieldValueDuplicate', field: `spec.ports[${i}]`, detail: `Duplicate value: core.ServicePort{Name:"", Protocol:${JSON.stringify(p.protocol)}, AppProtocol:(*string)(nil), Port:${p.port}, TargetPort:intstr.IntOrString{Type:0, IntVal:0, StrVal:""}, NodePort:0}` });
    seenPorts.add(k);
    if (p.nodePort) {
      const nk = `${p.protocol}/${p.nodePort}`;
      if (seenNodePorts.has(nk)) errs.push(duplicate(`spec.ports[${i}].nodePort`, p.nodePort));
      seenNodePorts.add(nk);
    }
  });
  if (s.externalTrafficPolicy != null) {
    const ext = s.type === 'LoadBalancer' || s.type === 'NodePort' || (s.externalIPs ?? []).length > 0;
    if (!ext && s.externalTrafficPolicy) errs.push(invalidValue('spec.externalTrafficPolicy', s.externalTrafficPolicy, 'may only be set for externally-accessible services'));
    else if (s.externalTrafficPolicy && !['Cluster', 'Local'].includes(s.externalTrafficPolicy))
      errs.push(notSupported('spec.externalTrafficPolicy', s.externalTrafficPolicy, ['Cluster', 'Local']));
  }
  if (s.internalTrafficPolicy != null && !['Cluster', 'Local'].includes(s.internalTrafficPolicy))
    errs.push(notSupported('spec.internalTrafficPolicy', s.internalTrafficPolicy, ['Cluster', 'Local']));
  return errs;
}

export function validateService(svc: any): FieldError[] {
  return [...validateObjectMeta(svc.metadata, true, nameIsDNS1035Label), ...validateServiceSpec(svc.spec ?? {})];
}

export function validateServiceUpdate(svc: any, old: any): FieldError[] {
  const errs = [...validateObjectMetaUpdate(svc.metadata, old.metadata), ...validateServiceSpec(svc.spec ?? {})];
  const s = svc.spec ?? {};
  const o = old.spec ?? {};
  if (s.type !== 'ExternalName' && o.type !== 'ExternalName') {
    const newIPs: string[] = s.clusterIPs ?? [];
    (o.clusterIPs ?? []).forEach((ip: string, i: number) => {
      if (i < newIPs.length && ip !== newIPs[i]) errs.push(invalidRendered(`spec.clusterIPs[${i}]`, goStringSlice(newIPs), 'may not change once set'));
    });
    const newFams: string[] = s.ipFamilies ?? [];
    (o.ipFamilies ?? []).forEach((f: string, i: number) => {
      if (i === 0 && newFams.length && newFams[0] !== f) errs.push(invalidRendered('spec.ipFamilies[0]', goStringSlice(newFams), 'may not change once set'));
    });
  }
  return errs;
}

export function validateEndpoints(ep: any): FieldError[] {
  const errs = [...validateObjectMeta(ep.metadata, true, nameIsDNSSubdomain)];
  (ep.subsets ?? []).forEach((ss: any, i: number) => {
    const p = `subsets[${i}]`;
    const addrs = [...(ss?.addresses ?? []).map((a: any) => ['addresses', a]), ...(ss?.notReadyAddresses ?? []).map((a: any) => ['notReadyAddresses', a])];
    if (addrs.length === 0 && (ss?.ports ?? []).length > 0)
      errs.push(required(p, 'must specify `addresses` or `notReadyAddresses`'));
    const counters: Record<string, number> = { addresses: 0, notReadyAddresses: 0 };
    for (const [kind, a] of addrs) {
      const ap = `${p}.${kind}[${counters[kind]++}]`;
      errs.push(...invalidEach(`${ap}.ip`, a?.ip ?? '', ipMsgs(a?.ip ?? '')));
      if (a?.hostname) errs.push(...invalidEach(`${ap}.hostname`, a.hostname, isDNS1123Label(a.hostname)));
      if (a?.nodeName) errs.push(...invalidEach(`${ap}.nodeName`, a.nodeName, isDNS1123Subdomain(a.nodeName)));
    }
    const ports: any[] = ss?.ports ?? [];
    ports.forEach((port, j) => {
      const pp = `${p}.ports[${j}]`;
      if (ports.length > 1 && !port?.name) errs.push(required(`${pp}.name`));
      else if (port?.name) errs.push(...invalidEach(`${pp}.name`, port.name, isDNS1123Label(port.name)));
      errs.push(...invalidEach(`${pp}.port`, port?.port ?? 0, portNumberMsgs(port?.port ?? 0)));
      if (!port?.protocol) errs.push(required(`${pp}.protocol`));
      else if (!PROTOCOLS.includes(port.protocol)) errs.push(notSupported(`${pp}.protocol`, port.protocol, PROTOCOLS));
    });
  });
  return errs;
}

const ADDRESS_TYPES = ['FQDN', 'IPv4', 'IPv6'];

export function validateEndpointSlice(es: any): FieldError[] {
  const errs = [...validateObjectMeta(es.metadata, true, nameIsDNSSubdomain)];
  const at = es.addressType;
  if (!at) errs.push(required('addressType'));
  else if (!ADDRESS_TYPES.includes(at)) errs.push(notSupported('addressType', at, ADDRESS_TYPES));
  const endpoints: any[] = es.endpoints ?? [];
  if (endpoints.length > 1000) errs.push(tooMany('endpoints', endpoints.length, 1000));
  endpoints.forEach((e, i) => {
    const p = `endpoints[${i}]`;
    const addrs: string[] = e?.addresses ?? [];
    if (addrs.length === 0) errs.push(required(`${p}.addresses`, 'must contain at least 1 address'));
    else if (addrs.length > 100) errs.push(tooMany(`${p}.addresses`, addrs.length, 100));
    addrs.forEach((a, j) => {
      const ap = `${p}.addresses[${j}]`;
      if (at === 'IPv4' && !isIPv4(a)) errs.push(invalidValue(ap, a, 'must be a valid IPv4 address'));
      else if (at === 'IPv6' && !isIPv6(a)) errs.push(invalidValue(ap, a, 'must be a valid IPv6 address'));
      else if (at === 'FQDN') errs.push(...invalidEach(ap, a, isDNS1123Subdomain(a)));
    });
    if (e?.hostname) errs.push(...invalidEach(`${p}.hostname`, e.hostname, isDNS1123Label(e.hostname)));
    if (e?.nodeName) errs.push(...invalidEach(`${p}.nodeName`, e.nodeName, isDNS1123Subdomain(e.nodeName)));
  });
  const ports: any[] = es.ports ?? [];
  if (ports.length > 100) errs.push(tooMany('ports', ports.length, 100));
  const names = new Set<string>();
  ports.forEach((port, i) => {
    const p = `ports[${i}]`;
    const name = port?.name ?? '';
    if (name) errs.push(...invalidEach(`${p}.name`, name, isDNS1123Label(name)));
    if (names.has(name)) errs.push(duplicate(`${p}.name`, name));
    names.add(name);
    if (port?.port != null) errs.push(...invalidEach(`${p}.port`, port.port, portNumberMsgs(port.port)));
    if (port?.protocol && !PROTOCOLS.includes(port.protocol)) errs.push(notSupported(`${p}.protocol`, port.protocol, PROTOCOLS));
  });
  return errs;
}

export function validateEndpointSliceUpdate(es: any, old: any): FieldError[] {
  const errs = [...validateObjectMetaUpdate(es.metadata, old.metadata), ...validateEndpointSlice(es).filter((e) => !e.field.startsWith('metadata.'))];
  if (es.addressType !== old.addressType) errs.push(invalidValue('addressType', es.addressType ?? '', 'field is immutable'));
  return errs;
}

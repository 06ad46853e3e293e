// Field selectors (`?fieldSelector=status.phase=Running`) and the per-kind fields upstream
// lets clients select on. An unknown field is a 400, as kube-apiserver answers.
import { badRequest } from './errors.js';

export interface FieldRequirement {
  field: string;
  operator: '=' | '==' | '!=';
  value: string;
}

export interface FieldSelector {
  readonly requirements: FieldRequirement[];
  readonly empty: boolean;
  /** Match against the fields returned by `fieldsOf`. */
  matches(fields: Record<string, string>): boolean;
  toString(): string;
  /** Throw 400 `field label not supported: <name>` if a field is not selectable on `kind`. */
  validate(kind: string): void;
}

function splitUnescaped(s: string, sep: string): string[] {
  const out: string[] = [];
  let cur = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '\\' && i + 1 < s.length) {
      cur += c + s[i + 1];
      i++;
    } else if (c === sep) {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  out.push(cur);
  return out;
}

function unescape(v: string): string {
  let out = '';
  for (let i = 0; i < v.length; i++) {
    const c = v[i];
    if (c === '\\') {
      const n = v[i + 1];
      if (n === '\\' || n === ',' || n === '=') {
        out += n;
        i++;
        continue;
      }
      throw new Error(`invalid field selector: invalid escape sequence: \\${n ?? ''}`);
    }
    if (c === ',' || c === '=') throw new Error(`invalid field selector: unescaped ${c}`);
    out += c;
  }
  return out;
}

function escape(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/,/g, '\\,').replace(/=/g, '\\=');
}

class Fields implements FieldSelector {
  constructor(readonly requirements: FieldRequirement[]) {}
  get empty(): boolean {
    return this.requirements.length === 0;
  }
  matches(fields: Record<string, string>): boolean {
    return this.requirements.every((r) => {
      const v = fields[r.field] ?? '';
      return r.operator === '!=' ? v !== r.value : v === r.value;
    });
  }
  toString(): string {
    return this.requirements.map((r) => `${r.field}${r.operator}${escape(r.value)}`).join(',');
  }
  validate(kind: string): void {
    // Event accepts both the core and the events.k8s.io spellings.
    const ok = new Set([...supportedFields(kind), ...(kind === 'Event' ? supportedFields(kind, true) : [])]);
    for (const r of this.requirements) if (!ok.has(r.field)) throw badRequest(`field label not supported: ${r.field}`);
  }
}

/** Parse `a=b,c!=d` (also `==`); values may escape `\,` `\=` `\\`. Throws StatusError 400. */
export function parseFieldSelector(s: string): FieldSelector {
  const reqs: FieldRequirement[] = [];
  if (s.trim() === '') return new Fields(reqs);
  try {
    for (const term of splitUnescaped(s, ',')) {
      if (term === '') continue;
      let m: { field: string; operator: FieldRequirement['operator']; value: string } | undefined;
      for (const op of ['!=', '==', '='] as const) {
        const i = term.indexOf(op);
        if (i >= 0) {
          m = { field: term.slice(0, i).trim(), operator: op, value: unescape(term.slice(i + op.length)) };
          break;
        }
      }
      if (!m) throw new Error(`invalid selector: '${s}'; can't understand '${term}'`);
      reqs.push(m);
    }
  } catch (e) {
    throw badRequest((e as Error).message);
  }
  return new Fields(reqs);
}

const str = (v: unknown): string => (v === undefined || v === null ? '' : String(v));
const bool = (v: unknown): string => (v ? 'true' : 'false');

type Extract = (o: any) => Record<string, string>;

const POD: Extract = (o) => ({
  'spec.nodeName': str(o.spec?.nodeName),
  'spec.restartPolicy': str(o.spec?.restartPolicy),
  'spec.schedulerName': str(o.spec?.schedulerName),
  'spec.serviceAccountName': str(o.spec?.serviceAccountName),
  'spec.hostNetwork': bool(o.spec?.hostNetwork),
  'status.phase': str(o.status?.phase),
  // upstream selects on the primary IP only (status.podIPs[0] == status.podIP)
  'status.podIP': str(o.status?.podIP),
  'status.nominatedNodeName': str(o.status?.nominatedNodeName),
});

const EVENT: Extract = (o) => ({
  'involvedObject.kind': str(o.involvedObject?.kind),
  'involvedObject.namespace': str(o.involvedObject?.namespace),
  'involvedObject.name': str(o.involvedObject?.name),
  'involvedObject.uid': str(o.involvedObject?.uid),
  'involvedObject.apiVersion': str(o.involvedObject?.apiVersion),
  'involvedObject.resourceVersion': str(o.involvedObject?.resourceVersion),
  'involvedObject.fieldPath': str(o.involvedObject?.fieldPath),
  reason: str(o.reason),
  reportingComponent: str(o.reportingComponent),
  source: str(o.source?.component),
  type: str(o.type),
});

// events.k8s.io/v1 names the same things differently (regarding, reportingController).
const EVENT_V1: Extract = (o) => ({
  'regarding.kind': str(o.regarding?.kind),
  'regarding.namespace': str(o.regarding?.namespace),
  'regarding.name': str(o.regarding?.name),
  'regarding.uid': str(o.regarding?.uid),
  'regarding.apiVersion': str(o.regarding?.apiVersion),
  'regarding.resourceVersion': str(o.regarding?.resourceVersion),
  'regarding.fieldPath': str(o.regarding?.fieldPath),
  reason: str(o.reason),
  reportingController: str(o.reportingController),
  type: str(o.type),
  // core field names still accepted, as upstream converts them
  'involvedObject.kind': str(o.regarding?.kind),
  'involvedObject.namespace': str(o.regarding?.namespace),
  'involvedObject.name': str(o.regarding?.name),
  'involvedObject.uid': str(o.regarding?.uid),
});

const PER_KIND: Record<string, Extract> = {
  Pod: POD,
  Event: EVENT,
  Secret: (o) => ({ type: str(o.type) }),
  Node: (o) => ({ 'spec.unschedulable': bool(o.spec?.unschedulable) }),
  Namespace: (o) => ({ 'status.phase': str(o.status?.phase) }),
  ReplicaSet: (o) => ({ 'status.replicas': str(o.status?.replicas ?? 0) }),
  ReplicationController: (o) => ({ 'status.replicas': str(o.status?.replicas ?? 0) }),
  Job: (o) => ({ 'status.successful': str(o.status?.succeeded ?? 0) }),
  Service: (o) => ({ 'spec.clusterIP': str(o.spec?.clusterIP), 'spec.type': str(o.spec?.type) }),
  CertificateSigningRequest: (o) => ({ 'spec.signerName': str(o.spec?.signerName) }),
};

/** The selectable fields of an object of `kind` (metadata.name/namespace for every kind). */
export function fieldsOf(kind: string, obj: any): Record<string, string> {
  const base: Record<string, string> = {
    'metadata.name': str(obj?.metadata?.name),
    'metadata.namespace': str(obj?.metadata?.namespace),
  };
  let extract = PER_KIND[kind];
  if (kind === 'Event' && typeof obj?.apiVersion === 'string' && obj.apiVersion.startsWith('events.k8s.io/')) extract = EVENT_V1;
  return extract ? { ...base, ...extract(obj ?? {}) } : base;
}

/** The field names selectable for a kind (events.k8s.io Event when `eventsV1`). */
export function supportedFields(kind: string, eventsV1 = false): string[] {
  const probe = eventsV1 && kind === 'Event' ? { apiVersion: 'events.k8s.io/v1' } : {};
  return Object.keys(fieldsOf(kind, probe));
}

/**
 * Check every field of a selector is supported for `kind`; throws 400
 * `field label not supported: <name>` as upstream's field label conversion does.
 */
export function checkFieldSelector(kind: string, sel: FieldSelector, eventsV1 = false): void {
  const ok = new Set(supportedFields(kind, eventsV1));
  for (const r of sel.requirements) if (!ok.has(r.field)) throw badRequest(`field label not supported: ${r.field}`);
}

/** parse + check in one step: what a list/watch handler needs. */
export function parseFieldSelectorFor(kind: string, s: string, eventsV1 = false): FieldSelector {
  const sel = parseFieldSelector(s);
  checkFieldSelector(kind, sel, eventsV1);
  return sel;
}

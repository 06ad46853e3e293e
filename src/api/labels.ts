// Label selectors (string syntax and LabelSelector objects) and label/annotation validation,
// with upstream's parse errors so `?labelSelector=` failures read like kube-apiserver's.
import type { LabelSelector } from 'kubernetes-types/meta/v1.js';
import { badRequest, type FieldError, invalidValue, tooLong } from './errors.js';
import { isQualifiedName, isValidLabelValue } from './names.js';

export type Operator = 'in' | 'notin' | '=' | '==' | '!=' | 'exists' | '!' | 'gt' | 'lt';

export interface Requirement {
  key: string;
  operator: Operator;
  values: string[];
}

export interface Selector {
  matches(labels: Record<string, string> | undefined | null): boolean;
  /** True when the selector places no constraint (matches everything). */
  readonly empty: boolean;
  readonly requirements: Requirement[];
  toString(): string;
}

function requirementMatches(r: Requirement, labels: Record<string, string>): boolean {
  const has = Object.prototype.hasOwnProperty.call(labels, r.key);
  const v = has ? labels[r.key] : undefined;
  switch (r.operator) {
    case '=':
    case '==':
    case 'in':
      return has && r.values.includes(v!);
    case '!=':
    case 'notin':
      return !has || !r.values.includes(v!);
    case 'exists':
      return has;
    case '!':
      return !has;
    case 'gt':
    case 'lt': {
      if (!has || !/^-?\d+$/.test(v!)) return false;
      const n = Number(v);
      const want = Number(r.values[0]);
      return r.operator === 'gt' ? n > want : n < want;
    }
  }
}

function requirementString(r: Requirement): string {
  switch (r.operator) {
    case 'exists':
      return r.key;
    case '!':
      return `!${r.key}`;
    case 'in':
    case 'notin':
      return `${r.key} ${r.operator} (${r.values.join(',')})`;
    case 'gt':
      return `${r.key}>${r.values[0]}`;
    case 'lt':
      return `${r.key}<${r.values[0]}`;
    default:
      return `${r.key}${r.operator}${r.values[0] ?? ''}`;
  }
}

class RequirementsSelector implements Selector {
  constructor(
    readonly requirements: Requirement[],
    private readonly matchNothing = false,
  ) {}
  get empty(): boolean {
    return !this.matchNothing && this.requirements.length === 0;
  }
  matches(labels: Record<string, string> | undefined | null): boolean {
    if (this.matchNothing) return false;
    const l = labels ?? {};
    return this.requirements.every((r) => requirementMatches(r, l));
  }
  toString(): string {
    return this.requirements.map(requirementString).join(',');
  }
}

/** A selector that matches every object. */
export function everything(): Selector {
  return new RequirementsSelector([]);
}

/** A selector that matches no object (a nil LabelSelector where upstream means "nothing"). */
export function nothing(): Selector {
  return new RequirementsSelector([], true);
}

function sortRequirements(rs: Requirement[]): Requirement[] {
  return rs.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

// ---- string syntax -------------------------------------------------------------

type Tok = { t: 'id' | 'in' | 'notin' | '=' | '==' | '!=' | '!' | '(' | ')' | ',' | '>' | '<' | 'eos'; lit: string };

const SPECIAL = new Set(['!', '=', ',', '(', ')', '<', '>']);

function lex(s: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < s.length) {
    const c = s[i];
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === '=' && s[i + 1] === '=') {
      out.push({ t: '==', lit: '==' });
      i += 2;
    } else if (c === '!' && s[i + 1] === '=') {
      out.push({ t: '!=', lit: '!=' });
      i += 2;
    } else if (SPECIAL.has(c)) {
      out.push({ t: c as Tok['t'], lit: c });
      i++;
    } else {
      let j = i;
      while (j < s.length && !SPECIAL.has(s[j]) && !/\s/.test(s[j])) j++;
      const word = s.slice(i, j);
      out.push({ t: word === 'in' ? 'in' : word === 'notin' ? 'notin' : 'id', lit: word });
      i = j;
    }
  }
  out.push({ t: 'eos', lit: '' });
  return out;
}

class SelectorParser {
  private pos = 0;
  constructor(private readonly toks: Tok[]) {}
  private peek(): Tok {
    return this.toks[this.pos];
  }
  private next(): Tok {
    return this.toks[this.pos++];
  }

  parse(): Requirement[] {
    const reqs: Requirement[] = [];
    for (;;) {
      const t = this.peek();
      if (t.t === 'eos') return reqs;
      if (t.t !== 'id' && t.t !== '!' && !(t.t === 'in' || t.t === 'notin'))
        throw new Error(`found '${t.lit}', expected: !, identifier, or 'end of string'`);
      let r: Requirement;
      try {
        r = this.requirement();
      } catch (e) {
        throw new Error(`unable to parse requirement: ${(e as Error).message}`);
      }
      reqs.push(r);
      const n = this.next();
      if (n.t === 'eos') return reqs;
      if (n.t !== ',') throw new Error(`found '${n.lit}', expected: ',' or 'end of string'`);
      const after = this.peek();
      if (after.t !== 'id' && after.t !== '!') throw new Error(`found '${after.lit}', expected: identifier after ','`);
    }
  }

  private requirement(): Requirement {
    let op: Operator | undefined;
    let t = this.next();
    if (t.t === '!') {
      op = '!';
      t = this.next();
    }
    // Keywords are identifiers in key position ("in" is a valid label key).
    if (t.t !== 'id' && t.t !== 'in' && t.t !== 'notin') throw new Error(`found '${t.lit}', expected: identifier`);
    const key = t.lit;
    validateKey(key);
    const la = this.peek();
    if (la.t === 'eos' || la.t === ',') return { key, operator: op ?? 'exists', values: [] };
    if (op === '!') throw new Error(`found '${la.lit}', expected: ',' or 'end of string'`);
    const o = this.next();
    let values: string[];
    switch (o.t) {
      case 'in':
      case 'notin':
        values = this.valueSet();
        if (values.length === 0) throw new Error("for 'in', 'notin' operators, values set can't be empty");
        op = o.t;
        break;
      case '=':
      case '==':
      case '!=':
        values = [this.exactValue()];
        op = o.t;
        break;
      case '>':
      case '<': {
        const v = this.exactValue();
        if (!/^-?\d+$/.test(v)) throw new Error(`for 'Gt', 'Lt' operators, the value must be an integer`);
        values = [v];
        op = o.t === '>' ? 'gt' : 'lt';
        break;
      }
      default:
        throw new Error(`found '${o.lit}', expected: in, notin, =, ==, !=, gt, lt`);
    }
    for (const v of values) validateValue(key, v);
    return { key, operator: op, values: [...new Set(values)].sort() };
  }

  private valueSet(): string[] {
    const t = this.next();
    if (t.t !== '(') throw new Error(`found '${t.lit}' expected: '('`);
    const vals: string[] = [];
    let expectValue = true;
    for (;;) {
      const n = this.next();
      if (n.t === ')') {
        if (expectValue && vals.length > 0) vals.push('');
        return vals;
      }
      if (n.t === ',') {
        if (expectValue) vals.push('');
        expectValue = true;
        continue;
      }
      if ((n.t === 'id' || n.t === 'in' || n.t === 'notin') && expectValue) {
        vals.push(n.lit);
        expectValue = false;
        continue;
      }
      throw new Error(`found '${n.lit}', expected: ',', ')' or identifier`);
    }
  }

  private exactValue(): string {
    const t = this.peek();
    if (t.t === 'eos' || t.t === ',') return '';
    this.next();
    if (t.t === 'id' || t.t === 'in' || t.t === 'notin') return t.lit;
    throw new Error(`found '${t.lit}', expected: identifier`);
  }
}

function validateKey(k: string): void {
  const errs = isQualifiedName(k);
  if (errs.length) throw new Error(`<nil>: Invalid value: ${JSON.stringify(k)}: ${errs.join('; ')}`);
}

function validateValue(k: string, v: string): void {
  const errs = isValidLabelValue(v);
  if (errs.length) throw new Error(`values[0][${k}]: Invalid value: ${JSON.stringify(v)}: ${errs.join('; ')}`);
}

/** Parse `a=b,c!=d,e in (x,y),!f` — throws StatusError 400 on bad syntax. */
export function parseSelector(s: string): Selector {
  try {
    return new RequirementsSelector(sortRequirements(new SelectorParser(lex(s)).parse()));
  } catch (e) {
    throw badRequest((e as Error).message);
  }
}

// ---- LabelSelector objects ----------------------------------------------------------

/**
 * matchLabels + matchExpressions → Selector. An undefined or empty LabelSelector matches
 * everything (apps/batch semantics). Throws StatusError 400 for an unknown operator.
 */
export function selectorFromLabelSelector(ls: LabelSelector | undefined | null): Selector {
  if (!ls) return everything();
  const reqs: Requirement[] = [];
  for (const [k, v] of Object.entries(ls.matchLabels ?? {})) reqs.push({ key: k, operator: '=', values: [v] });
  for (const e of ls.matchExpressions ?? []) {
    const values = [...new Set(e.values ?? [])].sort();
    switch (e.operator) {
      case 'In':
        reqs.push({ key: e.key, operator: 'in', values });
        break;
      case 'NotIn':
        reqs.push({ key: e.key, operator: 'notin', values });
        break;
      case 'Exists':
        reqs.push({ key: e.key, operator: 'exists', values: [] });
        break;
      case 'DoesNotExist':
        reqs.push({ key: e.key, operator: '!', values: [] });
        break;
      default:
        throw badRequest(`${JSON.stringify(e.operator)} is not a valid label selector operator`);
    }
  }
  return new RequirementsSelector(sortRequirements(reqs));
}

/** The equality-only selector of a Service / ReplicationController (`spec.selector` map). */
export function selectorFromMap(m: Record<string, string> | undefined | null): Selector {
  return new RequirementsSelector(sortRequirements(Object.entries(m ?? {}).map(([key, v]) => ({ key, operator: '=' as Operator, values: [v] }))));
}

/** Upstream's metav1.FormatLabelSelector: `app=x,tier in (a,b)`; `<none>` when empty. */
export function formatLabelSelector(ls: LabelSelector | undefined | null): string {
  if (!ls) return '<none>';
  const parts: string[] = [];
  for (const [k, v] of Object.entries(ls.matchLabels ?? {}).sort(([a], [b]) => (a < b ? -1 : 1))) parts.push(`${k}=${v}`);
  for (const e of ls.matchExpressions ?? []) {
    const vals = (e.values ?? []).join(',');
    if (e.operator === 'In') parts.push(`${e.key} in (${vals})`);
    else if (e.operator === 'NotIn') parts.push(`${e.key} notin (${vals})`);
    else if (e.operator === 'Exists') parts.push(e.key);
    else if (e.operator === 'DoesNotExist') parts.push(`!${e.key}`);
  }
  const s = parts.join(',');
  return s === '' ? '<none>' : s;
}

// ---- validation -----------------------------------------------------------------------

/** Label keys and values as upstream ValidateLabels (errors reported on the map's path). */
export function validateLabels(labels: Record<string, string> | undefined | null, fieldPath: string): FieldError[] {
  const errs: FieldError[] = [];
  for (const [k, v] of Object.entries(labels ?? {})) {
    for (const m of isQualifiedName(k)) errs.push(invalidValue(fieldPath, k, m));
    if (typeof v !== 'string') {
      errs.push(invalidValue(fieldPath, v, 'label values must be strings'));
      continue;
    }
    for (const m of isValidLabelValue(v)) errs.push(invalidValue(fieldPath, v, m));
  }
  return errs;
}

export const TOTAL_ANNOTATION_SIZE_LIMIT = 256 * 1024;

/** Annotation keys are qualified names (lower-cased before checking); total size ≤ 256 KiB. */
export function validateAnnotations(annotations: Record<string, string> | undefined | null, fieldPath: string): FieldError[] {
  const errs: FieldError[] = [];
  let total = 0;
  for (const [k, v] of Object.entries(annotations ?? {})) {
    for (const m of isQualifiedName(k.toLowerCase())) errs.push(invalidValue(fieldPath, k, m));
    total += Buffer.byteLength(k) + Buffer.byteLength(String(v));
  }
  if (total > TOTAL_ANNOTATION_SIZE_LIMIT) errs.push(tooLong(fieldPath, TOTAL_ANNOTATION_SIZE_LIMIT));
  return errs;
}

/** Upstream ValidateLabelSelector: operators, values presence, keys and values syntax. */
export function validateLabelSelector(ls: LabelSelector | undefined | null, fieldPath: string): FieldError[] {
  if (!ls) return [];
  const errs: FieldError[] = validateLabels(ls.matchLabels, `${fieldPath}.matchLabels`);
  (ls.matchExpressions ?? []).forEach((e, i) => {
    const p = `${fieldPath}.matchExpressions[${i}]`;
    const nvals = (e.values ?? []).length;
    switch (e.operator) {
      case 'In':
      case 'NotIn':
        if (nvals === 0) errs.push({ type: 'FieldValueRequired', field: `${p}.values`, detail: 'Required value: must be specified when `operator` is \'In\' or \'NotIn\'' });
        break;
      case 'Exists':
      case 'DoesNotExist':
        if (nvals > 0) errs.push({ type: 'FieldValueForbidden', field: `${p}.values`, detail: "Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'" });
        break;
      default:
        errs.push(invalidValue(`${p}.operator`, e.operator, 'not a valid selector operator'));
    }
    for (const m of isQualifiedName(e.key ?? '')) errs.push(invalidValue(`${p}.key`, e.key, m));
    (e.values ?? []).forEach((v, j) => {
      for (const m of isValidLabelValue(v)) errs.push(invalidValue(`${p}.values[${j}]`, v, m));
    });
  });
  return errs;
}

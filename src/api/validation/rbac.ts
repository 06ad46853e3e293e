// RBAC validation: Role/ClusterRole rules, RoleBinding/ClusterRoleBinding roleRef and subjects.
/* eslint-disable @typescript-eslint/no-explicit-any */
import { type FieldError, notSupported, required } from '../errors.js';
import { validateLabelSelector } from '../labels.js';
import { nameIsDNSSubdomain, nameIsPathSegment } from '../names.js';
import { validateObjectMeta, validateObjectMetaUpdate } from '../objectmeta.js';
import { goStringSlice } from './gofmt.js';
import { invalidEach, invalidRendered, jsonEqual } from './field.js';

const RBAC_GROUP = 'rbac.authorization.k8s.io';

function validateRules(rules: any[] | undefined, namespaced: boolean): FieldError[] {
  const errs: FieldError[] = [];
  (rules ?? []).forEach((r, i) => {
    const p = `rules[${i}]`;
    if (!(r?.verbs ?? []).length) errs.push(required(`${p}.verbs`, 'verbs must contain at least one value'));
    if ((r?.nonResourceURLs ?? []).length) {
      if (namespaced) errs.push(invalidRendered(`${p}.nonResourceURLs`, goStringSlice(r.nonResourceURLs), 'namespaced rules cannot apply to non-resource URLs'));
      if ((r.apiGroups ?? []).length || (r.resources ?? []).length || (r.resourceNames ?? []).length)
        errs.push(invalidRendered(`${p}.nonResourceURLs`, goStringSlice(r.nonResourceURLs), 'rules cannot apply to both regular resources and non-resource URLs'));
      return;
    }
    if (!(r?.apiGroups ?? []).length) errs.push(required(`${p}.apiGroups`, 'resource rules must supply at least one api group'));
    if (!(r?.resources ?? []).length) errs.push(required(`${p}.resources`, 'resource rules must supply at least one resource'));
  });
  return errs;
}

export function validateRole(role: any): FieldError[] {
  return [...validateObjectMeta(role.metadata, true, nameIsPathSegment), ...validateRules(role.rules, true)];
}

export function validateClusterRole(cr: any): FieldError[] {
  const errs = [...validateObjectMeta(cr.metadata, false, nameIsPathSegment), ...validateRules(cr.rules, false)];
  (cr.aggregationRule?.clusterRoleSelectors ?? []).forEach((s: any, i: number) =>
    errs.push(...validateLabelSelector(s, `aggregationRule.clusterRoleSelectors[${i}]`)),
  );
  if (cr.aggregationRule && !(cr.aggregationRule.clusterRoleSelectors ?? []).length)
    errs.push(required('aggregationRule.clusterRoleSelectors', 'at least one clusterRoleSelector required if aggregationRule is non-nil'));
  return errs;
}

function validateSubjects(subjects: any[] | undefined, namespaced: boolean): FieldError[] {
  const errs: FieldError[] = [];
  (subjects ?? []).forEach((s, i) => {
    const p = `subjects[${i}]`;
    if (!s?.name) errs.push(required(`${p}.name`));
    switch (s?.kind) {
      case 'ServiceAccount':
        if (s.name) errs.push(...invalidEach(`${p}.name`, s.name, nameIsDNSSubdomain(s.name, false)));
        if (s.apiGroup) errs.push(notSupported(`${p}.apiGroup`, s.apiGroup, ['']));
        if (!namespaced && !s.namespace) errs.push(required(`${p}.namespace`));
        break;
      case 'User':
      case 'Group':
        if (s.apiGroup !== RBAC_GROUP) errs.push(notSupported(`${p}.apiGroup`, s.apiGroup ?? '', [RBAC_GROUP]));
        break;
      default:
        errs.push(notSupported(`${p}.kind`, s?.kind ?? '', ['ServiceAccount', 'User', 'Group']));
    }
  });
  return errs;
}

function validateRoleRef(ref: any, kinds: string[]): FieldError[] {
  const errs: FieldError[] = [];
  if (ref?.apiGroup !== RBAC_GROUP) errs.push(notSupported('roleRef.apiGroup', ref?.apiGroup ?? '', [RBAC_GROUP]));
  if (!kinds.includes(ref?.kind)) errs.push(notSupported('roleRef.kind', ref?.kind ?? '', kinds));
  if (!ref?.name) errs.push(required('roleRef.name'));
  else errs.push(...invalidEach('roleRef.name', ref.name, nameIsPathSegment(ref.name, false)));
  return errs;
}

export function validateRoleBinding(rb: any): FieldError[] {
  return [...validateObjectMeta(rb.metadata, true, nameIsPathSegment), ...validateRoleRef(rb.roleRef, ['Role', 'ClusterRole']), ...validateSubjects(rb.subjects, true)];
}

export function validateClusterRoleBinding(crb: any): FieldError[] {
  return [...validateObjectMeta(crb.metadata, false, nameIsPathSegment), ...validateRoleRef(crb.roleRef, ['ClusterRole']), ...validateSubjects(crb.subjects, false)];
}

function goRoleRef(r: any): string {
  return `rbac.RoleRef{APIGroup:${JSON.stringify(r?.apiGroup ?? '')}, Kind:${JSON.stringify(r?.kind ?? '')}, Name:${JSON.stringify(r?.name ?? '')}}`;
}

function roleRefImmutable(obj: any, old: any): FieldError[] {
  return jsonEqual(obj.roleRef, old.roleRef) ? [] : [invalidRendered('roleRef', goRoleRef(obj.roleRef), 'cannot change roleRef')];
}

const notMeta = (e: FieldError) => !e.field.startsWith('metadata.');

export function validateRoleUpdate(o: any, old: any): FieldError[] {
  return [...validateObjectMetaUpdate(o.metadata, old.metadata), ...validateRole(o).filter(notMeta)];
}
export function validateClusterRoleUpdate(o: any, old: any): FieldError[] {
  return [...validateObjectMetaUpdate(o.metadata, old.metadata), ...validateClusterRole(o).filter(notMeta)];
}
export function validateRoleBindingUpdate(o: any, old: any): FieldError[] {
  return [...validateObjectMetaUpdate(o.metadata, old.metadata), ...validateRoleBinding(o).filter(notMeta), ...roleRefImmutable(o, old)];
}
export function validateClusterRoleBindingUpdate(o: any, old: any): FieldError[] {
  return [...validateObjectMetaUpdate(o.metadata, old.metadata), ...validateClusterRoleBinding(o).filter(notMeta), ...roleRefImmutable(o, old)];
}


// ObjectMeta validation common to every kind: name/generateName, namespace, labels,
// annotations, ownerReferences and finalizers, plus the immutability rules on update.
import type { ObjectMeta, OwnerReference } from 'kubernetes-types/meta/v1.js';
import { type FieldError, forbiddenField, invalidValue, required } from './errors.js';
import { validateAnnotations, validateLabels } from './labels.js';
import { isDNS1123Label, isQualifiedName, type NameValidator } from './names.js';
import { invalidEach, immutable, invalidRendered } from './validation/field.js';

function validateOwnerReferences(refs: OwnerReference[] | undefined, fieldPath: string): FieldError[] {
  const errs: FieldError[] = [];
  const controllers: string[] = [];
  (refs ?? []).forEach((r, i) => {
    const p = `${fieldPath}[${i}]`;
    const apiVersion = r.apiVersion ?? '';
    const version = apiVersion.includes('/') ? apiVersion.slice(apiVersion.indexOf('/') + 1) : apiVersion;
    if (!version) errs.push(invalidValue(`${p}.apiVersion`, apiVersion, 'version must not be empty'));
    if (!r.kind) errs.push(invalidValue(`${p}.kind`, r.kind ?? '', 'kind must not be empty'));
    if (!r.name) errs.push(invalidValue(`${p}.name`, r.name ?? '', 'name must not be empty'));
    if (!r.uid) errs.push(invalidValue(`${p}.uid`, r.uid ?? '', 'uid must not be empty'));
    if (r.controller) controllers.push(`${r.kind}/${r.name}`);
  });
  if (controllers.length > 1)
    errs.push(
      invalidRendered(
        fieldPath,
        '[]v1.OwnerReference{...}',
        `Only one reference can have Controller set to true. Found "true" in references for ${controllers.join(' and ')}`,
      ),
    );
  return errs;
}

/** Finalizer names must be qualified names (`example.com/cleanup`), no duplicates. */
export function validateFinalizers(finalizers: string[] | undefined, fieldPath: string): FieldError[] {
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  for (const f of finalizers ?? []) {
    errs.push(...invalidEach(fieldPath, f, isQualifiedName(f)));
    if (seen.has(f)) errs.push({ type: 'FieldValueDuplicate', field: fieldPath, detail: `Duplicate value: ${JSON.stringify(f)}` });
    seen.add(f);
  }
  return errs;
}

/**
 * Upstream ValidateObjectMeta: name (or generateName) required and checked with `nameValidator`,
 * namespace required iff namespaced, then labels, annotations, ownerReferences, finalizers.
 */
export function validateObjectMeta(
  meta: ObjectMeta | undefined,
  namespaced: boolean,
  nameValidator: NameValidator,
  fieldPath = 'metadata',
): FieldError[] {
  const m = meta ?? {};
  const errs: FieldError[] = [];
  if (m.generateName) errs.push(...invalidEach(`${fieldPath}.generateName`, m.generateName, nameValidator(m.generateName, true)));
  if (!m.name) {
    if (!m.generateName) errs.push(required(`${fieldPath}.name`, 'name or generateName is required'));
  } else {
    errs.push(...invalidEach(`${fieldPath}.name`, m.name, nameValidator(m.name, false)));
  }
  if (namespaced) {
    if (!m.namespace) errs.push(required(`${fieldPath}.namespace`));
    else errs.push(...invalidEach(`${fieldPath}.namespace`, m.namespace, isDNS1123Label(m.namespace)));
  } else if (m.namespace) {
    errs.push(forbiddenField(`${fieldPath}.namespace`, 'not allowed on this type'));
  }
  if (typeof m.generation === 'number' && m.generation < 0)
    errs.push(invalidValue(`${fieldPath}.generation`, m.generation, 'must be greater than or equal to 0'));
  errs.push(...validateLabels(m.labels, `${fieldPath}.labels`));
  errs.push(...validateAnnotations(m.annotations, `${fieldPath}.annotations`));
  errs.push(...validateOwnerReferences(m.ownerReferences, `${fieldPath}.ownerReferences`));
  errs.push(...validateFinalizers(m.finalizers, `${fieldPath}.finalizers`));
  return errs;
}

/** Upstream ValidateObjectMetaUpdate: identity fields are immutable; labels etc. revalidated. */
export function validateObjectMetaUpdate(meta: ObjectMeta | undefined, old: ObjectMeta | undefined, fieldPath = 'metadata'): FieldError[] {
  const m = meta ?? {};
  const o = old ?? {};
  const errs: FieldError[] = [];
  errs.push(...immutable(`${fieldPath}.name`, m.name ?? '', o.name ?? ''));
  errs.push(...immutable(`${fieldPath}.namespace`, m.namespace ?? '', o.namespace ?? ''));
  errs.push(...immutable(`${fieldPath}.uid`, m.uid ?? '', o.uid ?? ''));
  if (m.creationTimestamp !== undefined && o.creationTimestamp !== undefined)
    errs.push(...immutable(`${fieldPath}.creationTimestamp`, m.creationTimestamp, o.creationTimestamp));
  if (o.deletionTimestamp && m.deletionTimestamp !== o.deletionTimestamp)
    errs.push(...immutable(`${fieldPath}.deletionTimestamp`, m.deletionTimestamp ?? null, o.deletionTimestamp));
  if (o.deletionGracePeriodSeconds !== undefined && m.deletionGracePeriodSeconds !== o.deletionGracePeriodSeconds)
    errs.push(...immutable(`${fieldPath}.deletionGracePeriodSeconds`, m.deletionGracePeriodSeconds ?? null, o.deletionGracePeriodSeconds));
  if (typeof m.generation === 'number' && m.generation < 0)
    errs.push(invalidValue(`${fieldPath}.generation`, m.generation, 'must be greater than or equal to 0'));
  errs.push(...validateLabels(m.labels, `${fieldPath}.labels`));
  errs.push(...validateAnnotations(m.annotations, `${fieldPath}.annotations`));
  errs.push(...validateOwnerReferences(m.ownerReferences, `${fieldPath}.ownerReferences`));
  errs.push(...validateFinalizers(m.finalizers, `${fieldPath}.finalizers`));
  return errs;
}

#!/usr/bin/env node
// Generates src/api/schema/schemas.generated.json: OpenAPI (v2-style) definitions for every
// Kubernetes type, named as upstream names them (io.k8s.api.core.v1.Pod, ...).
//
// Sources:
//  - node_modules/kubernetes-types/**/*.d.ts: types, fields, optionality, doc comments.
//  - node_modules/@kubernetes/client-node model classes (if installed): integer/number formats
//    (int32/int64/double) and string formats (byte), which TypeScript's `number`/`string` lose.
//  - LIST_SEMANTICS below: patch strategies and list/map types (facts of the upstream Go types,
//    needed by kubectl's client-side strategic merge patch and by server-side apply).
//
// Output is compact and deterministic (sorted keys). Run: node scripts/gen-schemas.mjs
import { readFileSync, readdirSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { join, dirname, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const typesDir = join(root, 'node_modules/kubernetes-types');
const clientModels = join(root, 'node_modules/@kubernetes/client-node/dist/gen/models');
const outFile = join(root, 'src/api/schema/schemas.generated.json');

/** kubernetes-types module path (e.g. "core/v1") → upstream OpenAPI package prefix. */
function packageOf(mod) {
  if (mod === 'meta/v1') return 'io.k8s.apimachinery.pkg.apis.meta.v1';
  if (mod === 'api/resource') return 'io.k8s.apimachinery.pkg.api.resource';
  if (mod === 'runtime') return 'io.k8s.apimachinery.pkg.runtime';
  if (mod === 'version') return 'io.k8s.apimachinery.pkg.version';
  if (mod.startsWith('apiextensions/')) return `io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.${mod.split('/')[1]}`;
  return `io.k8s.api.${mod.replace('/', '.')}`;
}

const INT_OR_STRING = 'io.k8s.apimachinery.pkg.util.intstr.IntOrString';

// Types whose wire form is not what their TypeScript shape says; emitted as upstream does.
const SPECIAL = {
  'io.k8s.apimachinery.pkg.api.resource.Quantity': { type: 'string' },
  'io.k8s.apimachinery.pkg.apis.meta.v1.Time': { type: 'string', format: 'date-time' },
  'io.k8s.apimachinery.pkg.apis.meta.v1.MicroTime': { type: 'string', format: 'date-time' },
  'io.k8s.apimachinery.pkg.runtime.RawExtension': { type: 'object' },
  'io.k8s.apimachinery.pkg.apis.meta.v1.FieldsV1': { type: 'object' },
  'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSON': {},
  'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSONSchemaPropsOrArray': {},
  'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSONSchemaPropsOrBool': {},
  'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSONSchemaPropsOrStringArray': {},
};

// Kinds upstream tags with a GVK although kubernetes-types has no literal kind for them.
const EXTRA_GVK = {
  'io.k8s.apimachinery.pkg.apis.meta.v1.Status': [{ group: '', kind: 'Status', version: 'v1' }],
  'io.k8s.apimachinery.pkg.apis.meta.v1.APIResourceList': [{ group: '', kind: 'APIResourceList', version: 'v1' }],
  'io.k8s.apimachinery.pkg.apis.meta.v1.APIGroupList': [{ group: '', kind: 'APIGroupList', version: 'v1' }],
  'io.k8s.apimachinery.pkg.apis.meta.v1.APIGroup': [{ group: '', kind: 'APIGroup', version: 'v1' }],
  'io.k8s.apimachinery.pkg.apis.meta.v1.APIVersions': [{ group: '', kind: 'APIVersions', version: 'v1' }],
};

// Fields kubernetes-types leaves out (its generator skips names that are not identifiers).
const EXTRA_FIELDS = {
  'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSONSchemaProps': {
    'x-kubernetes-embedded-resource': { type: 'boolean', description: 'x-kubernetes-embedded-resource defines that the value is an embedded Kubernetes runtime.Object, with TypeMeta and ObjectMeta. The type must be object. It is allowed to further restrict the embedded object. kind, apiVersion and metadata are validated automatically. x-kubernetes-preserve-unknown-fields is allowed to be true, but does not have to be if the object is fully specified (up to kind, apiVersion, metadata).' },
    'x-kubernetes-int-or-string': { type: 'boolean', description: 'x-kubernetes-int-or-string specifies that this value is either an integer or a string. If this is true, an empty type is allowed and type as child of anyOf is permitted if following one of the following patterns:\n\n1) anyOf:\n   - type: integer\n   - type: string\n2) allOf:\n   - anyOf:\n     - type: integer\n     - type: string\n   - ... zero or more' },
    'x-kubernetes-list-map-keys': { type: 'array', items: { type: 'string' }, 'x-kubernetes-list-type': 'atomic', description: 'x-kubernetes-list-map-keys annotates an array with the x-kubernetes-list-type `map` by specifying the keys used as the index of the map.\n\nThis tag MUST only be used on lists that have the "x-kubernetes-list-type" extension set to "map". Also, the values specified for this attribute must be a scalar typed field of the child structure (no nesting is supported).\n\nThe properties specified must either be required or have a default value, to ensure those properties are present for all list items.' },
    'x-kubernetes-list-type': { type: 'string', description: 'x-kubernetes-list-type annotates an array to further describe its topology. This extension must only be used on lists and may have 3 possible values:\n\n1) `atomic`: the list is treated as a single entity, like a scalar.\n     Atomic lists will be entirely replaced when updated. This extension\n     may be used on any type of list (struct, scalar, ...).\n2) `set`:\n     Sets are lists that must not have multiple items with the same value. Each\n     value must be a scalar, an object with x-kubernetes-map-type `atomic` or an\n     array with x-kubernetes-list-type `atomic`.\n3) `map`:\n     These lists are like maps in that their elements have a non-index key\n     used to identify them. Order is preserved upon merge. The map tag\n     must only be used on a list with elements of type object.\nDefaults to atomic for arrays.' },
    'x-kubernetes-map-type': { type: 'string', description: 'x-kubernetes-map-type annotates an object to further describe its topology. This extension must only be used when type is object and may have 2 possible values:\n\n1) `granular`:\n     These maps are actual maps (key-value pairs) and each fields are independent\n     from each other (they can each be manipulated by separate actors). This is\n     the default behaviour for all maps.\n2) `atomic`: the list is treated as a single entity, like a scalar.\n     Atomic maps will be entirely replaced when updated.' },
    'x-kubernetes-preserve-unknown-fields': { type: 'boolean', description: 'x-kubernetes-preserve-unknown-fields stops the API server decoding step from pruning fields which are not specified in the validation schema. This affects fields recursively, but switches back to normal pruning behaviour if nested properties or additionalProperties are specified in the schema. This can either be true or undefined. False is forbidden.' },
    'x-kubernetes-validations': { type: 'array', items: { $ref: '#/definitions/io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.ValidationRule' }, 'x-kubernetes-list-map-keys': ['rule'], 'x-kubernetes-list-type': 'map', 'x-kubernetes-patch-merge-key': 'rule', 'x-kubernetes-patch-strategy': 'merge', description: 'x-kubernetes-validations describes a list of validation rules written in the CEL expression language.' },
  },
};

// ---------------------------------------------------------------------------------------------
// .d.ts parsing (line based: the files are machine generated with a regular layout)

function listModules() {
  const out = [];
  (function walk(dir) {
    for (const e of readdirSync(dir).sort()) {
      const p = join(dir, e);
      if (statSync(p).isDirectory()) walk(p);
      else if (e.endsWith('.d.ts') && e !== 'index.d.ts') out.push(relative(typesDir, p).slice(0, -'.d.ts'.length));
    }
  })(typesDir);
  return out;
}

/** Resolve "../meta/v1" relative to module "apps/v1" → "meta/v1". */
function resolveImport(fromMod, spec) {
  const parts = fromMod.split('/').slice(0, -1);
  for (const seg of spec.split('/')) {
    if (seg === '..') parts.pop();
    else if (seg !== '.') parts.push(seg);
  }
  return parts.join('/');
}

function docText(lines) {
  // lines: raw lines of a /** ... */ block
  const joined = lines.join('\n').trim();
  if (joined.startsWith('/**') && joined.endsWith('*/') && !joined.includes('\n')) return joined.slice(3, -2).trim();
  const body = lines
    .map((l) => l.trim())
    .filter((l) => l !== '/**' && l !== '*/')
    .map((l) => (l.startsWith('* ') ? l.slice(2) : l === '*' ? '' : l.replace(/^\*/, '')));
  return body.join('\n').replace(/\*\\\//g, '*/').trim();
}

function parseModule(mod) {
  const src = readFileSync(join(typesDir, `${mod}.d.ts`), 'utf8');
  const lines = src.split('\n');
  const imports = new Map(); // local name → module
  const decls = []; // {name, doc, kind:'interface'|'alias', fields?, aliasType?}
  let i = 0;
  let doc = null;
  const takeDoc = () => { const d = doc; doc = null; return d; };
  while (i < lines.length) {
    const line = lines[i];
    const t = line.trim();
    let m;
    if ((m = /^import \{([^}]*)\} from "([^"]+)";$/.exec(t))) {
      for (const n of m[1].split(',').map((s) => s.trim()).filter(Boolean)) imports.set(n, resolveImport(mod, m[2]));
      i++;
      continue;
    }
    if (t.startsWith('/**')) {
      const block = [line];
      while (!lines[i].trim().endsWith('*/')) block.push(lines[++i]);
      doc = docText(block);
      i++;
      continue;
    }
    if ((m = /^export type (\w+) = (.*);$/.exec(t))) {
      decls.push({ name: m[1], doc: takeDoc(), kind: 'alias', aliasType: m[2] });
      i++;
      continue;
    }
    if ((m = /^export interface (\w+) \{(\})?$/.exec(t))) {
      const decl = { name: m[1], doc: takeDoc(), kind: 'interface', fields: [] };
      decls.push(decl);
      i++;
      if (m[2]) continue;
      // fields until the closing brace at column 0
      while (lines[i] !== '}') {
        const ft = lines[i].trim();
        if (ft.startsWith('/**')) {
          const block = [lines[i]];
          while (!lines[i].trim().endsWith('*/')) block.push(lines[++i]);
          doc = docText(block);
          i++;
          continue;
        }
        const fm = /^(readonly )?("[^"]+"|[\w$]+)(\?)?: (.*)$/.exec(ft);
        if (!fm) throw new Error(`${mod}: cannot parse field line ${i + 1}: ${ft}`);
        let type = fm[4];
        if (type === '{') {
          // map: `{ [name: string]: X; };` spread over lines
          const parts = [];
          while (lines[++i].trim() !== '};') parts.push(lines[i].trim());
          type = `{${parts.join(' ')}}`;
        } else type = type.replace(/;$/, '');
        decl.fields.push({ name: fm[2].replace(/^"|"$/g, ''), optional: !!fm[3], readonly: !!fm[1], type, doc: takeDoc() });
        i++;
      }
      i++;
      continue;
    }
    if (t !== '') throw new Error(`${mod}: unexpected line ${i + 1}: ${t}`);
    i++;
  }
  return { mod, imports, decls };
}

// ---------------------------------------------------------------------------------------------
// Formats from @kubernetes/client-node's generated models (optional source)

async function loadClientFormats() {
  const formats = new Map(); // className → Map(field → {type, format})
  if (!existsSync(clientModels)) return formats;
  for (const f of readdirSync(clientModels).sort()) {
    if (!f.endsWith('.js') || f === 'all.js' || f === 'ObjectSerializer.js' || f === 'models.js') continue;
    const src = readFileSync(join(clientModels, f), 'utf8');
    const m = /\.attributeTypeMap = (\[[\s\S]*?\n\]);/.exec(src);
    if (!m) continue;
    const map = new Map();
    for (const a of JSON.parse(m[1])) map.set(a.baseName, a);
    formats.set(f.slice(0, -3), map);
  }
  return formats;
}

/** client-node class names for a type: V1Pod, CoreV1Event, V1alpha1Foo, ... */
function clientClassNames(mod, name) {
  const [group, version] = mod.split('/');
  if (!version) return [];
  const v = version[0].toUpperCase() + version.slice(1);
  const g = group[0].toUpperCase() + group.slice(1);
  return [`${g}${v}${name}`, `${v}${name}`];
}

// ---------------------------------------------------------------------------------------------
// Schema building

function buildDefinitions(modules, clientFormats) {
  const defs = {};
  const semantics = parseSemantics();
  for (const { mod, imports, decls } of modules) {
    const pkg = packageOf(mod);
    const local = new Set(decls.map((d) => d.name));
    const refName = (n) => {
      if (local.has(n)) return `${pkg}.${n}`;
      const from = imports.get(n);
      if (!from) throw new Error(`${mod}: unknown type ${n}`);
      return `${packageOf(from)}.${n}`;
    };
    for (const d of decls) {
      const defName = `${pkg}.${d.name}`;
      const def = {};
      if (d.doc) def.description = d.doc;
      if (SPECIAL[defName]) {
        Object.assign(def, SPECIAL[defName]);
        defs[defName] = def;
        continue;
      }
      if (d.kind === 'alias') {
        if (d.aliasType === 'string') def.type = 'string';
        defs[defName] = def;
        continue;
      }
      def.type = 'object';
      // the client class for this type: the first candidate that knows most of its fields
      const cls = clientClassNames(mod, d.name).map((c) => clientFormats.get(c)).find((c) => c && d.fields.filter((f) => c.has(f.name)).length * 2 >= d.fields.length);
      const props = {};
      const required = [];
      let gvk;
      let apiVersionLit;
      for (const f of d.fields) {
        const lit = /^"(.*)"$/.exec(f.type);
        if (f.name === 'apiVersion' && lit) apiVersionLit = lit[1];
        if (f.name === 'kind' && lit) gvk = lit[1];
        const p = typeSchema(f.type, refName, cls?.get(f.name));
        if (f.doc) p.description = f.doc;
        const sem = semantics.get(`${mod} ${d.name} ${f.name}`);
        if (sem) Object.assign(p, sem);
        props[f.name] = sortKeys(p);
        if (!f.optional) required.push(f.name);
      }
      Object.assign(props, EXTRA_FIELDS[defName] ?? {});
      if (Object.keys(props).length) def.properties = props;
      if (required.length) def.required = required;
      const structSem = semantics.get(`${mod} ${d.name} `);
      if (structSem) Object.assign(def, structSem);
      if (gvk && apiVersionLit) {
        const i = apiVersionLit.indexOf('/');
        def['x-kubernetes-group-version-kind'] = [{ group: i < 0 ? '' : apiVersionLit.slice(0, i), kind: gvk, version: i < 0 ? apiVersionLit : apiVersionLit.slice(i + 1) }];
      }
      if (EXTRA_GVK[defName]) def['x-kubernetes-group-version-kind'] = EXTRA_GVK[defName];
      defs[defName] = def;
    }
  }
  defs[INT_OR_STRING] = {
    description: 'IntOrString is a type that can hold an int32 or a string.  When used in JSON or YAML marshalling and unmarshalling, it produces or consumes the inner type.  This allows you to have, for example, a JSON field that can accept a name or number.',
    format: 'int-or-string',
    type: 'string',
  };
  // every $ref must resolve
  const missing = new Set();
  (function check(v) {
    if (Array.isArray(v)) v.forEach(check);
    else if (v && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        if (k === '$ref' && typeof x === 'string' && !defs[x.slice('#/definitions/'.length)]) missing.add(x);
        else check(x);
      }
    }
  })(defs);
  if (missing.size) throw new Error(`unresolved refs: ${[...missing].join(', ')}`);
  return defs;
}

function typeSchema(type, refName, fmt) {
  let m;
  if (type === 'string' || /^"/.test(type)) {
    const s = { type: 'string' };
    if (fmt?.format === 'byte') s.format = 'byte';
    return s;
  }
  if (type === 'boolean') return { type: 'boolean' };
  if (type === 'number') return numberSchema(fmt);
  if (type === 'number | string') return { $ref: `#/definitions/${INT_OR_STRING}` };
  if ((m = /^Array<(.*)>$/.exec(type))) return { type: 'array', items: typeSchema(m[1], refName, fmt) };
  if ((m = /^\{\[name: string\]: (.*);\}$/.exec(type))) return { type: 'object', additionalProperties: typeSchema(m[1], refName, fmt) };
  if (/^\w+$/.test(type)) return { $ref: `#/definitions/${refName(type)}` };
  throw new Error(`unsupported type expression: ${type}`);
}

let guessedFormats = 0;
function numberSchema(fmt) {
  const f = fmt?.format;
  if (!f) guessedFormats++;
  if (f === 'double' || f === 'float') return { type: 'number', format: f };
  return { type: 'integer', format: f === 'int64' ? 'int64' : 'int32' };
}

function sortKeys(v) {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === 'object') {
    const o = {};
    for (const k of Object.keys(v).sort()) o[k] = sortKeys(v[k]);
    return o;
  }
  return v;
}

// ---------------------------------------------------------------------------------------------
// List and patch semantics of the upstream Go types (struct tags and +listType markers).
// Line format: "<module> <Type> <field|-> <patchStrategy> <patchMergeKey> <listType> <listMapKeys> <mapType>"
// ("-" = none; a field of "-" describes the struct itself).

function parseSemantics() {
  const out = new Map();
  for (const line of LIST_SEMANTICS.trim().split('\n')) {
    const [mod, type, field, ps, pk, lt, lk, mt] = line.trim().split(/\s+/);
    const e = {};
    if (ps !== '-') e['x-kubernetes-patch-strategy'] = ps;
    if (pk !== '-') e['x-kubernetes-patch-merge-key'] = pk;
    if (lt !== '-') e['x-kubernetes-list-type'] = lt;
    if (lk !== '-') e['x-kubernetes-list-map-keys'] = lk.split(',');
    if (mt !== '-') e['x-kubernetes-map-type'] = mt;
    out.set(`${mod} ${type} ${field === '-' ? '' : field}`, e);
  }
  return out;
}

const LIST_SEMANTICS = `
meta/v1 ObjectMeta finalizers merge - set - -
meta/v1 ObjectMeta ownerReferences merge uid map uid -
meta/v1 ObjectMeta managedFields - - atomic - -
meta/v1 LabelSelector - - - - - atomic
meta/v1 LabelSelector matchExpressions - - atomic - -
meta/v1 LabelSelectorRequirement values - - atomic - -
meta/v1 OwnerReference - - - - - atomic
admissionregistration/v1 ValidatingAdmissionPolicyStatus conditions - - map type -
admissionregistration/v1 TypeChecking expressionWarnings - - atomic - -
admissionregistration/v1 ValidatingAdmissionPolicySpec validations - - atomic - -
admissionregistration/v1 ValidatingAdmissionPolicySpec auditAnnotations - - atomic - -
admissionregistration/v1 ValidatingAdmissionPolicySpec matchConditions merge name map name -
admissionregistration/v1 ValidatingAdmissionPolicySpec variables merge name map name -
admissionregistration/v1 ParamKind - - - - - atomic
admissionregistration/v1 Variable - - - - - atomic
admissionregistration/v1 ValidatingAdmissionPolicyBindingSpec validationActions - - set - -
admissionregistration/v1 ParamRef - - - - - atomic
admissionregistration/v1 MatchResources - - - - - atomic
admissionregistration/v1 MatchResources resourceRules - - atomic - -
admissionregistration/v1 MatchResources excludeResourceRules - - atomic - -
admissionregistration/v1 NamedRuleWithOperations - - - - - atomic
admissionregistration/v1 NamedRuleWithOperations resourceNames - - atomic - -
admissionregistration/v1 ValidatingWebhookConfiguration webhooks merge name map name -
admissionregistration/v1 MutatingWebhookConfiguration webhooks merge name map name -
admissionregistration/v1 ValidatingWebhook rules - - atomic - -
admissionregistration/v1 ValidatingWebhook admissionReviewVersions - - atomic - -
admissionregistration/v1 ValidatingWebhook matchConditions merge name map name -
admissionregistration/v1 MutatingWebhook rules - - atomic - -
admissionregistration/v1 MutatingWebhook admissionReviewVersions - - atomic - -
admissionregistration/v1 MutatingWebhook matchConditions merge name map name -
admissionregistration/v1 RuleWithOperations operations - - atomic - -
admissionregistration/v1alpha1 ValidatingAdmissionPolicyStatus conditions - - map type -
admissionregistration/v1alpha1 TypeChecking expressionWarnings - - atomic - -
admissionregistration/v1alpha1 ValidatingAdmissionPolicySpec validations - - atomic - -
admissionregistration/v1alpha1 ValidatingAdmissionPolicySpec auditAnnotations - - atomic - -
admissionregistration/v1alpha1 ValidatingAdmissionPolicySpec matchConditions merge name map name -
admissionregistration/v1alpha1 ValidatingAdmissionPolicySpec variables merge name map name -
admissionregistration/v1alpha1 ParamKind - - - - - atomic
admissionregistration/v1alpha1 ValidatingAdmissionPolicyBindingSpec validationActions - - set - -
admissionregistration/v1alpha1 ParamRef - - - - - atomic
admissionregistration/v1alpha1 MatchResources - - - - - atomic
admissionregistration/v1alpha1 MatchResources resourceRules - - atomic - -
admissionregistration/v1alpha1 MatchResources excludeResourceRules - - atomic - -
admissionregistration/v1alpha1 NamedRuleWithOperations - - - - - atomic
admissionregistration/v1alpha1 NamedRuleWithOperations resourceNames - - atomic - -
admissionregistration/v1beta1 ValidatingAdmissionPolicyStatus conditions - - map type -
admissionregistration/v1beta1 TypeChecking expressionWarnings - - atomic - -
admissionregistration/v1beta1 ValidatingAdmissionPolicySpec validations - - atomic - -
admissionregistration/v1beta1 ValidatingAdmissionPolicySpec auditAnnotations - - atomic - -
admissionregistration/v1beta1 ValidatingAdmissionPolicySpec matchConditions merge name map name -
admissionregistration/v1beta1 ValidatingAdmissionPolicySpec variables merge name map name -
admissionregistration/v1beta1 ParamKind - - - - - atomic
admissionregistration/v1beta1 Variable - - - - - atomic
admissionregistration/v1beta1 ValidatingAdmissionPolicyBindingSpec validationActions - - set - -
admissionregistration/v1beta1 ParamRef - - - - - atomic
admissionregistration/v1beta1 MatchResources - - - - - atomic
admissionregistration/v1beta1 MatchResources resourceRules - - atomic - -
admissionregistration/v1beta1 MatchResources excludeResourceRules - - atomic - -
admissionregistration/v1beta1 NamedRuleWithOperations - - - - - atomic
admissionregistration/v1beta1 NamedRuleWithOperations resourceNames - - atomic - -
apiserverinternal/v1alpha1 StorageVersionStatus storageVersions - - map apiServerID -
apiserverinternal/v1alpha1 StorageVersionStatus conditions - - map type -
apiserverinternal/v1alpha1 ServerStorageVersion decodableVersions - - set - -
apiserverinternal/v1alpha1 ServerStorageVersion servedVersions - - set - -
apps/v1 StatefulSetSpec volumeClaimTemplates - - atomic - -
apps/v1 StatefulSetStatus conditions merge type map type -
apps/v1 DeploymentSpec strategy retainKeys - - - -
apps/v1 DeploymentStatus conditions merge type map type -
apps/v1 DaemonSetStatus conditions merge type map type -
apps/v1 ReplicaSetStatus conditions merge type map type -
authentication/v1 TokenReviewSpec audiences - - atomic - -
authentication/v1 TokenReviewStatus audiences - - atomic - -
authentication/v1 UserInfo groups - - atomic - -
authentication/v1 TokenRequestSpec audiences - - atomic - -
authorization/v1 SubjectAccessReviewSpec groups - - atomic - -
authorization/v1 SubjectRulesReviewStatus resourceRules - - atomic - -
authorization/v1 SubjectRulesReviewStatus nonResourceRules - - atomic - -
authorization/v1 ResourceRule apiGroups - - atomic - -
authorization/v1 ResourceRule resourceNames - - atomic - -
authorization/v1 NonResourceRule verbs - - atomic - -
authorization/v1 NonResourceRule nonResourceURLs - - atomic - -
autoscaling/v1 CrossVersionObjectReference - - - - - atomic
autoscaling/v2 HorizontalPodAutoscalerSpec metrics - - atomic - -
autoscaling/v2 HPAScalingRules policies - - atomic - -
autoscaling/v2 HorizontalPodAutoscalerStatus currentMetrics - - atomic - -
autoscaling/v2 HorizontalPodAutoscalerStatus conditions merge type map type -
batch/v1 PodFailurePolicyOnExitCodesRequirement values - - set - -
batch/v1 PodFailurePolicyRule onPodConditions - - atomic - -
batch/v1 PodFailurePolicy rules - - atomic - -
batch/v1 SuccessPolicy rules - - atomic - -
batch/v1 JobStatus conditions merge type atomic - -
batch/v1 UncountedTerminatedPods succeeded - - set - -
batch/v1 UncountedTerminatedPods failed - - set - -
batch/v1 CronJobStatus active - - atomic - -
certificates/v1 CertificateSigningRequestSpec usages - - atomic - -
certificates/v1 CertificateSigningRequestSpec groups - - atomic - -
certificates/v1 CertificateSigningRequestStatus conditions - - map type -
core/v1 PersistentVolumeSpec accessModes - - atomic - -
core/v1 PersistentVolumeSpec claimRef - - - - granular
core/v1 PersistentVolumeSpec mountOptions - - atomic - -
core/v1 PersistentVolumeClaimSpec accessModes - - atomic - -
core/v1 PersistentVolumeClaimStatus accessModes - - atomic - -
core/v1 PersistentVolumeClaimStatus conditions merge type map type -
core/v1 PersistentVolumeClaimStatus allocatedResourceStatuses - - - - granular
core/v1 RBDVolumeSource monitors - - atomic - -
core/v1 RBDPersistentVolumeSource monitors - - atomic - -
core/v1 CephFSVolumeSource monitors - - atomic - -
core/v1 SecretReference - - - - - atomic
core/v1 CephFSPersistentVolumeSource monitors - - atomic - -
core/v1 SecretVolumeSource items - - atomic - -
core/v1 SecretProjection items - - atomic - -
core/v1 ISCSIVolumeSource portals - - atomic - -
core/v1 ISCSIPersistentVolumeSource portals - - atomic - -
core/v1 FCVolumeSource targetWWNs - - atomic - -
core/v1 FCVolumeSource wwids - - atomic - -
core/v1 ConfigMapVolumeSource items - - atomic - -
core/v1 ConfigMapProjection items - - atomic - -
core/v1 ProjectedVolumeSource sources - - atomic - -
core/v1 ObjectFieldSelector - - - - - atomic
core/v1 ResourceFieldSelector - - - - - atomic
core/v1 ConfigMapKeySelector - - - - - atomic
core/v1 SecretKeySelector - - - - - atomic
core/v1 HTTPGetAction httpHeaders - - atomic - -
core/v1 ExecAction command - - atomic - -
core/v1 Capabilities add - - atomic - -
core/v1 Capabilities drop - - atomic - -
core/v1 ResourceRequirements claims - - map name -
core/v1 Container command - - atomic - -
core/v1 Container args - - atomic - -
core/v1 Container ports merge containerPort map containerPort,protocol -
core/v1 Container envFrom - - atomic - -
core/v1 Container env merge name map name -
core/v1 Container resizePolicy - - atomic - -
core/v1 Container volumeMounts merge mountPath map mountPath -
core/v1 Container volumeDevices merge devicePath map devicePath -
core/v1 ContainerStatus volumeMounts merge mountPath map mountPath -
core/v1 NodeSelector - - - - - atomic
core/v1 NodeSelector nodeSelectorTerms - - atomic - -
core/v1 NodeSelectorTerm - - - - - atomic
core/v1 NodeSelectorTerm matchExpressions - - atomic - -
core/v1 NodeSelectorTerm matchFields - - atomic - -
core/v1 NodeSelectorRequirement values - - atomic - -
core/v1 TopologySelectorTerm - - - - - atomic
core/v1 TopologySelectorTerm matchLabelExpressions - - atomic - -
core/v1 TopologySelectorLabelRequirement values - - atomic - -
core/v1 PodAffinity requiredDuringSchedulingIgnoredDuringExecution - - atomic - -
core/v1 PodAffinity preferredDuringSchedulingIgnoredDuringExecution - - atomic - -
core/v1 PodAntiAffinity requiredDuringSchedulingIgnoredDuringExecution - - atomic - -
core/v1 PodAntiAffinity preferredDuringSchedulingIgnoredDuringExecution - - atomic - -
core/v1 PodAffinityTerm namespaces - - atomic - -
core/v1 PodAffinityTerm matchLabelKeys - - atomic - -
core/v1 PodAffinityTerm mismatchLabelKeys - - atomic - -
core/v1 NodeAffinity preferredDuringSchedulingIgnoredDuringExecution - - atomic - -
core/v1 PodSpec volumes merge,retainKeys name map name -
core/v1 PodSpec initContainers merge name map name -
core/v1 PodSpec containers merge name map name -
core/v1 PodSpec ephemeralContainers merge name map name -
core/v1 PodSpec nodeSelector - - - - atomic
core/v1 PodSpec imagePullSecrets merge name map name -
core/v1 PodSpec tolerations - - atomic - -
core/v1 PodSpec hostAliases merge ip map ip -
core/v1 PodSpec readinessGates - - atomic - -
core/v1 PodSpec topologySpreadConstraints merge topologyKey map topologyKey,whenUnsatisfiable -
core/v1 PodSpec schedulingGates merge name map name -
core/v1 PodSpec resourceClaims merge,retainKeys name map name -
core/v1 TopologySpreadConstraint matchLabelKeys - - atomic - -
core/v1 HostAlias hostnames - - atomic - -
core/v1 PodSecurityContext supplementalGroups - - atomic - -
core/v1 PodSecurityContext sysctls - - atomic - -
core/v1 PodDNSConfig nameservers - - atomic - -
core/v1 PodDNSConfig searches - - atomic - -
core/v1 PodDNSConfig options - - atomic - -
core/v1 PodStatus conditions merge type map type -
core/v1 PodStatus hostIPs merge ip atomic - -
core/v1 PodStatus podIPs merge ip map ip -
core/v1 PodStatus initContainerStatuses - - atomic - -
core/v1 PodStatus containerStatuses - - atomic - -
core/v1 PodStatus ephemeralContainerStatuses - - atomic - -
core/v1 PodStatus resourceClaimStatuses merge,retainKeys name map name -
core/v1 ReplicationControllerSpec selector - - - - atomic
core/v1 ReplicationControllerStatus conditions merge type map type -
core/v1 ServiceStatus conditions merge type map type -
core/v1 LoadBalancerStatus ingress - - atomic - -
core/v1 LoadBalancerIngress ports - - atomic - -
core/v1 ServiceSpec ports merge port map port,protocol -
core/v1 ServiceSpec selector - - - - atomic
core/v1 ServiceSpec clusterIPs - - atomic - -
core/v1 ServiceSpec externalIPs - - atomic - -
core/v1 ServiceSpec loadBalancerSourceRanges - - atomic - -
core/v1 ServiceSpec ipFamilies - - atomic - -
core/v1 ServiceAccount secrets merge name map name -
core/v1 ServiceAccount imagePullSecrets - - atomic - -
core/v1 Endpoints subsets - - atomic - -
core/v1 EndpointSubset addresses - - atomic - -
core/v1 EndpointSubset notReadyAddresses - - atomic - -
core/v1 EndpointSubset ports - - atomic - -
core/v1 EndpointAddress - - - - - atomic
core/v1 EndpointPort - - - - - atomic
core/v1 NodeSpec podCIDRs merge - set - -
core/v1 NodeSpec taints - - atomic - -
core/v1 NodeStatus conditions merge type map type -
core/v1 NodeStatus addresses merge type map type -
core/v1 NodeStatus images - - atomic - -
core/v1 NodeStatus volumesInUse - - atomic - -
core/v1 NodeStatus volumesAttached - - atomic - -
core/v1 NodeStatus runtimeHandlers - - atomic - -
core/v1 ContainerImage names - - atomic - -
core/v1 NamespaceSpec finalizers - - atomic - -
core/v1 NamespaceStatus conditions merge type map type -
core/v1 ObjectReference - - - - - atomic
core/v1 LocalObjectReference - - - - - atomic
core/v1 TypedLocalObjectReference - - - - - atomic
core/v1 LimitRangeSpec limits - - atomic - -
core/v1 ResourceQuotaSpec scopes - - atomic - -
core/v1 ScopeSelector - - - - - atomic
core/v1 ScopeSelector matchExpressions - - atomic - -
core/v1 ScopedResourceSelectorRequirement values - - atomic - -
core/v1 ComponentStatus conditions merge type map type -
core/v1 DownwardAPIVolumeSource items - - atomic - -
core/v1 DownwardAPIProjection items - - atomic - -
discovery/v1 EndpointSlice endpoints - - atomic - -
discovery/v1 EndpointSlice ports - - atomic - -
discovery/v1 Endpoint addresses - - set - -
discovery/v1 EndpointHints forZones - - atomic - -
discovery/v1 EndpointPort - - - - - atomic
flowcontrol/v1 FlowSchemaSpec rules - - atomic - -
flowcontrol/v1 PolicyRulesWithSubjects subjects - - atomic - -
flowcontrol/v1 PolicyRulesWithSubjects resourceRules - - atomic - -
flowcontrol/v1 PolicyRulesWithSubjects nonResourceRules - - atomic - -
flowcontrol/v1 ResourcePolicyRule verbs - - set - -
flowcontrol/v1 ResourcePolicyRule apiGroups - - set - -
flowcontrol/v1 ResourcePolicyRule resources - - set - -
flowcontrol/v1 ResourcePolicyRule namespaces - - set - -
flowcontrol/v1 NonResourcePolicyRule verbs - - set - -
flowcontrol/v1 NonResourcePolicyRule nonResourceURLs - - set - -
flowcontrol/v1 FlowSchemaStatus conditions merge type map type -
flowcontrol/v1 PriorityLevelConfigurationStatus conditions merge type map type -
flowcontrol/v1beta3 FlowSchemaSpec rules - - atomic - -
flowcontrol/v1beta3 PolicyRulesWithSubjects subjects - - atomic - -
flowcontrol/v1beta3 PolicyRulesWithSubjects resourceRules - - atomic - -
flowcontrol/v1beta3 PolicyRulesWithSubjects nonResourceRules - - atomic - -
flowcontrol/v1beta3 ResourcePolicyRule verbs - - set - -
flowcontrol/v1beta3 ResourcePolicyRule apiGroups - - set - -
flowcontrol/v1beta3 ResourcePolicyRule resources - - set - -
flowcontrol/v1beta3 ResourcePolicyRule namespaces - - set - -
flowcontrol/v1beta3 NonResourcePolicyRule verbs - - set - -
flowcontrol/v1beta3 NonResourcePolicyRule nonResourceURLs - - set - -
flowcontrol/v1beta3 FlowSchemaStatus conditions merge type map type -
flowcontrol/v1beta3 PriorityLevelConfigurationStatus conditions merge type map type -
networking/v1 NetworkPolicySpec ingress - - atomic - -
networking/v1 NetworkPolicySpec egress - - atomic - -
networking/v1 NetworkPolicySpec policyTypes - - atomic - -
networking/v1 NetworkPolicyIngressRule ports - - atomic - -
networking/v1 NetworkPolicyIngressRule from - - atomic - -
networking/v1 NetworkPolicyEgressRule ports - - atomic - -
networking/v1 NetworkPolicyEgressRule to - - atomic - -
networking/v1 IPBlock except - - atomic - -
networking/v1 IngressSpec tls - - atomic - -
networking/v1 IngressSpec rules - - atomic - -
networking/v1 IngressTLS hosts - - atomic - -
networking/v1 IngressLoadBalancerStatus ingress - - atomic - -
networking/v1 IngressLoadBalancerIngress ports - - atomic - -
networking/v1 HTTPIngressRuleValue paths - - atomic - -
networking/v1 ServiceBackendPort - - - - - atomic
node/v1 Scheduling nodeSelector - - - - atomic
node/v1 Scheduling tolerations - - atomic - -
policy/v1 PodDisruptionBudgetSpec selector replace - - - -
policy/v1 PodDisruptionBudgetStatus conditions merge type map type -
rbac/v1 PolicyRule verbs - - atomic - -
rbac/v1 PolicyRule apiGroups - - atomic - -
rbac/v1 PolicyRule resources - - atomic - -
rbac/v1 PolicyRule resourceNames - - atomic - -
rbac/v1 PolicyRule nonResourceURLs - - atomic - -
rbac/v1 Subject - - - - - atomic
rbac/v1 RoleRef - - - - - atomic
rbac/v1 Role rules - - atomic - -
rbac/v1 RoleBinding subjects - - atomic - -
rbac/v1 ClusterRole rules - - atomic - -
rbac/v1 AggregationRule clusterRoleSelectors - - atomic - -
rbac/v1 ClusterRoleBinding subjects - - atomic - -
storage/v1 StorageClass mountOptions - - atomic - -
storage/v1 StorageClass allowedTopologies - - atomic - -
storage/v1 CSIDriverSpec volumeLifecycleModes - - set - -
storage/v1 CSIDriverSpec tokenRequests - - atomic - -
storage/v1 CSINodeSpec drivers merge name map name -
storage/v1 CSINodeDriver topologyKeys - - atomic - -
`;

// ---------------------------------------------------------------------------------------------

const modules = listModules().map(parseModule);
const clientFormats = await loadClientFormats();
const defs = sortKeys(buildDefinitions(modules, clientFormats));
writeFileSync(outFile, JSON.stringify(defs) + '\n');
console.log(`wrote ${relative(root, outFile)}: ${Object.keys(defs).length} definitions (${guessedFormats} numeric fields without a known format, int32 assumed)`);

// Swagger 2.0 paths for the resources Skiff serves, shaped as kube-apiserver publishes them:
// one operation per verb with operationId, x-kubernetes-action and
// x-kubernetes-group-version-kind, and the query parameters clients look for (kubectl decides
// that the server does field validation by finding `fieldValidation` on a PATCH operation).
// The OpenAPI v3 documents are converted from this model (see openapi-v3.ts).
import { resourcesIn, type ResourceType } from '../registry.js';
import { definitionNameFor, definitions, refName, REF_PREFIX, type GroupVersionKind, type Schema } from './definitions.js';

export interface SwaggerParameter {
  name: string;
  in: 'query' | 'path' | 'body';
  description?: string;
  required?: boolean;
  type?: string;
  uniqueItems?: boolean;
  schema?: Schema;
}

export interface SwaggerResponse {
  description: string;
  schema?: Schema;
}

export interface SwaggerOperation {
  description: string;
  operationId: string;
  tags: string[];
  consumes: string[];
  produces: string[];
  schemes: string[];
  parameters?: SwaggerParameter[];
  responses: Record<string, SwaggerResponse>;
  'x-kubernetes-action': string;
  'x-kubernetes-group-version-kind': GroupVersionKind;
}

export type HttpMethod = 'get' | 'put' | 'post' | 'delete' | 'options' | 'head' | 'patch';

export type SwaggerPathItem = { [m in HttpMethod]?: SwaggerOperation } & { parameters?: SwaggerParameter[] };

const JSON_YAML_PB = ['application/json', 'application/yaml', 'application/vnd.kubernetes.protobuf'];
const LIST_PRODUCES = [...JSON_YAML_PB, 'application/cbor', 'application/json;stream=watch', 'application/vnd.kubernetes.protobuf;stream=watch', 'application/cbor-seq'];
const PATCH_CONSUMES = ['application/json-patch+json', 'application/merge-patch+json', 'application/strategic-merge-patch+json', 'application/apply-patch+yaml'];
const META = 'io.k8s.apimachinery.pkg.apis.meta.v1';

const q = (name: string, type: string, description: string): SwaggerParameter => ({ name, in: 'query', type, uniqueItems: true, description });

const P = {
  pretty: q('pretty', 'string', "If 'true', then the output is pretty printed. Defaults to 'false' unless the user-agent indicates a browser or command-line HTTP tool (curl and wget)."),
  namespace: { name: 'namespace', in: 'path', required: true, type: 'string', uniqueItems: true, description: 'object name and auth scope, such as for teams and projects' } as SwaggerParameter,
  dryRun: q('dryRun', 'string', 'When present, indicates that modifications should not be persisted. An invalid or unrecognized dryRun directive will result in an error response and no further processing of the request. Valid values are: - All: all dry run stages will be processed'),
  fieldManager: q('fieldManager', 'string', 'fieldManager is a name associated with the actor or entity that is making these changes. The value must be less than or 128 characters long, and only contain printable characters, as defined by https://golang.org/pkg/unicode/#IsPrint.'),
  fieldValidation: q('fieldValidation', 'string', 'fieldValidation instructs the server on how to handle objects in the request (POST/PUT/PATCH) containing unknown or duplicate fields. Valid values are: - Ignore: This will ignore any unknown fields that are silently dropped from the object, and will ignore all but the last duplicate field that the decoder encounters. - Warn: This will send a warning via the standard warning response header for each unknown field that is dropped from the object, and for each duplicate field that is encountered. The request will still succeed if there are no other errors, and will only persist the last of any duplicate fields. - Strict: This will fail the request with a BadRequest error if any unknown fields would be dropped from the object, or if any duplicate fields are present. The error returned from the server will contain all unknown and duplicate fields encountered.'),
  force: q('force', 'boolean', 'Force is going to "force" Apply requests. It means user will re-acquire conflicting fields owned by other people. Force flag must be unset for non-apply patch requests.'),
  gracePeriodSeconds: q('gracePeriodSeconds', 'integer', 'The duration in seconds before the object should be deleted. Value must be non-negative integer. The value zero indicates delete immediately. If this value is nil, the default grace period for the specified type will be used. Defaults to a per object value if not specified. zero means delete immediately.'),
  orphanDependents: q('orphanDependents', 'boolean', 'Deprecated: please use the PropagationPolicy, this field will be deprecated in 1.7. Should the dependent objects be orphaned. If true/false, the "orphan" finalizer will be added to/removed from the object\'s finalizers list. Either this field or PropagationPolicy may be set, but not both.'),
  propagationPolicy: q('propagationPolicy', 'string', "Whether and how garbage collection will be performed. Either this field or OrphanDependents may be set, but not both. The default policy is decided by the existing finalizer set in the metadata.finalizers and the resource-specific default policy. Acceptable values are: 'Orphan' - orphan the dependents; 'Background' - allow the garbage collector to delete the dependents in the background; 'Foreground' - a cascading policy that deletes all dependents in the foreground."),
  list: [
    q('allowWatchBookmarks', 'boolean', 'allowWatchBookmarks requests watch events with type "BOOKMARK". Servers that do not implement bookmarks may ignore this flag and bookmarks are sent at the server\'s discretion.'),
    q('continue', 'string', 'The continue option should be set when retrieving more results from the server. Since this value is server defined, clients may only use the continue value from a previous query result with identical query parameters (except for the value of continue) and the server may reject a continue value it does not recognize.'),
    q('fieldSelector', 'string', 'A selector to restrict the list of returned objects by their fields. Defaults to everything.'),
    q('labelSelector', 'string', 'A selector to restrict the list of returned objects by their labels. Defaults to everything.'),
    q('limit', 'integer', 'limit is a maximum number of responses to return for a list call. If more items exist, the server will set the `continue` field on the list metadata to a value that can be used with the same initial query to retrieve the next set of results.'),
    q('resourceVersion', 'string', 'resourceVersion sets a constraint on what resource versions a request may be served from. See https://kubernetes.io/docs/reference/using-api/api-concepts/#resource-versions for details.\n\nDefaults to unset'),
    q('resourceVersionMatch', 'string', 'resourceVersionMatch determines how resourceVersion is applied to list calls. It is highly recommended that resourceVersionMatch be set for list calls where resourceVersion is set See https://kubernetes.io/docs/reference/using-api/api-concepts/#resource-versions for details.\n\nDefaults to unset'),
    q('sendInitialEvents', 'boolean', '`sendInitialEvents=true` may be set together with `watch=true`. In that case, the watch stream will begin with synthetic events to produce the current state of objects in the collection, followed by a "Bookmark" event.'),
    q('timeoutSeconds', 'integer', 'Timeout for the list/watch call. This limits the duration of the call, regardless of any activity or inactivity.'),
    q('watch', 'boolean', 'Watch for changes to the described resources and return them as a stream of add, update, and remove notifications. Specify resourceVersion.'),
  ],
};

const ref = (name: string): Schema => ({ $ref: REF_PREFIX + name });
const body = (schema: Schema): SwaggerParameter => ({ name: 'body', in: 'body', required: true, schema });
const ok = (schema?: Schema): Record<string, SwaggerResponse> => ({ '200': schema ? { description: 'OK', schema } : { description: 'OK' }, '401': { description: 'Unauthorized' } });
const written = (schema: Schema, codes: string[]): Record<string, SwaggerResponse> => {
  const names: Record<string, string> = { '200': 'OK', '201': 'Created', '202': 'Accepted' };
  const r: Record<string, SwaggerResponse> = {};
  for (const c of codes) r[c] = { description: names[c], schema };
  r['401'] = { description: 'Unauthorized' };
  return r;
};

/** "rbac.authorization.k8s.io" → ["Rbac", "Authorization"]; "" → ["Core"]. */
function groupWords(group: string): string[] {
  if (!group) return ['Core'];
  return group.replace(/\.k8s\.io$/, '').split('.').map((w) => w[0].toUpperCase() + w.slice(1));
}

/** Operation-id infix (AppsV1, RbacAuthorizationV1) and tag (apps_v1, rbacAuthorization_v1). */
export function groupVersionNames(group: string, version: string): { infix: string; tag: string } {
  const words = groupWords(group);
  const v = version[0].toUpperCase() + version.slice(1);
  const tagGroup = words.join('');
  return { infix: `${words.join('')}${v}`, tag: `${tagGroup[0].toLowerCase()}${tagGroup.slice(1)}_${version}` };
}

/** Upstream package for a group with no kubernetes-types schema at this version. */
function legacyDefinitionName(group: string, version: string, kind: string): string {
  const pkg = group ? group.split('.')[0] : 'core';
  return `io.k8s.api.${pkg}.${version}.${kind}`;
}

/**
 * Definitions for kinds served at versions kubernetes-types has no schema for (legacy versions
 * converted to the stored one). They describe the envelope only and keep unknown fields, so
 * explain shows the kind and nothing is validated against a wrong shape.
 */
export function legacyDefinitions(group: string, version: string): Record<string, Schema> {
  const out: Record<string, Schema> = {};
  for (const rt of resourcesIn(group, version)) {
    if (definitionNameFor(group, version, rt.kind)) continue;
    const gvk = (kind: string) => [{ group, kind, version }];
    const envelope = (kind: string, extra: Record<string, Schema>, description: string): Schema => ({
      description,
      properties: {
        apiVersion: { description: 'APIVersion defines the versioned schema of this representation of an object.', type: 'string' },
        kind: { description: 'Kind is a string value representing the REST resource this object represents.', type: 'string' },
        ...extra,
      },
      type: 'object',
      'x-kubernetes-group-version-kind': gvk(kind),
    });
    const free = (description: string): Schema => ({ description, type: 'object', 'x-kubernetes-preserve-unknown-fields': true });
    out[legacyDefinitionName(group, version, rt.kind)] = envelope(rt.kind, {
      metadata: { $ref: `${REF_PREFIX}${META}.ObjectMeta`, description: "Standard object's metadata." },
      spec: free(`Specification of the desired behavior of the ${rt.kind}.`),
      status: free(`Current status of the ${rt.kind}.`),
    }, `${rt.kind} as served at ${group}/${version}; stored as ${rt.group}/${rt.version} ${rt.kind}.`);
    out[legacyDefinitionName(group, version, `${rt.kind}List`)] = {
      ...envelope(`${rt.kind}List`, {
        items: { items: { $ref: REF_PREFIX + legacyDefinitionName(group, version, rt.kind) }, type: 'array', description: `A list of ${rt.kind} objects.` },
        metadata: { $ref: `${REF_PREFIX}${META}.ListMeta`, description: 'Standard list metadata.' },
      }, `${rt.kind}List is a list of ${rt.kind} objects.`),
      required: ['items'],
    };
  }
  return out;
}

function kindDefinition(group: string, version: string, kind: string): string {
  return definitionNameFor(group, version, kind) ?? legacyDefinitionName(group, version, kind);
}

/** All Swagger 2.0 paths served for one group/version, keyed by URL path. */
export function swaggerPaths(group: string, version: string): Record<string, SwaggerPathItem> {
  const paths: Record<string, SwaggerPathItem> = {};
  const prefix = group ? `/apis/${group}/${version}` : `/api/${version}`;
  const { infix, tag } = groupVersionNames(group, version);
  const resources = [...resourcesIn(group, version)].sort((a, b) => a.plural.localeCompare(b.plural));
  for (const rt of resources) addResource(paths, rt, group, version, prefix, infix, tag);
  return Object.fromEntries(Object.entries(paths).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

function addResource(paths: Record<string, SwaggerPathItem>, rt: ResourceType, group: string, version: string, prefix: string, infix: string, tag: string): void {
  const kind = rt.kind;
  const gvk: GroupVersionKind = { group, kind, version };
  const obj = ref(kindDefinition(group, version, kind));
  const list = ref(kindDefinition(group, version, `${kind}List`));
  const ns = rt.namespaced ? 'Namespaced' : '';
  const scope = rt.namespaced ? `${prefix}/namespaces/{namespace}` : prefix;
  const scopeParams = rt.namespaced ? [P.namespace] : [];
  const has = (v: string) => (rt.verbs as string[]).includes(v);
  const op = (o: Omit<SwaggerOperation, 'tags' | 'schemes' | 'consumes' | 'produces'> & Partial<Pick<SwaggerOperation, 'consumes' | 'produces'>>): SwaggerOperation => ({
    consumes: ['*/*'],
    produces: JSON_YAML_PB,
    schemes: ['https'],
    tags: [tag],
    ...o,
  });
  const writeParams = [P.dryRun, P.fieldManager, P.fieldValidation];
  const deleteParams = [P.dryRun, P.gracePeriodSeconds, P.orphanDependents, P.propagationPolicy];
  const status = ref(`${META}.Status`);

  const coll: SwaggerPathItem = { parameters: [...scopeParams, P.pretty] };
  if (has('list')) {
    coll.get = op({ description: `list or watch objects of kind ${kind}`, operationId: `list${infix}${ns}${kind}`, parameters: P.list, produces: LIST_PRODUCES, responses: ok(list), 'x-kubernetes-action': 'list', 'x-kubernetes-group-version-kind': gvk });
  }
  if (has('create')) {
    coll.post = op({ description: `create ${article(kind)} ${kind}`, operationId: `create${infix}${ns}${kind}`, parameters: [body(obj), ...writeParams], responses: written(obj, ['200', '201', '202']), 'x-kubernetes-action': 'post', 'x-kubernetes-group-version-kind': gvk });
  }
  if (has('deletecollection')) {
    coll.delete = op({ description: `delete collection of ${kind}`, operationId: `delete${infix}Collection${ns}${kind}`, parameters: [body(ref(`${META}.DeleteOptions`)), ...P.list, ...deleteParams], responses: ok(status), 'x-kubernetes-action': 'deletecollection', 'x-kubernetes-group-version-kind': gvk });
  }
  if (coll.get || coll.post || coll.delete) paths[`${scope}/${rt.plural}`] = coll;

  const named = `${scope}/${rt.plural}/{name}`;
  const nameParam: SwaggerParameter = { name: 'name', in: 'path', required: true, type: 'string', uniqueItems: true, description: `name of the ${kind}` };
  const item: SwaggerPathItem = { parameters: [nameParam, ...scopeParams, P.pretty] };
  if (has('get')) item.get = op({ description: `read the specified ${kind}`, operationId: `read${infix}${ns}${kind}`, responses: ok(obj), 'x-kubernetes-action': 'get', 'x-kubernetes-group-version-kind': gvk });
  if (has('update')) item.put = op({ description: `replace the specified ${kind}`, operationId: `replace${infix}${ns}${kind}`, parameters: [body(obj), ...writeParams], responses: written(obj, ['200', '201']), 'x-kubernetes-action': 'put', 'x-kubernetes-group-version-kind': gvk });
  if (has('patch')) item.patch = op({ description: `partially update the specified ${kind}`, operationId: `patch${infix}${ns}${kind}`, consumes: PATCH_CONSUMES, parameters: [body(ref(`${META}.Patch`)), ...writeParams, P.force], responses: written(obj, ['200', '201']), 'x-kubernetes-action': 'patch', 'x-kubernetes-group-version-kind': gvk });
  if (has('delete')) item.delete = op({ description: `delete ${article(kind)} ${kind}`, operationId: `delete${infix}${ns}${kind}`, parameters: [body(ref(`${META}.DeleteOptions`)), ...deleteParams], responses: written(status, ['200', '202']), 'x-kubernetes-action': 'delete', 'x-kubernetes-group-version-kind': gvk });
  paths[named] = item;

  if (rt.namespaced && has('list')) {
    paths[`${prefix}/${rt.plural}`] = {
      parameters: [...P.list, P.pretty],
      get: op({ description: `list or watch objects of kind ${kind}`, operationId: `list${infix}${kind}ForAllNamespaces`, produces: LIST_PRODUCES, responses: ok(list), 'x-kubernetes-action': 'list', 'x-kubernetes-group-version-kind': gvk }),
    };
  }

  for (const sub of rt.subresources) {
    const subPath = `${named}/${sub}`;
    const params = [nameParam, ...scopeParams, P.pretty];
    const Sub = sub[0].toUpperCase() + sub.slice(1);
    const readReplacePatch = (schema: Schema, subGvk: GroupVersionKind, what: string): SwaggerPathItem => ({
      parameters: params,
      get: op({ description: `read ${what} of the specified ${kind}`, operationId: `read${infix}${ns}${kind}${Sub}`, responses: ok(schema), 'x-kubernetes-action': 'get', 'x-kubernetes-group-version-kind': subGvk }),
      put: op({ description: `replace ${what} of the specified ${kind}`, operationId: `replace${infix}${ns}${kind}${Sub}`, parameters: [body(schema), ...writeParams], responses: written(schema, ['200', '201']), 'x-kubernetes-action': 'put', 'x-kubernetes-group-version-kind': subGvk }),
      patch: op({ description: `partially update ${what} of the specified ${kind}`, operationId: `patch${infix}${ns}${kind}${Sub}`, consumes: PATCH_CONSUMES, parameters: [body(ref(`${META}.Patch`)), ...writeParams, P.force], responses: written(schema, ['200', '201']), 'x-kubernetes-action': 'patch', 'x-kubernetes-group-version-kind': subGvk }),
    });
    const create = (schemaName: string, subGvk: GroupVersionKind): SwaggerPathItem => ({
      parameters: params,
      post: op({ description: `create ${sub} of ${article(kind)} ${kind}`, operationId: `create${infix}${ns}${kind}${Sub}`, parameters: [body(ref(schemaName)), ...writeParams], responses: written(ref(schemaName), ['200', '201', '202']), 'x-kubernetes-action': 'post', 'x-kubernetes-group-version-kind': subGvk }),
    });
    const connect = (optionsKind: string, methods: HttpMethod[], path = subPath, suffix = ''): void => {
      const item: SwaggerPathItem = { parameters: path.endsWith('{path}') ? [nameParam, ...scopeParams, { name: 'path', in: 'path', required: true, type: 'string', uniqueItems: true, description: 'path to the resource' }] : [nameParam, ...scopeParams] };
      for (const m of methods) {
        const M = m[0].toUpperCase() + m.slice(1);
        item[m] = op({ description: `connect ${m.toUpperCase()} requests to ${sub} of ${kind}`, operationId: `connect${M}${infix}${ns}${kind}${Sub}${suffix}`, produces: ['*/*'], responses: ok({ type: 'string' }), 'x-kubernetes-action': 'connect', 'x-kubernetes-group-version-kind': { group: '', kind: optionsKind, version: 'v1' } });
      }
      paths[path] = item;
    };
    switch (sub) {
      case 'status':
        paths[subPath] = readReplacePatch(obj, gvk, 'status');
        break;
      case 'scale':
        paths[subPath] = readReplacePatch(ref('io.k8s.api.autoscaling.v1.Scale'), { group: 'autoscaling', kind: 'Scale', version: 'v1' }, 'scale');
        break;
      case 'ephemeralcontainers':
        paths[subPath] = readReplacePatch(obj, gvk, 'ephemeralcontainers');
        break;
      case 'binding':
        paths[subPath] = create('io.k8s.api.core.v1.Binding', { group: '', kind: 'Binding', version: 'v1' });
        break;
      case 'eviction':
        paths[subPath] = create('io.k8s.api.policy.v1.Eviction', { group: 'policy', kind: 'Eviction', version: 'v1' });
        break;
      case 'token':
        paths[subPath] = create('io.k8s.api.authentication.v1.TokenRequest', { group: 'authentication.k8s.io', kind: 'TokenRequest', version: 'v1' });
        break;
      case 'finalize':
        paths[subPath] = {
          parameters: [nameParam, P.dryRun, P.fieldManager, P.fieldValidation, P.pretty],
          put: op({ description: `replace finalize of the specified ${kind}`, operationId: `replace${infix}${ns}${kind}Finalize`, parameters: [body(obj)], responses: written(obj, ['200', '201']), 'x-kubernetes-action': 'put', 'x-kubernetes-group-version-kind': gvk }),
        };
        break;
      case 'log':
        paths[subPath] = {
          parameters: [
            q('container', 'string', 'The container for which to stream logs. Defaults to only container if there is one container in the pod.'),
            q('follow', 'boolean', 'Follow the log stream of the pod. Defaults to false.'),
            q('insecureSkipTLSVerifyBackend', 'boolean', "insecureSkipTLSVerifyBackend indicates that the apiserver should not confirm the validity of the serving certificate of the backend it is connecting to."),
            q('limitBytes', 'integer', 'If set, the number of bytes to read from the server before terminating the log output.'),
            nameParam, ...scopeParams, P.pretty,
            q('previous', 'boolean', 'Return previous terminated container logs. Defaults to false.'),
            q('sinceSeconds', 'integer', 'A relative time in seconds before the current time from which to show logs.'),
            q('tailLines', 'integer', 'If set, the number of lines from the end of the logs to show.'),
            q('timestamps', 'boolean', 'If true, add an RFC3339 or RFC3339Nano timestamp at the beginning of every line of log output. Defaults to false.'),
          ],
          get: op({ description: `read log of the specified ${kind}`, operationId: `read${infix}${ns}${kind}Log`, produces: ['text/plain', ...JSON_YAML_PB], responses: ok({ type: 'string' }), 'x-kubernetes-action': 'get', 'x-kubernetes-group-version-kind': gvk }),
        };
        break;
      case 'exec':
        connect(`${kind}ExecOptions`, ['get', 'post']);
        break;
      case 'attach':
        connect(`${kind}AttachOptions`, ['get', 'post']);
        break;
      case 'portforward':
        connect(`${kind}PortForwardOptions`, ['get', 'post']);
        break;
      case 'proxy': {
        const all: HttpMethod[] = ['delete', 'get', 'head', 'options', 'patch', 'post', 'put'];
        connect(`${kind}ProxyOptions`, all);
        connect(`${kind}ProxyOptions`, all, `${subPath}/{path}`, 'WithPath');
        break;
      }
    }
  }
}

function article(kind: string): string {
  return /^[AEIOU]/.test(kind) ? 'an' : 'a';
}

/** Names of every definition reachable from `roots` (following $ref transitively). */
export function reachableDefinitions(roots: unknown, extra: Record<string, Schema> = {}): string[] {
  const defs = definitions();
  const seen = new Set<string>();
  const visit = (v: unknown): void => {
    if (Array.isArray(v)) {
      for (const x of v) visit(x);
    } else if (v && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        if (k === '$ref' && typeof x === 'string') {
          const name = refName(x);
          if (!seen.has(name)) {
            seen.add(name);
            visit(extra[name] ?? defs[name]);
          }
        } else if (k !== 'description') visit(x);
      }
    }
  };
  visit(roots);
  return [...seen].sort();
}

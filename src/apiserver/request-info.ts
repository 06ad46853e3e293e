// Parses an API path into what is being asked for, as upstream's RequestInfoFactory does:
// /api/v1/namespaces/{ns}/{resource}/{name}/{subresource} and /apis/{group}/{version}/...

export interface RequestInfo {
  isResourceRequest: boolean;
  path: string;
  /** get, list, watch, create, update, patch, delete, deletecollection (resource requests);
   *  the lower-cased HTTP method otherwise. */
  verb: string;
  apiPrefix: string; // 'api' | 'apis'
  group: string;
  version: string;
  namespace?: string;
  resource: string;
  subresource: string;
  name: string;
  parts: string[];
}

const NAMESPACE_SUBRESOURCES = new Set(['status', 'finalize']);

export function parseRequestInfo(method: string, path: string, query: URLSearchParams): RequestInfo {
  const info: RequestInfo = {
    isResourceRequest: false,
    path,
    verb: method.toLowerCase(),
    apiPrefix: '',
    group: '',
    version: '',
    resource: '',
    subresource: '',
    name: '',
    parts: [],
  };
  const segs = path.split('/').filter((s) => s.length > 0).map(decodeURIComponent);
  if (segs.length === 0 || (segs[0] !== 'api' && segs[0] !== 'apis')) return info;
  info.apiPrefix = segs[0];
  let rest = segs.slice(1);
  if (info.apiPrefix === 'apis') {
    if (rest.length < 1) return info;
    info.group = rest[0];
    rest = rest.slice(1);
  }
  if (rest.length < 1) return info;
  info.version = rest[0];
  rest = rest.slice(1);
  if (rest.length < 1) return info; // group/version discovery
  info.isResourceRequest = true;

  // Legacy watch paths: /api/v1/watch/namespaces/x/pods
  let watchPath = false;
  if (rest[0] === 'watch') {
    watchPath = true;
    rest = rest.slice(1);
  }
  if (rest[0] === 'namespaces' && rest.length > 1) {
    // For /namespaces/{name}[/status|/finalize] the namespace is also the object's name.
    info.namespace = rest[1];
    if (rest.length > 2 && !NAMESPACE_SUBRESOURCES.has(rest[2])) rest = rest.slice(2);
  }
  info.parts = rest;
  info.resource = rest[0] ?? '';
  info.name = rest[1] ?? '';
  info.subresource = rest[2] ?? '';

  const m = method.toUpperCase();
  if (watchPath) info.verb = 'watch';
  else if (m === 'GET' || m === 'HEAD') {
    const w = query.get('watch');
    if (info.name) info.verb = 'get';
    else info.verb = w === '1' || w === 'true' ? 'watch' : 'list';
  } else if (m === 'POST') info.verb = 'create';
  else if (m === 'PUT') info.verb = 'update';
  else if (m === 'PATCH') info.verb = 'patch';
  else if (m === 'DELETE') info.verb = info.name ? 'delete' : 'deletecollection';
  // A field selector on metadata.name turns a watch into a single-object watch; leave name empty.
  return info;
}

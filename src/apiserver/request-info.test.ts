import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRequestInfo } from './request-info.js';

const q = (s = '') => new URLSearchParams(s);

test('core and group resource paths', () => {
  const a = parseRequestInfo('GET', '/api/v1/namespaces/default/pods/web-1/log', q());
  assert.deepEqual([a.group, a.version, a.namespace, a.resource, a.name, a.subresource, a.verb], ['', 'v1', 'default', 'pods', 'web-1', 'log', 'get']);
  const b = parseRequestInfo('GET', '/apis/apps/v1/deployments', q('watch=true'));
  assert.deepEqual([b.group, b.namespace, b.resource, b.verb], ['apps', undefined, 'deployments', 'watch']);
  const c = parseRequestInfo('DELETE', '/apis/batch/v1/namespaces/x/jobs', q());
  assert.equal(c.verb, 'deletecollection');
  const d = parseRequestInfo('PATCH', '/apis/apps/v1/namespaces/x/deployments/d/scale', q());
  assert.deepEqual([d.name, d.subresource, d.verb], ['d', 'scale', 'patch']);
});

test('namespace objects and their subresources', () => {
  const a = parseRequestInfo('GET', '/api/v1/namespaces/kube-system', q());
  assert.deepEqual([a.resource, a.name, a.verb], ['namespaces', 'kube-system', 'get']);
  const b = parseRequestInfo('PUT', '/api/v1/namespaces/doomed/finalize', q());
  assert.deepEqual([b.resource, b.name, b.subresource, b.verb], ['namespaces', 'doomed', 'finalize', 'update']);
  const c = parseRequestInfo('GET', '/api/v1/namespaces', q());
  assert.deepEqual([c.resource, c.name, c.verb], ['namespaces', '', 'list']);
});

test('non-resource paths and legacy watch paths', () => {
  assert.equal(parseRequestInfo('GET', '/version', q()).isResourceRequest, false);
  assert.equal(parseRequestInfo('GET', '/apis/apps/v1', q()).isResourceRequest, false);
  const w = parseRequestInfo('GET', '/api/v1/watch/namespaces/default/pods', q());
  assert.deepEqual([w.verb, w.namespace, w.resource], ['watch', 'default', 'pods']);
});

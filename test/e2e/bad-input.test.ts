// Every class of bad input gets the right Status code and message, and nothing is half-written.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { apiRequest, startSkiff, type ServerHandle } from './harness.js';

const CM = '/api/v1/namespaces/default/configmaps';

describe('bad input gets a Kubernetes Status', () => {
  let s: ServerHandle;
  before(async () => {
    s = await startSkiff();
  });
  after(async () => {
    await s?.stop();
  });

  test('unauthenticated requests get 401', async () => {
    const r = await apiRequest(s, 'GET', CM, undefined, {}, { anonymous: true });
    assert.equal(r.status, 401);
    assert.equal(r.json().reason, 'Unauthorized');
    const v = await apiRequest(s, 'GET', '/version', undefined, {}, { anonymous: true });
    assert.equal(v.status, 200, '/version stays public as upstream');
  });

  test('malformed JSON is a 400', async () => {
    const r = await apiRequest(s, 'POST', CM, '{"apiVersion": "v1", "kind": ');
    assert.equal(r.status, 400);
    assert.equal(r.json().kind, 'Status');
    assert.equal(r.json().reason, 'BadRequest');
  });

  test('malformed YAML is a 400', async () => {
    const r = await apiRequest(s, 'POST', CM, 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: [x\n', { 'content-type': 'application/yaml' });
    assert.equal(r.status, 400);
    assert.match(r.json().message, /YAML/);
  });

  test('unknown resource paths are 404', async () => {
    const r = await apiRequest(s, 'GET', '/apis/example.com/v1/namespaces/default/widgets');
    assert.equal(r.status, 404);
    assert.equal(r.json().reason, 'NotFound');
  });

  test('a body whose kind does not match the URL is a 400', async () => {
    const r = await apiRequest(s, 'POST', CM, JSON.stringify({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'x' } }));
    assert.equal(r.status, 400);
  });

  test('invalid names are 422 Invalid with causes', async () => {
    const r = await apiRequest(s, 'POST', CM, JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'Not_Valid' } }));
    assert.equal(r.status, 422);
    const st = r.json();
    assert.equal(st.reason, 'Invalid');
    assert.equal(st.details.causes[0].field, 'metadata.name');
    assert.match(st.message, /^ConfigMap "Not_Valid" is invalid: metadata.name: Invalid value: "Not_Valid"/);
  });

  test('unknown fields with fieldValidation=Strict are a 400 naming the field', async () => {
    const r = await apiRequest(s, 'POST', `${CM}?fieldValidation=Strict`, JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'strict' }, datum: {} }));
    assert.equal(r.status, 400);
    assert.match(r.json().message, /unknown field "datum"/);
    const w = await apiRequest(s, 'POST', `${CM}?fieldValidation=Warn`, JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'warned' }, datum: {} }));
    assert.equal(w.status, 201);
    assert.match(String(w.headers["warning"]), /^299 - "unknown field \\"datum\\""$/);
  });

  test('a stale resourceVersion is a 409 Conflict', async () => {
    const c = await apiRequest(s, 'POST', CM, JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'occ' }, data: { a: '1' } }));
    assert.equal(c.status, 201);
    const obj = c.json();
    const u1 = await apiRequest(s, 'PUT', `${CM}/occ`, JSON.stringify({ ...obj, data: { a: '2' } }));
    assert.equal(u1.status, 200);
    const u2 = await apiRequest(s, 'PUT', `${CM}/occ`, JSON.stringify({ ...obj, data: { a: '3' } }));
    assert.equal(u2.status, 409);
    assert.equal(u2.json().reason, 'Conflict');
    assert.match(u2.json().message, /the object has been modified; please apply your changes to the latest version and try again/);
    const g = await apiRequest(s, 'GET', `${CM}/occ`);
    assert.equal(g.json().data.a, '2');
  });

  test('a missing object is a 404', async () => {
    const r = await apiRequest(s, 'GET', `${CM}/nope`);
    assert.equal(r.status, 404);
    assert.equal(r.json().message, 'configmaps "nope" not found');
    assert.equal(r.json().details.name, 'nope');
  });

  test('creating an existing object is a 409 AlreadyExists', async () => {
    const body = JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'dup' } });
    assert.equal((await apiRequest(s, 'POST', CM, body)).status, 201);
    const r = await apiRequest(s, 'POST', CM, body);
    assert.equal(r.status, 409);
    assert.equal(r.json().reason, 'AlreadyExists');
    assert.equal(r.json().message, 'configmaps "dup" already exists');
  });

  test('an oversized body is a 413', async () => {
    const big = JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'big' }, data: { a: 'x'.repeat(3.5 * 1024 * 1024) } });
    const r = await apiRequest(s, 'POST', CM, big);
    assert.equal(r.status, 413);
    assert.equal(r.json().reason, 'RequestEntityTooLarge');
    assert.equal((await apiRequest(s, 'GET', `${CM}/big`)).status, 404);
  });

  test('a wrong content type is a 415', async () => {
    const r = await apiRequest(s, 'POST', CM, 'name=x', { 'content-type': 'application/x-www-form-urlencoded' });
    assert.equal(r.status, 415);
    assert.equal(r.json().reason, 'UnsupportedMediaType');
    const p = await apiRequest(s, 'PATCH', `${CM}/dup`, '{}', { 'content-type': 'text/plain' });
    assert.equal(p.status, 415);
  });

  test('a terminating namespace refuses new objects with 403', async () => {
    const ns = JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'doomed' } });
    assert.equal((await apiRequest(s, 'POST', '/api/v1/namespaces', ns)).status, 201);
    // A finalizer keeps the namespace Terminating however fast the namespace controller drains it.
    const held = JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'held', finalizers: ['example.com/hold'] } });
    assert.equal((await apiRequest(s, 'POST', '/api/v1/namespaces/doomed/configmaps', held)).status, 201);
    const d = await apiRequest(s, 'DELETE', '/api/v1/namespaces/doomed');
    assert.equal(d.status, 200);
    assert.equal(d.json().status.phase, 'Terminating');
    const r = await apiRequest(s, 'POST', '/api/v1/namespaces/doomed/configmaps', JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'late' } }));
    assert.equal(r.status, 403);
    assert.match(r.json().message, /unable to create new content in namespace doomed because it is being terminated/);
  });

  test('system namespaces cannot be deleted', async () => {
    const r = await apiRequest(s, 'DELETE', '/api/v1/namespaces/default');
    assert.equal(r.status, 403);
  });
});

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  isDNS1035Label, isDNS1123Label, isDNS1123Subdomain, isQualifiedName, isValidPathSegmentName, nameIsDNSSubdomain, validateObjectMeta,
  validateObjectMetaUpdate,
} from './names.js';

const fmt = (errs: { field: string; detail: string }[]) => errs.map((e) => `${e.field}: ${e.detail}`);

describe('name checks', () => {
  test('DNS-1123 subdomain', () => {
    assert.deepEqual(isDNS1123Subdomain('example.com'), []);
    assert.equal(isDNS1123Subdomain('a'.repeat(254))[0], 'must be no more than 253 characters');
    assert.equal(isDNS1123Subdomain('-bad').length, 1);
  });
  test('DNS-1123 label and DNS-1035 label', () => {
    assert.deepEqual(isDNS1123Label('123-abc'), []);
    assert.deepEqual(isDNS1123Label('a.b'), ['must not contain dots']);
    assert.equal(isDNS1123Label('a'.repeat(64))[0], 'must be no more than 63 characters');
    assert.deepEqual(isDNS1035Label('my-svc'), []);
    assert.match(isDNS1035Label('1abc')[0], /^a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character/);
  });
  test('qualified names', () => {
    assert.deepEqual(isQualifiedName('example.com/MyName'), []);
    assert.deepEqual(isQualifiedName('/x'), ['prefix part must be non-empty']);
    assert.deepEqual(isQualifiedName('x/'), ['name part must be non-empty', "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"]);
    assert.match(isQualifiedName('a/b/c')[0], /^a qualified name must consist of/);
  });
  test('path segment names', () => {
    assert.deepEqual(isValidPathSegmentName('system:controller:x'), []);
    assert.deepEqual(isValidPathSegmentName('..'), ["may not be '..'"]);
    assert.deepEqual(isValidPathSegmentName('a/b'), ["may not contain '/'"]);
  });
});

describe('validateObjectMeta', () => {
  test('upstream message for a bad name', () => {
    assert.deepEqual(fmt(validateObjectMeta({ name: 'My_Name', namespace: 'default' }, true, nameIsDNSSubdomain)), [
      `metadata.name: Invalid value: "My_Name": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`,
    ]);
  });
  test('name or generateName required; namespace required iff namespaced', () => {
    assert.deepEqual(fmt(validateObjectMeta({ namespace: 'x' }, true, nameIsDNSSubdomain)), ['metadata.name: Required value: name or generateName is required']);
    assert.deepEqual(fmt(validateObjectMeta({ generateName: 'web-' }, true, nameIsDNSSubdomain)), ['metadata.namespace: Required value']);
    assert.deepEqual(fmt(validateObjectMeta({ name: 'n', namespace: 'x' }, false, nameIsDNSSubdomain)), ['metadata.namespace: Forbidden: not allowed on this type']);
  });
  test('owner references and finalizers', () => {
    const errs = fmt(
      validateObjectMeta(
        {
          name: 'a',
          namespace: 'd',
          ownerReferences: [
            { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'r1', uid: '1', controller: true },
            { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'r2', uid: '', controller: true },
          ],
          finalizers: ['example.com/x', 'bad finalizer'],
        },
        true,
        nameIsDNSSubdomain,
      ),
    );
    assert.ok(errs.includes('metadata.ownerReferences[1].uid: Invalid value: "": uid must not be empty'));
    assert.ok(errs.some((e) => e.includes('Only one reference can have Controller set to true. Found "true" in references for ReplicaSet/r1 and ReplicaSet/r2')));
    assert.ok(errs.some((e) => e.startsWith('metadata.finalizers: Invalid value: "bad finalizer": name part must consist')));
  });
  test('identity is immutable on update', () => {
    assert.deepEqual(fmt(validateObjectMetaUpdate({ name: 'b', namespace: 'd', uid: 'u' }, { name: 'a', namespace: 'd', uid: 'u' })), [
      'metadata.name: Invalid value: "b": field is immutable',
    ]);
  });
});

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { FieldSet, compareElements, fieldElement, keyElement, pathString, valueElement } from './fieldpath.js';

describe('fieldpath', () => {
  test('path elements serialize as fieldsV1 keys', () => {
    assert.equal(fieldElement('spec'), 'f:spec');
    assert.equal(keyElement([['protocol', 'TCP'], ['containerPort', 80]]), 'k:{"containerPort":80,"protocol":"TCP"}');
    assert.equal(valueElement('example.com/x'), 'v:"example.com/x"');
  });

  test('paths print as conflicts name them', () => {
    const p = [fieldElement('spec'), fieldElement('containers'), keyElement([['name', 'nginx']]), fieldElement('image')];
    assert.equal(pathString(p), '.spec.containers[name="nginx"].image');
    assert.equal(pathString([fieldElement('ports'), keyElement([['port', 80], ['protocol', 'TCP']])]), '.ports[port=80,protocol="TCP"]');
    assert.equal(pathString([fieldElement('finalizers'), valueElement('a')]), '.finalizers[="a"]');
  });

  test('elements order: fields, keys (numeric values numerically), values', () => {
    const els = [valueElement('a'), keyElement([['p', 443]]), fieldElement('b'), keyElement([['p', 80]]), fieldElement('a')];
    assert.deepEqual([...els].sort(compareElements), ['f:a', 'f:b', 'k:{"p":80}', 'k:{"p":443}', 'v:"a"']);
  });

  test('fieldsV1 round-trips, with "." for a member that also has children', () => {
    const doc = {
      'f:metadata': { 'f:labels': { '.': {}, 'f:app': {} } },
      'f:spec': { 'f:containers': { 'k:{"name":"a"}': { '.': {}, 'f:image': {} } }, 'f:replicas': {} },
    };
    const s = FieldSet.fromFieldsV1(doc);
    assert.ok(s.has(['f:metadata', 'f:labels']));
    assert.ok(s.has(['f:metadata', 'f:labels', 'f:app']));
    assert.ok(!s.has(['f:metadata']));
    assert.deepEqual(s.toFieldsV1(), doc);
    assert.deepEqual(JSON.stringify(s.toFieldsV1()), JSON.stringify(doc), 'key order matches upstream');
    assert.throws(() => FieldSet.fromFieldsV1({ 'x:y': {} }));
  });

  test('set operations work on exact paths; recursiveDifference also drops subtrees', () => {
    const a = FieldSet.of(['f:spec', 'f:replicas'], ['f:spec', 'f:template'], ['f:spec', 'f:template', 'f:x']);
    const b = FieldSet.of(['f:spec', 'f:template']);
    assert.deepEqual(a.difference(b).paths(), [['f:spec', 'f:replicas'], ['f:spec', 'f:template', 'f:x']]);
    assert.deepEqual(a.recursiveDifference(b).paths(), [['f:spec', 'f:replicas']]);
    assert.deepEqual(a.intersection(b).paths(), [['f:spec', 'f:template']]);
    assert.ok(a.union(b).equals(a));
    assert.ok(new FieldSet().isEmpty());
  });
});

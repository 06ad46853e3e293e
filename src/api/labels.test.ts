import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { StatusError } from './errors.js';
import { formatLabelSelector, parseSelector, selectorFromLabelSelector, selectorFromMap, validateAnnotations, validateLabels } from './labels.js';

describe('parseSelector', () => {
  test('equality, inequality and double equals', () => {
    const s = parseSelector('app=web,tier!=db,env==prod');
    assert.equal(s.matches({ app: 'web', env: 'prod' }), true);
    assert.equal(s.matches({ app: 'web', env: 'prod', tier: 'db' }), false);
    assert.equal(s.matches({ app: 'web' }), false);
    assert.equal(s.empty, false);
  });
  test('set-based in / notin / exists / not exists', () => {
    const s = parseSelector('env in (prod, qa),tier notin (db),app,!canary');
    assert.equal(s.matches({ env: 'qa', app: 'x' }), true);
    assert.equal(s.matches({ env: 'dev', app: 'x' }), false);
    assert.equal(s.matches({ env: 'qa', app: 'x', tier: 'db' }), false);
    assert.equal(s.matches({ env: 'qa' }), false);
    assert.equal(s.matches({ env: 'qa', app: 'x', canary: 'true' }), false);
    assert.equal(s.toString(), 'app,!canary,env in (prod,qa),tier notin (db)');
  });
  test('!= matches objects without the key', () => {
    assert.equal(parseSelector('a!=b').matches({}), true);
  });
  test('empty string selects everything', () => {
    const s = parseSelector('');
    assert.equal(s.empty, true);
    assert.equal(s.matches(undefined), true);
  });
  test('gt / lt', () => {
    const s = parseSelector('n>3');
    assert.equal(s.matches({ n: '4' }), true);
    assert.equal(s.matches({ n: '2' }), false);
  });
  test('bad syntax → 400 BadRequest with upstream wording', () => {
    assert.throws(
      () => parseSelector('a in b'),
      (e: unknown) => e instanceof StatusError && e.code === 400 && e.reason === 'BadRequest' && e.message === "unable to parse requirement: found 'b' expected: '('",
    );
    assert.throws(
      () => parseSelector('a b'),
      (e: unknown) => e instanceof StatusError && e.message === "unable to parse requirement: found 'b', expected: in, notin, =, ==, !=, gt, lt",
    );
    assert.throws(() => parseSelector('a=b c'), (e: unknown) => e instanceof StatusError && e.message === "found 'c', expected: ',' or 'end of string'");
    assert.throws(() => parseSelector('a=b,,c'), (e: unknown) => e instanceof StatusError && e.message === "found ',', expected: identifier after ','");
    assert.throws(
      () => parseSelector('a_=b'),
      (e: unknown) => e instanceof StatusError && e.message.startsWith('unable to parse requirement: <nil>: Invalid value: "a_": name part must consist of alphanumeric characters'),
    );
  });
});

describe('selectorFromLabelSelector', () => {
  test('matchLabels + matchExpressions', () => {
    const s = selectorFromLabelSelector({
      matchLabels: { app: 'web' },
      matchExpressions: [
        { key: 'tier', operator: 'In', values: ['fe', 'be'] },
        { key: 'canary', operator: 'DoesNotExist' },
        { key: 'env', operator: 'Exists' },
        { key: 'zone', operator: 'NotIn', values: ['a'] },
      ],
    });
    assert.equal(s.matches({ app: 'web', tier: 'fe', env: 'x' }), true);
    assert.equal(s.matches({ app: 'web', tier: 'fe', env: 'x', zone: 'a' }), false);
    assert.equal(s.matches({ app: 'web', tier: 'fe' }), false);
  });
  test('undefined and empty select everything', () => {
    assert.equal(selectorFromLabelSelector(undefined).empty, true);
    assert.equal(selectorFromLabelSelector({}).matches({ a: 'b' }), true);
  });
  test('map selector and formatting', () => {
    assert.equal(selectorFromMap({ run: 'kuard' }).matches({ run: 'kuard', x: 'y' }), true);
    assert.equal(formatLabelSelector({ matchLabels: { b: '2', a: '1' }, matchExpressions: [{ key: 'c', operator: 'In', values: ['x', 'y'] }] }), 'a=1,b=2,c in (x,y)');
    assert.equal(formatLabelSelector({}), '<none>');
  });
});

describe('validateLabels / validateAnnotations', () => {
  test('valid keys and values', () => {
    assert.deepEqual(validateLabels({ 'app.kubernetes.io/name': 'web', a: '', 'x-y_z.1': 'MyValue' }, 'metadata.labels'), []);
  });
  test('bad key name part uses upstream message', () => {
    const [e] = validateLabels({ 'x y': 'v' }, 'metadata.labels');
    assert.equal(e.field, 'metadata.labels');
    assert.equal(
      e.detail,
      `Invalid value: "x y": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')`,
    );
  });
  test('bad prefix and long value', () => {
    const errs = validateLabels({ 'Bad_Prefix/x': 'a'.repeat(64) }, 'metadata.labels');
    assert.ok(errs.some((e) => e.detail.includes('prefix part a lowercase RFC 1123 subdomain')));
    assert.ok(errs.some((e) => e.detail.includes('must be no more than 63 characters')));
  });
  test('annotations total size', () => {
    assert.deepEqual(validateAnnotations({ note: 'x'.repeat(1000) }, 'metadata.annotations'), []);
    const [e] = validateAnnotations({ big: 'x'.repeat(256 * 1024) }, 'metadata.annotations');
    assert.equal(e.type, 'FieldValueTooLong');
  });
});

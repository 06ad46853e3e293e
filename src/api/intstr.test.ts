import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { scaledValue, validateNotMoreThan100Percent, validatePositiveIntOrPercent } from './intstr.js';

describe('intstr', () => {
  test('percent rounding: surge up, unavailable down', () => {
    assert.equal(scaledValue('25%', 10, true), 3);
    assert.equal(scaledValue('25%', 10, false), 2);
    assert.equal(scaledValue('30%', 10, false), 3);
    assert.equal(scaledValue('100%', 7, true), 7);
    assert.equal(scaledValue(2, 10, true), 2);
    assert.equal(scaledValue('0%', 10, true), 0);
  });
  test('invalid percent throws', () => {
    assert.throws(() => scaledValue('abc', 10, true));
  });
  test('validation messages', () => {
    const [e] = validatePositiveIntOrPercent('abc', 'spec.x');
    assert.equal(
      e.detail,
      `Invalid value: intstr.IntOrString{Type:1, IntVal:0, StrVal:"abc"}: a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')`,
    );
    assert.equal(validatePositiveIntOrPercent(-1, 'spec.x')[0].detail, 'Invalid value: -1: must be greater than or equal to 0');
    assert.deepEqual(validatePositiveIntOrPercent('50%', 'spec.x'), []);
    assert.match(validateNotMoreThan100Percent('150%', 'spec.x')[0].detail, /must not be greater than 100%/);
  });
});

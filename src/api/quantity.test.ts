import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { bytes, compareQuantity, cpuMillis, formatQuantity, parseQuantity, QUANTITY_REGEX_MESSAGE, validateQuantity } from './quantity.js';

describe('quantities', () => {
  test('cpu millis', () => {
    assert.equal(cpuMillis('100m'), 100);
    assert.equal(cpuMillis('0.25'), 250);
    assert.equal(cpuMillis('1.5'), 1500);
    assert.equal(cpuMillis('2'), 2000);
    assert.equal(cpuMillis(1), 1000);
    assert.equal(cpuMillis('1e-4'), 1); // rounds up
  });
  test('bytes with binary and decimal suffixes', () => {
    assert.equal(bytes('128Mi'), 128 * 1024 * 1024);
    assert.equal(bytes('1G'), 1e9);
    assert.equal(bytes('2Ki'), 2048);
    assert.equal(bytes('1e3'), 1000);
    assert.equal(bytes('1.5Gi'), 1.5 * 1024 ** 3);
    assert.equal(bytes('500k'), 500000);
  });
  test('comparison is exact', () => {
    assert.equal(compareQuantity('1', '1000m'), 0);
    assert.equal(compareQuantity('1Gi', '1G'), 1);
    assert.equal(compareQuantity('100m', '0.2'), -1);
  });
  test('canonical formatting as upstream', () => {
    assert.equal(formatQuantity('1.5'), '1500m');
    assert.equal(formatQuantity('1000m'), '1');
    assert.equal(formatQuantity('0.1'), '100m');
    assert.equal(formatQuantity('1024Ki'), '1Mi');
    assert.equal(formatQuantity('1.5Gi'), '1536Mi');
    assert.equal(formatQuantity('1000'), '1k');
    assert.equal(formatQuantity('1500'), '1500');
    assert.equal(formatQuantity('1e3'), '1e3');
    assert.equal(formatQuantity('0'), '0');
    assert.equal(formatQuantity('512'), '512');
    assert.equal(formatQuantity('-2Gi'), '-2Gi');
  });
  test('invalid quantities', () => {
    assert.throws(() => parseQuantity('abc'), { message: QUANTITY_REGEX_MESSAGE });
    assert.throws(() => parseQuantity('1.2.3'));
    assert.throws(() => parseQuantity('5Mb'));
    const [e] = validateQuantity('spec.x', '12 Mi');
    assert.equal(e.detail, `Invalid value: "12 Mi": ${QUANTITY_REGEX_MESSAGE}`);
  });
});

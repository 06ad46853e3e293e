import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Channel, decodeChannelMessage, encodeChannelMessage, negotiateChannelProtocol, parseResize } from './channel-protocol.js';

test('negotiation takes the first offered protocol we serve', () => {
  assert.equal(negotiateChannelProtocol(['v5.channel.k8s.io', 'v4.channel.k8s.io']), 'v5.channel.k8s.io');
  assert.equal(negotiateChannelProtocol(['v9.channel.k8s.io', 'v4.channel.k8s.io']), 'v4.channel.k8s.io');
  assert.equal(negotiateChannelProtocol(['SPDY/3.1+portforward.k8s.io']), undefined);
});

test('binary protocols prefix the channel byte', () => {
  const { payload, binary } = encodeChannelMessage('v5.channel.k8s.io', Channel.stdout, Buffer.from('hi'));
  assert.equal(binary, true);
  assert.deepEqual([...(payload as Buffer)], [1, 0x68, 0x69]);
  assert.deepEqual(decodeChannelMessage('v5.channel.k8s.io', Buffer.from([0, 0x61]), true), { channel: 0, data: Buffer.from('a') });
  assert.deepEqual(decodeChannelMessage('v5.channel.k8s.io', Buffer.from([255, 0]), true), { channel: 255, data: Buffer.from([0]) });
  assert.equal(decodeChannelMessage('v5.channel.k8s.io', Buffer.alloc(0), true), undefined);
});

test('base64 protocols use a digit and base64 text', () => {
  const { payload, binary } = encodeChannelMessage('v4.base64.channel.k8s.io', Channel.stderr, Buffer.from('oops'));
  assert.equal(binary, false);
  assert.equal(payload, '2' + Buffer.from('oops').toString('base64'));
  assert.deepEqual(decodeChannelMessage('v4.base64.channel.k8s.io', Buffer.from('0' + Buffer.from('ls\n').toString('base64')), false), { channel: 0, data: Buffer.from('ls\n') });
});

test('resize messages', () => {
  assert.deepEqual(parseResize('{"Width":120,"Height":40}'), { width: 120, height: 40 });
  assert.equal(parseResize('nope'), undefined);
  assert.equal(parseResize('{"Width":-1,"Height":2}'), undefined);
});

import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createDeflate, inflateSync, constants as zc } from 'node:zlib';
import { SPDY3_DICTIONARY } from './spdy-dictionary.js';
import {
  FrameDecoder, HeaderDeflater, HeaderInflater, encodeData, encodeGoAway, encodePing, encodeRstStream,
  encodeSettings, encodeSynReply, encodeSynStream, encodeWindowUpdate, parseHeaderBlock, serializeHeaderBlock,
  FLAG_FIN, type Frame,
} from './spdy-frames.js';

/** Compresses header blocks the way Go's spdystream does: one zlib stream, sync-flushed per block. */
function goStyleCompressor() {
  const d = createDeflate({ dictionary: SPDY3_DICTIONARY, level: 9 });
  d.pause();
  return (raw: Buffer) =>
    new Promise<Buffer>((resolve) => {
      d.write(raw);
      d.flush(zc.Z_SYNC_FLUSH, () => {
        const out: Buffer[] = [];
        let c: Buffer | null;
        while ((c = d.read() as Buffer | null) !== null) out.push(c);
        resolve(Buffer.concat(out));
      });
    });
}

describe('SPDY/3 dictionary', () => {
  test('is the 1423-byte protocol constant', () => {
    assert.equal(SPDY3_DICTIONARY.length, 1423);
    assert.equal(createHash('sha256').update(SPDY3_DICTIONARY).digest('hex'), '51d27341373f923f3cd88e1eb7162aeaa3723d7585ff2399201dc06498407f02');
    assert.ok(SPDY3_DICTIONARY.subarray(0, 11).equals(Buffer.from('\0\0\0\x07options', 'latin1')));
  });
});

describe('SPDY frames', () => {
  test('every frame type survives encode → decode, even fed one byte at a time', () => {
    const frames = [
      encodeSynStream(1, Buffer.from('hdrs'), { flags: FLAG_FIN, associatedId: 0, priority: 3 }),
      encodeSynReply(1, Buffer.from('reply')),
      encodeData(3, Buffer.from('hello'), true),
      encodeData(5, Buffer.alloc(0)),
      encodeRstStream(7, 5),
      encodePing(9),
      encodeGoAway(11, 0),
      encodeWindowUpdate(13, 65536),
      encodeSettings([{ id: 7, value: 1 << 20 }]),
    ];
    const dec = new FrameDecoder();
    const got: Frame[] = [];
    for (const b of Buffer.concat(frames)) got.push(...dec.push(Buffer.from([b])));
    assert.deepEqual(got.map((f) => f.type), ['syn_stream', 'syn_reply', 'data', 'data', 'rst_stream', 'ping', 'goaway', 'window_update', 'settings']);
    const [syn, reply, data, empty, rst, ping, goaway, wu, settings] = got as any[];
    assert.equal(syn.streamId, 1);
    assert.equal(syn.priority, 3);
    assert.equal(syn.flags & FLAG_FIN, FLAG_FIN);
    assert.equal(syn.headerBlock.toString(), 'hdrs');
    assert.equal(reply.headerBlock.toString(), 'reply');
    assert.equal(data.streamId, 3);
    assert.equal(data.data.toString(), 'hello');
    assert.equal(data.flags, FLAG_FIN);
    assert.equal(empty.data.length, 0);
    assert.deepEqual([rst.streamId, rst.status], [7, 5]);
    assert.equal(ping.id, 9);
    assert.equal(goaway.lastGoodStreamId, 11);
    assert.equal(wu.delta, 65536);
    assert.deepEqual(settings.entries, [{ flags: 0, id: 7, value: 1 << 20 }]);
  });

  test('name/value blocks round-trip and lower-case names', () => {
    const raw = serializeHeaderBlock({ StreamType: 'data', port: '8080', requestid: '0' });
    assert.deepEqual(parseHeaderBlock(raw), { streamtype: 'data', port: '8080', requestid: '0' });
  });

  test('our deflater output inflates with standard zlib and the dictionary', () => {
    const def = new HeaderDeflater();
    const first = def.compress({ streamtype: 'error', port: '80' });
    assert.deepEqual([first[0], first[1]], [0x78, 0x20]); // FDICT set
    const raw = inflateSync(first, { dictionary: SPDY3_DICTIONARY, finishFlush: zc.Z_SYNC_FLUSH });
    assert.deepEqual(parseHeaderBlock(raw), { streamtype: 'error', port: '80' });
  });

  test('our inflater shares one zlib context across blocks, as the Go client compresses', async () => {
    const compress = goStyleCompressor();
    const inf = new HeaderInflater();
    const a = await compress(serializeHeaderBlock({ streamtype: 'error', port: '8080', requestid: '0' }));
    const b = await compress(serializeHeaderBlock({ streamtype: 'data', port: '8080', requestid: '0' }));
    // The second block back-references the first: it only inflates with shared context.
    assert.deepEqual(await inf.decompress(a), { streamtype: 'error', port: '8080', requestid: '0' });
    assert.deepEqual(await inf.decompress(b), { streamtype: 'data', port: '8080', requestid: '0' });
    inf.close();
  });

  test('inflater reads back a whole session of our deflater output', async () => {
    const def = new HeaderDeflater();
    const inf = new HeaderInflater();
    for (let i = 0; i < 3; i++) {
      assert.deepEqual(await inf.decompress(def.compress({ n: String(i), big: 'x'.repeat(70_000 * i) })), { n: String(i), big: 'x'.repeat(70_000 * i) });
    }
    inf.close();
  });
});

test('a corrupt header block is rejected, not hung', async () => {
  const inf = new HeaderInflater();
  await assert.rejects(inf.decompress(Buffer.from([0x78, 0x20, 1, 2, 3, 4, 0xff, 0xff, 0xff])), /inflate failed/);
  inf.close();
});

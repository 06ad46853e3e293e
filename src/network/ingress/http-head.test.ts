import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { BodyTracker, ChunkedReader, copyResponseHead, forwardedResponseHeadLength, HEAD_END, parseRequestHead, parseResponseHead, scanRequestHead, scanResponseHead } from './http-head.js';

const req = (...lines: string[]) => parseRequestHead(lines.join('\r\n'));

describe('parseRequestHead', () => {
  test('parses the common request and drops hop-by-hop and X-Forwarded-* headers', () => {
    const h = req('POST /a/b?x=1 HTTP/1.1', 'Host: foo.bar.com:8080', 'Connection: keep-alive', 'Keep-Alive: 5', 'TE: trailers', 'X-Forwarded-For: 1.2.3.4', 'x-forwarded-for: 5.6.7.8', 'X-Real-IP: 9.9.9.9', 'Content-Length: 5', 'Accept:  */* ');
    assert.ok(h);
    assert.equal(h.method, 'POST');
    assert.equal(h.target, '/a/b?x=1');
    assert.equal(h.host, 'foo.bar.com:8080');
    assert.equal(h.forwardedFor, '1.2.3.4, 5.6.7.8');
    assert.deepEqual(h.body, { kind: 'length', length: 5 });
    assert.equal(h.close, false);
    assert.equal(h.forward, 'Host: foo.bar.com:8080\r\nContent-Length: 5\r\nAccept:  */* \r\n');
  });

  test('Connection: close, chunked bodies and empty bodies', () => {
    assert.equal(req('GET / HTTP/1.1', 'Host: x', 'Connection: close')?.close, true);
    assert.deepEqual(req('PUT / HTTP/1.1', 'Host: x', 'Transfer-Encoding: chunked')?.body, { kind: 'chunked' });
    assert.deepEqual(req('POST / HTTP/1.1', 'Host: x', 'Content-Length: 0')?.body, { kind: 'none' });
    assert.equal(req('GET / HTTP/1.1')?.host, '');
  });

  test('leaves anything unusual to the full HTTP server', () => {
    for (const lines of [
      ['GET / HTTP/1.0', 'Host: x'],
      ['GET http://x/ HTTP/1.1', 'Host: x'],
      ['GET / HTTP/1.1', 'Host: x', 'Host: y'],
      ['GET / HTTP/1.1', 'Host: x', 'Upgrade: websocket', 'Connection: Upgrade'],
      ['POST / HTTP/1.1', 'Host: x', 'Expect: 100-continue', 'Content-Length: 3'],
      ['POST / HTTP/1.1', 'Host: x', 'Content-Length: 3', 'Transfer-Encoding: chunked'],
      ['POST / HTTP/1.1', 'Host: x', 'Transfer-Encoding: gzip, chunked'],
      ['POST / HTTP/1.1', 'Host: x', 'Content-Length: 3', 'Content-Length: 3'],
      ['POST / HTTP/1.1', 'Host: x', 'Content-Length: -1'],
      ['GET / HTTP/1.1', 'Host: x', ' folded'],
      ['GET / HTTP/1.1', 'Bad Header: x'],
      ['GET / HTTP/1.1', 'Host: x\ny: z'],
      ['GET / HTTP/1.1', 'Connection: foo'],
      ['GET /a b HTTP/1.1', 'Host: x'],
    ])
      assert.equal(req(...lines), undefined, lines.join(' | '));
  });
});

describe('parseResponseHead', () => {
  const res = (method: string, ...lines: string[]) => parseResponseHead(lines.join('\r\n'), method);

  test('framing: length, chunked, none for HEAD/204/304/1xx, until-close otherwise', () => {
    assert.deepEqual(res('GET', 'HTTP/1.1 200 OK', 'Content-Length: 12')?.body, { kind: 'length', length: 12 });
    assert.deepEqual(res('GET', 'HTTP/1.1 200 OK', 'Transfer-Encoding: chunked')?.body, { kind: 'chunked' });
    assert.deepEqual(res('HEAD', 'HTTP/1.1 200 OK', 'Content-Length: 12')?.body, { kind: 'none' });
    assert.deepEqual(res('GET', 'HTTP/1.1 204 No Content')?.body, { kind: 'none' });
    assert.deepEqual(res('GET', 'HTTP/1.1 304 Not Modified', 'Content-Length: 12')?.body, { kind: 'none' });
    assert.deepEqual(res('GET', 'HTTP/1.1 103 Early Hints')?.body, { kind: 'none' });
    const eof = res('GET', 'HTTP/1.1 200 OK');
    assert.deepEqual(eof?.body, { kind: 'until-close' });
    assert.equal(eof?.close, true);
  });

  test('rewrites the head: HTTP/1.1, no hop-by-hop headers; notes Connection: close', () => {
    const r = res('GET', 'HTTP/1.0 200 OK', 'Connection: keep-alive', 'Keep-Alive: timeout=5', 'Content-Length: 2', 'X-A: b');
    assert.equal(r?.head, 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\nX-A: b\r\n');
    assert.equal(r?.close, false);
    assert.equal(res('GET', 'HTTP/1.1 200 OK', 'Connection: close', 'Content-Length: 2')?.close, true);
    assert.equal(res('GET', 'HTTP/1.0 200 OK', 'Content-Length: 2')?.close, true);
  });

  test('rejects malformed heads and conflicting lengths', () => {
    assert.equal(res('GET', 'HTTP/2 200 OK'), undefined);
    assert.equal(res('GET', 'HTTP/1.1 200 OK', 'Content-Length: 1', 'Content-Length: 2'), undefined);
    assert.equal(res('GET', 'HTTP/1.1 200 OK', 'no colon'), undefined);
    assert.equal(res('GET', 'HTTP/1.1 200 OK', 'Content-Length: 2', 'Content-Length: 2')?.head, 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n');
  });
});

describe('scanning heads in place', () => {
  test('request: byte ranges of the lines to forward, merged when adjacent, body bytes untouched', () => {
    const buf = Buffer.from('PUT /x HTTP/1.1\r\nHost: a\r\nX-A: 1\r\nConnection: keep-alive\r\nX-B: 2\r\nContent-Length: 3\r\n\r\nabc', 'latin1');
    const end = buf.indexOf(HEAD_END);
    const r = scanRequestHead(buf, end);
    assert.ok(r);
    assert.equal(r.method, 'PUT');
    assert.equal(r.target, '/x');
    assert.equal(r.host, 'a');
    assert.deepEqual(r.body, { kind: 'length', length: 3 });
    const kept = [];
    for (let k = 0; k < r.keep.length; k += 2) kept.push(buf.toString('latin1', r.keep[k], r.keep[k + 1]));
    assert.deepEqual(kept, ['Host: a\r\nX-A: 1\r\n', 'X-B: 2\r\nContent-Length: 3\r\n']);
  });

  test('request and response: bare CR or LF and control bytes are refused', () => {
    for (const bad of ['GET / HTTP/1.1\r\nHost: a\rb', 'GET / HTTP/1.1\r\nHost: a\x01', 'GET /\x7f HTTP/1.1\r\nHost: a']) {
      const buf = Buffer.from(bad + '\r\n\r\n', 'latin1');
      assert.equal(scanRequestHead(buf, bad.length), undefined, JSON.stringify(bad));
    }
    for (const bad of ['HTTP/1.1 200 OK\r\nX: a\nb', 'HTTP/1.1 200 O\x00K', 'HTTP/1.1 099 Odd', 'HTTP/1.1 2000']) {
      const buf = Buffer.from(bad + '\r\n\r\n', 'latin1');
      assert.equal(scanResponseHead(buf, bad.length, 'GET'), undefined, JSON.stringify(bad));
    }
  });

  test('response: a status line without a reason; the forwarded head is copied from the ranges', () => {
    const buf = Buffer.from('HTTP/1.0 404\r\nKeep-Alive: timeout=5\r\nContent-Length: 2\r\n\r\nno', 'latin1');
    const r = scanResponseHead(buf, buf.indexOf(HEAD_END), 'GET');
    assert.ok(r);
    assert.equal(r.status, 404);
    assert.equal(r.close, true);
    const out = Buffer.alloc(forwardedResponseHeadLength(r));
    assert.equal(copyResponseHead(r, buf, out, 0), out.length);
    assert.equal(out.toString('latin1'), 'HTTP/1.1 404\r\nContent-Length: 2\r\n');
  });
});

describe('body framing', () => {
  test('ChunkedReader finds the end across arbitrary splits, with extensions and trailers', () => {
    const msg = Buffer.from('5;ext=1\r\nhello\r\nA\r\n0123456789\r\n0\r\nX-Trailer: t\r\n\r\nNEXT');
    const end = msg.length - 4;
    for (let cut = 1; cut < msg.length; cut++) {
      const r = new ChunkedReader();
      const a = r.scan(msg.subarray(0, cut));
      if (a >= 0) {
        assert.equal(a, end, `cut ${cut}`);
        continue;
      }
      assert.equal(r.scan(msg.subarray(cut)) + cut, end, `cut ${cut}`);
    }
  });

  test('ChunkedReader rejects broken framing', () => {
    assert.throws(() => new ChunkedReader().scan(Buffer.from('zz\r\n')));
    assert.throws(() => new ChunkedReader().scan(Buffer.from('3\r\nabcX')));
    assert.throws(() => new ChunkedReader().scan(Buffer.from('1234567890abc\r\n')));
  });

  test('BodyTracker counts Content-Length bytes and stops at the boundary', () => {
    const t = new BodyTracker({ kind: 'length', length: 6 });
    assert.equal(t.take(Buffer.from('abcd')), 4);
    assert.equal(t.done, false);
    assert.equal(t.take(Buffer.from('xxefGET /'), 2), 2);
    assert.equal(t.done, true);
    assert.equal(new BodyTracker({ kind: 'none' }).done, true);
  });
});

// exec/attach over a WebSocket channel protocol (kubectl >= 1.30 uses v5.channel.k8s.io).
import { PassThrough, Writable } from 'node:stream';
import type { WebSocket } from 'ws';
import {
  Channel, decodeChannelMessage, encodeChannelMessage, hasStructuredErrors, parseResize, supportsClose,
  type ChannelProtocol,
} from './channel-protocol.js';
import {
  AsyncQueue, outcomeStatus, outcomeText, type CommandOutcome, type RemoteCommandOptions,
  type RemoteCommandStreams, type TerminalSize,
} from './remote-command.js';

/** Wires a WebSocket to the streams a remote command needs; `finish` reports and closes. */
export function channelStreams(ws: WebSocket, protocol: ChannelProtocol, opts: RemoteCommandOptions): {
  streams: RemoteCommandStreams;
  finish(outcome: CommandOutcome): void;
} {
  const send = (channel: number, data: Buffer, cb?: (err?: Error) => void) => {
    if (ws.readyState !== ws.OPEN) return cb?.();
    const { payload, binary } = encodeChannelMessage(protocol, channel, data);
    ws.send(payload, { binary }, () => cb?.()); // a vanished client must not fail the command
  };
  const output = (channel: number) =>
    new Writable({
      write(chunk: Buffer, _enc, cb) {
        if (chunk.length === 0) return cb();
        send(channel, Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk), () => cb());
      },
    });

  const stdin = opts.stdin ? new PassThrough() : undefined;
  const resize = opts.tty ? new AsyncQueue<TerminalSize>() : undefined;
  stdin?.on('drain', () => ws.resume());

  ws.on('message', (raw: Buffer | ArrayBuffer | Buffer[], isBinary: boolean) => {
    const buf = Array.isArray(raw) ? Buffer.concat(raw) : Buffer.isBuffer(raw) ? raw : Buffer.from(raw);
    const msg = decodeChannelMessage(protocol, buf, isBinary);
    if (!msg) return;
    if (msg.channel === Channel.stdin && stdin && !stdin.writableEnded) {
      if (msg.data.length && !stdin.write(msg.data)) ws.pause();
    } else if (msg.channel === Channel.resize && resize) {
      const size = parseResize(msg.data);
      if (size) resize.push(size);
    } else if (msg.channel === Channel.close && supportsClose(protocol) && msg.data[0] === Channel.stdin) {
      stdin?.end();
    }
  });
  ws.on('close', () => {
    stdin?.end();
    resize?.end();
  });

  return {
    streams: {
      stdin,
      stdout: opts.stdout ? output(Channel.stdout) : undefined,
      stderr: opts.stderr ? output(Channel.stderr) : undefined,
      resize,
    },
    finish(outcome) {
      const body = hasStructuredErrors(protocol) ? JSON.stringify(outcomeStatus(outcome)) : outcomeText(outcome);
      const close = () => {
        if (ws.readyState === ws.OPEN) ws.close(1000);
        setTimeout(() => ws.terminate(), 5000).unref();
      };
      if (body) send(Channel.error, Buffer.from(body), close);
      else close();
    },
  };
}

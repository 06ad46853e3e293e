// The Kubernetes WebSocket channel protocols for exec/attach (`*.channel.k8s.io`): every message
// starts with a channel byte (0 stdin, 1 stdout, 2 stderr, 3 error, 4 resize). The base64
// variants send text messages whose first character is the channel digit. v5 adds a CLOSE
// signal, [255, channel], so a client can half-close stdin without closing the socket.

export const Channel = { stdin: 0, stdout: 1, stderr: 2, error: 3, resize: 4, close: 255 } as const;

/** Subprotocols we serve, in our order of preference. */
export const CHANNEL_PROTOCOLS = [
  'v5.channel.k8s.io',
  'v4.channel.k8s.io',
  'v4.base64.channel.k8s.io',
  'channel.k8s.io',
  'base64.channel.k8s.io',
] as const;

export type ChannelProtocol = (typeof CHANNEL_PROTOCOLS)[number];

/** Picks the first protocol the client offered that we serve (client order, like upstream). */
export function negotiateChannelProtocol(offered: Iterable<string>): ChannelProtocol | undefined {
  for (const p of offered) {
    if ((CHANNEL_PROTOCOLS as readonly string[]).includes(p.trim())) return p.trim() as ChannelProtocol;
  }
  return undefined;
}

export function isBase64(protocol: ChannelProtocol): boolean {
  return protocol.includes('base64');
}

/** v4 and v5 carry a JSON Status on the error channel; older ones plain text. */
export function hasStructuredErrors(protocol: ChannelProtocol): boolean {
  return protocol.startsWith('v4.') || protocol.startsWith('v5.');
}

export function supportsClose(protocol: ChannelProtocol): boolean {
  return protocol.startsWith('v5.');
}

export interface ChannelMessage {
  channel: number;
  data: Buffer;
}

export function encodeChannelMessage(protocol: ChannelProtocol, channel: number, data: Buffer): { payload: Buffer | string; binary: boolean } {
  if (isBase64(protocol)) return { payload: String.fromCharCode(48 + channel) + data.toString('base64'), binary: false };
  const out = Buffer.allocUnsafe(data.length + 1);
  out[0] = channel;
  data.copy(out, 1);
  return { payload: out, binary: true };
}

/** Undefined for an empty message (nothing to route). */
export function decodeChannelMessage(protocol: ChannelProtocol, message: Buffer, isBinary: boolean): ChannelMessage | undefined {
  if (message.length === 0) return undefined;
  if (isBase64(protocol) && !isBinary) {
    const text = message.toString('latin1');
    return { channel: text.charCodeAt(0) - 48, data: Buffer.from(text.slice(1), 'base64') };
  }
  return { channel: message[0], data: message.subarray(1) };
}

/** A resize message body, {"Width":80,"Height":24}; undefined when malformed. */
export function parseResize(data: Buffer | string): { width: number; height: number } | undefined {
  try {
    const o = JSON.parse(data.toString()) as { Width?: unknown; Height?: unknown };
    const width = Number(o.Width);
    const height = Number(o.Height);
    if (!Number.isInteger(width) || !Number.isInteger(height) || width < 0 || height < 0) return undefined;
    return { width, height };
  } catch {
    return undefined;
  }
}

// Port-forward over plain WebSocket channels (the kubelet's websocket port-forward, used by
// client libraries such as @kubernetes/client-node): for the i-th port in `?ports=`, channel 2i
// carries data both ways and channel 2i+1 errors. Each channel first sends the port number as a
// little-endian uint16. One TCP connection per port; the socket closes when all are done.
import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import type { WebSocket } from 'ws';
import { decodeChannelMessage, encodeChannelMessage, type ChannelProtocol } from './channel-protocol.js';
import type { PortForwardTarget } from './port-forward.js';

export const WS_PORT_FORWARD_PROTOCOLS = ['v4.channel.k8s.io', 'v4.base64.channel.k8s.io', 'portforward.k8s.io'];

export function portForwardOverChannels(ws: WebSocket, negotiated: string | undefined, ports: number[], target: PortForwardTarget, log: Logger): void {
  const protocol: ChannelProtocol = negotiated === 'v4.base64.channel.k8s.io' ? 'v4.base64.channel.k8s.io' : 'v4.channel.k8s.io';
  const send = (channel: number, data: Buffer) => {
    if (ws.readyState !== ws.OPEN) return;
    const { payload, binary } = encodeChannelMessage(protocol, channel, data);
    ws.send(payload, { binary });
  };
  const sockets: (Socket | undefined)[] = [];
  const pendingInput: Buffer[][] = ports.map(() => []);
  let open = ports.length;
  const finished = () => {
    if (--open === 0 && ws.readyState === ws.OPEN) ws.close(1000);
  };

  ports.forEach((port, i) => {
    const portBytes = Buffer.alloc(2);
    portBytes.writeUInt16LE(port);
    send(2 * i, portBytes);
    send(2 * i + 1, portBytes);
    target.dial(port).then(
      (sock) => {
        sockets[i] = sock;
        for (const b of pendingInput[i].splice(0)) sock.write(b);
        sock.on('data', (d: Buffer) => send(2 * i, d));
        sock.on('error', (e) => send(2 * i + 1, Buffer.from(`error forwarding port ${port} to pod ${target.podName}, uid ${target.podUid}: ${e.message}`)));
        sock.on('close', finished);
      },
      (e: Error) => {
        log.debug({ err: e, port }, 'websocket port-forward dial failed');
        send(2 * i + 1, Buffer.from(`error forwarding port ${port} to pod ${target.podName}, uid ${target.podUid}: ${e.message}`));
        finished();
      },
    );
  });

  ws.on('message', (raw: Buffer | ArrayBuffer | Buffer[], isBinary: boolean) => {
    const buf = Array.isArray(raw) ? Buffer.concat(raw) : Buffer.isBuffer(raw) ? raw : Buffer.from(raw);
    const msg = decodeChannelMessage(protocol, buf, isBinary);
    if (!msg || msg.channel % 2 !== 0) return;
    const i = msg.channel / 2;
    if (i >= ports.length || msg.data.length === 0) return;
    const sock = sockets[i];
    if (sock) sock.write(msg.data);
    else pendingInput[i].push(Buffer.from(msg.data));
  });
  ws.on('close', () => {
    for (const s of sockets) s?.destroy();
  });
}

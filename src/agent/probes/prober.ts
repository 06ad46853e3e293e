// One probe attempt (exec, httpGet, tcpSocket, grpc) with kubelet's success rules and failure
// messages: HTTP 200–399, a TCP connect, exit code 0, gRPC health status SERVING.
import type { Container, Probe } from 'kubernetes-types/core/v1.js';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect as http2Connect } from 'node:http2';
import { connect } from 'node:net';
import type { ContainerRuntime } from '../runtime/runtime.js';

export interface ProbeOutcome {
  ok: boolean;
  message: string;
}

export interface ProbeTarget {
  podIP: string;
  container: Container;
  containerId: string;
  runtime: ContainerRuntime;
}

/** A port given by number or by the name of one of the container's ports. */
export function resolvePort(port: number | string | undefined, container: Container): number {
  if (typeof port === 'number') return port;
  if (port === undefined) throw new Error('probe has no port');
  if (/^\d+$/.test(port)) return Number(port);
  const p = (container.ports ?? []).find((x) => x.name === port);
  if (!p) throw new Error(`couldn't find port ${port} in container ${container.name}`);
  return p.containerPort;
}

export async function runProbe(probe: Probe, t: ProbeTarget): Promise<ProbeOutcome> {
  const timeoutMs = Math.max(1, probe.timeoutSeconds ?? 1) * 1000;
  try {
    if (probe.exec) return await execProbe(probe.exec.command ?? [], t, timeoutMs);
    if (probe.httpGet) return await httpProbe(probe.httpGet, t, timeoutMs);
    if (probe.tcpSocket) return await tcpProbe(probe.tcpSocket.host || t.podIP, resolvePort(probe.tcpSocket.port, t.container), timeoutMs);
    if (probe.grpc) return await grpcProbe(t.podIP, probe.grpc.port, probe.grpc.service ?? '', timeoutMs);
    return { ok: false, message: 'probe has no handler' };
  } catch (e) {
    return { ok: false, message: (e as Error).message };
  }
}

async function execProbe(cmd: string[], t: ProbeTarget, timeoutMs: number): Promise<ProbeOutcome> {
  try {
    const r = await t.runtime.execSync(t.containerId, cmd, timeoutMs / 1000);
    const out = Buffer.concat([r.stdout, r.stderr]).toString().trim();
    if (r.exitCode === 0) return { ok: true, message: out };
    return { ok: false, message: out || `command "${cmd.join(' ')}" exited with ${r.exitCode}` };
  } catch (e) {
    return { ok: false, message: (e as Error).message };
  }
}

function formatHost(h: string): string {
  return h.includes(':') ? `[${h}]` : h;
}

function httpProbe(h: NonNullable<Probe['httpGet']>, t: ProbeTarget, timeoutMs: number): Promise<ProbeOutcome> {
  const port = resolvePort(h.port as number | string, t.container);
  const host = h.host || t.podIP;
  const scheme = (h.scheme ?? 'HTTP').toLowerCase();
  let path = h.path ?? '/';
  if (!path.startsWith('/')) path = `/${path}`;
  const url = `${scheme}://${formatHost(host)}:${port}${path}`;
  const headers: Record<string, string> = { 'user-agent': 'kube-probe/1.32', accept: '*/*' };
  for (const hh of h.httpHeaders ?? []) {
    if (hh.name.toLowerCase() === 'host') headers.host = hh.value;
    else headers[hh.name] = hh.value;
  }
  const req = scheme === 'https' ? httpsRequest : httpRequest;
  return new Promise((resolve) => {
    const r = req({ host, port, path, method: 'GET', headers, rejectUnauthorized: false, timeout: timeoutMs }, (res) => {
      const code = res.statusCode ?? 0;
      const chunks: Buffer[] = [];
      let len = 0;
      res.on('data', (c: Buffer) => {
        if (len < 10 * 1024) chunks.push(c);
        len += c.length;
      });
      res.on('end', () => {
        if (code >= 200 && code < 400) resolve({ ok: true, message: '' });
        else resolve({ ok: false, message: `HTTP probe failed with statuscode: ${code}` });
      });
    });
    r.on('timeout', () => {
      r.destroy();
      resolve({ ok: false, message: `Get "${url}": context deadline exceeded (Client.Timeout exceeded while awaiting headers)` });
    });
    r.on('error', (e: NodeJS.ErrnoException) => resolve({ ok: false, message: `Get "${url}": ${dialError(host, port, e)}` }));
    r.end();
  });
}

function dialError(host: string, port: number, e: NodeJS.ErrnoException): string {
  if (e.code === 'ECONNREFUSED') return `dial tcp ${formatHost(host)}:${port}: connect: connection refused`;
  if (e.code === 'EHOSTUNREACH') return `dial tcp ${formatHost(host)}:${port}: connect: no route to host`;
  return e.message;
}

function tcpProbe(host: string, port: number, timeoutMs: number): Promise<ProbeOutcome> {
  return new Promise((resolve) => {
    const s = connect({ host, port });
    const timer = setTimeout(() => {
      s.destroy();
      resolve({ ok: false, message: `dial tcp ${formatHost(host)}:${port}: i/o timeout` });
    }, timeoutMs);
    s.once('connect', () => {
      clearTimeout(timer);
      s.destroy();
      resolve({ ok: true, message: '' });
    });
    s.once('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      resolve({ ok: false, message: dialError(host, port, e) });
    });
  });
}

const GRPC_STATUS = ['UNKNOWN', 'SERVING', 'NOT_SERVING', 'SERVICE_UNKNOWN'];
const GRPC_CODES = ['OK', 'Canceled', 'Unknown', 'InvalidArgument', 'DeadlineExceeded', 'NotFound', 'AlreadyExists', 'PermissionDenied', 'ResourceExhausted', 'FailedPrecondition', 'Aborted', 'OutOfRange', 'Unimplemented', 'Internal', 'Unavailable', 'DataLoss', 'Unauthenticated'];

/** grpc.health.v1.Health/Check over HTTP/2 with a hand-encoded HealthCheckRequest{service}. */
function grpcProbe(host: string, port: number, service: string, timeoutMs: number): Promise<ProbeOutcome> {
  return new Promise((resolve) => {
    const addr = `${formatHost(host)}:${port}`;
    let done = false;
    const finish = (o: ProbeOutcome): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      client.close();
      resolve(o);
    };
    const timer = setTimeout(() => finish({ ok: false, message: `timeout: health rpc did not complete within ${timeoutMs / 1000}s` }), timeoutMs);
    const client = http2Connect(`http://${addr}`);
    client.on('error', (e: NodeJS.ErrnoException) => finish({ ok: false, message: `timeout: failed to connect service "${addr}" within ${timeoutMs / 1000}s: ${e.message}` }));
    const svc = Buffer.from(service);
    const msg = svc.length ? Buffer.concat([Buffer.from([0x0a, svc.length]), svc]) : Buffer.alloc(0);
    const frame = Buffer.concat([Buffer.from([0, 0, 0, 0, msg.length]), msg]);
    const req = client.request({ ':method': 'POST', ':path': '/grpc.health.v1.Health/Check', 'content-type': 'application/grpc', te: 'trailers' });
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    let grpcStatus: string | undefined;
    let grpcMessage = '';
    const onHeaders = (h: Record<string, unknown>) => {
      if (h['grpc-status'] !== undefined) grpcStatus = String(h['grpc-status']);
      if (h['grpc-message'] !== undefined) grpcMessage = String(h['grpc-message']);
    };
    req.on('response', onHeaders);
    req.on('trailers', onHeaders);
    req.on('error', (e) => finish({ ok: false, message: e.message }));
    req.on('end', () => {
      if (grpcStatus === '12') return finish({ ok: false, message: `this server doesn't implement the grpc health protocol (grpc.health.v1.Health): ${grpcMessage}` });
      if (grpcStatus && grpcStatus !== '0') {
        return finish({ ok: false, message: `error: health rpc probe failed: rpc error: code = ${GRPC_CODES[Number(grpcStatus)] ?? grpcStatus} desc = ${grpcMessage}` });
      }
      const body = Buffer.concat(chunks).subarray(5);
      // HealthCheckResponse: field 1 (status), varint.
      const status = body.length >= 2 && body[0] === 0x08 ? body[1] : 0;
      if (status === 1) finish({ ok: true, message: '' });
      else finish({ ok: false, message: `service unhealthy (responded with "${GRPC_STATUS[status] ?? status}")` });
    });
    req.end(frame);
  });
}

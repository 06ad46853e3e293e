// The seam between the API server and node agents for pods/log, exec, attach and portforward:
// upstream's apiserver proxies these to the kubelet. An implementation is plugged into
// ApiServer; without one these subresources answer a clear error.
import type { Duplex } from 'node:stream';
import type { IncomingMessage } from 'node:http';
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { ResponseSink } from '../client/transport.js';

export type StreamingSubresource = 'log' | 'exec' | 'attach' | 'portforward';

export interface PodStreamingProxy {
  /** GET pods/{name}/log (with follow, container, previous, tailLines, sinceSeconds, timestamps …). */
  log(pod: Pod, query: URLSearchParams, res: ResponseSink): Promise<void>;
  /**
   * An HTTP upgrade (WebSocket or SPDY) for exec/attach/portforward on `pod`, already
   * authenticated and authorized: proxy it to the pod's node agent.
   */
  upgrade(pod: Pod, subresource: Exclude<StreamingSubresource, 'log'>, req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void>;
}

// Builds a NodeAgent with its runtime: the shared path of `skiff server`'s local agent and the
// standalone `skiff agent`.
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import type { ApiClient } from '../client/api.js';
import { NodeAgent } from './agent.js';
import { defaultNodeIP, podCidrFor } from './node-status.js';
import { ProcessRuntime } from './runtime/process/process-runtime.js';
import { SimulatedRuntime } from './runtime/simulated/simulated-runtime.js';

export interface CreateAgentOptions {
  runtime?: string;
  nodeName?: string;
  dataDir: string;
  logger: Logger;
  version?: string;
  labels?: Record<string, string>;
  podCidr?: string;
  kubeletPort?: number;
  manifestDir?: string;
}

export async function createNodeAgent(client: ApiClient, o: CreateAgentOptions): Promise<NodeAgent> {
  const nodeName = (o.nodeName ?? hostname()).toLowerCase();
  const podCidr = o.podCidr ?? podCidrFor(nodeName);
  const kind = o.runtime ?? 'process';
  if (kind === 'simulated') {
    const nodeIP = defaultNodeIP();
    return new NodeAgent(client, new SimulatedRuntime(podCidr, nodeIP), { ...common(o, nodeName, podCidr), nodeIP, simulated: true, staticPods: false });
  }
  if (kind !== 'process') {
    throw new Error(`runtime "${kind}" is not available in this build of the node agent; use --runtime process or simulated`);
  }
  const runtime = await ProcessRuntime.create({ dataDir: o.dataDir, podCidr, hostIP: defaultNodeIP(), logger: o.logger });
  return new NodeAgent(client, runtime, { ...common(o, nodeName, podCidr), nodeIP: runtime.nodeIP() });
}

function common(o: CreateAgentOptions, nodeName: string, podCidr: string) {
  return { nodeName, dataDir: o.dataDir, logger: o.logger, version: o.version, labels: o.labels, podCidr, kubeletPort: o.kubeletPort, manifestDir: o.manifestDir };
}

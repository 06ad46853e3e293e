// Hollow nodes (kwok-style) for `skiff server --simulated-nodes N`: N agents with the simulated
// runtime in this process; their pods go Running/Ready without processes.
import { join } from 'node:path';
import type { Logger } from 'pino';
import pino from 'pino';
import type { ApiClient } from '../client/api.js';
import { NodeAgent } from './agent.js';
import { SimulatedRuntime } from './runtime/simulated/simulated-runtime.js';

export interface SimulatedNodesOptions {
  dataDir: string;
  logger?: Logger;
  version?: string;
  /** Node names are <prefix>-<i> (default "skiff-sim"). */
  prefix?: string;
  cpu?: string;
  memory?: string;
}

export interface SimulatedNodes {
  agents: NodeAgent[];
  stop(): Promise<void>;
}

export async function startSimulatedNodes(client: ApiClient, count: number, opts: SimulatedNodesOptions): Promise<SimulatedNodes> {
  const agents: NodeAgent[] = [];
  const prefix = opts.prefix ?? 'skiff-sim';
  for (let i = 0; i < count; i++) {
    const nodeName = `${prefix}-${i}`;
    // 10.244.<i>.0/24 pod CIDRs and 10.255.x.y node addresses: never configured anywhere.
    const podCidr = `10.${244 + Math.floor(i / 256)}.${i % 256}.0/24`;
    const nodeIP = `10.255.${Math.floor(i / 250)}.${(i % 250) + 2}`;
    const agent = new NodeAgent(client, new SimulatedRuntime(podCidr, nodeIP), {
      nodeName,
      dataDir: join(opts.dataDir, 'simulated', nodeName),
      logger: opts.logger ?? pino({ level: 'silent' }),
      nodeIP,
      podCidr,
      version: opts.version,
      simulated: true,
      staticPods: false,
      labels: { type: 'kwok', 'node.skiff.dev/simulated': 'true' },
      capacity: { cpu: opts.cpu ?? '32', memory: opts.memory ?? '256Gi', 'ephemeral-storage': '1Ti', pods: '110' },
    });
    agents.push(agent);
  }
  // Start in small batches so a large N does not flood the API server at once.
  for (let i = 0; i < agents.length; i += 20) await Promise.all(agents.slice(i, i + 20).map((a) => a.start()));
  return {
    agents,
    async stop() {
      await Promise.all(agents.map((a) => a.stop()));
    },
  };
}

// `skiff agent --server URL --token TOKEN [--node-name N] [--data-dir D] [--runtime R]`: a node
// agent joining a cluster over HTTPS. The CLI wires the command to startAgentProcess.
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import pino, { type Logger } from 'pino';
import { HttpTransport } from '../client/http-transport.js';
import { RestClient } from '../client/rest-client.js';
import type { ApiClient } from '../client/api.js';
import type { NodeAgent } from './agent.js';
import { createNodeAgent } from './create-agent.js';

export interface AgentFlags {
  server: string;
  token: string;
  nodeName?: string;
  dataDir?: string;
  runtime?: string;
  /** PEM file of the CA that signed the API server's certificate; without it TLS is not verified. */
  caFile?: string;
  labels?: Record<string, string>;
  /** kubeletVersion the Node reports (the server's Kubernetes version). */
  version?: string;
  /** This node's pod CIDR (default: derived from the node name). */
  podCidr?: string;
  /** Port of the kubelet endpoint the Node advertises (the caller serves it). */
  kubeletPort?: number;
}

export interface RunningAgent {
  agent: NodeAgent;
  /** The agent's API client (other node roles, e.g. the service proxy, share it). */
  client: ApiClient;
  stop(): Promise<void>;
}

export async function startAgentProcess(flags: AgentFlags, logger?: Logger): Promise<RunningAgent> {
  if (!flags.server) throw new Error('--server URL is required');
  if (!flags.token) throw new Error('--token TOKEN is required');
  const log = logger ?? pino({ level: process.env.SKIFF_LOG_LEVEL ?? 'info' }, pino.destination(2));
  const transport = new HttpTransport({
    server: flags.server,
    token: flags.token,
    ca: flags.caFile ? readFileSync(flags.caFile, 'utf8') : undefined,
    insecureSkipVerify: !flags.caFile,
  });
  const client = new RestClient(transport, { userAgent: 'skiff-agent' });
  const agent = await createNodeAgent(client, {
    runtime: flags.runtime,
    nodeName: flags.nodeName,
    dataDir: flags.dataDir ?? join(homedir(), '.skiff', 'agent'),
    logger: log,
    labels: flags.labels,
    version: flags.version,
    podCidr: flags.podCidr,
    kubeletPort: flags.kubeletPort,
  });
  await agent.start();
  return { agent, client, stop: () => agent.stop() };
}

// The join token node agents present to `skiff server` (`skiff agent --token`): random, kept in
// DATA_DIR/agent-token (mode 0600) so it survives restarts, and accepted as a node identity.
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { StaticTokens } from '../apiserver/authn.js';

export const AGENT_TOKEN_FILE = 'agent-token';
/** The identity of every agent that joins with the token (RBAC's node group). */
export const AGENT_USER = { username: 'system:node:skiff-agent', groups: ['system:nodes'] };

/** Read DATA_DIR/agent-token, creating it on first start. */
export function ensureAgentToken(dataDir: string): string {
  const file = join(dataDir, AGENT_TOKEN_FILE);
  if (existsSync(file)) {
    const token = readFileSync(file, 'utf8').trim();
    chmodSync(file, 0o600);
    if (token) return token;
  }
  const token = `K10${randomBytes(24).toString('hex')}`;
  writeFileSync(file, token + '\n', { mode: 0o600 });
  chmodSync(file, 0o600);
  return token;
}

export function agentTokenAuthenticator(token: string): StaticTokens {
  const tokens = new StaticTokens();
  tokens.add(token, AGENT_USER);
  return tokens;
}

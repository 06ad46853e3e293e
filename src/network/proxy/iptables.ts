// Applies rule sets with iptables-restore (--noflush: only SKIFF chains are touched) and keeps
// the jumps from the built-in chains in place; removes everything on shutdown.
import { spawn } from 'node:child_process';
import { JUMPS, buildRules, skiffChainsIn, teardownRules, type RuleOptions } from './iptables-rules.js';
import type { ServicePortInfo } from './service-ports.js';

function run(cmd: string, args: string[], input?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    p.on('error', (e) => resolve({ code: 127, stdout, stderr: String(e) }));
    p.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
    p.stdin.on('error', () => undefined);
    p.stdin.end(input ?? '');
  });
}

const JUMP_COMMENT = ['-m', 'comment', '--comment', 'skiff service portals'];

export class IptablesBackend {
  private nat = new Set<string>();
  private filter = new Set<string>();

  /** command: "iptables" (default alternative), "iptables-legacy" or "iptables-nft". */
  constructor(private readonly command = 'iptables') {}

  async available(): Promise<boolean> {
    return (await run(`${this.command}-restore`, ['--version'])).code === 0;
  }

  /** Find SKIFF chains left by an earlier run, so the first sync removes what it no longer needs. */
  async adoptLeftovers(): Promise<void> {
    for (const [table, set] of [['nat', this.nat], ['filter', this.filter]] as const) {
      const r = await run(`${this.command}-save`, ['-t', table]);
      if (r.code === 0) for (const c of skiffChainsIn(r.stdout)) set.add(c);
    }
  }

  async sync(ports: ServicePortInfo[], opts: RuleOptions): Promise<void> {
    const rules = buildRules(ports, opts, { nat: this.nat, filter: this.filter });
    const r = await run(`${this.command}-restore`, ['-w', '5', '--noflush'], rules.text);
    if (r.code !== 0) throw new Error(`${this.command}-restore failed (${r.code}): ${r.stderr.trim()}`);
    this.nat = rules.natChains;
    this.filter = rules.filterChains;
    await this.ensureJumps();
  }

  private async ensureJumps(): Promise<void> {
    for (const [table, from, to] of JUMPS) {
      const rule = [from, ...JUMP_COMMENT, '-j', to];
      const check = await run(this.command, ['-w', '5', '-t', table, '-C', ...rule]);
      if (check.code === 0) continue;
      const ins = await run(this.command, ['-w', '5', '-t', table, '-I', ...rule]);
      if (ins.code !== 0) throw new Error(`${this.command} -t ${table} -I ${from} failed: ${ins.stderr.trim()}`);
    }
  }

  /** Remove the jumps and every SKIFF chain. */
  async teardown(): Promise<void> {
    for (const [table, from, to] of JUMPS) {
      for (let i = 0; i < 10; i++) {
        const r = await run(this.command, ['-w', '5', '-t', table, '-D', from, ...JUMP_COMMENT, '-j', to]);
        if (r.code !== 0) break;
      }
    }
    await this.adoptLeftovers();
    if (this.nat.size || this.filter.size) {
      const r = await run(`${this.command}-restore`, ['-w', '5', '--noflush'], teardownRules(this.nat, this.filter));
      if (r.code !== 0) throw new Error(`${this.command}-restore (teardown) failed: ${r.stderr.trim()}`);
    }
    this.nat.clear();
    this.filter.clear();
  }
}

// The `skiff` command line.
import { Command, InvalidArgumentError } from 'commander';
import { startServer, makeLogger } from './server.js';
import { SKIFF_VERSION, versionInfo } from '../apiserver/discovery.js';

function intArg(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('must be a non-negative integer');
  return n;
}

const program = new Command();
program.name('skiff').description('A Kubernetes-compatible container orchestrator').version(SKIFF_VERSION);

program
  .command('server')
  .description('run the control plane (API server, controllers, scheduler) and a node agent in one process')
  .option('--data-dir <dir>', 'state directory (default ~/.skiff/server)')
  .option('--listen <host:port>', 'HTTPS listen address', '127.0.0.1:6443')
  .option('--kubeconfig <path>', 'where to write the admin kubeconfig (default DATA_DIR/kubeconfig.yaml)')
  .option('--datastore <kind>', 'sqlite | memory | etcd://h1:p1,h2:p2', 'sqlite')
  .option('--runtime <name>', 'process | containerd | simulated', 'process')
  .option('--node-name <name>', 'name of the local node')
  .option('--no-agent', 'run the control plane only')
  .option('--simulated-nodes <n>', 'add N hollow nodes', intArg, 0)
  .action(async (opts) => {
    const log = makeLogger();
    try {
      const running = await startServer(opts, log);
      let stopping = false;
      const shutdown = async (sig: string) => {
        if (stopping) return;
        stopping = true;
        log.info({ component: 'server', signal: sig }, 'shutting down');
        await running.stop().catch((e) => log.error({ err: e }, 'shutdown error'));
        process.exit(0);
      };
      process.on('SIGTERM', () => void shutdown('SIGTERM'));
      process.on('SIGINT', () => void shutdown('SIGINT'));
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      if (err.code === 'EADDRINUSE') console.error(`skiff server: ${opts.listen} is already in use (another skiff or kube-apiserver?); choose another with --listen`);
      else console.error(`skiff server: ${err.message}`);
      process.exit(1);
    }
  });

program
  .command('version')
  .description('print the Skiff and Kubernetes API versions')
  .action(() => {
    const v = versionInfo() as { gitVersion: string };
    console.log(`skiff ${SKIFF_VERSION} (Kubernetes API ${v.gitVersion})`);
  });

program.parseAsync(process.argv).catch((e) => {
  console.error(e instanceof Error ? e.message : String(e));
  process.exit(1);
});

// The `skiff` command line.
import { Command, InvalidArgumentError } from 'commander';
import { SKIFF_VERSION, versionInfo } from '../apiserver/discovery.js';
import { spawnSync } from 'node:child_process';
import { up, down, deleteCluster, status, logs, clusterDir, serverKubeconfig } from './local-cluster.js';

function intArg(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('must be a non-negative integer');
  return n;
}

const program = new Command();
program.name('skiff').description('A Kubernetes-compatible container orchestrator').version(SKIFF_VERSION).enablePositionalOptions();

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
  .option('--extra-nodes <n>', 'add N node agents (<node>-m02, …), each in its own network namespace (process runtime, root) or on the host network (simulated runtime)', intArg, 0)
  .option('--ingress-ports <http,https>', 'ingress controller ports (default 80,443 as root, else 10080,10443; 0 = any free port)')
  .option('--dns-listen <host:port>', 'cluster DNS address (default NODE_IP:53 as root, else 127.0.0.1:10053)')
  .action(async (opts) => {
    // Imported here so the light commands (up, status, down, logs) don't load every role.
    const { startServer, makeLogger } = await import('./server.js');
    const log = makeLogger();
    // Handlers go in before start-up: a SIGTERM while the node agent already runs pods must
    // still stop them (nothing orphaned). A signal during start-up stops the server once it is
    // up; a second one ends the process at once.
    let running: Awaited<ReturnType<typeof startServer>> | undefined;
    let signalled: string | undefined;
    let stopping = false;
    const shutdown = async (sig: string) => {
      if (!running) {
        if (signalled) process.exit(1);
        signalled = sig;
        return;
      }
      if (stopping) return;
      stopping = true;
      log.info({ component: 'server', signal: sig }, 'shutting down');
      await running.stop().catch((e) => log.error({ err: e }, 'shutdown error'));
      process.exit(0);
    };
    process.on('SIGTERM', () => void shutdown('SIGTERM'));
    process.on('SIGINT', () => void shutdown('SIGINT'));
    try {
      running = await startServer(opts, log);
      if (signalled) void shutdown(signalled);
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      if (err.code === 'EADDRINUSE') {
        // Name the address that clashed: it may be the API server's, cluster DNS's or the ingress's.
        const e = err as NodeJS.ErrnoException & { address?: string; port?: number };
        const where = e.address !== undefined ? `${e.address}:${e.port}` : opts.listen;
        console.error(`skiff server: ${where} is already in use (another skiff, kube-apiserver, DNS server or web server?); choose other addresses with --listen, --dns-listen or --ingress-ports`);
      }
      else console.error(`skiff server: ${err.message}`);
      process.exit(1);
    }
  });

program
  .command('up')
  .description('start (or find running) a local cluster in the background and configure kubectl')
  .option('--data-dir <dir>', 'where the cluster keeps its state (default ~/.skiff)')
  // No commander defaults: `up` must tell flags given now from the running cluster's settings.
  .option('--listen <host:port>', 'API server address (default 127.0.0.1:6443)')
  .option('--runtime <name>', 'process | containerd | simulated (default process)')
  .option('--datastore <kind>', 'sqlite | memory (default sqlite)')
  .option('--nodes <n>', 'number of nodes (default 1); extra nodes <node>-m02, … run as their own agents, in their own network namespaces (root)', intArg)
  .option('--ingress-ports <http,https>', 'ingress controller ports (default 80,443 as root, else 10080,10443; 0 = any free port)')
  .option('--dns-listen <host:port>', 'cluster DNS address (default NODE_IP:53 as root, else 127.0.0.1:10053)')
  .option('--wait <seconds>', 'how long to wait for the cluster', intArg, 60)
  .action(async (opts) => process.exit(await up(opts)));

program
  .command('down')
  .description('stop the local cluster, keeping its data')
  .option('--data-dir <dir>', 'the cluster state directory (default ~/.skiff)')
  .action(async (opts) => process.exit(await down(opts)));

program
  .command('delete')
  .description('stop the local cluster and remove its data and kubeconfig context')
  .option('--data-dir <dir>', 'the cluster state directory (default ~/.skiff)')
  .action(async (opts) => process.exit(await deleteCluster(opts)));

program
  .command('status')
  .description('show whether the local cluster is running')
  .option('--data-dir <dir>', 'the cluster state directory (default ~/.skiff)')
  .action(async (opts) => process.exit(await status(opts)));

program
  .command('logs [component]')
  .description('print the local cluster log; a component (apiserver, controller-manager, scheduler, kubelet, dns, proxy, ingress) shows only its lines')
  .option('--data-dir <dir>', 'the cluster state directory (default ~/.skiff)')
  .option('-f, --follow', 'keep printing new lines')
  .option('--json', 'print the raw JSON lines')
  .option('--tail <n>', 'only the last N lines', intArg)
  .action(async (component, opts) => process.exit(await logs({ ...opts, component })));

program
  .command('kubectl')
  .description('run the real kubectl against the local cluster')
  .option('--data-dir <dir>', 'the cluster state directory (default ~/.skiff)')
  .allowUnknownOption(true)
  .passThroughOptions()
  .helpOption(false)
  .argument('[args...]')
  .action((args: string[], opts) => {
    const kc = serverKubeconfig(clusterDir(opts.dataDir));
    const r = spawnSync('kubectl', args, { stdio: 'inherit', env: { ...process.env, KUBECONFIG: kc } });
    if (r.error) {
      console.error('skiff kubectl: kubectl is not installed (a built-in client is planned); install kubectl and retry');
      process.exit(127);
    }
    process.exit(r.status ?? 1);
  });

program
  .command('service <name>')
  .description('print the URLs a Service is reachable at from this machine (like `minikube service --url`)')
  .option('-n, --namespace <ns>', 'the Service\'s namespace', 'default')
  .option('--url', 'print the URLs (the only output mode)')
  .option('--kubeconfig <path>', 'cluster to ask (default: $KUBECONFIG, else the local cluster)')
  .option('--data-dir <dir>', 'the local cluster state directory (default ~/.skiff)')
  .action(async (name: string, opts) => {
    const { serviceCommand } = await import('./service-command.js');
    process.exit(await serviceCommand(name, opts));
  });

program
  .command('agent')
  .description('run a node agent that joins a skiff server (token: the server\'s DATA_DIR/agent-token)')
  .requiredOption('--server <url>', 'API server URL, e.g. https://10.0.0.1:6443')
  .option('--token <token>', 'join token (the server\'s DATA_DIR/agent-token)')
  .option('--token-file <path>', 'read the join token from a file')
  .option('--node-name <name>', 'name of this node (default: the host name)')
  .option('--data-dir <dir>', 'state directory (default ~/.skiff/agent)')
  .option('--runtime <name>', 'process | simulated', 'process')
  .option('--ca-file <path>', 'CA certificate of the API server (the server\'s DATA_DIR/tls/ca.crt); without it TLS is not verified')
  .option('--pod-cidr <cidr>', 'pod CIDR of this node (default: derived from the node name)')
  .option('--kubelet-port <port>', 'port of the kubelet endpoint (logs/exec/port-forward; default: a free port)', intArg)
  .option('--tls-cert-file <path>', 'kubelet serving certificate signed by the cluster CA (default: with --ca-file, request one from the cluster with a CertificateSigningRequest)')
  .option('--tls-private-key-file <path>', 'key of --tls-cert-file')
  .action(async (opts) => {
    const { startAgentNode } = await import('./agent-node.js');
    const { readFileSync } = await import('node:fs');
    try {
      const token = opts.token ?? (opts.tokenFile ? readFileSync(opts.tokenFile, 'utf8').trim() : '');
      if (!token) throw new Error('a join token is required: --token TOKEN or --token-file PATH (the server writes it to DATA_DIR/agent-token)');
      const version = (versionInfo() as { gitVersion: string }).gitVersion;
      const running = await startAgentNode({
        server: opts.server,
        token,
        nodeName: opts.nodeName,
        dataDir: opts.dataDir,
        runtime: opts.runtime,
        caFile: opts.caFile,
        version,
        podCidr: opts.podCidr,
        kubeletPort: opts.kubeletPort,
        tlsCertFile: opts.tlsCertFile,
        tlsPrivateKeyFile: opts.tlsPrivateKeyFile,
      });
      let stopping = false;
      const shutdown = async () => {
        if (stopping) return;
        stopping = true;
        await running.stop().catch((e) => console.error(`skiff agent: stopping failed: ${(e as Error).message}`));
        process.exit(0);
      };
      process.on('SIGTERM', () => void shutdown());
      process.on('SIGINT', () => void shutdown());
    } catch (e) {
      console.error(`skiff agent: ${(e as Error).message}`);
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

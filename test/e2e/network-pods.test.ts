// Services networking end to end: a real `skiff server` with its node agent (pods in their own
// network namespaces on the node bridge, the iptables service proxy, cluster DNS, load balancer
// and ingress) driven by the real kubectl. Needs root: the test re-runs itself inside
// ../shared/tools/in-netns, so bridge, addresses, routes and iptables rules stay in a namespace
// it creates and deletes. Requests "from a pod" run inside a client pod (agnhost netexec's
// /shell endpoint, what upstream e2e tests use when exec is not wanted), or `kubectl exec` when
// the cluster supports it.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { KUBECTL, NO_KUBECTL_REASON, ROOT, SKIFF_BIN, rerunInFreshNetns, startSkiff, type ServerHandle, until } from './harness.js';

const isRoot = process.getuid?.() === 0;
const hasIptables = spawnSync('sh', ['-c', 'command -v iptables-restore']).status === 0;

if (!isRoot) {
  test('services networking with pods', { skip: 'per-pod network namespaces and the iptables proxy need root' }, () => undefined);
} else if (!process.env.SKIFF_TEST_NETNS) {
  rerunInFreshNetns('services networking with pods', import.meta.url, 150_000, !hasIptables ? 'iptables is not installed' : !KUBECTL ? NO_KUBECTL_REASON : false);
} else {
  scenarios();
}


interface Reply {
  status: number;
  body: string;
}

/** One request on a fresh connection (no keep-alive: every request is a new pick of endpoint). */
function request(url: string, o: { host?: string; ca?: string; servername?: string; timeoutMs?: number } = {}): Promise<Reply> {
  const u = new URL(url);
  const mod = u.protocol === 'https:' ? https : http;
  return new Promise((resolveP, reject) => {
    const req = mod.request(
      { hostname: u.hostname, port: u.port, path: u.pathname + u.search, agent: false, timeout: o.timeoutMs ?? 3000, headers: o.host ? { host: o.host } : {}, ca: o.ca, servername: o.servername },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c) => (body += c));
        res.on('end', () => resolveP({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('timeout', () => req.destroy(new Error(`timeout requesting ${url}`)));
    req.on('error', reject);
    req.end();
  });
}

/** echo-server's first line: "Request served by <pod>". */
const servedBy = (body: string): string => /^Request served by (\S+)/.exec(body)?.[1] ?? `?${body.slice(0, 40)}`;

async function spread(n: number, one: () => Promise<string>): Promise<Map<string, number>> {
  const seen = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    const who = await one();
    seen.set(who, (seen.get(who) ?? 0) + 1);
  }
  return seen;
}

// A resolver script run inside a pod: QUERIES as [type, name] → one JSON line per query.
const DNS_SCRIPT = `
const { Resolver } = require('node:dns').promises;
const r = new Resolver({ timeout: 2000, tries: 2 });
r.setServers([process.argv[1]]);
(async () => {
  const out = [];
  for (const [type, name] of JSON.parse(process.argv[2])) {
    try { out.push({ type, name, answer: await r.resolve(name, type) }); }
    catch (e) { out.push({ type, name, error: e.code }); }
  }
  console.log(JSON.stringify(out));
})();
`;

function scenarios(): void {
  describe('services networking with pods (process runtime, iptables proxy)', () => {
    let s: ServerHandle;
    let node = '';
    let nodeIP = '';
    let tls: { dir: string; cert: string };
    let inClient: (script: string) => Promise<string>;
    const k = (args: string[]) => s.kubectlOk(args);
    const json = (args: string[]): any => JSON.parse(k([...args, '-o', 'json']));
    const podIP = (name: string): string => json(['get', 'pod', name]).status.podIP;
    const clusterIP = (svc: string): string => json(['get', 'svc', svc]).spec.clusterIP;

    before(async () => {
      try {
        await setUp();
      } catch (e) {
        // What the cluster looked like, to tell a networking failure from a slow start.
        console.error(s?.kubectl(['get', 'pods,svc,endpoints', '-o', 'wide']).stdout, s?.kubectl(['get', 'events']).stdout, s?.logs().slice(-4000));
        throw e;
      }
    });

    async function setUp(): Promise<void> {
      // Inside our own namespace the ingress may take the well-known ports.
      s = await startSkiff(['--datastore', 'memory', '--node-name', 'net-e2e', '--ingress-ports', '80,443']);
      node = await until('the node to be Ready', () => (/net-e2e\s+Ready/.test(s.kubectl(['get', 'nodes', '--no-headers']).stdout) ? 'net-e2e' : undefined));
      nodeIP = json(['get', 'node', node]).status.addresses.find((a: any) => a.type === 'InternalIP').address;
      const dir = mkdtempSync(join(tmpdir(), 'skiff-net-tls-'));
      execFileSync('openssl', ['req', '-x509', '-sha256', '-nodes', '-days', '2', '-newkey', 'rsa:2048', '-keyout', join(dir, 'tls.key'), '-out', join(dir, 'tls.crt'), '-subj', '/CN=secure.test', '-addext', 'subjectAltName=DNS:secure.test'], { stdio: 'ignore' });
      tls = { dir, cert: readFileSync(join(dir, 'tls.crt'), 'utf8') };
      k(['create', 'secret', 'tls', 'secure-tls', '--cert', join(dir, 'tls.crt'), '--key', join(dir, 'tls.key')]);
      const manifests = `
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 3
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      terminationGracePeriodSeconds: 1
      containers:
      - {name: echo, image: "kicbase/echo-server:1.0", ports: [{containerPort: 8080, name: http}]}
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{name: http, port: 80, targetPort: http}]
---
apiVersion: v1
kind: Service
metadata: {name: web-np}
spec:
  type: NodePort
  selector: {app: web}
  ports: [{port: 8080, targetPort: 8080}]
---
apiVersion: v1
kind: Service
metadata: {name: web-lb}
spec:
  type: LoadBalancer
  selector: {app: web}
  ports: [{port: 8081, targetPort: 8080}]
---
apiVersion: v1
kind: Service
metadata: {name: web-headless}
spec:
  clusterIP: None
  selector: {app: web}
  ports: [{name: http, port: 8080}]
---
apiVersion: v1
kind: Service
metadata: {name: db}
spec:
  clusterIP: None
  selector: {app: db}
  ports: [{name: tcp, port: 5432}]
---
apiVersion: v1
kind: Service
metadata: {name: ext}
spec:
  type: ExternalName
  externalName: database.example.test
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: kuard}
spec:
  replicas: 2
  selector: {matchLabels: {app: kuard}}
  template:
    metadata: {labels: {app: kuard}}
    spec:
      terminationGracePeriodSeconds: 1
      containers:
      - name: kuard
        image: gcr.io/kuar-demo/kuard-amd64:blue
        ports: [{containerPort: 8080}]
        readinessProbe: {httpGet: {path: /ready, port: 8080}, periodSeconds: 1, failureThreshold: 1}
---
apiVersion: v1
kind: Service
metadata: {name: kuard}
spec:
  selector: {app: kuard}
  ports: [{port: 80, targetPort: 8080}]
---
apiVersion: v1
kind: Pod
metadata: {name: client, labels: {app: client}}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - {name: netexec, image: registry.k8s.io/e2e-test-images/agnhost:2.47, args: [netexec, --http-port=8080]}
---
apiVersion: v1
kind: Service
metadata: {name: client}
spec:
  selector: {app: client}
  ports: [{port: 80, targetPort: 8080}]
${[0, 1]
  .map(
    (i) => `---
apiVersion: v1
kind: Pod
metadata: {name: db-${i}, labels: {app: db}}
spec:
  hostname: db-${i}
  subdomain: db
  terminationGracePeriodSeconds: 1
  containers:
  - {name: db, image: skiff/pause}
`,
  )
  .join('')}---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: fanout}
spec:
  rules:
  - host: fanout.test
    http:
      paths:
      - {path: /web, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}
      - {path: /kuard, pathType: Prefix, backend: {service: {name: kuard, port: {number: 80}}}}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: vhosts}
spec:
  tls:
  - {hosts: [secure.test], secretName: secure-tls}
  rules:
  - host: web.test
    http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: web, port: {name: http}}}}]}
  - host: kuard.test
    http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: kuard, port: {number: 80}}}}]}
  - host: secure.test
    http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}]}
`;
      s.kubectlOk(['apply', '-f', '-'], { input: manifests });
      // Requests from inside a pod: `kubectl exec` when the cluster streams, else the client
      // pod's netexec /shell (the command runs in the pod's namespaces either way).
      await until('the client pod Running', () => json(['get', 'pod', 'client']).status?.phase === 'Running');
      const viaExec = s.kubectl(['exec', 'client', '--', 'true'], { timeoutMs: 10_000 }).code === 0;
      inClient = async (script: string) => {
        if (viaExec) return s.kubectlOk(['exec', 'client', '--', 'sh', '-c', script]);
        const ip = podIP('client');
        const r = await until('netexec /shell to answer', async () => {
          const rep = await request(`http://${ip}:8080/shell?shellCommand=${encodeURIComponent(script)}`, { timeoutMs: 15_000 });
          return rep.status === 200 ? rep : undefined;
        }, 10_000);
        return JSON.parse(r.body).output as string;
      };
      await until('all pods Ready', () => {
        const pods = json(['get', 'pods']).items as any[];
        return pods.length === 8 && pods.every((p) => p.status?.conditions?.some((c: any) => c.type === 'Ready' && c.status === 'True'));
      });
      await until('web endpoints', () => json(['get', 'endpoints', 'web']).subsets?.[0]?.addresses?.length === 3);
    }

    after(async () => {
      if (tls) rmSync(tls.dir, { recursive: true, force: true });
      if (!s) return;
      assert.equal(await s.stop(), 0);
      // The proxy removed its chains and the route it added for the service CIDR.
      const rules = execFileSync('iptables-save', { encoding: 'utf8' });
      assert.doesNotMatch(rules, /SKIFF-/, 'SKIFF chains left after shutdown');
      assert.doesNotMatch(execFileSync('ip', ['route'], { encoding: 'utf8' }), /10\.96\.0\.0\/12/);
    });

    const webPods = (): string[] => (json(['get', 'pods', '-l', 'app=web']).items as any[]).map((p) => p.metadata.name).sort();
    const kuardHost = async (url: string, host?: string): Promise<string> => JSON.parse((await request(url, { host })).body).env.HOSTNAME;

    test('HTTP to a ClusterIP from a pod spreads over the replicas', async () => {
      const ip = clusterIP('web');
      const out = await inClient(`for i in $(seq 1 15); do wget -qO- -T 2 http://${ip}/ | head -n 1; done`);
      const seen = new Set(out.trim().split('\n').map(servedBy));
      assert.deepEqual([...seen].sort(), webPods(), out);
    });

    test('HTTP to a ClusterIP from the node spreads over the replicas', async () => {
      const ip = clusterIP('web');
      const seen = await spread(15, async () => servedBy((await request(`http://${ip}/`)).body));
      assert.deepEqual([...seen.keys()].sort(), webPods());
    });

    test('a pod reaches itself through its own Service (hairpin)', async () => {
      const out = await inClient(`wget -qO- -T 2 http://${clusterIP('client')}/hostname`);
      assert.equal(out.trim(), 'client');
    });

    test('pods reach the API server through the kubernetes Service', async () => {
      const slice = json(['get', 'endpointslice', 'kubernetes']);
      assert.equal(slice.metadata.labels['kubernetes.io/service-name'], 'kubernetes');
      assert.equal(slice.ports[0].name, 'https');
      const out = await inClient('wget --no-check-certificate -qO- -T 3 https://10.96.0.1/version');
      assert.match(JSON.parse(out).gitVersion, /^v1\.\d+\.\d+\+skiff/);
    });

    test('cluster DNS answers a pod for services, headless services, hostname+subdomain pods and ExternalName', async () => {
      const web = clusterIP('web');
      const q: [string, string][] = [
        ['A', 'web.default.svc.cluster.local'],
        ['A', 'kubernetes.default.svc.cluster.local'],
        ['A', 'web-headless.default.svc.cluster.local'],
        ['A', 'db-0.db.default.svc.cluster.local'],
        ['A', 'db.default.svc.cluster.local'],
        ['CNAME', 'ext.default.svc.cluster.local'],
        ['SRV', '_http._tcp.web.default.svc.cluster.local'],
        ['PTR', `${web.split('.').reverse().join('.')}.in-addr.arpa`],
        ['A', 'missing.default.svc.cluster.local'],
      ];
      const out = await inClient(`${process.execPath} -e ${shq(DNS_SCRIPT)} 10.96.0.10 ${shq(JSON.stringify(q))}`);
      const r = JSON.parse(out) as { type: string; name: string; answer?: any[]; error?: string }[];
      const ans = (i: number) => r[i].answer ?? r[i].error;
      const ipsOf = (label: string) => (json(['get', 'pods', '-l', label]).items as any[]).map((p) => p.status.podIP).sort();
      assert.deepEqual(ans(0), [web]);
      assert.deepEqual(ans(1), ['10.96.0.1']);
      assert.deepEqual([...(ans(2) as string[])].sort(), ipsOf('app=web'));
      assert.deepEqual(ans(3), [podIP('db-0')]);
      assert.deepEqual([...(ans(4) as string[])].sort(), ipsOf('app=db'));
      assert.deepEqual(ans(5), ['database.example.test']);
      assert.deepEqual((ans(6) as any[]).map((x) => [x.name, x.port]), [['web.default.svc.cluster.local', 80]]);
      assert.deepEqual(ans(7), ['web.default.svc.cluster.local']);
      assert.equal(ans(8), 'ENOTFOUND');
    });

    test('short names resolve through the pod resolv.conf', async (t) => {
      const conf = await inClient('cat /etc/resolv.conf');
      if (!/nameserver\s+10\.96\.0\.10/.test(conf)) return t.skip('the node agent does not write the pod resolv.conf (dnsPolicy ClusterFirst) yet');
      assert.match(conf, /search default\.svc\.cluster\.local svc\.cluster\.local cluster\.local/);
      // IPv4 lookups: an AAAA query for a single label ends at the host's upstream resolvers,
      // which an isolated network namespace cannot reach.
      const out = await inClient('getent ahostsv4 web | head -n 1; getent ahostsv4 kubernetes.default | head -n 1');
      assert.match(out, new RegExp(`^${clusterIP('web').replace(/\./g, '\\.')}\\s+STREAM web\\.default\\.svc\\.cluster\\.local$`, 'm'));
      assert.match(out, /^10\.96\.0\.1\s+STREAM kubernetes\.default\.svc\.cluster\.local$/m);
      const byName = await inClient('wget -qO- -T 3 http://web.default/ | head -n 1');
      assert.ok(webPods().includes(servedBy(byName)), byName);
    });

    test('NodePort and LoadBalancer from the node; skiff service --url', async () => {
      const lbLine = await until('the load balancer address', () => {
        const line = k(['get', 'svc', 'web-lb', '--no-headers']);
        return line.includes(nodeIP) ? line : undefined;
      });
      assert.match(lbLine, new RegExp(`^web-lb\\s+LoadBalancer\\s+\\S+\\s+${nodeIP.replace(/\./g, '\\.')}\\s+8081:\\d+/TCP`));
      const nodePort = json(['get', 'svc', 'web-np']).spec.ports[0].nodePort;
      const pods = webPods();
      for (const url of [`http://${nodeIP}:${nodePort}/`, `http://127.0.0.1:${nodePort}/`, `http://${nodeIP}:8081/`]) {
        const who = servedBy((await request(url)).body);
        assert.ok(pods.includes(who), `${url} answered by ${who}`);
      }
      const cli = spawnSync(process.execPath, [SKIFF_BIN, 'service', 'web-np', '--url'], { encoding: 'utf8', env: { ...process.env, KUBECONFIG: s.kubeconfig } });
      assert.equal(cli.status, 0, cli.stderr);
      assert.equal(cli.stdout.trim(), `http://${nodeIP}:${nodePort}`);
      assert.equal((await request(cli.stdout.trim())).status, 200);
      const none = spawnSync(process.execPath, [SKIFF_BIN, 'service', 'web', '--url', '--kubeconfig', s.kubeconfig], { encoding: 'utf8' });
      assert.equal(none.status, 1);
      assert.match(none.stderr, /type ClusterIP has no node port/);
    });

    test('ingress: fanout, virtual hosts and TLS', async () => {
      await until('the ingress address', () => k(['get', 'ingress', 'fanout', '--no-headers']).includes(nodeIP));
      const pods = webPods();
      const fan = await request('http://127.0.0.1/web/page?q=1', { host: 'fanout.test' });
      assert.equal(fan.status, 200);
      assert.ok(pods.includes(servedBy(fan.body)), fan.body);
      assert.match(fan.body, /^GET \/web\/page\?q=1 HTTP\/1\.1$/m);
      assert.match((await request('http://127.0.0.1/kuard/x', { host: 'fanout.test' })).body, /^kuard on kuard-\S+\nversion: .*\(serving \/kuard\/x\)/);
      assert.equal((await request('http://127.0.0.1/other', { host: 'fanout.test' })).status, 404);
      const viaHost = await spread(9, async () => servedBy((await request('http://127.0.0.1/', { host: 'web.test' })).body));
      assert.deepEqual([...viaHost.keys()].sort(), pods, 'ingress spreads over the endpoints');
      assert.match(await kuardHost('http://127.0.0.1/env', 'kuard.test'), /^kuard-/);
      const secure = await request('https://127.0.0.1/', { host: 'secure.test', servername: 'secure.test', ca: tls.cert });
      assert.ok(pods.includes(servedBy(secure.body)), secure.body);
    });

    test('an endpoint leaves when its pod turns unready and gets no more traffic', async () => {
      const pods = (json(['get', 'pods', '-l', 'app=kuard']).items as any[]).map((p) => ({ name: p.metadata.name as string, ip: p.status.podIP as string }));
      assert.equal(pods.length, 2);
      const [sick, well] = pods;
      const cip = clusterIP('kuard');
      assert.equal((await request(`http://${sick.ip}:8080/ready/fail`)).status, 200);
      await until('the unready endpoint to leave', () => {
        const eps = json(['get', 'endpoints', 'kuard']).subsets?.[0];
        return eps?.addresses?.length === 1 && eps.addresses[0].ip === well.ip && eps.notReadyAddresses?.[0]?.ip === sick.ip;
      });
      const slice = (json(['get', 'endpointslices', '-l', 'kubernetes.io/service-name=kuard']).items as any[])[0];
      assert.equal(slice.endpoints.find((e: any) => e.addresses[0] === sick.ip).conditions.ready, false);
      // The proxy and the ingress follow within a sync.
      await until('traffic only to the ready pod', async () => {
        const seen = await spread(8, () => kuardHost(`http://${cip}/env`));
        return seen.size === 1 && seen.has(well.name);
      }, 5000);
      const viaIngress = await spread(6, () => kuardHost('http://127.0.0.1/env', 'kuard.test'));
      assert.deepEqual([...viaIngress.keys()], [well.name]);
      await request(`http://${sick.ip}:8080/ready/ok`);
      await until('both endpoints serve again', async () => (await spread(10, () => kuardHost(`http://${cip}/env`))).size === 2, 10_000);
    });
  });
}

function shq(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

// skiff/pause: sleeps until told to stop, like registry.k8s.io/pause.
const stop = (): void => process.exit(0);
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
setInterval(() => undefined, 1 << 30);

// WAL checkpoints for SqliteStore on a worker thread. A checkpoint copies WAL pages into the
// database file and fsyncs both files; run inline (SQLite's autocheckpoint) that stalls every
// request for tens of milliseconds. Here a second connection does it off the event loop, while
// the store keeps committing. The WAL restarts from its start once a checkpoint finishes with no
// commit in between; when steady load keeps that from happening the store holds back its next
// commit for one checkpoint (see SqliteStore.afterBatch).
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';

const ROLE = 'skiff-wal-checkpointer';

export class WalCheckpointer {
  private readonly worker: Worker;
  private ready = false;
  private failed = false;
  private pending?: (r: CheckpointResult) => void;

  constructor(path: string) {
    this.worker = new Worker(new URL(import.meta.url), { workerData: { role: ROLE, path } });
    this.worker.unref();
    this.worker.on('message', (m: { ready?: boolean; done?: boolean; log?: number }) => {
      if (m.ready) this.ready = true;
      else this.settle({ ok: m.done === true, walFrames: m.log ?? 0 });
    });
    this.worker.on('error', () => this.fail());
    this.worker.on('exit', () => this.fail());
  }

  /** True once the worker has its connection open (until then, SQLite's own checkpoints run). */
  get available(): boolean {
    return this.ready && !this.failed;
  }

  /** True when the worker is gone for good (failed to start, crashed, or closed). */
  get dead(): boolean {
    return this.failed;
  }

  /** Runs a PASSIVE checkpoint; `ok` is false if it could not run. */
  checkpoint(): Promise<CheckpointResult> {
    if (!this.available || this.pending) return Promise.resolve({ ok: false, walFrames: 0 });
    return new Promise((resolve) => {
      this.pending = resolve;
      this.worker.postMessage('checkpoint');
    });
  }

  async close(): Promise<void> {
    this.failed = true;
    this.settle({ ok: false, walFrames: 0 });
    await this.worker.terminate();
  }

  private settle(r: CheckpointResult): void {
    const p = this.pending;
    this.pending = undefined;
    p?.(r);
  }

  private fail(): void {
    this.failed = true;
    this.settle({ ok: false, walFrames: 0 });
  }
}

export interface CheckpointResult {
  ok: boolean;
  /** Frames in the WAL when the checkpoint ran (all copied back, for a PASSIVE one that could finish). */
  walFrames: number;
}

// Worker side: one connection, one PASSIVE checkpoint per request.
if (!isMainThread && (workerData as { role?: string } | null)?.role === ROLE) {
  const port = parentPort!;
  const db = new Database((workerData as { path: string }).path, { timeout: 1000 });
  // Checkpoints sync the WAL before copying and the database file after (crash-safe).
  db.pragma('synchronous = FULL');
  port.on('message', () => {
    try {
      const [r] = db.pragma('wal_checkpoint(PASSIVE)') as { log: number }[];
      port.postMessage({ done: true, log: r?.log ?? 0 });
    } catch (e) {
      port.postMessage({ done: false, error: (e as Error).message });
    }
  });
  port.postMessage({ ready: true });
}

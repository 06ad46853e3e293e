// Progress lines for long-running CLI steps: a spinner redrawn in place on a terminal, plain
// start/finish lines when the output is piped or redirected (logs, CI).
export class Progress {
  private readonly tty: boolean;
  private readonly frames = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
  private frame = 0;
  private timer?: NodeJS.Timeout;
  private text = '';
  private startedAt = 0;

  constructor(private readonly out: NodeJS.WriteStream = process.stdout) {
    this.tty = out.isTTY === true;
  }

  step(text: string): void {
    this.done();
    this.text = text;
    this.startedAt = performance.now();
    if (!this.tty) {
      this.out.write(`* ${text} ...\n`);
      return;
    }
    this.out.write(`${this.frames[0]} ${text}`);
    this.timer = setInterval(() => this.out.write(`\r${this.frames[++this.frame % this.frames.length]} ${this.text}`), 80);
  }

  /** Finish the current step (no-op when none is running). */
  done(ok = true): void {
    if (!this.text) return;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    const secs = ((performance.now() - this.startedAt) / 1000).toFixed(1);
    this.out.write(`${this.tty ? '\r\x1b[K' : ''}${ok ? '✔' : '✖'} ${this.text} (${secs}s)\n`);
    this.text = '';
  }
}

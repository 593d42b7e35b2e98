// One progress line on stderr: rewritten in place on a terminal, one line per cell otherwise
// (so logs of CI or `2> file` stay readable).
export class Progress {
  private timer?: NodeJS.Timeout;
  private readonly tty = Boolean(process.stderr.isTTY);
  private cellsDone = 0;

  constructor(private readonly cellsTotal: number) {}

  note(message: string) {
    this.clear();
    process.stderr.write(`bench: ${message}\n`);
  }

  /** A timed cell: shows the seconds left until it ends. */
  timed(label: string, seconds: number) {
    const ends = Date.now() + seconds * 1000;
    this.start(label, () => `${Math.max(0, (ends - Date.now()) / 1000).toFixed(1)} s left`);
  }

  /** A cell of rounds: shows the round in progress. */
  rounds(label: string, total: number, current: () => number) {
    this.start(label, () => `round ${Math.min(current() + 1, total)}/${total}`);
  }

  done() {
    this.cellsDone++;
    this.clear();
  }

  private start(label: string, detail: () => string) {
    this.clear();
    const line = () => `bench [${this.cellsDone + 1}/${this.cellsTotal}] ${label} · ${detail()}`;
    if (!this.tty) {
      process.stderr.write(`${line()}\n`);
      return;
    }
    const draw = () => process.stderr.write(`\r\x1b[2K${line()}`);
    draw();
    this.timer = setInterval(draw, 250);
    this.timer.unref();
  }

  private clear() {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    if (this.tty) process.stderr.write("\r\x1b[2K");
  }
}

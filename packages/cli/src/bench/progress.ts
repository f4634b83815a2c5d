/**
 * The live line a benchmark rewrites on stderr (a terminal, or --progress), so that stdout
 * keeps only the final table and a pipe never fills with carriage returns.
 */
const INTERVAL_MS = 250;

export class Progress {
  private timer: NodeJS.Timeout | undefined;
  private readonly started = performance.now();

  constructor(
    private readonly label: string,
    private readonly total: number,
    private readonly done: () => number,
    private readonly enabled: boolean,
  ) {
    if (!enabled) return;
    this.draw();
    this.timer = setInterval(() => this.draw(), INTERVAL_MS);
  }

  private draw(): void {
    const done = this.done();
    const seconds = (performance.now() - this.started) / 1000;
    const rate = seconds > 0 ? Math.round(done / seconds) : 0;
    process.stderr.write(
      `\r\x1b[K${this.label} ${done}/${this.total} msgs, ${rate.toLocaleString('en-US')} msgs/s`,
    );
  }

  /** Draws the final count and ends the line. */
  stop(): void {
    if (!this.enabled) return;
    clearInterval(this.timer);
    this.draw();
    process.stderr.write('\n');
  }
}

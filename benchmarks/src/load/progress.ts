/**
 * The progress line of a load run, on stderr: redrawn in place on a terminal, one line every
 * few seconds elsewhere (a CI log), so stdout keeps only the results.
 */
import type { Tally } from './tally';

export class ProgressLine {
  private last = 0;

  constructor(
    private readonly label: string,
    private readonly totalSeconds: number,
    private readonly stream: NodeJS.WriteStream = process.stderr,
    private readonly tty = stream.isTTY === true,
  ) {}

  /** The line for second `second` of the run, from the tally's last closed second. */
  render(second: number, tally: Tally): string {
    const point = tally.timeline[tally.timeline.length - 1];
    const c = tally.counts;
    return (
      `[load ${this.label}] ${second}s/${this.totalSeconds}s sent ${c.sent} ok ${c.ok} failed ${tally.failedTotal}` +
      ` (lost ${c.failed.lost})${c.dropped > 0 ? ` dropped ${c.dropped}` : ''}` +
      ` ${point?.answered ?? 0}/s p99 ${((point?.p99Us ?? 0) / 1000).toFixed(1)} ms`
    );
  }

  update(second: number, tally: Tally): void {
    const line = this.render(second, tally);
    if (this.tty) this.stream.write(`\r${line}\x1b[K`);
    else if (second - this.last >= 5 || second === this.totalSeconds) {
      this.last = second;
      this.stream.write(line + '\n');
    }
  }

  note(text: string): void {
    this.stream.write((this.tty ? '\r\x1b[K' : '') + `[load ${this.label}] ${text}\n`);
  }

  done(): void {
    if (this.tty) this.stream.write('\n');
  }
}

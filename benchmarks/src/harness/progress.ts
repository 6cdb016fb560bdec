import { MultiBar, Presets, type SingleBar } from 'cli-progress';

/**
 * Progress of a run, on stderr: on a terminal, a bar for the category (its scenarios) and
 * one for the scenario (its child processes, ours and the peer per run); elsewhere (CI
 * logs, a pipe) one plain line per step, since redrawn bars would fill a log with escape
 * codes. Results still go to stdout, so `npm run bench > out.txt` keeps only them.
 */
export class Progress {
  private readonly bars: MultiBar | undefined;
  private category: SingleBar | undefined;
  private scenario: SingleBar | undefined;
  private categoryName = '';
  private scenarioName = '';
  private steps = 0;

  constructor(
    private readonly stderr: NodeJS.WriteStream = process.stderr,
    tty: boolean = stderr.isTTY === true,
  ) {
    this.bars = tty
      ? new MultiBar(
          {
            stream: stderr,
            format: ' {bar} {value}/{total} {label}',
            hideCursor: true,
            clearOnComplete: true,
            autopadding: true,
            fps: 5,
          },
          Presets.shades_classic,
        )
      : undefined;
  }

  startCategory(name: string, scenarios: number): void {
    this.categoryName = name;
    if (this.bars === undefined) this.line(`${name}: ${scenarios} scenario${scenarios === 1 ? '' : 's'}`);
    else this.category = this.bars.create(scenarios, 0, { label: name });
  }

  startScenario(name: string, steps: number): void {
    this.scenarioName = name;
    this.steps = 0;
    if (this.bars !== undefined) this.scenario = this.bars.create(steps, 0, { label: name });
  }

  /** One child process is about to run (`run 2/3 peer`). */
  step(label: string, total: number): void {
    this.steps += 1;
    if (this.bars === undefined)
      this.line(`${this.categoryName}/${this.scenarioName} [${this.steps}/${total}] ${label}`);
    else this.scenario?.update(this.steps - 1, { label: `${this.scenarioName}: ${label}` });
  }

  endScenario(): void {
    if (this.bars === undefined || this.scenario === undefined) return;
    this.bars.remove(this.scenario);
    this.scenario = undefined;
    this.category?.increment();
  }

  endCategory(): void {
    if (this.bars === undefined || this.category === undefined) return;
    this.bars.remove(this.category);
    this.category = undefined;
  }

  /** Writes a result line to stdout without tearing the bars drawn on a shared terminal. */
  log(text: string): void {
    if (this.bars !== undefined && process.stdout.isTTY === true) this.bars.log(text + '\n');
    else process.stdout.write(text + '\n');
  }

  stop(): void {
    this.bars?.stop();
  }

  private line(text: string): void {
    this.stderr.write(`[bench] ${text}\n`);
  }
}

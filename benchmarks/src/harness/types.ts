/** One measured value; rates may carry latency percentiles. */
export interface Measurement {
  value: number;
  /** Parts of the value (per task, per kind, a memory breakdown): a scenario's note reads them, and the results keep their medians. */
  detail?: Record<string, number>;
  p50Us?: number;
  p99Us?: number;
  /** The time the measured work took, shown beside a rate (a GFLOP/s figure and its milliseconds). */
  ms?: number;
  /** The latency distribution, keyed by percentile ('50', '90', '99', '99.9', 'max'): the report plots it. */
  percentilesUs?: Record<string, number>;
}

/** How the child process of one side starts: Node flags and environment (the tuning category compares them). */
export interface SideRuntime {
  /** Replaces the default flags (--max-old-space-size=4096); --expose-gc is always given. */
  execArgv?: string[];
  env?: Record<string, string>;
}

export interface Scenario {
  name: string;
  unit: string;
  /** For memory: smaller is better, and the ratio is peer / ours. */
  lowerIsBetter?: boolean;
  /** Work size: the full run and the CI smoke run. */
  size: { full: number; smoke: number };
  /** The ratio this scenario aims for (ours / peer, or peer / ours when lower is better). */
  target?: number;
  /** What this scenario compares with, when it is not the category's peer. */
  peerLabel?: string;
  /** Repetitions of a full run, when fewer than the run's (a scenario that takes many minutes). */
  maxRuns?: number;
  /**
   * false: no untimed warm-up run first (a scenario that starts a fresh server process for
   * each run warms nothing that the measured run keeps, and would only add minutes).
   */
  warmUp?: boolean;
  /** Flags and environment of each side's child process, when not the harness's defaults. */
  runtime?: Partial<Record<'ours' | 'peer', SideRuntime>>;
  /**
   * Also measure it in the mixed mode (row `<name>_mixed`): with the mixed application
   * (harness/mixed/app.ts) loaded and exercised first, in the measuring child process
   * ('child') or in the server process the scenario starts ('server', which reads
   * MIXED_ENV from its environment).
   */
  mixed?: 'child' | 'server';
  ours: (size: number) => Promise<Measurement>;
  /** The peer measured in the same run; a scenario with a `claim` has none. */
  peer?: (size: number) => Promise<Measurement>;
  /**
   * A figure someone published rather than a peer run here (erlmcp's targets, issue 19): the
   * row's peer column is this value, labelled as a claim, and no peer child runs.
   */
  claim?: { label: string; value: number };
  /**
   * Both sides in one child process, in alternating rounds that it warms alike and takes the
   * median of: for a row whose ratio the machine's load would swing if each side ran in a
   * process of its own minutes apart. Each run is one such child; `ours`/`peer` are unused.
   */
  paired?: (size: number) => Promise<{ ours: Measurement; peer: Measurement }>;
  /** A line printed under the table, from the row's medians (what a ratio means in the unit people quote). */
  note?(ours: number, peer: number, oursDetail: Record<string, number>, peerDetail: Record<string, number>): string;
}

export interface Category {
  name: string;
  /** The peer's name and version, as reported. */
  peer: string;
  /** Where the README table goes. */
  readme: string;
  scenarios: Scenario[];
}

export interface ResultRow {
  name: string;
  unit: string;
  ours: number;
  peer: string;
  peerValue: number;
  /** Oriented so that higher is better: ours / peer, or peer / ours for memory. */
  ratio: number;
  target?: number;
  size: number;
  runs: number;
  oursP50Us?: number;
  oursP99Us?: number;
  peerP50Us?: number;
  peerP99Us?: number;
  /** When this row was measured, if not in the report's own run (kept by a run with --only). */
  date?: string;
  note?: string;
  oursMs?: number;
  peerMs?: number;
  oursDetail?: Record<string, number>;
  peerDetail?: Record<string, number>;
  oursPercentilesUs?: Record<string, number>;
  peerPercentilesUs?: Record<string, number>;
  /** Set when the scenario ran with a non-default runtime (the tuning category): each side's flags and environment. */
  runtime?: Partial<Record<'ours' | 'peer', SideRuntime>>;
  /** Set when the row is lower-is-better (memory, time): its ratio is peer / ours. */
  lowerIsBetter?: boolean;
  /** Set on a mixed-mode row (`<name>_mixed`): measured inside the mixed application. */
  mixed?: true;
  /** Set when the peer column is a published claim, not a measurement of this run. */
  claimed?: true;
}

export interface Report {
  category: string;
  date: string;
  node: string;
  cpu: string;
  smoke: boolean;
  results: ResultRow[];
}

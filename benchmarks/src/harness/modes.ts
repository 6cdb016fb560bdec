import type { Category, Scenario } from './types';

/** The suffix of a mixed-mode row's name (`call_mixed`). */
export const MIXED = '_mixed';

/**
 * Which mixed-mode rows a run measures: all of them (a full run), the category's first one
 * (the smoke run: enough to keep the mixed application loading and measuring, without
 * doubling the smoke run's child processes), or none (`--no-mixed`).
 */
export type MixedRows = 'all' | 'first' | 'none';

/** A category's rows in table order: each scenario, then its mixed-mode row if it has one. */
export function rowNames(category: Category): string[] {
  return category.scenarios.flatMap((s) => (s.mixed === undefined ? [s.name] : [s.name, s.name + MIXED]));
}

/**
 * The (scenario, mode) pairs a run measures, in table order. `only` names rows: a scenario's
 * name selects both of its modes, `<name>_mixed` the mixed one alone (whatever `mixedRows` says
 * about the rest).
 */
export function runsOf(
  category: Category,
  only: ReadonlySet<string> | undefined,
  mixedRows: MixedRows,
): Array<{ scenario: Scenario; mixed: boolean }> {
  const firstMixed = category.scenarios.find((s) => s.mixed !== undefined);
  const measuresMixed = (scenario: Scenario): boolean =>
    scenario.mixed !== undefined &&
    (mixedRows === 'all' ||
      (mixedRows === 'first' && (scenario === firstMixed || only?.has(scenario.name + MIXED) === true)));
  return category.scenarios.flatMap((scenario) => {
    const modes = [false, ...(measuresMixed(scenario) ? [true] : [])];
    return modes
      .filter((mixed) => only === undefined || only.has(scenario.name) || (mixed && only.has(scenario.name + MIXED)))
      .map((mixed) => ({ scenario, mixed }));
  });
}

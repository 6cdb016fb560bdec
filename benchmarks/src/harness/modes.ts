import type { Category, Scenario } from './types';

/** The suffix of a mixed-mode row's name (`call_mixed`). */
export const MIXED = '_mixed';

/** A category's rows in table order: each scenario, then its mixed-mode row if it has one. */
export function rowNames(category: Category): string[] {
  return category.scenarios.flatMap((s) => (s.mixed === undefined ? [s.name] : [s.name, s.name + MIXED]));
}

/**
 * The (scenario, mode) pairs a run measures, in table order. `only` names rows: a scenario's
 * name selects both of its modes, `<name>_mixed` the mixed one alone.
 */
export function runsOf(
  category: Category,
  only: ReadonlySet<string> | undefined,
  withMixed: boolean,
): Array<{ scenario: Scenario; mixed: boolean }> {
  return category.scenarios.flatMap((scenario) => {
    const modes = [false, ...(withMixed && scenario.mixed !== undefined ? [true] : [])];
    return modes
      .filter((mixed) => only === undefined || only.has(scenario.name) || (mixed && only.has(scenario.name + MIXED)))
      .map((mixed) => ({ scenario, mixed }));
  });
}

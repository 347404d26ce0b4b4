// Progress of a long evaluation, as seen from outside (the log, getevaluations). The validator
// reports rows done after each engine run and never reads anything back: a verdict or a cost
// cannot depend on an observer, and one that throws is dropped for the rest of the call.

/** Called with the rows evaluated so far and the total: first (0, total), then after each engine run. */
export type RowsObserver = (done: number, total: number) => void;

/** Wraps an observer so that it can neither throw into consensus code nor be called again after throwing. */
export function guarded(observe: RowsObserver | undefined): RowsObserver | undefined {
  if (!observe) return undefined;
  let live = true;
  return (done, total) => {
    if (!live) return;
    try {
      observe(done, total);
    } catch {
      live = false;
    }
  };
}

/**
 * One root finder for every rate Capstan solves for (Excel's RATE and XIRR, the Regulation Z APR):
 * Newton's method where it behaves, bisection where it does not, always deterministic.
 *
 * Floats are fine here: a rate is an analytic quantity, not an amount. Whatever turns a rate into
 * money (amortization.ts) does so with exact bigint arithmetic and a named rounding mode.
 *
 * Two entry points:
 * - solveFromGuess: Newton from a guess (the way Excel's RATE and XIRR answer), and if Newton leaves
 *   the allowed interval, stalls or runs out of steps, a bracket searched outward from the guess and
 *   then safeguarded Newton inside it.
 * - solveInBracket: safeguarded Newton (Numerical Recipes' rtsafe) in a bracket whose ends have
 *   opposite signs: a Newton step that would leave the bracket, or would not halve the bracket fast
 *   enough, is replaced by a bisection, so it converges whenever a sign change exists.
 */
import { assert } from '../assert.ts';
import { err, ok, type Result } from '../result.ts';

/** The function's value and its derivative at x. */
export type ValueAndSlope = { readonly value: number; readonly slope: number };
export type Objective = (x: number) => ValueAndSlope;

export type RootResultCode = 'root_not_found';

/** Newton steps tried from a guess before falling back to a bracket. */
export const newtonStepsMax = 100;
/** Steps of safeguarded Newton inside a bracket: bisection alone needs ~60 to exhaust a double. */
export const bracketedStepsMax = 300;
/** Outward probes when searching for a bracket (each one doubles the distance from the guess). */
export const bracketProbesMax = 80;
/** Convergence: a step or bracket narrower than this, relative to max(1, |x|). */
export const rootTolerance = 1e-13;

export interface RootInterval {
  /** Open interval the root must lie in (e.g. a rate above -1). */
  readonly lower: number;
  readonly upper: number;
}

function converged(step: number, x: number): boolean {
  return Math.abs(step) <= rootTolerance * Math.max(1, Math.abs(x));
}

function inside(x: number, interval: RootInterval): boolean {
  return Number.isFinite(x) && x > interval.lower && x < interval.upper;
}

/**
 * Newton from `guess`; on failure, a bracket found by probing outward from the guess (both ways,
 * doubling the distance each time, nearer side first) and safeguarded Newton inside it. The root
 * found is the one Newton reaches from the guess when it does, otherwise the nearest sign change to
 * the guess.
 */
export function solveFromGuess(
  objective: Objective,
  guess: number,
  interval: RootInterval,
): Result<number, RootResultCode> {
  assert(interval.lower < interval.upper, 'solveFromGuess: empty interval');
  assert(inside(guess, interval), 'solveFromGuess: the guess must lie inside the interval');
  let x = guess;
  for (let step = 0; step < newtonStepsMax; step += 1) {
    const { value, slope } = objective(x);
    if (!Number.isFinite(value) || !Number.isFinite(slope)) break;
    if (value === 0) return ok(x);
    if (slope === 0) break;
    const next = x - value / slope;
    if (!inside(next, interval)) break;
    if (converged(next - x, next)) return ok(next);
    x = next;
  }
  const bracket = findBracket(objective, guess, interval);
  if (bracket === null) return err('root_not_found', 'no sign change of the function was found');
  return solveInBracket(objective, bracket.lower, bracket.upper);
}

/**
 * A pair of points inside the interval where the function has opposite signs (or a point where it
 * is zero), searched outward from `start`.
 */
export function findBracket(
  objective: Objective,
  start: number,
  interval: RootInterval,
): { lower: number; upper: number } | null {
  const startValue = objective(start).value;
  if (!Number.isFinite(startValue)) return null;
  if (startValue === 0) return { lower: start, upper: start };
  let distance = Math.max(1e-6, Math.abs(start) * 1e-3);
  let below = start;
  let belowValue = startValue;
  let above = start;
  let aboveValue = startValue;
  for (let probe = 0; probe < bracketProbesMax; probe += 1) {
    const up = Math.min(start + distance, midpointToward(above, interval.upper));
    if (up > above) {
      const upValue = objective(up).value;
      if (Number.isFinite(upValue)) {
        if (Math.sign(upValue) !== Math.sign(aboveValue)) return { lower: above, upper: up };
        above = up;
        aboveValue = upValue;
      }
    }
    const down = Math.max(start - distance, midpointToward(below, interval.lower));
    if (down < below) {
      const downValue = objective(down).value;
      if (Number.isFinite(downValue)) {
        if (Math.sign(downValue) !== Math.sign(belowValue)) return { lower: down, upper: below };
        below = down;
        belowValue = downValue;
      }
    }
    distance *= 2;
  }
  return null;
}

/** Halfway from x to a limit, so probes approach an open end of the interval without reaching it. */
function midpointToward(x: number, limit: number): number {
  return x + (limit - x) / 2;
}

/** Safeguarded Newton in [lower, upper]; the function must change sign (or vanish) across it. */
export function solveInBracket(
  objective: Objective,
  lower: number,
  upper: number,
): Result<number, RootResultCode> {
  assert(lower <= upper, 'solveInBracket: lower must not exceed upper');
  const lowerValue = objective(lower).value;
  const upperValue = objective(upper).value;
  if (lowerValue === 0) return ok(lower);
  if (upperValue === 0) return ok(upper);
  if (
    !(Number.isFinite(lowerValue) && Number.isFinite(upperValue)) ||
    Math.sign(lowerValue) === Math.sign(upperValue)
  )
    return err('root_not_found', 'the bracket ends have the same sign');
  // Orient so the function is negative at `negative` and positive at `positive`.
  let negative = lowerValue < 0 ? lower : upper;
  let positive = lowerValue < 0 ? upper : lower;
  let x = (lower + upper) / 2;
  let previousStep = Math.abs(upper - lower);
  let step = previousStep;
  let { value, slope } = objective(x);
  for (let iteration = 0; iteration < bracketedStepsMax; iteration += 1) {
    const newtonLeaves = ((x - positive) * slope - value) * ((x - negative) * slope - value) > 0;
    const newtonSlow = Math.abs(2 * value) > Math.abs(previousStep * slope);
    if (!Number.isFinite(slope) || slope === 0 || newtonLeaves || newtonSlow) {
      previousStep = step;
      step = (positive - negative) / 2;
      x = negative + step;
      if (x === negative || converged(step, x)) return ok(x);
    } else {
      previousStep = step;
      step = value / slope;
      const before = x;
      x -= step;
      if (x === before || converged(step, x)) return ok(x);
    }
    ({ value, slope } = objective(x));
    if (!Number.isFinite(value))
      return err('root_not_found', 'the function is not finite inside the bracket');
    if (value === 0) return ok(x);
    if (value < 0) negative = x;
    else positive = x;
  }
  return err('root_not_found', `no convergence in ${bracketedStepsMax} steps`);
}

/**
 * How deep a JSON text nests, read before it is parsed: JSON.parse takes any depth, but writing a
 * value back out as JSON (an event's raw record, a quarantine replay's corrected event) recurses,
 * and a body of a few thousand levels ran out of stack — a 500 for a malformed request.
 */
import { requestJsonDepthMax } from './limits.ts';
import { ProblemError } from './problem.ts';

const quote = 0x22;
const backslash = 0x5c;
const openBracket = 0x5b;
const closeBracket = 0x5d;
const openBrace = 0x7b;
const closeBrace = 0x7d;

/** Whether arrays and objects in `text` nest deeper than `depthMax` (brackets inside strings do not count). */
export function jsonNestingExceeds(text: string, depthMax: number): boolean {
  let depth = 0;
  let inString = false;
  for (let index = 0; index < text.length; index += 1) {
    const code = text.charCodeAt(index);
    if (inString) {
      if (code === backslash) index += 1;
      else if (code === quote) inString = false;
    } else if (code === quote) inString = true;
    else if (code === openBracket || code === openBrace) {
      depth += 1;
      if (depth > depthMax) return true;
    } else if (code === closeBracket || code === closeBrace) depth -= 1;
  }
  return false;
}

/** The problem a JSON body nested deeper than requestJsonDepthMax is answered, or null. */
export function jsonBodyNestingProblem(text: string): ProblemError | null {
  return jsonNestingExceeds(text, requestJsonDepthMax)
    ? new ProblemError(
        'parameter_invalid',
        `the body nests arrays and objects more than ${requestJsonDepthMax} levels deep`,
        'body',
      )
    : null;
}

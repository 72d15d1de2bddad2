/**
 * What no route's JSON body may hold, read from the text before it is parsed:
 * - nesting deeper than requestJsonDepthMax: JSON.parse takes any depth, but writing a value back
 *   out as JSON (an event's raw record, a quarantine replay's corrected event) recurses, and a body
 *   of a few thousand levels ran out of stack — a 500 for a malformed request;
 * - a NUL character (`\u0000` in a string or a key): PostgreSQL's text cannot hold one, so a name
 *   or an id with it failed in the database — a 500 there, while SQLite stored it. No field means
 *   anything by it, so it is refused on every database alike.
 */
import { requestJsonDepthMax } from './limits.ts';
import { ProblemError } from './problem.ts';

const quote = 0x22;
const backslash = 0x5c;
const openBracket = 0x5b;
const closeBracket = 0x5d;
const openBrace = 0x7b;
const closeBrace = 0x7d;
const nulEscape = 'u0000';

/** Whether arrays and objects nest deeper than `depthMax` (brackets in strings do not count), and whether a string holds a NUL. */
function scan(text: string, depthMax: number): { tooDeep: boolean; nul: boolean } {
  let depth = 0;
  let inString = false;
  let nul = false;
  for (let index = 0; index < text.length; index += 1) {
    const code = text.charCodeAt(index);
    if (inString) {
      if (code === backslash) {
        // `\u0000`, in any case of its hex digits; an escaped backslash before "u0000" is text.
        if (text.slice(index + 1, index + 6).toLowerCase() === nulEscape) nul = true;
        index += 1;
      } else if (code === quote) inString = false;
    } else if (code === quote) inString = true;
    else if (code === openBracket || code === openBrace) {
      depth += 1;
      if (depth > depthMax) return { tooDeep: true, nul };
    } else if (code === closeBracket || code === closeBrace) depth -= 1;
  }
  return { tooDeep: false, nul };
}

/** The problem a JSON body is answered before it is parsed, or null: too deep, or holding a NUL. */
export function jsonBodyProblem(text: string): ProblemError | null {
  const found = scan(text, requestJsonDepthMax);
  if (found.tooDeep)
    return new ProblemError(
      'parameter_invalid',
      `the body nests arrays and objects more than ${requestJsonDepthMax} levels deep`,
      'body',
    );
  if (found.nul)
    return new ProblemError(
      'parameter_invalid',
      'the body holds a NUL character (\\u0000), which no field takes',
      'body',
    );
  return null;
}

/**
 * HTTP limits, derived from the domain's. A full batch of transfers must fit in one request body,
 * each transfer carrying ids, amounts and a couple of kilobytes of metadata.
 */
import { assert } from '../domain/assert.ts';
import { storedTransferIdLengthMax, transfersPerBatchMax } from '../domain/ledger/limits.ts';

/** Room for one transfer in JSON: ids, amount, code, flags and a few metadata pairs. */
export const transferJsonBytesMax = 2_048;
export const requestBodyBytesMax = 16 * 1024 * 1024;
/**
 * How deep arrays and objects may nest in a JSON body. Every body a route takes nests a few levels
 * (settings, an event's data: four or five); past a few thousand, writing a body back out as JSON
 * (an event's raw record, a replay's corrected event) runs out of stack.
 */
export const requestJsonDepthMax = 64;
/** The router's bound on one path parameter; every id a route takes is shorter (71 at most). */
export const pathParameterLengthMax = 100;

assert(
  transfersPerBatchMax * transferJsonBytesMax <= requestBodyBytesMax,
  'a full transfer batch must fit in requestBodyBytesMax',
);
assert(
  storedTransferIdLengthMax <= pathParameterLengthMax,
  'every stored transfer id must fit in a path parameter',
);

/**
 * HTTP limits, derived from the domain's. A full batch of transfers must fit in one request body,
 * each transfer carrying ids, amounts and a couple of kilobytes of metadata.
 */
import { assert } from '../domain/assert.ts';
import { storedTransferIdLengthMax, transfersPerBatchMax } from '../domain/ledger/limits.ts';

/** Room for one transfer in JSON: ids, amount, code, flags and a few metadata pairs. */
export const transferJsonBytesMax = 2_048;
export const requestBodyBytesMax = 16 * 1024 * 1024;
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

/**
 * Just enough dense linear algebra for Newton steps on tens of coefficients: a Cholesky
 * factorisation of a symmetric positive definite matrix (row-major Float64Array) and the solve.
 */
import { assert } from '../assert.ts';

/** Solves A x = b for symmetric positive definite A (n×n, row-major). A and b are not modified. */
export function choleskySolve(matrix: Float64Array, rhs: Float64Array, n: number): Float64Array {
  assert(matrix.length === n * n && rhs.length === n, 'cholesky: an n×n matrix and n right-hand sides');
  const lower = new Float64Array(n * n);
  for (let i = 0; i < n; i += 1) {
    for (let j = 0; j <= i; j += 1) {
      let sum = matrix[i * n + j] as number;
      for (let k = 0; k < j; k += 1) sum -= (lower[i * n + k] as number) * (lower[j * n + k] as number);
      if (i === j) {
        assert(sum > 0, 'cholesky: the matrix is positive definite');
        lower[i * n + i] = Math.sqrt(sum);
      } else {
        lower[i * n + j] = sum / (lower[j * n + j] as number);
      }
    }
  }
  const y = new Float64Array(n);
  for (let i = 0; i < n; i += 1) {
    let sum = rhs[i] as number;
    for (let k = 0; k < i; k += 1) sum -= (lower[i * n + k] as number) * (y[k] as number);
    y[i] = sum / (lower[i * n + i] as number);
  }
  const x = new Float64Array(n);
  for (let i = n - 1; i >= 0; i -= 1) {
    let sum = y[i] as number;
    for (let k = i + 1; k < n; k += 1) sum -= (lower[k * n + i] as number) * (x[k] as number);
    x[i] = sum / (lower[i * n + i] as number);
  }
  return x;
}

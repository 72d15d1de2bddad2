/**
 * Stratified sampling: hold-out splits and folds that keep the bad rate of every part as close to
 * the whole as whole rows allow. Deterministic for a given seed; indexes come back sorted.
 */
import { assert } from '../assert.ts';
import type { Label } from './model.ts';
import { type Random, shuffleInPlace } from './random.ts';

export interface Split {
  readonly train: readonly number[];
  readonly test: readonly number[];
}

function byClass(indexes: readonly number[], target: readonly Label[]): [number[], number[]] {
  const classes: [number[], number[]] = [[], []];
  for (const index of indexes) classes[target[index] as Label].push(index);
  return classes;
}

/**
 * Splits `indexes` (all rows by default) so that about `fraction` of each class is in `test`. A
 * class with at least two rows keeps at least one on each side.
 */
export function stratifiedSplit(
  target: readonly Label[],
  fraction: number,
  random: Random,
  indexes: readonly number[] = target.map((_, index) => index),
): Split {
  assert(fraction > 0 && fraction < 1, 'split fraction in (0, 1)');
  const train: number[] = [];
  const test: number[] = [];
  for (const members of byClass(indexes, target)) {
    shuffleInPlace(members, random);
    let count = Math.round(members.length * fraction);
    if (members.length >= 2) count = Math.min(members.length - 1, Math.max(1, count));
    test.push(...members.slice(0, count));
    train.push(...members.slice(count));
  }
  train.sort((a, b) => a - b);
  test.sort((a, b) => a - b);
  assert(train.length + test.length === indexes.length, 'a split keeps every row');
  return { train, test };
}

/**
 * Like `stratifiedSplit`, but whole groups go to one side: rows sharing a group (one merchant's
 * observations on several dates) are never split between training and test, so the test measures
 * the model on groups it has not seen. Groups are stratified by whether any of their rows is bad;
 * about `fraction` of each kind is held out, at least one on each side when there are two.
 */
export function groupedStratifiedSplit(
  target: readonly Label[],
  groups: readonly string[],
  fraction: number,
  random: Random,
): Split {
  assert(fraction > 0 && fraction < 1, 'split fraction in (0, 1)');
  assert(groups.length === target.length, 'one group per row');
  const rowsOf = new Map<string, number[]>();
  const bad = new Map<string, boolean>();
  for (const [row, group] of groups.entries()) {
    const rows = rowsOf.get(group);
    if (rows === undefined) rowsOf.set(group, [row]);
    else rows.push(row);
    if (target[row] === 1) bad.set(group, true);
  }
  // Sorted first, so the split depends on the seed and the data, not on the order rows came in.
  const kinds: [string[], string[]] = [[], []];
  for (const group of [...rowsOf.keys()].sort()) kinds[bad.get(group) === true ? 1 : 0].push(group);
  const train: number[] = [];
  const test: number[] = [];
  for (const members of kinds) {
    shuffleInPlace(members, random);
    let count = Math.round(members.length * fraction);
    if (members.length >= 2) count = Math.min(members.length - 1, Math.max(1, count));
    for (const [position, group] of members.entries())
      (position < count ? test : train).push(...(rowsOf.get(group) as number[]));
  }
  train.sort((a, b) => a - b);
  test.sort((a, b) => a - b);
  assert(train.length + test.length === target.length, 'a split keeps every row');
  return { train, test };
}

/** `folds` disjoint stratified parts of `indexes`, each sorted; dealt round-robin per class. */
export function stratifiedFolds(
  target: readonly Label[],
  indexes: readonly number[],
  folds: number,
  random: Random,
): number[][] {
  assert(Number.isInteger(folds) && folds >= 2, 'at least two folds');
  const parts: number[][] = Array.from({ length: folds }, () => []);
  let next = 0;
  for (const members of byClass(indexes, target)) {
    shuffleInPlace(members, random);
    for (const index of members) {
      (parts[next] as number[]).push(index);
      next = (next + 1) % folds;
    }
  }
  for (const part of parts) part.sort((a, b) => a - b);
  return parts;
}

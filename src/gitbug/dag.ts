// Orders an entity's operation packs: git-bug's DAG rules and its total order
// (edit clock, then pack id for concurrent edits), whatever the commit graph.

import { FormatError } from './format-error.js';
import type { Operation } from './operation.js';
import type { DecodedPack, PackHeader } from './pack.js';

export interface PackCommit {
  oid: string;
  parents: string[];
  header: PackHeader;
  pack: DecodedPack;
}

export interface OrderedEntity {
  ops: Operation[];
  createClock: number;
  editClock: number;
}

// A non-merge commit may not push the clock further than this past its parent:
// git-bug's guard against clocks driven toward overflow.
const MAX_CLOCK_JUMP = 1_000_000;

/** Checks the DAG and the clocks, then flattens the packs into operation order. */
export function orderPacks(commits: readonly PackCommit[]): OrderedEntity {
  const byOid = new Map(commits.map((c) => [c.oid, c]));
  const roots = commits.filter((c) => c.parents.length === 0);
  if (roots.length !== 1) throw new FormatError(`the DAG has ${roots.length} root commits, not exactly one`);
  if (roots[0].header.createClock <= 0) throw new FormatError('the root commit has no creation lamport time');

  for (const c of commits) {
    const isMerge = c.parents.length > 1;
    if (isMerge && c.pack.ops.length > 0) throw new FormatError(`merge commit ${c.oid} carries operations`);
    for (const p of c.parents) {
      const parent = byOid.get(p);
      if (!parent) throw new FormatError(`commit ${c.oid} has a parent outside the entity: ${p}`);
      if (parent.header.editClock >= c.header.editClock) {
        throw new FormatError(
          `lamport clock order does not match the DAG: commit ${c.oid} (edit clock ${c.header.editClock}) ` +
            `follows ${p} (edit clock ${parent.header.editClock})`,
        );
      }
      if (!isMerge && c.header.editClock - parent.header.editClock > MAX_CLOCK_JUMP) {
        throw new FormatError(`commit ${c.oid} jumps the edit clock more than ${MAX_CLOCK_JUMP} past its parent`);
      }
    }
  }

  const sorted = [...commits].sort((a, b) =>
    a.header.editClock !== b.header.editClock
      ? a.header.editClock - b.header.editClock
      : a.pack.id < b.pack.id
        ? -1
        : a.pack.id > b.pack.id
          ? 1
          : 0,
  );
  const ops: Operation[] = [];
  let createClock = 0;
  let editClock = 0;
  for (const c of sorted) {
    for (const op of c.pack.ops) ops.push(op);
    createClock = Math.max(createClock, c.header.createClock);
    editClock = Math.max(editClock, c.header.editClock);
  }
  return { ops, createClock, editClock };
}

// Lamport clocks as one git-bug repository hands them out: a `bugs-create`
// and a `bugs-edit` counter for the whole repository, both starting at 1.
// Every commit increments the edit clock first; a bug's root then increments
// the create clock too (entity/dag/entity.go Commit). Both sides of a
// concurrent edit get the same edit clock, as two clones in the same state
// would. Identity versions record the clocks' current values.

import { encodeVersion, type IdentityPlan } from './identities.js';
import type { BugPlan } from './model.js';

interface ClockEvent {
  time: number;
  bug?: BugPlan;
  seq?: number;
  identity?: IdentityPlan;
}

export function assignClocks(bugs: readonly BugPlan[], identities: readonly IdentityPlan[]): void {
  const events: ClockEvent[] = [];
  for (const bug of bugs) {
    const groups = new Map<number, number>();
    for (const p of bug.packs) groups.set(p.seq, Math.min(groups.get(p.seq) ?? Infinity, p.eventTime));
    for (const [seq, time] of groups) events.push({ time, bug, seq });
  }
  for (const id of identities) if (id.laterVersion) events.push({ time: id.laterVersion.at, identity: id });
  // within a bug, times never decrease with seq, so this keeps each bug's DAG order
  events.sort(
    (a, b) =>
      a.time - b.time ||
      (a.bug?.index ?? -1) - (b.bug?.index ?? -1) ||
      (a.seq ?? 0) - (b.seq ?? 0) ||
      (a.identity?.index ?? 0) - (b.identity?.index ?? 0),
  );

  let create = 1;
  let edit = 1;
  for (const e of events) {
    if (e.identity) {
      const later = e.identity.laterVersion!;
      const v = { fields: later.fields, unixTime: later.at, times: { create, edit }, nonce: later.nonce };
      e.identity.versions.push({ ...v, blob: encodeVersion(v) });
      continue;
    }
    edit++;
    for (const p of e.bug!.packs) {
      if (p.seq !== e.seq) continue;
      p.editClock = edit;
      if (p.parents.length === 0) p.createClock = ++create;
    }
  }
}

// The generator's own replay of git-bug's operation semantics
// (entities/bug/op_*.go Apply), used both to generate plausible next
// operations and to produce the expected compiled state.

import { compareGoStrings } from './json.js';
import type { EncodedOp } from './ops.js';
import type { ExpectedComment, ExpectedStatus, ExpectedTimelineItem } from './types.js';

export class Snapshot {
  id = '';
  title = '';
  status: ExpectedStatus = 'open';
  labels: string[] = [];
  authorId = '';
  createdAt = 0;
  editedAt = 0;
  comments: ExpectedComment[] = [];
  participants: string[] = [];
  actors: string[] = [];
  timeline: ExpectedTimelineItem[] = [];
  /** ids of every applied operation, by type */
  opIds: string[][] = [[], [], [], [], [], [], [], [], []];
  opCounts: Record<number, number> = { 1: 0, 2: 0, 3: 0, 4: 0, 5: 0, 6: 0, 7: 0, 8: 0 };
  /** the title set by the last set-title op, else the create title: what git-bug writes as `was` */
  lastTitleOpTitle = '';

  clone(): Snapshot {
    const s = new Snapshot();
    Object.assign(s, this);
    s.labels = [...this.labels];
    s.comments = this.comments.map((c) => ({ ...c }));
    s.participants = [...this.participants];
    s.actors = [...this.actors];
    s.timeline = [...this.timeline];
    s.opIds = this.opIds.map((l) => [...l]);
    s.opCounts = { ...this.opCounts };
    return s;
  }

  private addActor(id: string): void {
    if (!this.actors.includes(id)) this.actors.push(id);
  }

  private addParticipant(id: string): void {
    if (!this.participants.includes(id)) this.participants.push(id);
  }

  apply(op: EncodedOp, authorId: string): void {
    const s = op.spec;
    this.editedAt = s.timestamp;
    this.opIds[s.type].push(op.id);
    this.opCounts[s.type]++;
    const item = (type: ExpectedTimelineItem['type']) => this.timeline.push({ type, opId: op.id, authorId, at: s.timestamp });
    switch (s.type) {
      case 1:
        this.id = op.id;
        this.addActor(authorId);
        this.addParticipant(authorId);
        this.title = s.title;
        this.lastTitleOpTitle = s.title;
        this.comments = [{ opId: op.id, authorId, createdAt: s.timestamp, message: s.message, edits: 0, edited: false }];
        this.authorId = authorId;
        this.createdAt = s.timestamp;
        this.timeline = [];
        item('create');
        return;
      case 2:
        this.title = s.title;
        this.lastTitleOpTitle = s.title;
        this.addActor(authorId);
        item('title');
        return;
      case 3:
        this.addActor(authorId);
        this.addParticipant(authorId);
        this.comments.push({ opId: op.id, authorId, createdAt: s.timestamp, message: s.message, edits: 0, edited: false });
        item('comment');
        return;
      case 4:
        this.status = s.status === 1 ? 'open' : 'closed';
        this.addActor(authorId);
        item('status');
        return;
      case 5: {
        this.addActor(authorId);
        for (const l of s.added ?? []) if (!this.labels.includes(l)) this.labels.push(l);
        for (const l of s.removed ?? []) this.labels = this.labels.filter((x) => x !== l);
        this.labels.sort(compareGoStrings);
        item('labels');
        return;
      }
      case 6: {
        // git-bug looks the target up in the timeline: a target that is not
        // there, or is there but is not a comment, makes the edit a no-op.
        const target = this.timeline.find((t) => t.opId === s.target);
        if (!target || (target.type !== 'create' && target.type !== 'comment')) return;
        this.addActor(authorId);
        const c = this.comments.find((x) => x.opId === s.target)!;
        c.message = s.message;
        c.edits++;
        c.edited = true;
        return;
      }
      case 7:
      case 8:
        return; // metadata only: no effect on the snapshot
    }
  }
}

// What the generator promises: its own model of what each written bug and
// identity must compile to. Computed from the operations it wrote, never by
// reading the repository back, so a reader can be checked against it.

export type ExpectedStatus = 'open' | 'closed';

export interface ExpectedComment {
  /** id of the create or add-comment operation that made it */
  opId: string;
  authorId: string;
  /** unix seconds of the creating operation */
  createdAt: number;
  /** the message after every edit */
  message: string;
  /** number of edits that applied to it */
  edits: number;
  edited: boolean;
}

export type ExpectedTimelineType = 'create' | 'comment' | 'title' | 'status' | 'labels';

export interface ExpectedTimelineItem {
  type: ExpectedTimelineType;
  opId: string;
  authorId: string;
  at: number;
}

/** A concurrent edit: two packs with equal edit clocks joined by a merge commit. */
export interface ExpectedMerge {
  /** the edit clock both branches' first commits carry */
  clock: number;
  mergeClock: number;
  /** pack id of the first commit after the fork on the merge's first-parent side */
  firstParentPackId: string;
  secondParentPackId: string;
  /** git-bug applies the smaller pack id first */
  firstParentAppliedFirst: boolean;
}

export interface ExpectedBug {
  id: string;
  title: string;
  status: ExpectedStatus;
  /** sorted by UTF-8 bytes, as git-bug sorts them */
  labels: string[];
  authorId: string;
  createdAt: number;
  /** timestamp of the last operation in application order */
  editedAt: number;
  createClock: number;
  /** the highest edit clock of any commit, merge commits included */
  editClock: number;
  comments: ExpectedComment[];
  /** distinct authors of create and add-comment operations, in order */
  participants: string[];
  /** distinct authors of operations that changed the snapshot, in order */
  actors: string[];
  timeline: ExpectedTimelineItem[];
  /** number of operations of each type 1-8 written */
  opCounts: Record<number, number>;
  commits: number;
  merges: ExpectedMerge[];
}

export interface ExpectedIdentity {
  id: string;
  name: string;
  login: string;
  email: string;
  avatarUrl: string;
  /** name, else login (bugserve's rule; git-bug itself shows "name (login)" when both are set) */
  displayName: string;
  /** unix_time of the newest version */
  updatedAt: number;
  versions: number;
}

export interface GenerateStats {
  bugs: number;
  identities: number;
  commits: number;
  operations: number;
  merges: number;
  /** wall time of the whole run */
  seconds: number;
  /** time spent waiting for git after everything was sent (and for pack-refs) */
  gitSeconds: number;
}

export interface GeneratedRepo {
  path: string;
  seed: number;
  /** in generation order */
  bugs: ExpectedBug[];
  identities: ExpectedIdentity[];
  stats: GenerateStats;
}

export interface GenerateOptions {
  path: string;
  bugs: number;
  identities: number;
  /** about how many comments each bug gets (varied per bug) */
  comments: number;
  seed?: number;
  /** run `git pack-refs --all` afterwards (fast-import leaves loose refs) */
  packedRefs?: boolean;
}

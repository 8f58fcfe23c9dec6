// The compiled shapes of git-bug entities. Plain data only: they are built in
// a worker and cross to the main thread by structured clone.

export type Status = 'open' | 'closed';

/** Who did something: an identity id and its display name. */
export interface Person {
  id: string;
  name: string;
}

export interface Identity {
  id: string;
  /** display name: name, else login */
  displayName: string;
  name: string;
  login: string;
  email: string;
  avatarUrl: string;
  /** unix seconds of the newest version */
  updatedAt: number;
}

/** One version of a comment's text: the original, then each edit. */
export interface CommentVersion {
  author: Person;
  at: string;
  message: string;
}

export interface Comment {
  /** git-bug's combined id (bug id interleaved with the creating op's id) */
  id: string;
  author: Person;
  createdAt: string;
  message: string;
  edited: boolean;
}

interface TimelineBase {
  /** combined id, as git-bug shows it */
  id: string;
  author: Person;
  at: string;
}

export type TimelineItem =
  | (TimelineBase & { type: 'create' | 'comment'; message: string; edited: boolean; history: CommentVersion[] })
  | (TimelineBase & { type: 'title'; title: string; was: string })
  | (TimelineBase & { type: 'status'; status: Status })
  | (TimelineBase & { type: 'labels'; added: string[]; removed: string[] });

/** One bug's row in a list. */
export interface BugExcerpt {
  id: string;
  title: string;
  status: Status;
  labels: string[];
  author: Person;
  createdAt: string;
  editedAt: string;
  comments: number;
  /** when a closed bug was last closed (the newest status change); absent while open */
  closedAt?: string;
  /**
   * For a query with free text: a short plain-text excerpt (at most ~160
   * characters, '…' where cut) of the title or comment where the first term
   * occurs, so a list can show why the row matched. Absent otherwise.
   */
  snippet?: string;
}

/** A bug as the API and `bugserve bugs --json` show it. */
export interface Bug {
  id: string;
  title: string;
  status: Status;
  labels: string[];
  author: Person;
  createdAt: string;
  editedAt: string;
  participants: string[];
  actors: string[];
  comments: Comment[];
  timeline: TimelineItem[];
}

/**
 * A bug as the cache holds it: the API shape plus what sorting needs
 * (git-bug sorts creation and edit by lamport clocks, not by wall time).
 */
export interface CompiledBug extends Bug {
  createClock: number;
  editClock: number;
}

/** A bug that could not be compiled, and why. */
export interface DamagedBug {
  /** the id from the ref name */
  id: string;
  reason: string;
  code: 'damaged_data' | 'unsupported_format';
  /** the format version found, for unsupported_format */
  version?: number | string;
}

// The narrow view of a bare repository that the git-bug reader needs. Two
// backends implement it (isomorphic-git and a long-lived `git cat-file
// --batch`), so they can be measured against each other.

export interface TreeEntry {
  mode: string;
  name: string;
  oid: string;
  type: 'blob' | 'tree' | 'commit';
}

export interface CommitInfo {
  oid: string;
  tree: string;
  parents: string[];
}

/** A namespace's refs as the ref files hold them (name -> oid; ref-files.ts reads them). */
export interface RefFiles {
  /** packed-refs', in name order (shared while the file is unchanged: never to be modified) */
  packed: ReadonlyMap<string, string>;
  /** the loose ones, over the packed, in no particular order */
  loose: ReadonlyMap<string, string>;
}

/**
 * The objects of one bulk read (what a backend's readReachable returns; the
 * cat-file backend's is reachable.ts's ObjectMap). Undefined for an object
 * the read does not hold.
 */
export interface ReachableObjects {
  /** false when the read stopped early: what it holds is right, the rest needs single reads */
  readonly complete: boolean;
  readonly count: number;
  commit(oid: string): CommitInfo | undefined;
  tree(oid: string): TreeEntry[] | undefined;
  blob(oid: string): Buffer | undefined;
}

export interface GitStore {
  /** Every ref under `prefix` (e.g. 'refs/bugs/'), loose and packed, as full name -> commit oid, in name order. */
  listRefs(prefix: string): Promise<ReadonlyMap<string, string>>;
  /**
   * Optional: the refs under `prefix` as the ref files hold them, packed and
   * loose apart (see ref-files.ts), so a caller can reuse what it derived
   * from the packed ones while packed-refs is unchanged. Undefined when git
   * must be asked (reftable, a symbolic or broken loose ref).
   */
  readRefFiles?(prefix: string): RefFiles | undefined;
  readCommit(oid: string): Promise<CommitInfo>;
  readTree(oid: string): Promise<TreeEntry[]>;
  readBlob(oid: string): Promise<Buffer>;
  /**
   * Optional bulk read of everything reachable from `tips`, in one stream. A
   * reader uses it first and falls back to single reads for what it lacks.
   */
  readReachable?(tips: string[]): Promise<ReachableObjects>;
  /** Releases processes and file handles. */
  close(): Promise<void>;
}

/** A missing or unreadable object: the reader turns it into a damaged-entity report. */
export class GitObjectError extends Error {
  constructor(
    readonly oid: string,
    reason: string,
  ) {
    super(`git object ${oid}: ${reason}`);
  }
}

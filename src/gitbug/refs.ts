// The ref namespaces git-bug keeps its data in. Everything that reads them,
// watches them or tells the server they moved imports them from here.

export const BUGS_PREFIX = 'refs/bugs/';
export const IDENTITIES_PREFIX = 'refs/identities/';

/** Every namespace whose change alters what the bug cache holds. */
export const GITBUG_REF_PREFIXES = [BUGS_PREFIX, IDENTITIES_PREFIX] as const;

/** True for a ref in one of git-bug's namespaces. */
export function isGitBugRef(ref: string): boolean {
  return GITBUG_REF_PREFIXES.some((p) => ref.startsWith(p));
}

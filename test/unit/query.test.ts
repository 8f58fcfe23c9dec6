import { describe, expect, it } from 'vitest';
import { InvalidQueryError } from '../../src/errors.js';
import { DEFAULT_QUERY, MAX_QUERY_LENGTH, formatQuery, parseQuery, withStatus, withoutStatus } from '../../src/gitbug/query.js';
import { buildSearchIndex, countStatuses, runQuery, runQueryWithCounts } from '../../src/gitbug/query-match.js';
import type { CompiledBug, Identity } from '../../src/gitbug/types.js';

// ---- fixtures -------------------------------------------------------------

const hex = (c: string) => c.repeat(64);

function identity(id: string, name: string, login = ''): Identity {
  return { id, displayName: name || login, name, login, email: '', avatarUrl: '', updatedAt: 0 };
}

const RENE = identity(hex('a'), 'René Descartes', 'rdescartes');
const ROBERT = identity(hex('b'), 'Robert Descartes');
const ADA = identity('ab' + hex('c').slice(2), 'Ada Lovelace', 'countess');
const GHOST = hex('d'); // mentioned by a bug, absent from the identity map

const identities = new Map([RENE, ROBERT, ADA].map((i) => [i.id, i]));
const person = (i: Identity) => ({ id: i.id, name: i.displayName });

interface Spec {
  id: string;
  title: string;
  status?: 'open' | 'closed';
  labels?: string[];
  author?: Identity;
  comments?: Array<[Identity, string]>;
  actors?: string[];
  createClock: number;
  editClock: number;
  createdAt?: string;
  editedAt?: string;
}

function bug(s: Spec): CompiledBug {
  const author = s.author ?? RENE;
  const comments = (s.comments ?? [[author, 'first message']]).map(([who, message], k) => ({
    id: `${s.id}-c${k}`,
    author: person(who),
    createdAt: '2024-01-01T00:00:00Z',
    message,
    edited: false,
  }));
  const participants = [...new Set(comments.map((c) => c.author.id))];
  return {
    id: s.id,
    title: s.title,
    status: s.status ?? 'open',
    labels: s.labels ?? [],
    author: person(author),
    createdAt: s.createdAt ?? '2024-01-01T00:00:00Z',
    editedAt: s.editedAt ?? '2024-01-02T00:00:00Z',
    participants,
    actors: s.actors ?? participants,
    comments,
    timeline: [],
    createClock: s.createClock,
    editClock: s.editClock,
  };
}

// ids sort as 1 < 2 < 3 < 4 < 5; creation order is 3, 1, 5, 2, 4; edit order is 4, 2, 5, 3, 1
const B1 = bug({
  id: hex('1'),
  title: 'Crash on startup',
  labels: ['bug', 'Good first issue'],
  comments: [
    [RENE, 'It crashes when the config file is missing'],
    [ADA, 'I can reproduce with an EMPTY file too'],
  ],
  createClock: 2,
  editClock: 50,
});
const B2 = bug({
  id: hex('2'),
  title: 'Typo in string',
  status: 'closed',
  labels: ['bug'],
  author: ROBERT,
  comments: [[ROBERT, 'the word "recieve" in the help text']],
  actors: [ROBERT.id, ADA.id],
  createClock: 4,
  editClock: 20,
});
const B3 = bug({
  id: hex('3'),
  title: 'Add dark mode',
  labels: ['feature'],
  author: ADA,
  comments: [[ADA, 'Night owls want it: see "dark mode" in other tools']],
  createClock: 1,
  editClock: 40,
});
const B4 = bug({
  id: hex('4'),
  title: 'Critical: data loss after sync',
  status: 'closed',
  comments: [
    [ROBERT, 'Lost two bugs after git bug push'],
    [RENE, 'fixed in the merge code'],
  ],
  author: ROBERT,
  createClock: 5,
  editClock: 10,
});
const B5 = bug({
  id: hex('5'),
  title: 'Old import tool',
  author: { ...RENE, id: GHOST, name: 'Ghost Writer', displayName: 'Ghost Writer', login: '' },
  comments: [[{ ...RENE, id: GHOST, name: 'Ghost Writer', displayName: 'Ghost Writer', login: '' }, 'from an importer']],
  createClock: 3,
  editClock: 30,
});

const ALL = [B2, B5, B1, B4, B3]; // any input order
const index = buildSearchIndex(ALL, identities);

/** Runs a query string and names the bugs by their digit, in result order. */
function run(input: string): string {
  return runQuery(index, parseQuery(input))
    .map((b) => b.id[0])
    .join('');
}

// ---- parsing --------------------------------------------------------------

describe('parseQuery', () => {
  it('reads every qualifier', () => {
    const q = parseQuery('status:closed author:rene participant:ada actor:bob label:bug title:crash no:label sort:edit-asc words');
    expect(q).toEqual({
      status: ['closed'],
      authors: ['rene'],
      participants: ['ada'],
      actors: ['bob'],
      labels: ['bug'],
      titles: ['crash'],
      noLabel: true,
      text: ['words'],
      sort: { by: 'edit', dir: 'asc' },
    });
  });

  it('defaults to every status and newest creation first, as git-bug does', () => {
    const q = parseQuery('');
    expect(q.status).toEqual([]);
    expect(q.sort).toEqual({ by: 'creation', dir: 'desc' });
    expect(parseQuery(DEFAULT_QUERY).status).toEqual(['open']);
  });

  it('reads qualifier names and status/sort/no values case-insensitively', () => {
    const q = parseQuery('STATUS:Closed Author:Rene SORT:Edit-ASC No:LABEL');
    expect(q.status).toEqual(['closed']);
    expect(q.authors).toEqual(['Rene']);
    expect(q.sort).toEqual({ by: 'edit', dir: 'asc' });
    expect(q.noLabel).toBe(true);
  });

  it('accepts git-bug\'s "state" alias for status', () => {
    expect(parseQuery('state:open').status).toEqual(['open']);
  });

  it('keeps spaces and colons inside double or single quotes', () => {
    const q = parseQuery(`author:"René Descartes" label:'Good first issue' title:"a: b" "two words" 'x:y'`);
    expect(q.authors).toEqual(['René Descartes']);
    expect(q.labels).toEqual(['Good first issue']);
    expect(q.titles).toEqual(['a: b']);
    expect(q.text).toEqual(['two words', 'x:y']);
    expect(parseQuery(`title:"it's here"`).titles).toEqual(["it's here"]);
  });

  it('collects several values of one qualifier', () => {
    const q = parseQuery('label:a label:b author:x author:"y z" status:open status:closed');
    expect(q.labels).toEqual(['a', 'b']);
    expect(q.authors).toEqual(['x', 'y z']);
    expect(q.status).toEqual(['open', 'closed']);
  });

  it.each([
    ['id', 'id', 'asc'],
    ['id-asc', 'id', 'asc'],
    ['id-desc', 'id', 'desc'],
    ['creation', 'creation', 'desc'],
    ['creation-asc', 'creation', 'asc'],
    ['creation-desc', 'creation', 'desc'],
    ['edit', 'edit', 'desc'],
    ['edit-asc', 'edit', 'asc'],
    ['edit-desc', 'edit', 'desc'],
  ])('sort:%s sorts by %s %s', (value, by, dir) => {
    expect(parseQuery(`sort:${value}`).sort).toEqual({ by, dir });
  });

  it.each([
    ['foo:bar', /unknown qualifier "foo"/],
    ['Milestone:v1 status:open', /unknown qualifier "Milestone"/],
    ['status:opened', /unknown status "opened"/],
    ['status:all', /status:open or status:closed/],
    ['sort:created', /unknown sort "created"/],
    ['sort:creation-up', /unknown sort/],
    ['sort:id sort:edit', /more than one sort/],
    ['no:title', /unknown "no" filter "title"/],
    ['author:', /empty qualifier or value/],
    [':value', /empty qualifier or value/],
    ['author:""', /empty value for qualifier "author"/],
    ['author:"René', /unmatched quote/],
    ["label:'a b", /unmatched quote/],
    ['a:b:c:d', /too many ':'/],
    ['metadata:github-url:x', /"metadata" qualifier is not supported/],
    ['foo:bar:baz', /unknown qualifier "foo:bar"/],
  ])('rejects %j with a message naming the problem', (input, message) => {
    expect(() => parseQuery(input)).toThrow(InvalidQueryError);
    expect(() => parseQuery(input)).toThrow(message);
  });

  it('rejects input longer than MAX_QUERY_LENGTH', () => {
    const longest = 'a'.repeat(MAX_QUERY_LENGTH);
    expect(parseQuery(longest).text).toEqual([longest]);
    expect(() => parseQuery(longest + 'a')).toThrow(InvalidQueryError);
    expect(() => parseQuery(longest + 'a')).toThrow(/too long.*1025.*1024/);
  });

  it('withoutStatus drops only the status; withStatus sets one', () => {
    const q = parseQuery('status:open label:bug sort:id crash');
    const w = withoutStatus(q);
    expect(w.status).toEqual([]);
    expect({ ...w, status: q.status }).toEqual(q);
    expect(q.status).toEqual(['open']); // the original is untouched
    expect(withStatus(q, 'closed').status).toEqual(['closed']);
  });

  it('formatQuery writes a query that parses back to the same query', () => {
    for (const input of [
      '',
      'status:open',
      `status:closed author:"René Descartes" label:'say "hi"' title:"a:b" no:label sort:edit-asc "two words" plain`,
      'participant:x actor:y sort:id-desc',
    ]) {
      const q = parseQuery(input);
      expect(parseQuery(formatQuery(q))).toEqual(q);
    }
    expect(formatQuery(parseQuery('label:bug status:open sort:creation'))).toBe('status:open label:bug');
  });
});

// ---- matching -------------------------------------------------------------

describe('runQuery', () => {
  it('an empty query returns every bug, newest creation first', () => {
    expect(run('')).toBe('42513');
  });

  it('filters by status; several statuses mean any of them', () => {
    expect(run('status:open')).toBe('513');
    expect(run('status:closed')).toBe('42');
    expect(run('status:open status:closed')).toBe('42513');
  });

  it('matches author names and logins as case-insensitive substrings', () => {
    expect(run('author:descartes')).toBe('421'); // René and Robert
    expect(run('author:"rené descartes"')).toBe('1');
    expect(run('author:RDESCARTES')).toBe('1'); // René's login
    expect(run('author:countess')).toBe('3');
    expect(run('author:nobody')).toBe('');
  });

  it('matches authors by identity id prefix', () => {
    expect(run('author:aaaa')).toBe('1');
    expect(run('author:AB')).toBe('3'); // Ada's id starts with "ab"
    expect(run('author:a')).toBe('4213'); // ids starting with "a", and every name holding an "a"
  });

  it('several authors mean any of them', () => {
    expect(run('author:robert author:ada')).toBe('423');
  });

  it('matches an identity missing from the map by the name the bug recorded and by id prefix', () => {
    expect(run('author:ghost')).toBe('5');
    expect(run('author:dddd')).toBe('5');
    expect(run('participant:"ghost writer"')).toBe('5');
  });

  it('filters by participant: anyone who opened or commented', () => {
    expect(run('participant:lovelace')).toBe('13'); // Ada commented on 1 and opened 3
    expect(run('participant:rené')).toBe('41');
    expect(run('participant:robert participant:ghost')).toBe('425');
  });

  it('filters by actor', () => {
    expect(run('actor:ada')).toBe('213'); // 2 lists Ada as an actor without a comment
    expect(run('participant:ada')).toBe('13');
  });

  it('filters by label exactly; several labels must all be present', () => {
    expect(run('label:bug')).toBe('21');
    expect(run('label:"Good first issue"')).toBe('1');
    expect(run('label:Bug')).toBe(''); // git-bug compares labels exactly
    expect(run('label:bug label:"Good first issue"')).toBe('1');
    expect(run('label:bug label:feature')).toBe('');
    expect(run('label:nonexistent')).toBe('');
  });

  it('no:label keeps only unlabelled bugs', () => {
    expect(run('no:label')).toBe('45');
    expect(run('no:label label:bug')).toBe('');
  });

  it('filters by title substring, case-insensitively; several titles must all match', () => {
    expect(run('title:CRITICAL')).toBe('4');
    expect(run('title:"typo in"')).toBe('2');
    expect(run('title:in')).toBe('2');
    expect(run('title:S title:T')).toBe('421'); // "Add dark mode" has no s, "Old import tool" neither
  });

  it('combines different qualifiers with AND', () => {
    expect(run('status:open label:bug')).toBe('1');
    expect(run('status:closed author:robert title:typo')).toBe('2');
    expect(run('status:closed author:rené')).toBe('');
  });

  it('free text must find every term in the title or a comment, case-insensitively', () => {
    expect(run('crash')).toBe('1'); // title and comment
    expect(run('empty')).toBe('1'); // only in a comment, written in capitals
    expect(run('DARK')).toBe('3');
    expect(run('"dark mode"')).toBe('3');
    expect(run('"mode dark"')).toBe('');
    expect(run('file missing')).toBe('1');
    expect(run('file sync')).toBe('');
    expect(run('merge')).toBe('4'); // in the second comment only
    expect(run('status:open merge')).toBe('');
  });

  it('sorts by id, creation and edit in both directions', () => {
    expect(run('sort:id')).toBe('12345');
    expect(run('sort:id-desc')).toBe('54321');
    expect(run('sort:creation-asc')).toBe('31524');
    expect(run('sort:creation')).toBe('42513');
    expect(run('sort:edit-asc')).toBe('42531');
    expect(run('sort:edit')).toBe('13524');
    expect(run('label:bug sort:edit-asc')).toBe('21');
  });

  it('breaks equal clocks by wall time, then by id', () => {
    const x = bug({ id: hex('7'), title: 'x', createClock: 9, editClock: 9, createdAt: '2024-03-01T00:00:00Z' });
    const y = bug({ id: hex('8'), title: 'y', createClock: 9, editClock: 9, createdAt: '2024-02-01T00:00:00Z' });
    const z = bug({ id: hex('6'), title: 'z', createClock: 9, editClock: 9, createdAt: '2024-02-01T00:00:00Z' });
    const idx = buildSearchIndex([x, y, z], identities);
    const order = (s: string) =>
      runQuery(idx, parseQuery(s))
        .map((b) => b.id[0])
        .join('');
    expect(order('sort:creation-asc')).toBe('687');
    expect(order('sort:creation-desc')).toBe('786');
    expect(order('sort:edit-asc')).toBe('678'); // equal edit times: by id
  });

  it('countStatuses counts the query without its status, by status', () => {
    expect(countStatuses(index, parseQuery('status:open label:bug'))).toEqual({ open: 1, closed: 1 });
    expect(countStatuses(index, parseQuery(''))).toEqual({ open: 3, closed: 2 });
    expect(countStatuses(index, parseQuery('label:nope'))).toEqual({ open: 0, closed: 0 });
  });

  it('runQueryWithCounts gives the page list and the tab counts in one pass', () => {
    const r = runQueryWithCounts(index, parseQuery('status:closed participant:rené sort:id'));
    expect(r.bugs.map((b) => b.id[0]).join('')).toBe('4');
    expect({ open: r.open, closed: r.closed }).toEqual({ open: 1, closed: 1 });
    const none = runQueryWithCounts(index, parseQuery('author:nobody'));
    expect(none).toEqual({ bugs: [], total: 0, open: 0, closed: 0 });
  });

  it('runQueryWithCounts returns only the window asked for, and counts every match', () => {
    const q = parseQuery('sort:id-asc');
    const all = runQuery(index, q);
    for (const [start, count] of [
      [0, 2],
      [1, 2],
      [all.length - 1, 5],
      [all.length, 5],
      [0, 0],
    ]) {
      const r = runQueryWithCounts(index, q, undefined, { start, count });
      expect(r.bugs).toEqual(all.slice(start, start + count));
      expect(r.total).toBe(all.length);
    }
  });

  it('answers correctly over 10,000 bugs', () => {
    const many: CompiledBug[] = [];
    for (let i = 0; i < 10_000; i++) {
      many.push(
        bug({
          id: i.toString(16).padStart(64, '0'),
          title: `bug number ${i}`,
          status: i % 3 === 0 ? 'closed' : 'open',
          labels: i % 10 === 0 ? ['bug'] : i % 7 === 0 ? ['feature', 'ui'] : [],
          author: [RENE, ROBERT, ADA][i % 3],
          comments: [[ADA, `some text about component ${i % 50} and more words to search through`]],
          createClock: i,
          editClock: (i * 7919) % 10_000,
        }),
      );
    }
    const big = buildSearchIndex(many, identities);
    const label = parseQuery('status:open label:bug');
    const text = parseQuery('component sort:edit');
    // Speed is measured in benchmarks/, not asserted here: this checks the
    // pre-sorted orders give the same answers at size.
    expect(runQuery(big, label)).toHaveLength(666);
    const byEdit = runQuery(big, text);
    expect(byEdit).toHaveLength(10_000);
    for (let k = 1; k < byEdit.length; k++) expect(byEdit[k - 1].editClock).toBeGreaterThanOrEqual(byEdit[k].editClock);
  });
});

// The words, names, labels and hostile strings the generator draws from. A
// share of everything is hostile on purpose: markup that must be escaped,
// unicode that breaks naive sorting or rendering, very long text.

import type { Random } from './random.js';

export const HOSTILE_SNIPPETS = [
  '<script>alert(1)</script>',
  '"><img src=x onerror=alert(1)>',
  "'><svg onload=alert(document.domain)>",
  '<a href="javascript:alert(1)">click me</a>',
  '{{constructor.constructor("alert(1)")()}}',
  '${7*7} #{7*7} <%= 7*7 %>',
  'Tom & Jerry &amp; &lt;friends&gt;',
  '\u202Egnp.exe\u202C right-to-left override',
  'مرحبا بالعالم — שלום עולם',
  'Z\u0335\u0321a\u0337\u0322l\u0336g\u0338o\u0334 combining marks',
  '👩‍👩‍👧‍👦 family, 🏳️‍🌈 flag, 🐛 bug',
  'e\u0301 vs \u00e9 (NFD vs NFC)',
  'zero\u200bwidth\u200bspaces',
  'back\\slash "quotes" \'single\'',
  '../../etc/passwd',
  'NULL; DROP TABLE bugs; --',
] as const;

const HOSTILE_TITLES = [
  '<script>alert(1)</script>',
  '"><img src=x onerror=alert(1)>',
  '<b>bold</b> & <i>italic</i> in a title',
  '**not bold** _not italic_ `not code` [not a link](https://example.com)',
  '# not a heading',
  '\u202Etxt.exe\u202C is not what it seems',
  'تعطل التطبيق عند الحفظ',
  'הבאג הזה מופיע רק בעברית',
  '🔥🔥 crash on startup 🔥🔥',
  'Z\u0335\u0321a\u0337\u0322l\u0336g\u0338o\u0334 title',
  '\u00e9t\u00e9 vs e\u0301te\u0301',
  'Title with \\ backslash and "quotes"',
  'a < b && c > d',
] as const;

export const LABELS = [
  'bug',
  'enhancement',
  'documentation',
  'good first issue',
  'help wanted',
  'question',
  'wontfix',
  'duplicate',
  'priority: high',
  'priority: low',
  'area/cli',
  'area/web',
  'status:blocked',
] as const;

/**
 * Labels that break naive code: markup, quotes, and unicode whose UTF-8 byte
 * order differs from JavaScript's UTF-16 order ('\uff30' sorts before '🐛' in
 * bytes, after it in UTF-16).
 */
export const HOSTILE_LABELS = [
  '<script>alert(1)</script>',
  '"><img src=x onerror=alert(1)>',
  'x" onmouseover="alert(1)',
  'a&b',
  '\uff30\uff11 fullwidth',
  '🐛 bug',
  'עברית',
  'caf\u00e9',
  'cafe\u0301',
  'label:with:colons',
] as const;

const FIRST = [
  'Ada',
  'Linus',
  'Grace',
  'Ken',
  'Barbara',
  'Dennis',
  'Margaret',
  'Edsger',
  'Frances',
  'Donald',
  'Radia',
  'Alan',
  'Hedy',
  'Tim',
  'Sophie',
  'Yukihiro',
  'Guido',
  'Anita',
  'Bjarne',
  'Shafi',
  'Chiara',
  'Mateo',
  'Amara',
  'Kwame',
  'Ingrid',
  'Rahul',
  'Mei',
  'Olusegun',
  'Zoë',
  'Jürgen',
];
const LAST = [
  'Lovelace',
  'Torvalds',
  'Hopper',
  'Thompson',
  'Liskov',
  'Ritchie',
  'Hamilton',
  'Dijkstra',
  'Allen',
  'Knuth',
  'Perlman',
  'Turing',
  'Lamarr',
  'Berners-Lee',
  'Wilson',
  'Matsumoto',
  'van Rossum',
  'Borg',
  'Stroustrup',
  'Goldwasser',
  'Rossi',
  'García',
  'Okafor',
  'Mensah',
  'Larsen',
  'Sharma',
  'Chen',
  'Adeyemi',
  'Müller',
  'Østergaard',
];
const HOSTILE_NAMES = [
  '<b>Mallory</b>',
  '"><img src=x onerror=alert(1)>',
  "Robert'); DROP TABLE users;--",
  '\u202Eeve\u202C',
  'محمد عبد الله',
  '李小龙',
  '🦊 Fox',
  'Zo\u0308e Combining',
];

const VERBS = [
  'Crash',
  'Panic',
  'Hang',
  'Leak',
  'Wrong output',
  'Slow response',
  'Missing field',
  'Broken link',
  'Typo',
  'Race condition',
  'Deadlock',
  'Timeout',
  'Bad escaping',
];
const THINGS = [
  'the bug list',
  'label rendering',
  'the push hook',
  'comment editing',
  'identity import',
  'the web UI',
  'the JSON API',
  'git fetch over HTTP',
  'the query parser',
  'markdown rendering',
  'the cache worker',
  'pagination',
  'sort:edit',
];
const WHEN = [
  'with an empty repository',
  'after a force push',
  'when the title is long',
  'on Windows',
  'under load',
  'with unicode labels',
  'after an upgrade',
  'when offline',
  'with 10k bugs',
  'in dark mode',
  'with a merge in the DAG',
];

const WORDS =
  "the a to of and is in that it for on with as this was but be at by not are from or have an they which one you were all we when there can can't more if no out so said what up its about into than them only other new some could time these two may then do first any my now such like our over even most made after also did many before must through back years where much your way well down should because each just those people how too little state good very make world still own see men work long get here between both life being under never day same another know while last might us great old year off come since against go came right used take three".split(
    ' ',
  );

/** A title: mostly plausible, sometimes hostile, rarely very long. */
export function title(rng: Random, hostile: number): string {
  if (rng.chance(hostile)) return rng.pick(HOSTILE_TITLES);
  if (rng.chance(0.01)) return longTitle(rng);
  return `${rng.pick(VERBS)} in ${rng.pick(THINGS)} ${rng.pick(WHEN)}`;
}

export function longTitle(rng: Random): string {
  const parts: string[] = [];
  const target = rng.int(300, 2500);
  let len = 0;
  while (len < target) {
    const w = rng.chance(0.05) ? rng.pick(HOSTILE_SNIPPETS) : rng.pick(WORDS);
    parts.push(w);
    len += w.length + 1;
  }
  // titles are one line: no tab, no newline
  return 'Very long title: ' + parts.join(' ');
}

function sentence(rng: Random): string {
  const n = rng.int(4, 18);
  const words: string[] = [];
  for (let i = 0; i < n; i++) words.push(rng.pick(WORDS));
  const s = words.join(' ');
  return s[0].toUpperCase() + s.slice(1) + '.';
}

function paragraph(rng: Random): string {
  const n = rng.int(1, 5);
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(sentence(rng));
  return out.join(' ');
}

const MARKDOWN_BLOCKS = [
  '```go\nfunc main() {\n\tfmt.Println("<b>not bold</b>")\n}\n```',
  '- item one\n- item **two**\n  - nested `code`\n1. first\n2. second',
  '| col a | col b |\n| --- | --- |\n| <td>x</td> | `|` |',
  '> quoted text\n> with a [link](https://example.com/?a=1&b=2)',
  '![image](https://example.com/x.png "title") and [js link](javascript:alert(1))',
  '<details><summary>Logs</summary>\n\n<script>alert("xss")</script>\n</details>',
  '<img src=x onerror=alert(1)> <iframe src="https://evil.example"></iframe>',
  '## Heading\n\n---\n\n~~strike~~ *em* __strong__ <kbd>Ctrl</kbd>+<kbd>C</kbd>',
  'Line one\r\nLine two with CRLF\r\n',
  'Unicode line separator:\u2028and paragraph separator:\u2029end.',
  'Tabs\tinside\ttext and trailing spaces   \nnext line',
  'Emoji soup: 😀🙃🤯 👍🏽 🇫🇷 ❤️‍🔥',
  'RTL: \u202Bשלום\u202C and \u202Eoverride\u202C and العربية',
];

/** A comment body: prose, often markdown, sometimes hostile; rarely empty or long. */
export function message(rng: Random, hostile: number, allowEmpty = false): string {
  if (allowEmpty && rng.chance(0.03)) return '';
  const blocks: string[] = [];
  const n = rng.chance(0.02) ? rng.int(20, 60) : rng.int(1, 3);
  for (let i = 0; i < n; i++) {
    if (rng.chance(hostile)) blocks.push(rng.pick(HOSTILE_SNIPPETS));
    else if (rng.chance(0.25)) blocks.push(rng.pick(MARKDOWN_BLOCKS));
    else blocks.push(paragraph(rng));
  }
  return blocks.join('\n\n');
}

export function personName(rng: Random, hostile: number): string {
  if (rng.chance(hostile)) return rng.pick(HOSTILE_NAMES);
  return `${rng.pick(FIRST)} ${rng.pick(LAST)}`;
}

export function login(rng: Random, index: number): string {
  return `${rng
    .pick(FIRST)
    .toLowerCase()
    .normalize('NFD')
    .replace(/[^a-z]/g, '')}${index}`;
}

export const ZONES = ['-0700', '+0000', '+0200', '+0530', '-0300', '+0900', '+0100', '-0500', '+1245'] as const;

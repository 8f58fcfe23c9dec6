// A bug's title and comment texts as the index stores them for list
// snippets: each text prefixed with its length, so reading them back is a
// few slices (no JSON to parse) and no character inside a text can be taken
// for a boundary.

import type { Bug } from '../gitbug/types.js';

export function encodeTexts(b: Pick<Bug, 'title' | 'comments'>): string {
  let out = `${b.title.length}:${b.title}`;
  for (const c of b.comments) out += `${c.message.length}:${c.message}`;
  return out;
}

export function decodeTexts(s: string): Pick<Bug, 'title' | 'comments'> {
  const texts: string[] = [];
  for (let at = 0; at < s.length;) {
    const colon = s.indexOf(':', at);
    const end = colon + 1 + Number(s.slice(at, colon));
    texts.push(s.slice(colon + 1, end));
    at = end;
  }
  const [title = '', ...messages] = texts;
  return { title, comments: messages.map((message) => ({ message }) as Bug['comments'][number]) };
}

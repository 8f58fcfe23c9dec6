// A bug's title and comment texts as the index stores them (list snippets,
// terms that span words, the words a row held): each text's UTF-8 bytes
// after their count, so a reader walks the stored bytes and decodes only the
// texts it looks at (a snippet mostly stops within the first comments of a
// 600-comment bug), and no character inside a text can be taken for a
// boundary.

import { bugText } from '../gitbug/query-match.js';
import type { Bug } from '../gitbug/types.js';

export function encodeTexts(b: Pick<Bug, 'title' | 'comments'>): Buffer {
  const parts: string[] = [];
  for (const text of [b.title, ...b.comments.map((c) => c.message)]) parts.push(`${Buffer.byteLength(text)}:`, text);
  return Buffer.from(parts.join(''));
}

/** The title, then every comment's message. */
export function* textsIn(body: Buffer): Generator<string> {
  for (let at = 0; at < body.length;) {
    const colon = body.indexOf(0x3a, at);
    if (colon === -1) return;
    const end = colon + 1 + Number(body.toString('latin1', at, colon));
    yield body.toString('utf8', colon + 1, end);
    at = end;
  }
}

/** The comments' messages, decoded one at a time as they are asked for. */
export function* messagesIn(body: Buffer): Generator<string> {
  const texts = textsIn(body);
  texts.next();
  yield* texts;
}

/** What free-text terms are looked for in (bugText), from the stored texts. */
export function bugTextIn(body: Buffer): string {
  const [title = '', ...messages] = textsIn(body);
  return bugText({ title, comments: messages.map((message) => ({ message }) as Bug['comments'][number]) });
}

// The one message type between the main thread and the render workers
// (workers/render-worker.ts). Markdown and highlighting are CPU work whose
// cost a repository's content decides, so they never run on the main thread.

import type { Highlighted } from './highlight.js';
import type { RefLinks } from './links.js';

export interface MarkdownRequest {
  kind: 'markdown';
  /** rendered one by one; the reply has one HTML string per text */
  texts: string[];
  /** bug ids and commit hashes in the texts link here (the repository's pages) */
  links?: RefLinks;
}

export interface HighlightRequest {
  kind: 'highlight';
  text: string;
  /** picks the language by extension when `language` is absent */
  filename: string;
  language?: string;
}

export type RenderRequest = MarkdownRequest | HighlightRequest;
export type RenderKind = RenderRequest['kind'];
export type RenderRequestOf<K extends RenderKind> = Extract<RenderRequest, { kind: K }>;

export interface RenderReplies {
  markdown: string[];
  highlight: Highlighted;
}

export type RenderReplyOf<K extends RenderKind> = RenderReplies[K];

/** The worker's side: one handler per request kind. */
export type RenderHandlers = { [K in RenderKind]: (req: RenderRequestOf<K>) => RenderReplyOf<K> };

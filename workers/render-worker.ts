// The render worker entry (spawned by src/render/pool.ts): Markdown and
// syntax highlighting off the main thread. Stateless; any thread of the pool
// answers any request.

import { highlight } from '../src/render/highlight.js';
import { renderMarkdown } from '../src/render/markdown.js';
import type { RenderHandlers, RenderRequest } from '../src/render/protocol.js';

const handlers: RenderHandlers = {
  markdown: (req) => req.texts.map((text) => renderMarkdown(text, { links: req.links })),
  highlight: (req) => highlight(req.text, req.filename, req.language),
};

export default function handle(req: RenderRequest): unknown {
  const handler = handlers[req.kind] as (r: RenderRequest) => unknown;
  return handler(req);
}

// `/-/style.css`: the one stylesheet every page links. Asked for with the
// current hash (`?v=`, as pages link it) it may be cached for good; any
// other URL gets the current content, revalidated (an old page after an
// upgrade still looks right).

import type { ServerResponse } from 'node:http';
import { CSS, STYLE_HASH } from './pages/style.js';
import type { Target } from './request.js';
import { IMMUTABLE, send } from './respond.js';

export function styleRoute(res: ServerResponse, target: Target): Promise<void> {
  const current = target.query.get('v') === STYLE_HASH;
  return send(res, 200, 'text/css; charset=utf-8', CSS, { cacheControl: current ? IMMUTABLE : 'no-cache' });
}

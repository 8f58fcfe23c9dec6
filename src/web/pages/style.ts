// The whole stylesheet, served once at STYLE_URL (src/web/stylesheet.ts).
// The URL carries a hash of the content, so browsers keep it for a year and
// a new version is a new URL.

import { createHash } from 'node:crypto';

export const CSS = `
:root {
  --bg: #f6f8fa; --fg: #1f2328; --muted: #59636e; --card: #ffffff; --border: #d1d9e0;
  --accent: #0969da; --open: #1a7f37; --closed: #8250df; --warn-bg: #fff8c5; --warn-border: #d4a72c;
  --err-bg: #ffebe9; --err-border: #ff8182; --code-bg: #eff2f5; --header: #1f2328;
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #0d1117; --fg: #e6edf3; --muted: #9198a1; --card: #151b23; --border: #3d444d;
    --accent: #4493f8; --open: #3fb950; --closed: #ab7df8; --warn-bg: #2e2a1a; --warn-border: #9e6a03;
    --err-bg: #3c1e1e; --err-border: #f85149; --code-bg: #212830; --header: #010409;
  }
}
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { margin: 0; background: var(--bg); color: var(--fg); line-height: 1.5;
  font: 15px/1.5 -apple-system, BlinkMacSystemFont, "Segoe UI", "Noto Sans", Helvetica, Arial, sans-serif; }
a { color: var(--accent); text-decoration: none; }
a:hover { text-decoration: underline; }
code, pre, .mono { font-family: ui-monospace, SFMono-Regular, "SF Mono", Menlo, Consolas, monospace; font-size: 0.9em; }
header.top { background: var(--header); color: #fff; }
header.top .wrap { display: flex; align-items: center; gap: 12px; padding-top: 12px; padding-bottom: 12px; flex-wrap: wrap; }
header.top a.brand { color: #fff; font-weight: 600; font-size: 17px; }
header.top nav { color: #c9d1d9; overflow-wrap: anywhere; }
header.top nav a { color: #fff; }
.wrap { max-width: 1080px; margin: 0 auto; padding: 0 16px; }
main.wrap { padding-top: 24px; padding-bottom: 48px; }
h1 { font-size: 26px; font-weight: 500; margin: 0 0 8px; overflow-wrap: anywhere; }
h1 .id { color: var(--muted); font-weight: 300; }
h2 { font-size: 18px; margin: 0 0 12px; }
.muted { color: var(--muted); }
.small { font-size: 13px; }
.card { background: var(--card); border: 1px solid var(--border); border-radius: 8px; }
.card > .head { padding: 10px 16px; border-bottom: 1px solid var(--border); background: var(--bg);
  border-radius: 8px 8px 0 0; display: flex; gap: 8px; align-items: center; flex-wrap: wrap; }
.card > .body { padding: 16px; overflow-wrap: anywhere; }
.list { list-style: none; margin: 0; padding: 0; }
.list > li { padding: 12px 16px; border-top: 1px solid var(--border); display: flex; gap: 10px; align-items: flex-start; }
.list > li:first-child { border-top: 0; }
.list .main { flex: 1; min-width: 0; }
.list .title { font-weight: 600; color: var(--fg); overflow-wrap: anywhere; }
.list .title:hover { color: var(--accent); }
.list .meta { font-size: 13px; color: var(--muted); margin-top: 2px; }
.list .side { color: var(--muted); font-size: 13px; white-space: nowrap; display: flex; align-items: center; gap: 4px; }
.list .side .icon { margin-top: 0; }
.icon { width: 16px; height: 16px; flex: none; margin-top: 3px; }
.icon.open { color: var(--open); } .icon.closed { color: var(--closed); }
.pill { display: inline-block; padding: 0 8px; border-radius: 999px; font-size: 12px; font-weight: 500;
  line-height: 20px; margin: 0 4px 0 0; white-space: nowrap; max-width: 100%; overflow: hidden; text-overflow: ellipsis; vertical-align: middle; }
.badge { display: inline-flex; align-items: center; gap: 4px; padding: 4px 12px; border-radius: 999px;
  color: #fff; font-weight: 500; font-size: 14px; }
.badge.open { background: var(--open); } .badge.closed { background: var(--closed); }
.badge .icon { color: #fff; margin-top: 0; }
.badge + strong { margin-left: 6px; }
.toolbar { display: flex; gap: 8px; margin-bottom: 16px; flex-wrap: wrap; }
.toolbar input[type=search] { flex: 1; min-width: 200px; padding: 6px 10px; font-size: 15px; border-radius: 6px;
  border: 1px solid var(--border); background: var(--card); color: var(--fg); }
.btn { display: inline-block; padding: 6px 14px; border-radius: 6px; border: 1px solid var(--border);
  background: var(--card); color: var(--fg); font-size: 14px; font-weight: 500; cursor: pointer; }
.btn:hover { text-decoration: none; border-color: var(--muted); }
.btn.primary { background: var(--open); border-color: var(--open); color: #fff; }
.tabs { display: flex; gap: 16px; }
.tabs a { color: var(--muted); }
.tabs a.active { color: var(--fg); font-weight: 600; }
.notice { padding: 12px 16px; border-radius: 8px; margin-bottom: 16px; border: 1px solid var(--warn-border); background: var(--warn-bg); overflow-wrap: anywhere; }
.notice.error { border-color: var(--err-border); background: var(--err-bg); }
.notice ul { margin: 8px 0 0; padding-left: 20px; }
.pager { display: flex; justify-content: center; align-items: center; gap: 12px; margin-top: 16px; }
.pager .disabled { color: var(--muted); opacity: .6; }
.layout { display: grid; grid-template-columns: minmax(0, 1fr) 240px; gap: 24px; }
@media (max-width: 760px) { .layout { grid-template-columns: minmax(0, 1fr); } }
aside section { padding-bottom: 12px; margin-bottom: 12px; border-bottom: 1px solid var(--border); }
aside h3 { font-size: 12px; color: var(--muted); margin: 0 0 6px; font-weight: 600; }
aside ul { list-style: none; margin: 0; padding: 0; }
.timeline { position: relative; }
.timeline > .item { margin-bottom: 16px; }
.event { padding: 4px 16px; color: var(--muted); font-size: 14px; overflow-wrap: anywhere; }
.event .icon { vertical-align: -3px; margin: 0 4px 0 0; }
.event strong { color: var(--fg); }
.event del { color: var(--muted); }
.markdown > :first-child { margin-top: 0; } .markdown > :last-child { margin-bottom: 0; }
.markdown pre { background: var(--code-bg); padding: 12px; border-radius: 6px; overflow-x: auto; }
.markdown code { background: var(--code-bg); padding: 1px 4px; border-radius: 4px; }
.markdown pre code { background: none; padding: 0; }
.markdown img { max-width: 100%; }
.markdown blockquote { margin: 0; padding: 0 12px; color: var(--muted); border-left: 3px solid var(--border); }
.markdown table { border-collapse: collapse; display: block; overflow-x: auto; }
.markdown td, .markdown th { border: 1px solid var(--border); padding: 4px 10px; }
pre.plain { white-space: pre-wrap; margin: 0; }
details.history { margin-top: 12px; font-size: 14px; }
details.history summary { cursor: pointer; color: var(--muted); }
details.history .version { border-left: 3px solid var(--border); padding: 4px 12px; margin: 8px 0; }
.clone { display: flex; gap: 8px; align-items: center; flex-wrap: wrap; margin: 16px 0; }
.clone code { background: var(--card); border: 1px solid var(--border); border-radius: 6px; padding: 6px 10px;
  overflow-wrap: anywhere; flex: 1; min-width: 0; }
.empty { padding: 32px 16px; text-align: center; color: var(--muted); }
footer { text-align: center; color: var(--muted); font-size: 12px; padding: 24px 0; }
.codetabs { display: flex; gap: 4px; margin-bottom: 16px; border-bottom: 1px solid var(--border); overflow-x: auto; }
.codetabs a { padding: 6px 12px; color: var(--muted); border-bottom: 2px solid transparent; white-space: nowrap; }
@media (max-width: 500px) { .codetabs a { padding: 6px 8px; } }
table.files td.ico .icon { color: var(--muted); vertical-align: -3px; margin: 0; }
.codetabs a.active { color: var(--fg); font-weight: 600; border-bottom-color: var(--accent); }
.crumbs { align-self: center; overflow-wrap: anywhere; min-width: 0; }
.refsel { position: relative; }
.refsel summary { list-style: none; max-width: 240px; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.refsel summary::-webkit-details-marker { display: none; }
.refsel .menu { position: absolute; z-index: 2; top: 36px; left: 0; width: 280px; max-height: 360px; overflow: auto;
  background: var(--card); border: 1px solid var(--border); border-radius: 8px; padding: 8px; box-shadow: 0 8px 24px rgba(0,0,0,.15); }
.refsel ul { list-style: none; margin: 0 0 8px; padding: 0; }
.refsel li a { display: block; padding: 2px 6px; border-radius: 4px; overflow-wrap: anywhere; }
.refsel li a.active { font-weight: 600; background: var(--code-bg); }
table.files { width: 100%; border-collapse: collapse; table-layout: fixed; }
table.files td { padding: 6px 10px; border-top: 1px solid var(--border); font-size: 14px; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
table.files tr:first-child td { border-top: 0; }
table.files td.ico { width: 40px; padding: 6px 4px 6px 14px; text-overflow: clip; }
table.files td.name { width: 35%; }
table.files td.name .title { white-space: pre; }
table.files td.msg a { color: var(--muted); }
table.files td.age { width: 130px; text-align: right; color: var(--muted); font-size: 13px; }
@media (max-width: 760px) { table.files td.msg { display: none; } table.files td.name { width: auto; } table.files td.age { width: 100px; } }
.card.readme, .card.file { margin-top: 16px; }
.card .head .msg { color: var(--fg); overflow: hidden; text-overflow: ellipsis; white-space: nowrap; min-width: 0; }
.btn.small { padding: 2px 10px; font-size: 13px; }
.code-scroll { overflow-x: auto; }
table.code, table.diff { border-collapse: collapse; width: 100%; font: 13px/20px ui-monospace, SFMono-Regular, "SF Mono", Menlo, Consolas, monospace; }
table.code td.ln { width: 1%; min-width: 48px; padding: 0 10px; text-align: right; user-select: none; vertical-align: top; }
table.code td.ln a { color: var(--muted); }
table.code td.src { padding: 0 12px; white-space: pre; }
table.code tr:target, table.code tr.sel { background: var(--warn-bg); }
table.code tr:target td.ln a { color: var(--fg); font-weight: 600; }
table.diff td { padding: 0 12px; white-space: pre; }
table.diff tr.add { background: rgba(46,160,67,.15); } table.diff tr.del { background: rgba(248,81,73,.15); }
table.diff tr.hunk { background: rgba(56,139,253,.12); color: var(--muted); }
span.add { color: var(--open); } span.del { color: #cf222e; }
.badge-status { font-size: 12px; padding: 0 8px; border-radius: 999px; border: 1px solid var(--border); color: var(--muted); }
.card .head .name { overflow-wrap: anywhere; min-width: 0; }
.commit-subject { font-size: 20px; }
pre.message { margin: 0 0 12px; }
.image img { max-width: 100%; }
.pill.default { background: var(--code-bg); color: var(--muted); }
.hljs-comment, .hljs-quote { color: #6e7781; font-style: italic; }
.hljs-keyword, .hljs-selector-tag, .hljs-literal, .hljs-doctag { color: #cf222e; }
.hljs-string, .hljs-regexp, .hljs-addition { color: #0a3069; }
.hljs-number, .hljs-symbol, .hljs-bullet, .hljs-variable.constant_ { color: #0550ae; }
.hljs-title, .hljs-title.function_, .hljs-section { color: #8250df; }
.hljs-built_in, .hljs-type, .hljs-class .hljs-title, .hljs-title.class_ { color: #953800; }
.hljs-attr, .hljs-attribute, .hljs-property, .hljs-meta, .hljs-name, .hljs-tag { color: #116329; }
.hljs-params, .hljs-subst { color: inherit; }
.hljs-deletion { color: #82071e; }
@media (prefers-color-scheme: dark) {
  .hljs-comment, .hljs-quote { color: #8b949e; }
  .hljs-keyword, .hljs-selector-tag, .hljs-literal, .hljs-doctag { color: #ff7b72; }
  .hljs-string, .hljs-regexp, .hljs-addition { color: #a5d6ff; }
  .hljs-number, .hljs-symbol, .hljs-bullet { color: #79c0ff; }
  .hljs-title, .hljs-title.function_, .hljs-section { color: #d2a8ff; }
  .hljs-built_in, .hljs-type, .hljs-title.class_ { color: #ffa657; }
  .hljs-attr, .hljs-attribute, .hljs-property, .hljs-meta, .hljs-name, .hljs-tag { color: #7ee787; }
}
.push-right { margin-left: auto; }
.list a.label { text-decoration: none; }
.list a.label:hover .pill, aside a:hover .pill { box-shadow: 0 0 0 2px var(--border); }
.list .meta a.author { color: var(--muted); font-weight: 500; }
.list .meta a.author:hover { color: var(--accent); }
.snippet { margin-top: 4px; font-size: 13px; color: var(--fg); background: var(--code-bg); border-radius: 6px;
  padding: 4px 8px; overflow-wrap: anywhere; }
details.menu { position: relative; }
details.menu > summary { list-style: none; user-select: none; }
details.menu > summary::-webkit-details-marker { display: none; }
details.menu > summary::after { content: " ▾"; color: var(--muted); }
details.menu .menu-items { position: absolute; right: 0; top: calc(100% + 4px); z-index: 10; min-width: 220px;
  background: var(--card); border: 1px solid var(--border); border-radius: 8px; box-shadow: 0 8px 24px rgba(0,0,0,.15);
  display: flex; flex-direction: column; padding: 4px 0; }
details.menu .menu-items a { padding: 6px 16px; color: var(--fg); }
details.menu .menu-items a:hover { background: var(--bg); text-decoration: none; }
details.menu .menu-items a[aria-current=true] { font-weight: 600; }
details.menu .menu-items a[aria-current=true]::before { content: "✓ "; }
.toolbar input[aria-invalid=true] { border-color: var(--err-border); }
.notice p { margin: 8px 0 0; }
/* On a narrow screen the menu wraps under the search box, at the left edge: open it rightwards. */
@media (max-width: 600px) { details.menu .menu-items { left: 0; right: auto; } }
.list .side a { color: var(--muted); }
h1.list-title { font-size: 22px; }
.wrap-anywhere { overflow-wrap: anywhere; }
`;

/** The stylesheet's address: its content hash makes it safe to cache for good. */
export const STYLE_HASH = createHash('sha256').update(CSS).digest('hex').slice(0, 12);
export const STYLE_PATH = '/-/style.css';
export const STYLE_URL = `${STYLE_PATH}?v=${STYLE_HASH}`;

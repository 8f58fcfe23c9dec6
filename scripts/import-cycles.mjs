// Fails when the TypeScript sources import each other in a cycle (type-only
// imports count: they couple modules just the same). Prints every cycle.
// Usage: node scripts/import-cycles.mjs [folder…]   (default: src workers benchmarks)

import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

const roots = process.argv.slice(2).length ? process.argv.slice(2) : ['src', 'workers', 'benchmarks'];

function tsFiles(dir) {
  const out = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...tsFiles(full));
    else if (e.name.endsWith('.ts') && !e.name.endsWith('.d.ts')) out.push(full);
  }
  return out;
}

const files = roots.flatMap((r) => tsFiles(r)).map((f) => path.resolve(f));
const known = new Set(files);
const edges = new Map();
for (const file of files) {
  const { importedFiles } = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
  const deps = new Set();
  for (const { fileName } of importedFiles) {
    if (!fileName.startsWith('.')) continue;
    const target = path.resolve(path.dirname(file), fileName.replace(/\.js$/, '.ts'));
    if (known.has(target)) deps.add(target);
    else if (!statSync(target.replace(/\.ts$/, '.d.ts'), { throwIfNoEntry: false })) {
      console.error(`${path.relative('.', file)}: cannot resolve ${fileName}`);
      process.exitCode = 1;
    }
  }
  edges.set(file, [...deps]);
}

// Tarjan's strongly connected components: any component of two or more files is a cycle.
let index = 0;
const idx = new Map();
const low = new Map();
const stack = [];
const onStack = new Set();
const cycles = [];
function connect(v) {
  idx.set(v, index);
  low.set(v, index++);
  stack.push(v);
  onStack.add(v);
  for (const w of edges.get(v)) {
    if (!idx.has(w)) {
      connect(w);
      low.set(v, Math.min(low.get(v), low.get(w)));
    } else if (onStack.has(w)) low.set(v, Math.min(low.get(v), idx.get(w)));
  }
  if (low.get(v) === idx.get(v)) {
    const comp = [];
    let w;
    do {
      w = stack.pop();
      onStack.delete(w);
      comp.push(w);
    } while (w !== v);
    if (comp.length > 1 || edges.get(v).includes(v)) cycles.push(comp);
  }
}
for (const f of files) if (!idx.has(f)) connect(f);

if (cycles.length) {
  for (const c of cycles)
    console.error(
      `import cycle: ${c
        .map((f) => path.relative('.', f))
        .sort()
        .join(' <-> ')}`,
    );
  process.exitCode = 1;
} else {
  console.log(`no import cycles among ${files.length} files (${roots.join(', ')})`);
}

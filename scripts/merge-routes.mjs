// One WASM file per page instead of dozens: run after `cargo leptos build --release --split`.
//
// wasm-split puts each page's own code in `split___<page>_view_*.wasm` and the code that pages
// share in one chunk per set of pages that use it (`chunk_N.wasm`): a page loads its own file
// and 20 to 60 chunks, each compressed on its own and fetched on its own. The same code as one
// file is about 30 % smaller compressed and loads with one request. So for every lazy route
// this script merges the route's module and all its chunks into one module (binaryen's
// wasm-merge), optimises it for size as a whole (wasm-opt -Oz), strips the tool sections, and
// points the split loader and the manifest (the server's preload links) at it. Code that pages
// share is then in each page's file: a visitor who opens a second page fetches that part again,
// once (the files are cached for a year under their content hash).
//
// Why the merge is sound: a chunk is code only. It imports the main module's memory, function
// table and stack pointer, and its active element segment writes its functions into fixed
// table slots; it has no data, no start function and no exports. Instantiating the merged
// module therefore does exactly what instantiating the route's modules one by one did, and a
// second page whose file installs some of the same functions writes the same code into the
// same slots. The merged module imports those three from `__wasm_split_host` (a stub module
// named `__wasm_split` connects every part to one import each, where wasm-merge would
// otherwise import the memory once per part), and the loader passes them under that name.
//
// The loader, the manifest and the main JS file are renamed after their new content, and
// `hash.txt` follows, so every name the pages use still changes whenever its file does.
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const site = process.argv[2] ?? 'target/site';
const pkg = path.join(site, 'pkg');
const hashFile = path.join(site, 'hash.txt');
const HOST = '__wasm_split_host';
// The features rustc's wasm32 target emits (the chunks' target_features section).
const FEATURES = [
  '--enable-bulk-memory', '--enable-nontrapping-float-to-int', '--enable-sign-ext',
  '--enable-mutable-globals', '--enable-reference-types', '--enable-multivalue',
];

const fail = (message) => {
  console.error(`merge-routes: ${message}`);
  process.exit(1);
};
const md5 = (...parts) => {
  const h = crypto.createHash('md5');
  for (const p of parts) h.update(p);
  return h.digest('base64url');
};

// ---- hash.txt: `key: hash` lines (js, wasm, css, manifest, split) ----
if (!fs.existsSync(hashFile)) fail(`${hashFile} is missing (hash-files must be on)`);
const hashes = new Map(
  fs.readFileSync(hashFile, 'utf8').split('\n').map((l) => l.split(':').map((s) => s.trim()))
    .filter(([k, v]) => k && v),
);
for (const key of ['js', 'manifest', 'split']) {
  if (!hashes.has(key)) fail(`${hashFile} has no "${key}" line: was the build made with --split?`);
}
const loaderPath = path.join(pkg, `__wasm_split.${hashes.get('split')}.js`);
const manifestPath = path.join(pkg, `__wasm_split_manifest.${hashes.get('manifest')}.json`);
const jsName = fs.readdirSync(pkg).find((f) => f.endsWith(`.${hashes.get('js')}.js`));
if (!jsName) fail(`no main JS file with hash ${hashes.get('js')} in ${pkg}`);
const jsPath = path.join(pkg, jsName);
const manifest = JSON.parse(fs.readFileSync(manifestPath, 'utf8'));
let loader = fs.readFileSync(loaderPath, 'utf8');

// ---- the few parts of the WASM binary format this needs ----
function readLeb(bytes, at) {
  let value = 0;
  let shift = 0;
  for (;;) {
    const b = bytes[at++];
    value += (b & 0x7f) * 2 ** shift;
    shift += 7;
    if (b < 0x80) return [value, at];
  }
}
const leb = (n) => {
  const out = [];
  do {
    let b = n & 0x7f;
    n = Math.floor(n / 128);
    if (n) b |= 0x80;
    out.push(b);
  } while (n);
  return Buffer.from(out);
};
const wasmName = (s) => Buffer.concat([leb(Buffer.byteLength(s)), Buffer.from(s)]);
const section = (id, body) => Buffer.concat([Buffer.from([id]), leb(body.length), body]);

// What a part imports: the memory's and the table's minimum sizes; anything else is refused.
// Only a route's own module may carry data (wasm-split leaves the zeroed statics that only that
// route uses there): it is loaded once, so its data is written once, as before. A shared chunk
// with data would write it again each time another page's file brings it, so it is refused.
function importsOf(file, own) {
  const bytes = fs.readFileSync(file);
  let at = 8;
  const found = {};
  while (at < bytes.length) {
    const id = bytes[at++];
    let size;
    [size, at] = readLeb(bytes, at);
    const end = at + size;
    if (id === 2) {
      let count;
      let p = at;
      [count, p] = readLeb(bytes, p);
      for (let i = 0; i < count; i++) {
        const names = [];
        for (let k = 0; k < 2; k++) {
          let len;
          [len, p] = readLeb(bytes, p);
          names.push(bytes.subarray(p, p + len).toString());
          p += len;
        }
        const kind = bytes[p++];
        if (names[0] !== '__wasm_split') fail(`${file} imports from ${names[0]}`);
        if (kind === 1) p += 1; // the table's element type
        if (kind === 1 || kind === 2) {
          const flags = bytes[p++];
          let min;
          [min, p] = readLeb(bytes, p);
          if (flags & 1) [, p] = readLeb(bytes, p);
          found[names[1]] = min;
        } else if (kind === 3) {
          p += 2;
          found[names[1]] = 0;
        } else {
          fail(`${file} imports ${names[1]} (kind ${kind}): not a plain wasm-split chunk`);
        }
      }
    } else if (id === 8 || (id === 11 && !own)) {
      fail(`${file} has a ${id === 8 ? 'start function' : 'data section'}: not a plain wasm-split chunk`);
    }
    at = end;
  }
  return found;
}

// The stub every part's imports are connected to: it re-exports the host's three imports.
function stub(memoryMin, tableMin) {
  const imports = [
    Buffer.concat([wasmName(HOST), wasmName('memory'), Buffer.from([2, 0]), leb(memoryMin)]),
    Buffer.concat([wasmName(HOST), wasmName('__indirect_function_table'), Buffer.from([1, 0x70, 0]), leb(tableMin)]),
    Buffer.concat([wasmName(HOST), wasmName('__wasm_split_shared0'), Buffer.from([3, 0x7f, 1])]),
  ];
  const exports = [
    Buffer.concat([wasmName('memory'), Buffer.from([2, 0])]),
    Buffer.concat([wasmName('__indirect_function_table'), Buffer.from([1, 0])]),
    Buffer.concat([wasmName('__wasm_split_shared0'), Buffer.from([3, 0])]),
  ];
  return Buffer.concat([
    Buffer.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]),
    section(2, Buffer.concat([leb(3), ...imports])),
    section(7, Buffer.concat([leb(3), ...exports])),
  ]);
}

const tool = (name, args) => execFileSync(name, args, { stdio: ['ignore', 'inherit', 'inherit'] });
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'hirekey-merge-'));
const merged = {};
const used = new Set();
try {
  for (const [key, modules] of Object.entries(manifest)) {
    const own = modules.find((m) => m.startsWith(`split_${key}.`));
    if (!own) fail(`the manifest lists no module of the route ${key} itself`);
    const files = modules.map((m) => path.join(pkg, `${m}.wasm`));
    let memoryMin = 0;
    let tableMin = 0;
    for (const [i, f] of files.entries()) {
      const imports = importsOf(f, modules[i] === own);
      memoryMin = Math.max(memoryMin, imports.memory ?? 0);
      tableMin = Math.max(tableMin, imports.__indirect_function_table ?? 0);
      used.add(f);
    }
    const stubFile = path.join(work, 'stub.wasm');
    fs.writeFileSync(stubFile, stub(memoryMin, tableMin));
    const joined = path.join(work, `${key}.joined.wasm`);
    const optimised = path.join(work, `${key}.wasm`);
    tool('wasm-merge', [stubFile, '__wasm_split', ...files.flatMap((f, i) => [f, `part${i}`]), '-o', joined, ...FEATURES]);
    tool('wasm-opt', ['-Oz', ...FEATURES, '--strip-producers', '--strip-target-features', joined, '-o', optimised]);
    const bytes = fs.readFileSync(optimised);
    const name = `${own.split('.')[0]}.${md5(bytes)}`;
    fs.writeFileSync(path.join(pkg, `${name}.wasm`), bytes);
    merged[key] = name;
  }
} finally {
  fs.rmSync(work, { recursive: true, force: true });
}

// ---- the loader: each route fetches its one file; the chunk loaders go ----
const chunkLoader = /\/\*[^*]*\*\/\nconst __chunk_\d+ = makeLoad\(\(\) => \{\n[\s\S]*?\n\}\n, \[[^\]]*\]\);\n/g;
const routeLoader = /export const __wasm_split_load_(\w+) = wrapAsyncCb\(makeLoad\(\(\) => \{\n[\s\S]*?\n\}\n, \[[^\]]*\]\)\);/g;
loader = loader.replace(chunkLoader, '');
let routes = 0;
loader = loader.replace(routeLoader, (_, key) => {
  if (!merged[key]) fail(`the loader names a route the manifest does not: ${key}`);
  routes += 1;
  return `export const __wasm_split_load_${key} = wrapAsyncCb(makeLoad(() => {
    const src = fetch(new URL("./${merged[key]}.wasm", import.meta.url));
    return async (imports) => (WebAssembly.instantiateStreaming(src, { ${HOST}: imports.__wasm_split }));
}
, []));`;
});
if (routes !== Object.keys(merged).length || /__chunk_\d/.test(loader)) {
  fail(`the loader's shape is not the one this script knows (${routes} routes rewritten)`);
}

// ---- new names: the loader and the main JS name each other, so both names hash both ----
const oldLoaderName = path.basename(loaderPath);
let js = fs.readFileSync(jsPath, 'utf8');
const both = md5(loader.replaceAll(jsName, ''), js);
const splitHash = md5('split', both);
const jsHash = md5('js', both);
const newLoaderName = `__wasm_split.${splitHash}.js`;
const newJsName = jsName.replace(hashes.get('js'), jsHash);
loader = loader.replaceAll(jsName, newJsName);
// Only the module specifiers (`from "./__wasm_split.<hash>.js"`) name the file. The same string
// as a key of the imports object is the module name the main WASM imports from, written into
// the WASM itself: it stays as it is.
const escaped = oldLoaderName.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const specifier = new RegExp(`(from\\s*["'])\\./${escaped}(["'])`, 'g');
let specifiers = 0;
js = js.replace(specifier, (_, open, close) => {
  specifiers += 1;
  return `${open}./${newLoaderName}${close}`;
});
if (!specifiers) fail(`${jsName} does not import ${oldLoaderName}`);
const newManifest = JSON.stringify(Object.fromEntries(Object.entries(merged).map(([k, v]) => [k, [v]])), null, 2);
const manifestHash = md5(newManifest);

for (const f of used) fs.rmSync(f);
for (const f of [loaderPath, jsPath, manifestPath]) fs.rmSync(f);
fs.writeFileSync(path.join(pkg, newLoaderName), loader);
fs.writeFileSync(path.join(pkg, newJsName), js);
fs.writeFileSync(path.join(pkg, `__wasm_split_manifest.${manifestHash}.json`), newManifest);
hashes.set('js', jsHash);
hashes.set('split', splitHash);
hashes.set('manifest', manifestHash);
fs.writeFileSync(hashFile, `${[...hashes].map(([k, v]) => `${k}: ${v}`).join('\n')}\n`);
console.log(`merged ${used.size} route modules and chunks into ${routes} files, one per route`);

// Writes a brotli (.br, quality 11) and a gzip (.gz, level 9) copy beside every .wasm, .js and .css
// file of the site's pkg directory, once at build time (`make build`), so the server sends
// them as they are instead of compressing on every request (server/src/startup.rs, `/pkg`).
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';

const dir = process.argv[2] ?? 'target/site/pkg';
let files = 0;
for (const name of fs.readdirSync(dir)) {
  if (!/\.(wasm|js|css)$/.test(name)) continue;
  const file = path.join(dir, name);
  const raw = fs.readFileSync(file);
  fs.writeFileSync(`${file}.br`, zlib.brotliCompressSync(raw, {
    params: {
      [zlib.constants.BROTLI_PARAM_QUALITY]: 11,
      [zlib.constants.BROTLI_PARAM_SIZE_HINT]: raw.length,
    },
  }));
  fs.writeFileSync(`${file}.gz`, zlib.gzipSync(raw, { level: 9 }));
  files += 1;
}
console.log(`precompressed ${files} files in ${dir}`);

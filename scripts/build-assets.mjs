// Copies the web libraries the service serves from npm's node_modules/ into
// service/static/vendor/ (gitignored), so that no page loads anything from a CDN.
// What to copy is listed in scripts/vendor-files.json ({"from", "to"} pairs, "to" relative
// to service/static/vendor/); add a line there for a new library. Run with `npm run build`.
import { copyFileSync, mkdirSync, readFileSync, existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const vendor = join(root, "service", "static", "vendor");
const files = JSON.parse(readFileSync(join(root, "scripts", "vendor-files.json"), "utf8"));

let missing = 0;
for (const { from, to } of files) {
  const source = join(root, from);
  if (!existsSync(source)) {
    console.error(`build-assets: ${from} is missing (run npm ci first)`);
    missing += 1;
    continue;
  }
  const target = join(vendor, to);
  mkdirSync(dirname(target), { recursive: true });
  copyFileSync(source, target);
}
if (missing) process.exit(1);
console.log(`build-assets: ${files.length} files in service/static/vendor/`);

// Bundles the dashboard's modules (src/*.js) with the locked esbuild into ../assets/.
//
//   node build.mjs           write the bundle (make dashboard)
//   node build.mjs --check   rebuild in memory and fail unless ../assets holds exactly it
//   --assets DIR             another folder than ../assets (the tests check a tampered copy)
//
// Every module of src/ is an entry point, so each keeps its URL (/ui/assets/NAME.js, which
// the browser tests import), and code split into shared chunks keeps one instance of each
// module's state. The options are fixed and the output has no time stamp and no absolute
// path (paths in comments are relative to this folder), so a rebuild from the same sources
// with the same lock is byte-identical: the committed bundle is checked against the sources.
// The licences of the bundled packages are gathered into ../assets/licenses.txt.

import { build } from "esbuild";
import { readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const check = args.includes("--check");
const assets = args.includes("--assets") ? resolve(args[args.indexOf("--assets") + 1])
  : join(here, "..", "assets");

// The npm packages whose code ends up in the bundle (not esbuild: a build tool only).
const BUNDLED = ["chart.js", "@kurkle/color"];
const LICENCE_FILES = ["LICENSE.md", "LICENSE", "LICENSE.txt"];

/** Which files of ../assets this build owns (the others, index.html and app.css, are sources). */
const built = (name) => name.endsWith(".js") || name === "licenses.txt";

function licences() {
  const parts = ["Third-party code in the SKMS dashboard's bundle (built by commands/service/dashboard/ui/build.mjs)."];
  for (const name of BUNDLED) {
    const folder = join(here, "node_modules", name);
    const manifest = JSON.parse(readFileSync(join(folder, "package.json"), "utf8"));
    const file = LICENCE_FILES.find((f) => readdirSync(folder).includes(f));
    if (!file) throw new Error(`no licence file in ${name}`);
    parts.push(`${"=".repeat(72)}\n${name} ${manifest.version} (${manifest.license})\n${"=".repeat(72)}\n`
      + readFileSync(join(folder, file), "utf8").trim());
  }
  return parts.join("\n\n") + "\n";
}

const entryPoints = readdirSync(join(here, "src")).filter((f) => f.endsWith(".js")).sort()
  .map((f) => join("src", f));
const result = await build({
  absWorkingDir: here,
  entryPoints,
  outdir: "out",
  bundle: true,
  splitting: true,
  format: "esm",
  target: "es2022",
  platform: "browser",
  chunkNames: "chunk-[hash]",
  legalComments: "none",
  charset: "utf8",
  sourcemap: false,
  minify: false,
  write: false,
  logLevel: "warning",
});

const expected = new Map(result.outputFiles.map((f) => [basename(f.path), Buffer.from(f.contents)]));
expected.set("licenses.txt", Buffer.from(licences(), "utf8"));
const present = readdirSync(assets).filter(built).sort();

if (check) {
  const problems = [];
  for (const [name, bytes] of expected) {
    if (!present.includes(name)) problems.push(`missing ${name}`);
    else if (!readFileSync(join(assets, name)).equals(bytes)) problems.push(`differs: ${name}`);
  }
  for (const name of present) if (!expected.has(name)) problems.push(`not built by this source: ${name}`);
  if (problems.length) {
    console.error(`dashboard bundle is out of date (run make dashboard):\n  ${problems.join("\n  ")}`);
    process.exit(1);
  }
  console.log(`dashboard bundle up to date (${expected.size} files)`);
} else {
  for (const name of present) if (!expected.has(name)) rmSync(join(assets, name));
  for (const [name, bytes] of expected) writeFileSync(join(assets, name), bytes);
  console.log(`dashboard bundle written to ${assets} (${expected.size} files)`);
}

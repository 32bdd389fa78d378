// Builds the browser client with esbuild's JS API.
//
//   node build.mjs          bundle src/main.ts into dist/ (what the Go binary embeds)
//   node build.mjs --tests  bundle every src/**/*.test.ts into .test-build/ for `node --test`
//
// dist/.gitkeep is committed so that `//go:embed all:dist` compiles on a fresh
// clone; the build therefore cleans dist/ file by file and never removes it.
import * as esbuild from "esbuild";
import { copyFile, mkdir, readdir, rm } from "node:fs/promises";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = dirname(fileURLToPath(import.meta.url));
const dist = join(root, "dist");
const testOut = join(root, ".test-build");

async function buildApp() {
  await mkdir(dist, { recursive: true });
  for (const entry of await readdir(dist)) {
    if (entry !== ".gitkeep") await rm(join(dist, entry), { recursive: true, force: true });
  }
  await esbuild.build({
    entryPoints: [join(root, "src/main.ts")],
    outfile: join(dist, "app.js"),
    bundle: true,
    minify: true,
    sourcemap: true,
    target: "es2020",
    format: "iife",
    platform: "browser",
    logLevel: "warning",
  });
  await Promise.all(["index.html", "style.css"].map((f) => copyFile(join(root, f), join(dist, f))));
  console.log(`built ${relative(process.cwd(), dist) || "."}: app.js, index.html, style.css`);
}

async function findTests(dir) {
  const found = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) found.push(...(await findTests(path)));
    else if (entry.name.endsWith(".test.ts")) found.push(path);
  }
  return found;
}

async function buildTests() {
  await rm(testOut, { recursive: true, force: true });
  const entryPoints = await findTests(join(root, "src"));
  if (entryPoints.length === 0) throw new Error("no *.test.ts files under src/");
  await esbuild.build({
    entryPoints,
    outdir: testOut,
    outbase: join(root, "src"),
    outExtension: { ".js": ".mjs" },
    bundle: true,
    sourcemap: "inline",
    target: "node20",
    format: "esm",
    platform: "node",
    logLevel: "warning",
  });
  console.log(`bundled ${entryPoints.length} test files into ${relative(process.cwd(), testOut)}`);
}

try {
  if (process.argv.includes("--tests")) await buildTests();
  else await buildApp();
} catch (err) {
  // esbuild has already printed its diagnostics; exit non-zero for npm.
  if (!(err && err.errors)) console.error(err);
  process.exit(1);
}

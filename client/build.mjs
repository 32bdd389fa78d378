// Builds the browser client with esbuild's JS API.
//
//   node build.mjs          bundle src/main.ts into dist/ and the admin dashboard,
//                           src/dashboard/main.ts, into dashboard-dist/ (what the Go binary embeds)
//   node build.mjs --tests  bundle every src/**/*.test.ts into .test-build/ for `node --test`
//
// dist/.gitkeep (and dashboard-dist/.gitkeep) are committed so that the
// go:embed patterns compile on a fresh clone; the build therefore cleans
// them file by file and never removes them.
import * as esbuild from "esbuild";
import { copyFile, mkdir, readdir, rm } from "node:fs/promises";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = dirname(fileURLToPath(import.meta.url));
const dist = join(root, "dist");
const dashboardDist = join(root, "dashboard-dist");
const testOut = join(root, ".test-build");

async function clean(dir) {
  await mkdir(dir, { recursive: true });
  for (const entry of await readdir(dir)) {
    if (entry !== ".gitkeep") await rm(join(dir, entry), { recursive: true, force: true });
  }
}

async function buildApp() {
  await clean(dist);
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

// The admin dashboard: a second entry point, served only by the admin
// listener. Its CSS (uPlot's and its own) is bundled into dashboard.css.
async function buildDashboard() {
  await clean(dashboardDist);
  await esbuild.build({
    entryPoints: [join(root, "src/dashboard/main.ts")],
    outfile: join(dashboardDist, "dashboard.js"),
    bundle: true,
    minify: true,
    sourcemap: true,
    target: "es2020",
    format: "iife",
    platform: "browser",
    logLevel: "warning",
  });
  await copyFile(join(root, "dashboard.html"), join(dashboardDist, "index.html"));
  console.log(`built ${relative(process.cwd(), dashboardDist)}: dashboard.js, dashboard.css, index.html`);
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
  else await Promise.all([buildApp(), buildDashboard()]);
} catch (err) {
  // esbuild has already printed its diagnostics; exit non-zero for npm.
  if (!(err && err.errors)) console.error(err);
  process.exit(1);
}

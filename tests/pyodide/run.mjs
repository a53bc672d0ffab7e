// Runs chainrule's checks (checks.py beside this file) in Pyodide under Node.js, offline.
//
//   node tests/pyodide/run.mjs WHEEL...
//
// Each WHEEL (chainrule's, graphviz's, and pytest's with its requirements) is unpacked into
// Pyodide's site-packages with Python's zipfile: no micropip, which the npm package does not
// ship, and no index. Drawings are rendered by @viz-js/viz, a WebAssembly Graphviz, registered
// as globalThis.chainruleRenderDot(dot, format), the function chainrule's render module calls in
// Pyodide. No request leaves the machine: fetch accepts only file: URLs, and http, https, net and
// tls connections throw, and any attempt fails the run even if something caught the error.
// SEED_DOT_SHA256, if set, is the SHA-256 of the document's drawing's DOT as drawn elsewhere:
// the checks compare Pyodide's with it.
// The exit code is pytest's.

import http from "node:http";
import https from "node:https";
import net from "node:net";
import tls from "node:tls";
import { readFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const attempts = [];

function refuse(what) {
  attempts.push(String(what));
  throw new Error(`network access refused in the Pyodide checks: ${what}`);
}

const localFetch = globalThis.fetch;
globalThis.fetch = async (resource, options) => {
  const url = String(resource instanceof Request ? resource.url : resource);
  if (!url.startsWith("file:") && /^[a-z][a-z0-9+.-]*:/i.test(url)) {
    refuse(url);
  }
  return localFetch(resource, options);
};
for (const [name, module, functions] of [
  ["http", http, ["request", "get"]],
  ["https", https, ["request", "get"]],
  ["net", net, ["connect", "createConnection"]],
  ["tls", tls, ["connect"]],
]) {
  for (const fn of functions) {
    module[fn] = () => refuse(`${name}.${fn}`);
  }
}

const { loadPyodide } = await import("pyodide");
const { instance } = await import("@viz-js/viz");

const wheels = process.argv.slice(2);
if (wheels.length === 0 || wheels.some((path) => !path.endsWith(".whl"))) {
  console.error("usage: node run.mjs WHEEL... (chainrule's wheel and its requirements' wheels)");
  process.exit(2);
}

const started = Date.now();
const pyodide = await loadPyodide({
  indexURL: join(here, "node_modules", "pyodide"),
  env: { HOME: "/home/pyodide", SEED_DOT_SHA256: process.env.SEED_DOT_SHA256 ?? "" },
});
const viz = await instance();
globalThis.chainruleRenderDot = (dot, format) => viz.renderString(dot, { format });

pyodide.FS.mkdirTree("/wheels");
pyodide.FS.mkdirTree("/checks");
for (const wheel of wheels) {
  pyodide.FS.writeFile(`/wheels/${basename(wheel)}`, readFileSync(wheel));
}
for (const file of ["checks.py", join("..", "document.py")]) {
  pyodide.FS.writeFile(`/checks/${basename(file)}`, readFileSync(join(here, file)));
}

pyodide.runPython(`
import site, sys, zipfile
from pathlib import Path

target = Path(site.getsitepackages()[0])
for wheel in sorted(Path("/wheels").glob("*.whl")):
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(target)
sys.path.insert(0, "/checks")
`);
const loaded = Date.now();

const code = pyodide.runPython(`
import pytest
int(pytest.main(["-q", "-p", "no:cacheprovider", "-W", "error", "/checks/checks.py"]))
`);
console.log(
  `pyodide checks: Pyodide, Viz and the wheels loaded in ${(loaded - started) / 1000} s, ` +
    `checks ran in ${(Date.now() - loaded) / 1000} s`,
);
if (attempts.length > 0) {
  console.error(`network access was attempted: ${attempts.join(", ")}`);
  process.exit(3);
}
process.exit(Number(code));

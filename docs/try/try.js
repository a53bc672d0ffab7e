// The try-it page: runs the learner's Python with chainrule in Pyodide. Everything it loads comes
// from this site's try/ folder (manifest.json says what the build put there): Pyodide, Viz.js
// (Graphviz as WebAssembly, which renders chainrule's drawings), the wheels and run_code.py.

const $ = (id) => document.getElementById(id);

const EXAMPLES = {
  seed: `from autograd import Value

# The document's 2-2-1 network: two inputs, a target and six weights
y1, y2, ya = Value(0.35, label="y1"), Value(0.9, label="y2"), Value(0.5, label="ya")
w13, w23 = Value(0.1, label="w13"), Value(0.8, label="w23")
w14, w24 = Value(0.4, label="w14"), Value(0.6, label="w24")
w35, w45 = Value(0.3, label="w35"), Value(0.9, label="w45")

y3 = (w13 * y1 + w23 * y2).sigmoid()
y4 = (w14 * y1 + w24 * y2).sigmoid()
y5 = (w35 * y3 + w45 * y4).sigmoid()
E = 0.5 * (y5 - ya) ** 2
y3.label, y4.label, y5.label, E.label = "y3", "y4", "y5", "E"

E  # the last line is the root: the page runs E.backward()
`,
  diamond: `from autograd import Value

s = Value(0.3894, label="s")
y = s * s + s  # s is used twice: its gradient is the sum of both shares, 2s + 1
y.label = "y"

y
`,
};

function say(text, isProblem = false) {
  $("try-status").textContent = text;
  $("try-status").style.color = isProblem ? "#b00020" : "";
}

async function fetchOk(path) {
  const response = await fetch(path);
  if (!response.ok) {
    throw new Error(`${path}: ${response.status} ${response.statusText}`);
  }
  return response;
}

// Pyodide with chainrule and graphviz unpacked into its site-packages (as tests/pyodide/run.mjs
// does: pure-Python wheels need no installer), and run_code.run, the function Run calls.
async function startPython(wheels) {
  const [{ loadPyodide }, { instance }] = await Promise.all([
    import("./pyodide/pyodide.mjs"),
    import("./viz.js"),
  ]);
  const viz = await instance();
  globalThis.chainruleRenderDot = (dot, format) => viz.renderString(dot, { format });
  const pyodide = await loadPyodide({ indexURL: new URL("pyodide/", import.meta.url).href });
  pyodide.FS.mkdirTree("/wheels");
  pyodide.FS.mkdirTree("/try");
  for (const name of wheels) {
    const data = await (await fetchOk(`wheels/${name}`)).arrayBuffer();
    pyodide.FS.writeFile(`/wheels/${name}`, new Uint8Array(data));
  }
  pyodide.FS.writeFile("/try/run_code.py", await (await fetchOk("run_code.py")).text());
  pyodide.runPython(`
import site, sys, zipfile
from pathlib import Path

for wheel in sorted(Path("/wheels").glob("*.whl")):
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(site.getsitepackages()[0])
sys.path.insert(0, "/try")
`);
  return pyodide.pyimport("run_code").run;
}

function show(result) {
  const error = result.get("error");
  $("try-error").hidden = error === undefined;
  $("try-error").textContent = error ?? "";
  if (error !== undefined) {  // no drawing of earlier code is left to be taken for this code's
    $("try-graph").replaceChildren();
    $("try-player").hidden = true;
    $("try-player").srcdoc = "";
    $("try-error").scrollIntoView({ block: "nearest" });
    return;
  }
  const svg = result.get("svg");
  $("try-graph").innerHTML = svg.slice(svg.indexOf("<svg"));  // without <?xml ...?> and DOCTYPE
  $("try-player").srcdoc = result.get("player");
  $("try-player").hidden = false;
}

async function main() {
  $("try-code").value = EXAMPLES.seed;
  for (const button of document.querySelectorAll(".try-example")) {
    button.addEventListener("click", () => { $("try-code").value = EXAMPLES[button.dataset.example]; });
  }
  const manifest = await (await fetchOk("manifest.json")).json();
  if (!manifest.pyodide) {
    say(manifest.why, true);
    return;
  }
  const started = performance.now();
  const run = await startPython(manifest.wheels);
  const seconds = (performance.now() - started) / 1000;
  say(`Python is ready (started in ${seconds.toFixed(1)} s). Edit the code and press Run.`);
  document.body.dataset.tryReadySeconds = seconds.toFixed(3);
  const button = $("try-run");
  button.disabled = false;
  const runCode = () => {
    const result = run($("try-code").value);
    try {
      show(result);
    } finally {
      result.destroy();
    }
  };
  button.addEventListener("click", runCode);
  $("try-code").addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      runCode();
    }
  });
}

main().catch((error) => say(`The page could not start Python: ${error}`, true));

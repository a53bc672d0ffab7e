// Live values: a field for each leaf a learner may edit (an input, a weight), labelled with the
// Value's name; on input, every box's data and grad and every edge's local derivative are
// recomputed by the graph's program (autograd/javascript.py, run by chainruleRuntime) and written
// into a copy of the drawing, which stands in for the recorded one until Reset. The player's own
// drawing, frames and script are left as they are, so Reset brings back the step shown before.
(function () {
  "use strict";
  var live = chainruleLive, runtime = chainruleRuntime;
  var program = live.program, page = live.page, words = page.words;
  var viewport = document.getElementById("graph");
  var original = viewport && viewport.getElementsByTagName("svg")[0];
  if (!original || page.fields.length === 0) { return; }
  var recorded = runtime.recorded(program);
  var leaves = recorded.slice();
  var copy = null, rows = null, boxEdges = null, hidden = "";
  var STATES = ["current", "receiving", "active", "done", "result", "unlabelled"];
  var STEPPING = ["controls", "explanation"];  // the player's parts that the edits set aside

  // While the page shows edited values, the steps (which show the recorded numbers) can be
  // neither clicked nor reached with the keyboard.
  function setAside(aside) {
    STEPPING.forEach(function (id) {
      var part = document.getElementById(id);
      if (part) { part.inert = aside; }
    });
    document.body.classList.toggle("live-edited", aside);
  }

  function element(tag, attributes, text) {
    var made = document.createElement(tag);
    Object.keys(attributes).forEach(function (name) { made.setAttribute(name, attributes[name]); });
    if (text !== undefined) { made.textContent = text; }
    return made;
  }

  // --- the panel --------------------------------------------------------------------------------
  var help = document.getElementById("help");
  function place(panel) {
    if (help && help.parentNode === viewport.parentNode) {
      help.parentNode.insertBefore(panel, help);
    } else {
      viewport.parentNode.insertBefore(panel, viewport.nextSibling);
    }
  }
  if (page.unavailable) {  // a rule with no JavaScript: say so, and offer no fields
    var note = element("details", {id: "live"});
    note.appendChild(element("summary", {}, words.heading));
    note.appendChild(element("p", {id: "live-status", role: "status"}, page.unavailable));
    place(note);
    return;
  }
  var panel = element("details", {id: "live"});
  panel.open = page.fields.length <= 12;  // a large network's weights wait behind the summary
  panel.appendChild(element("summary", {}, words.heading));
  panel.appendChild(element("p", {id: "live-hint"}, words.hint));
  var grid = element("div", {id: "live-fields"});
  var inputs = page.fields.map(function (field) {
    // A long name takes two or three columns (a whole row on a phone), so that it shows
    // whole: its end tells weights apart (layers.0.neurons.3.w.0, ...w.1).
    var columns = Math.min(3, Math.ceil(field.name.length / 16));
    var size = columns === 3 ? " live-longer" : columns === 2 ? " live-long" : "";
    var label = element("label", {"class": "live-field" + size});
    label.appendChild(element("span", {"class": "live-name", title: field.name}, field.name));
    var input = element("input", {type: "text", value: field.text, "aria-label": field.name,
                                  spellcheck: "false", autocomplete: "off",
                                  "data-node": String(field.node)});
    label.appendChild(input);
    grid.appendChild(label);
    return input;
  });
  panel.appendChild(grid);
  var bar = element("div", {id: "live-bar"});
  var status = element("p", {id: "live-status", role: "status", "aria-live": "polite"});
  var reset = element("button", {id: "live-reset", type: "button", title: words.reset_hint},
                      words.reset);
  reset.hidden = true;
  bar.appendChild(status);
  bar.appendChild(reset);
  panel.appendChild(bar);
  place(panel);

  // Opening or closing the panel changes the room the graph has: the player frames its node
  // again, as after any resize; the edited drawing keeps the root in view.
  panel.addEventListener("toggle", function () {
    if (copy === null) { window.dispatchEvent(new Event("resize")); } else { rootInView(); }
  });
  window.addEventListener("resize", function () { if (copy !== null) { rootInView(); } });

  // The player's keys (arrows and the like) are not for these fields, and while the page shows
  // edited values they would step a drawing that is out of sight.
  panel.addEventListener("keydown", function (event) { event.stopPropagation(); });
  window.addEventListener("keydown", function (event) {
    if (copy !== null && !panel.contains(event.target)) { event.stopPropagation(); }
  }, true);

  // --- reading a field ----------------------------------------------------------------------------
  var NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

  // The finite number a field's text writes, or null.
  function parse(text) {
    var trimmed = text.trim();
    if (!NUMBER.test(trimmed)) { return null; }
    var value = Number(trimmed);
    return isFinite(value) ? value : null;
  }

  function invalidFields() {
    return inputs.filter(function (input) { return input.classList.contains("invalid"); });
  }

  function say(text, kind) {
    status.textContent = text;
    status.className = kind;
  }

  function invalidText(input) {
    return words.invalid.replace("{name}", input.getAttribute("aria-label"))
      .replace("{text}", input.value);
  }

  // --- the edited drawing -----------------------------------------------------------------------
  // A copy of the recorded drawing, with ids of its own, the player's highlights taken off, and
  // for each node its data row (the last "data" text before the grad row) and grad row (its last
  // text, for every Value but a Constant) and for each edge its label.
  function makeCopy() {
    copy = original.cloneNode(true);
    var byId = {};
    copy.querySelectorAll("[id]").forEach(function (part) {
      byId[part.id] = part;
      part.id = "live-" + part.id;
    });
    copy.querySelectorAll("g").forEach(function (group) {
      STATES.forEach(function (name) { group.classList.remove(name); });
    });
    rows = page.ids.map(function (id, i) {
      var group = byId[id];
      if (!group) { return null; }
      var texts = Array.prototype.slice.call(group.getElementsByTagName("text"));
      var grad = program.constant[i] ? null : texts.pop() || null;
      var data = null;
      for (var k = texts.length - 1; k >= 0 && data === null; k--) {
        if (texts[k].textContent.indexOf("data") === 0) { data = texts[k]; }
      }
      var edges = program.inputs[i].map(function (_, k) {
        var edge = byId[id + "e" + k];
        return edge ? edge.getElementsByTagName("text")[0] || null : null;
      });
      return {data: data, grad: grad, edges: edges};
    });
    boxEdges = page.boxes.map(function (box) {
      return box.inputs.map(function (_, k) {
        var edge = byId[page.ids[box.output] + "g" + k];
        return edge ? edge.getElementsByTagName("text")[0] || null : null;
      });
    });
    hidden = original.style.display;
    original.style.display = "none";
    original.parentNode.insertBefore(copy, original.nextSibling);
    setAside(true);
    rootInView();
  }

  // Scrolls the graph's own viewport, and nothing else, so that the root's box of the edited
  // drawing is in view, if it is not.
  function rootInView() {
    var box = copy.querySelector('[id="live-' + page.ids[program.root] + '"]');
    if (!box) { return; }
    var r = box.getBoundingClientRect(), v = viewport.getBoundingClientRect();
    var left = r.left - v.left - viewport.clientLeft, top = r.top - v.top - viewport.clientTop;
    if (left < 0 || left + r.width > viewport.clientWidth) {
      viewport.scrollLeft += left - Math.max(0, (viewport.clientWidth - r.width) / 2);
    }
    if (top < 0 || top + r.height > viewport.clientHeight) {
      viewport.scrollTop += top - Math.max(0, (viewport.clientHeight - r.height) / 2);
    }
  }

  // A box's derivative d(output)/d(input) for each input outside it: the chain rule over the
  // values inside, from the output back, in the order autograd.player's _Group sums it.
  function boxDerivatives(box, locals) {
    var inside = {}, adjoint = {}, outside = {};
    box.members.forEach(function (m) { inside[m] = true; });
    adjoint[box.output] = 1;
    for (var j = box.members.length - 1; j >= 0; j--) {
      var member = box.members[j], upstream = adjoint[member] || 0;
      program.inputs[member].forEach(function (parent, k) {
        var into = inside[parent] ? adjoint : outside;
        into[parent] = (into[parent] || 0) + locals[member][k] * upstream;
      });
    }
    return outside;
  }

  function write(result) {
    if (copy === null) { makeCopy(); }
    var format = function (x) { return runtime.formatG(x, page.precision); };
    rows.forEach(function (row, i) {
      if (row === null) { return; }
      if (row.data) {
        // every value is computed now, whatever step the copy was made at (a forward step
        // greys the data rows it has not reached yet)
        row.data.textContent = "data " + format(result.data[i]);
        row.data.setAttribute("class", "settled");
      }
      if (row.grad) {
        row.grad.textContent = "grad " + format(result.grads[i]);
        row.grad.setAttribute("class", "complete");
      }
      row.edges.forEach(function (label, k) {
        if (label) { label.textContent = format(result.locals[i][k]); }
      });
    });
    page.boxes.forEach(function (box, b) {
      var derivatives = boxDerivatives(box, result.locals);
      boxEdges[b].forEach(function (label, k) {
        if (label) { label.textContent = format(derivatives[box.inputs[k]]); }
      });
    });
  }

  function recompute() {
    var result;
    try {
      result = runtime.run(program, live.rules, leaves);
    } catch (error) {  // Python's % by zero raises; the page changes nothing, as Python would
      return String(error.message || error);
    }
    write(result);
    return null;
  }

  inputs.forEach(function (input) {
    input.addEventListener("input", function () {
      var value = parse(input.value);
      if (value === null) {
        input.classList.add("invalid");
        input.setAttribute("aria-invalid", "true");
        say(invalidText(input), "problem");
        reset.hidden = false;
        return;  // nothing changes
      }
      var node = Number(input.getAttribute("data-node"));
      var before = leaves[node];
      leaves[node] = value;
      var failure = recompute();
      if (failure !== null) {
        leaves[node] = before;
        input.classList.add("invalid");
        input.setAttribute("aria-invalid", "true");
        say(words.failed.replace("{name}", input.getAttribute("aria-label"))
          .replace("{error}", failure), "problem");
        reset.hidden = false;
        return;
      }
      input.classList.remove("invalid");
      input.removeAttribute("aria-invalid");
      var others = invalidFields();
      if (others.length) {
        say(invalidText(others[0]), "problem");
      } else {
        say(words.edited, "edited");
      }
      reset.hidden = false;
    });
  });

  reset.addEventListener("click", function () {
    leaves = recorded.slice();
    inputs.forEach(function (input, k) {
      input.value = page.fields[k].text;
      input.classList.remove("invalid");
      input.removeAttribute("aria-invalid");
    });
    if (copy !== null) {
      copy.parentNode.removeChild(copy);
      copy = null;
      rows = null;
      original.style.display = hidden;
    }
    setAside(false);
    say("", "");
    reset.hidden = true;
  });
})();

// Quiz: at the step where an asked gradient becomes complete, the page asks the learner for it.
// Until it is answered its box shows "grad ?" in that step and every later one; stepping past it
// marks it skipped (step back to answer it). A typed number is compared with the number Python
// computed (chainruleQuiz.questions[i].expected, within chainruleQuiz.tolerance relative, or equal
// to it as the page rounds it); then the page says right or wrong and shows the chain-rule lines
// that give it, which Python took out of that step's explanation. The script computes no
// gradient: it hooks into the player through window.chainrulePlayer.onShow.
(function () {
  "use strict";
  var player = window.chainrulePlayer, quiz = chainruleQuiz;
  if (!player || quiz.questions.length === 0) { return; }
  var words = quiz.words, frames = player.frames, questions = quiz.questions;
  var status = questions.map(function () { return {state: "open", typed: ""}; });
  var hidden = {};  // by node id: whether its grad row shows "grad ?" now
  var lastShown = player.index();

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (whole, key) {
      return Object.prototype.hasOwnProperty.call(values, key) ? String(values[key]) : whole;
    });
  }

  function element(tag, attributes, text) {
    var made = document.createElement(tag);
    Object.keys(attributes).forEach(function (name) { made.setAttribute(name, attributes[name]); });
    if (text !== undefined) { made.textContent = text; }
    return made;
  }

  function answered(i) { return status[i].state === "right" || status[i].state === "wrong"; }

  // --- the panel, below the explanation ------------------------------------------------------
  var panel = element("section", {id: "quiz", "aria-label": words.quiz});
  var asked = element("div", {id: "quiz-questions"});
  var score = element("p", {id: "quiz-score", role: "status", "aria-live": "polite"});
  panel.appendChild(asked);
  panel.appendChild(score);
  var explanation = document.getElementById("explanation");
  explanation.parentNode.insertBefore(panel, explanation.nextSibling);
  // Keys typed into the answer are the answer's, not the player's (arrows move the caret).
  panel.addEventListener("keydown", function (event) { event.stopPropagation(); });

  // --- reading an answer ---------------------------------------------------------------------
  var NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;
  var SPECIAL = {"inf": Infinity, "+inf": Infinity, "-inf": -Infinity, "infinity": Infinity,
                 "+infinity": Infinity, "-infinity": -Infinity, "nan": NaN};

  // The number a typed text writes (inf and nan as Python writes them), or null.
  function parse(text) {
    var trimmed = text.trim().toLowerCase();
    if (Object.prototype.hasOwnProperty.call(SPECIAL, trimmed)) { return SPECIAL[trimmed]; }
    return NUMBER.test(trimmed) ? Number(trimmed) : null;
  }

  // Right: within the tolerance of Python's number, or equal to it as the page shows it.
  function isRight(typed, question) {
    var expected = question.expected;
    if (typeof expected === "string") {  // inf, -inf or nan: JSON has none of them
      var wanted = SPECIAL[expected];
      return typed === wanted || (wanted !== wanted && typed !== typed);
    }
    if (!isFinite(typed)) { return false; }
    return Math.abs(typed - expected) <= quiz.tolerance * Math.abs(expected) ||
      typed === Number(question.shown);
  }

  function check(i, input, result) {
    var question = questions[i];
    var typed = parse(input.value);
    if (typed === null) {
      input.classList.add("invalid");
      input.setAttribute("aria-invalid", "true");
      result.textContent = fill(words.quiz_invalid, {name: question.name, text: input.value});
      result.className = "quiz-result problem";
      return;  // nothing is counted
    }
    status[i] = {state: isRight(typed, question) ? "right" : "wrong", typed: input.value.trim()};
    player.show(player.index());  // shows the step again, now with its answer
  }

  // --- each step -------------------------------------------------------------------------------
  function gradText(id) {
    var node = document.getElementById(id);
    var texts = node ? node.getElementsByTagName("text") : [];
    return texts.length ? texts[texts.length - 1] : null;
  }

  // A grad row as the player writes it at step k: the last text the frames up to k gave it.
  function rowAt(id, k) {
    var found = null;
    for (var i = 0; i <= k; i++) {
      frames[i].boxes.forEach(function (row) { if (row[0] === id) { found = row; } });
    }
    return found;
  }

  function writeGrads(k) {
    questions.forEach(function (question, i) {
      var text = gradText(question.node);
      if (!text) { return; }
      if (k >= question.frame && !answered(i)) {
        if (text.textContent !== "grad ?") {  // the player wrote its row: hide it again
          text.textContent = "grad ?";
          text.setAttribute("class", "quiz-hidden");
        }
        hidden[question.node] = true;
      } else if (hidden[question.node]) {  // back to what the player shows at this step
        var row = rowAt(question.node, k);
        text.textContent = row && row[1] ? "grad " + row[1] : "grad";
        text.setAttribute("class", row ? row[2] : "blank");
        hidden[question.node] = false;
      }
    });
  }

  function addLine(text, name) {
    document.getElementById("lines").appendChild(element("div", {"class": name + " quiz-line"},
                                                         text));
  }

  function askRow(i) {
    var question = questions[i], state = status[i].state;
    var row = element("div", {"class": "quiz-question"});
    row.appendChild(element("p", {"class": "quiz-ask"},
                            fill(words.quiz_question, {name: question.name})));
    var input = element("input", {type: "text", "aria-label": question.name, spellcheck: "false",
                                  autocomplete: "off", inputmode: "decimal"});
    var button = element("button", {type: "button"}, words.quiz_check);
    var result = element("p", {"class": "quiz-result", role: "status"});
    row.appendChild(input);
    row.appendChild(button);
    row.appendChild(result);
    if (answered(i)) {
      input.value = status[i].typed;
      input.disabled = true;
      button.disabled = true;
      var values = {name: question.name, answer: question.shown, typed: status[i].typed};
      result.textContent = fill(state === "right" ? words.quiz_right : words.quiz_wrong, values);
      result.className = "quiz-result " + state;
    } else {
      button.addEventListener("click", function () { check(i, input, result); });
      input.addEventListener("keydown", function (event) {
        if (event.key === "Enter") { event.preventDefault(); check(i, input, result); }
      });
    }
    return row;
  }

  function render(k) {
    asked.textContent = "";
    var open = false, passed = [];
    questions.forEach(function (question, i) {
      if (question.frame === k) {
        asked.appendChild(askRow(i));
        if (answered(i)) {
          question.explanation.forEach(function (line) { addLine(line[0], line[1]); });
        } else {
          open = true;
        }
      } else if (question.frame < k && question.frame >= lastShown && status[i].state === "open") {
        status[i].state = "skipped";  // stepped past it just now
        passed.push(question.name);
      } else if (question.frame < k && status[i].state === "open") {
        status[i].state = "skipped";
      }
    });
    if (passed.length) {  // one sentence, however many were passed at once (End, the slider)
      var names = passed.slice(0, 3).join(", ") + (passed.length > 3 ? ", \u2026" : "");
      asked.appendChild(element("p", {"class": "quiz-hint"},
                                fill(words.quiz_skipped, {name: names})));
    }
    if (open) { asked.appendChild(element("p", {"class": "quiz-hint"}, words.tolerance)); }
    var counts = {right: 0, skipped: 0, asked: questions.length};
    status.forEach(function (s) {
      if (s.state === "right") { counts.right++; }
      if (s.state === "skipped") { counts.skipped++; }
    });
    score.textContent = fill(counts.skipped ? words.quiz_score_skipped : words.quiz_score, counts);
    lastShown = k;
    return open;
  }

  player.onShow.push(function (k) {
    writeGrads(k);
    // At an open question the page stops: after Play's own step, which would go on otherwise.
    if (render(k)) { Promise.resolve().then(player.stop); }
  });
  writeGrads(player.index());
  render(player.index());
})();

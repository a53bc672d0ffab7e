// chainrule's JavaScript runtime: the float functions of autograd/numerics.py, Python's float
// semantics where JavaScript's differ, Python's "%g" number format, and the passes of a graph
// program made by autograd/javascript.py. Each function gives the number its Python counterpart
// gives (the tests run both on the same inputs in Node).
var chainruleRuntime = (function () {
  "use strict";
  var inf = Infinity;
  var nan = NaN;

  // --- autograd/numerics.py ---------------------------------------------------------------------

  function div(x, y) {
    // IEEE division is numerics.div: x / 0 = +-inf by the signs of x and 0, 0 / 0 = nan.
    return x / y;
  }

  function power(x, y) {
    // As C99 pow and Python's math.pow: 1 ** y = 1 for every y, nan too, and (-1) ** +-inf = 1,
    // where JavaScript's Math.pow gives nan; every other case is the same in both.
    if (x === 1 || (x === -1 && (y === inf || y === -inf))) { return 1; }
    return Math.pow(x, y);
  }

  function exp(x) { return Math.exp(x); }  // inf where it overflows, as numerics.exp

  function log(x) {
    if (x > 0) { return Math.log(x); }
    if (x === 0) { return -inf; }
    return nan;
  }

  function sqrt(x) { return x >= 0 ? Math.sqrt(x) : nan; }

  function sin(x) { return isFinite(x) ? Math.sin(x) : nan; }

  function cos(x) { return isFinite(x) ? Math.cos(x) : nan; }

  function tanh(x) { return Math.tanh(x); }

  function sigmoid(x) {
    if (x >= 0) { return 1 / (1 + Math.exp(-x)); }
    if (x !== x) { return nan; }
    var e = Math.exp(x);
    return e / (1 + e);
  }

  function sign(x) { return (x > 0 ? 1 : 0) - (x < 0 ? 1 : 0); }

  function softplus(x) { return Math.log1p(Math.exp(-Math.abs(x))) + (x > 0 ? x : 0); }

  function maximum(x, y) {
    if (x !== x || y !== y) { return nan; }
    return x >= y ? x : y;
  }

  function minimum(x, y) {
    if (x !== x || y !== y) { return nan; }
    return x <= y ? x : y;
  }

  function log1p(x) {
    if (x > -1) { return Math.log1p(x); }
    if (x === -1) { return -inf; }
    return nan;
  }

  function expm1(x) { return Math.expm1(x); }  // inf where it overflows, as numerics.expm1

  function tan(x) { return isFinite(x) ? Math.tan(x) : nan; }

  function sinh(x) { return Math.sinh(x); }  // +-inf where it overflows

  function cosh(x) { return Math.cosh(x); }

  function atan(x) { return Math.atan(x); }

  function atan2(x, y) { return Math.atan2(x, y); }  // C99 atan2, as Python's math.atan2

  function erf(x) {
    // JavaScript has no erf. Below 3 in size: erf(x) = 2/sqrt(pi) e^(-x^2) times the sum of
    // 2^n x^(2n+1) / (1 * 3 * ... * (2n+1)), whose terms are all positive (no cancellation);
    // from 3: 1 - erfc(x), with erfc(x) = e^(-x^2) / sqrt(pi) / (x + (1/2) / (x + 1 / (x +
    // (3/2) / (x + ...)))), a continued fraction; erfc(3) is 2e-5, so its last digits hardly
    // touch erf. Both agree with libm's erf to about 1e-15 relative (tested against Python).
    if (x !== x) { return nan; }
    var size = Math.abs(x);
    if (size >= 6) { return x > 0 ? 1 : -1; }  // erfc(6) = 2e-17: erf is 1 to the last bit
    if (size < 3) {
      var term = x, sum = x, n = 0;
      while (Math.abs(term) > 1e-17 * Math.abs(sum)) {
        n += 1;
        term *= 2 * x * x / (2 * n + 1);
        sum += term;
      }
      return 1.1283791670955126 * Math.exp(-x * x) * sum;
    }
    var fraction = size;  // evaluated from the tail: x + (k/2) / (x + ((k+1)/2) / ...)
    for (var k = 60; k >= 1; k--) { fraction = size + (k / 2) / fraction; }
    var erfc = Math.exp(-size * size) / 1.7724538509055159 / fraction;
    return x > 0 ? 1 - erfc : erfc - 1;
  }

  // --- Python's float operators where JavaScript's differ --------------------------------------

  function abs(x) { return Math.abs(x); }

  function modulo(x, y) {
    // Python's x % y takes the sign of y (JavaScript's % is C's fmod, with the sign of x), and
    // raises for y = 0, as the rule text's Python compilations do.
    if (y === 0) { throw new RangeError("float modulo by zero"); }
    var rest = x % y;
    if (rest !== 0) {
      if ((y < 0) !== (rest < 0)) { rest += y; }
      return rest;
    }
    return y < 0 ? -0 : 0;
  }

  // --- format(x, ".<precision>g") ---------------------------------------------------------------

  var TEN = BigInt(10);

  // x as m * 2 ** e with m a whole number (a BigInt), x finite and not 0.
  function binary(x) {
    var view = new DataView(new ArrayBuffer(8));
    view.setFloat64(0, Math.abs(x));
    var high = view.getUint32(0), low = view.getUint32(4);
    var biased = high >>> 20;
    var mantissa = BigInt(high & 0xfffff) * BigInt(4294967296) + BigInt(low);
    if (biased === 0) { return {m: mantissa, e: -1074}; }  // subnormal
    return {m: mantissa + (BigInt(1) << BigInt(52)), e: biased - 1075};
  }

  // The fraction |x| / 10 ** scale as a numerator and a denominator.
  function scaled(b, scale) {
    var numerator = b.m, denominator = BigInt(1);
    if (b.e >= 0) { numerator <<= BigInt(b.e); } else { denominator <<= BigInt(-b.e); }
    if (scale >= 0) { denominator *= TEN ** BigInt(scale); } else { numerator *= TEN ** BigInt(-scale); }
    return {n: numerator, d: denominator};
  }

  function stripZeros(digits) {
    var end = digits.length;
    while (end > 0 && digits[end - 1] === "0") { end--; }
    return digits.slice(0, end);
  }

  // format(x, "." + precision + "g") exactly as Python writes it: x rounded to precision
  // significant digits (half to even, on x's exact binary value), in fixed notation where its
  // exponent is at least -4 and below the precision, else as d.ddde+XX; trailing zeros dropped.
  function formatG(x, precision) {
    var p = Math.max(1, precision);
    if (x !== x) { return "nan"; }
    if (x === inf) { return "inf"; }
    if (x === -inf) { return "-inf"; }
    var sign = x < 0 || (x === 0 && 1 / x < 0) ? "-" : "";
    if (x === 0) { return sign + "0"; }
    var b = binary(x);
    var exponent = Math.floor(Math.log10(Math.abs(x)));
    // Make exponent exact: 10 ** exponent <= |x| < 10 ** (exponent + 1).
    for (;;) {
      var low = scaled(b, exponent);
      if (low.n < low.d) { exponent--; continue; }
      var high = scaled(b, exponent + 1);
      if (high.n >= high.d) { exponent++; continue; }
      break;
    }
    var q = scaled(b, exponent - p + 1);
    var n = q.n / q.d, rest = q.n - n * q.d;
    var twice = rest * BigInt(2);
    if (twice > q.d || (twice === q.d && n % BigInt(2) === BigInt(1))) { n += BigInt(1); }
    if (n === TEN ** BigInt(p)) { n /= TEN; exponent++; }
    var digits = n.toString();
    if (exponent < -4 || exponent >= p) {
      var fraction = stripZeros(digits.slice(1));
      var size = String(Math.abs(exponent));
      return sign + digits[0] + (fraction ? "." + fraction : "") + "e" +
        (exponent < 0 ? "-" : "+") + (size.length < 2 ? "0" + size : size);
    }
    if (exponent >= 0) {
      var tail = stripZeros(digits.slice(exponent + 1));
      return sign + digits.slice(0, exponent + 1) + (tail ? "." + tail : "");
    }
    return sign + "0." + stripZeros("0".repeat(-exponent - 1) + digits);
  }

  // --- a graph program (autograd.javascript.program) --------------------------------------------

  var SPECIAL = {"inf": inf, "-inf": -inf, "nan": nan};

  // A number of the program's JSON, where inf and nan are the strings Python's repr writes.
  function number(value) { return typeof value === "string" ? SPECIAL[value] : value; }

  // Every node's data and local derivatives, from the leaves' numbers (leaves[i] for node i), in
  // the program's order, which lists each node after its inputs: the forward pass.
  function forward(program, rules, leaves) {
    var data = new Array(program.ops.length), locals = new Array(program.ops.length);
    for (var i = 0; i < program.ops.length; i++) {
      var op = program.ops[i];
      if (op === null) { data[i] = leaves[i]; continue; }
      var rule = rules[op];
      var inputs = program.inputs[i].map(function (j) { return data[j]; });
      var out = rule.forward.apply(null, inputs);
      data[i] = out;
      locals[i] = rule.grads.apply(null, inputs.concat([out]));
    }
    return {data: data, locals: locals};
  }

  // d(root)/d(node) for every node but the Constants (null for them), as the engine's pass sums
  // it (autograd.graph.chain_rule): the root's start plus the seed 1, then, in the program's
  // backward order, each input's running sum (from its start: 0 for a node made by an op, what
  // a leaf's grad held) plus local derivative * upstream; where the upstream gradient is inf or
  // nan, a derivative that is zero by its rule's convention (a masked zero) adds exactly 0.
  function backward(program, rules, passed) {
    var n = program.ops.length;
    var totals = new Array(n), reached = new Array(n);
    var root = program.root;
    totals[root] = number(program.start[root]) + 1;
    reached[root] = true;
    program.order.forEach(function (node) {
      var upstream = totals[node];
      var rule = rules[program.ops[node]];
      var inputs = program.inputs[node];
      var masks = null;
      if (!(-inf < upstream && upstream < inf) && rule.maskable) {
        masks = rule.masks.apply(null, inputs.map(function (j) { return passed.data[j]; })
          .concat([passed.data[node]]));
      }
      inputs.forEach(function (parent, k) {
        var contribution = masks !== null && masks[k] ? 0 : passed.locals[node][k] * upstream;
        if (program.constant[parent]) { return; }
        totals[parent] = (reached[parent] ? totals[parent] : number(program.start[parent])) +
          contribution;
        reached[parent] = true;
      });
    });
    for (var i = 0; i < n; i++) { if (program.constant[i]) { totals[i] = null; } }
    return totals;
  }

  // The forward and backward passes: {data, locals, grads}, every node by its position.
  function run(program, rules, leaves) {
    var passed = forward(program, rules, leaves);
    passed.grads = backward(program, rules, passed);
    return passed;
  }

  // The leaves' numbers as the program recorded them.
  function recorded(program) { return program.data.map(function (v) { return v === null ? null : number(v); }); }

  return {
    div: div, power: power, exp: exp, log: log, sqrt: sqrt, sin: sin, cos: cos, tanh: tanh,
    sigmoid: sigmoid, sign: sign, softplus: softplus, maximum: maximum, minimum: minimum,
    log1p: log1p, expm1: expm1, tan: tan, sinh: sinh, cosh: cosh, atan: atan, atan2: atan2,
    erf: erf,
    abs: abs, modulo: modulo, formatG: formatG, number: number, forward: forward,
    backward: backward, run: run, recorded: recorded
  };
})();

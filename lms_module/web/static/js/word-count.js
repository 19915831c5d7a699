// Essays: a live word count against the requested range. The visible count follows every key;
// screen readers hear it politely (aria-live="polite") once typing pauses, not on every word.
(function () {
  "use strict";
  var PAUSE_MS = 1500;
  function words(text) {
    var trimmed = text.trim();
    return trimmed ? trimmed.split(/\s+/).length : 0;
  }
  function describe(box, count) {
    var text = (count === 1 ? box.dataset.one : box.dataset.many).replace("{n}", String(count));
    var min = parseInt(box.dataset.min || "0", 10), max = parseInt(box.dataset.max || "0", 10);
    if (min && count < min) return { text: text + " – " + box.dataset.fewer, out: true };
    if (max && count > max) return { text: text + " – " + box.dataset.more, out: true };
    if (min || max) return { text: text + " – " + box.dataset.within, out: false };
    return { text: text, out: false };
  }
  function setUp(box) {
    var area = document.getElementById(box.dataset.for);
    var shown = box.querySelector(".q-words__shown");
    var spoken = box.querySelector(".q-words__spoken");
    if (!area || !shown || !spoken) return;
    var timer = null;
    function update(announce) {
      var state = describe(box, words(area.value));
      shown.textContent = state.text;
      box.classList.toggle("q-words--out", state.out);
      if (timer) window.clearTimeout(timer);
      if (announce) timer = window.setTimeout(function () { spoken.textContent = state.text; }, PAUSE_MS);
    }
    area.addEventListener("input", function () { update(true); });
    update(false);
    box.hidden = false;
  }
  function start() {
    Array.prototype.forEach.call(document.querySelectorAll(".q-words[data-for]"), setUp);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start); else start();
})();

// Question editor, progressive enhancement only (the page works without it):
// - after "add"/"remove" (a full round trip) focus goes to the new row or back to the add button;
// - the cloze gap preview follows the text as it is typed (built with textContent: never HTML).
(function () {
  "use strict";
  var form = document.querySelector("form.qe");
  if (!form) { return; }
  var focus = form.getAttribute("data-focus");
  if (focus) {
    var target = document.getElementById(focus);
    if (target && target.tagName === "FIELDSET") {
      target = target.querySelector("input:not([type=hidden]), textarea, select");
    }
    if (target) { target.focus(); }
  }
  // The focus has moved (and the preview below is set up in this same run, before anyone can read
  // the mark). The script is deferred: the form is on screen a moment before it, and a browser test
  // that typed in that moment had its keys moved to the new row; the tests wait for this mark.
  form.dataset.script = "ready";
  var preview = form.querySelector("[data-cloze-preview]");
  if (!preview) { return; }
  var pattern = /\{\{\s*([^{}\s]*)\s*\}\}/g;
  function gapIds() {
    var ids = [];
    form.querySelectorAll("input[name^='gaps-'][name$='-id']").forEach(function (input) {
      if (input.value.trim()) { ids.push(input.value.trim()); }
    });
    return ids;
  }
  function render(lang) {
    var source = form.querySelector("[name='text_" + lang + "']");
    var box = preview.querySelector(".qe-cloze-preview__lang[data-lang='" + lang + "'] .qe-cloze-preview__text");
    if (!source || !box) { return; }
    var text = source.value, known = gapIds(), position = 0, match;
    box.textContent = "";
    pattern.lastIndex = 0;
    while ((match = pattern.exec(text)) !== null) {
      box.appendChild(document.createTextNode(text.slice(position, match.index)));
      var gap = document.createElement("span");
      var ok = known.indexOf(match[1]) !== -1;
      gap.className = ok ? "qe-gap" : "qe-gap qe-gap--unknown";
      gap.textContent = ok ? "[" + match[1] + "]" : "[" + match[1] + ": " + preview.getAttribute("data-msg-unknown") + "]";
      box.appendChild(gap);
      position = pattern.lastIndex;
    }
    box.appendChild(document.createTextNode(text.slice(position)));
  }
  ["de", "en"].forEach(function (lang) {
    var source = form.querySelector("[name='text_" + lang + "']");
    if (source) { source.addEventListener("input", function () { render(lang); }); }
  });
  form.addEventListener("input", function (event) {
    if (/^gaps-\d+-id$/.test(event.target.name || "")) { render("de"); render("en"); }
  });
}());

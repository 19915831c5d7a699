// Tell the LMS how tall the content is, so that its iframe (600px in Moodle) fits it, also when a
// page is shorter than the frame. The document's scrollHeight never falls below the frame's own
// height, so it could only ever grow the frame: the body's box measures the content itself.
(function () {
  if (window.parent === window) return;
  var last = 0;
  // lti.frameResize has no answer, and a message that reaches the LMS page before its listener is
  // there is lost: the LMS's script may run after this frame has loaded (on a slow machine, or
  // loaded beside the frame). The height is otherwise only sent when it changes, so the frame would
  // keep its default height; the same height is sent again a few times after the load.
  var AGAIN_MS = [500, 1500, 3500, 7500];
  function contentHeight() {
    var body = document.body;
    if (!body) return 0;
    var style = window.getComputedStyle(body);
    return Math.ceil(body.getBoundingClientRect().height +
      (parseFloat(style.marginTop) || 0) + (parseFloat(style.marginBottom) || 0));
  }
  function report(again) {
    var height = contentHeight();
    if (!height || (!again && Math.abs(height - last) < 4)) return;
    last = height;
    window.parent.postMessage({ subject: "lti.frameResize", height: height }, "*");
  }
  function start() {
    report();
    if ("ResizeObserver" in window) new ResizeObserver(function () { report(); }).observe(document.body);
  }
  if (document.body) start(); else document.addEventListener("DOMContentLoaded", start);
  window.addEventListener("load", function () {
    report();
    AGAIN_MS.forEach(function (ms) { setTimeout(function () { report(true); }, ms); });
  });
})();

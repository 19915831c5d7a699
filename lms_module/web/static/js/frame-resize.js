// Tell the LMS how tall the content is, so that its iframe (600px in Moodle) fits it, also when a
// page is shorter than the frame. The document's scrollHeight never falls below the frame's own
// height, so it could only ever grow the frame: the body's box measures the content itself.
(function () {
  if (window.parent === window) return;
  var last = 0;
  function contentHeight() {
    var body = document.body;
    if (!body) return 0;
    var style = window.getComputedStyle(body);
    return Math.ceil(body.getBoundingClientRect().height +
      (parseFloat(style.marginTop) || 0) + (parseFloat(style.marginBottom) || 0));
  }
  function report() {
    var height = contentHeight();
    if (!height || Math.abs(height - last) < 4) return;
    last = height;
    window.parent.postMessage({ subject: "lti.frameResize", height: height }, "*");
  }
  function start() {
    report();
    if ("ResizeObserver" in window) new ResizeObserver(report).observe(document.body);
  }
  if (document.body) start(); else document.addEventListener("DOMContentLoaded", start);
  window.addEventListener("load", report);
})();

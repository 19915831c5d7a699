// A page that comes back after a save names where the person goes on (data-focus-on-load): the
// grading queue's next answer after "Save and grade the next answer". Browsers ignore autofocus
// inside a cross-site frame (the LMS), and a new page otherwise starts at its top, behind the skip
// link and the report navigation, so focus it here once the page has loaded.
window.addEventListener("load", function () {
  var target = document.querySelector("[data-focus-on-load]");
  if (target && document.activeElement !== target) target.focus();
});

// Course quiz editor: after Up/Down the page comes back with `autofocus` on the same button of the
// moved slot. Browsers ignore autofocus inside a cross-site frame (the LMS), so focus it here once
// the page has loaded; pressing Enter again keeps moving the slot. Without JavaScript the #slot
// anchor still scrolls to it. After a refused form (points, details, questions to add) the page
// comes back at its top, far from the field: the first field marked invalid takes the focus, and
// its label and message are read with it.
window.addEventListener("load", function () {
  var target = document.querySelector(".quiz-slots [autofocus]") || document.querySelector("main [aria-invalid=true]");
  if (target && document.activeElement !== target) target.focus();
});

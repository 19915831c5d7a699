// Course quiz editor: after Up/Down the page comes back with `autofocus` on the same button of the
// moved slot. Browsers ignore autofocus inside a cross-site frame (the LMS), so focus it here once
// the page has loaded; pressing Enter again keeps moving the slot. Without JavaScript the #slot
// anchor still scrolls to it.
window.addEventListener("load", function () {
  var target = document.querySelector(".quiz-slots [autofocus]");
  if (target && document.activeElement !== target) target.focus();
});

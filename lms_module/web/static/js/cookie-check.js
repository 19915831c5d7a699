// Before the LMS sign-in: can this frame keep a cookie? If yes, continue; if not, offer a new window.
(function () {
  var box = document.getElementById("kontor-cookie-check");
  if (!box) return;
  var attrs = box.dataset.secure === "true" ? "; SameSite=None; Secure; Partitioned" : "; SameSite=Lax";
  document.cookie = "kontor-cookie-probe=1; path=/; max-age=60" + attrs;
  if (document.cookie.indexOf("kontor-cookie-probe=1") !== -1) {
    document.getElementById("kontor-continue").submit();
  } else {
    document.getElementById("kontor-continue").hidden = true;
    document.getElementById("kontor-cookies-blocked").hidden = false;
  }
})();

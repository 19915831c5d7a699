// LTI platform storage (1EdTech "Client Side postMessages"): keeps the login state in the LMS's
// frame when this browser blocks cookies in the iframe. Mode "put" before the sign-in, "get" after.
(function () {
  var box = document.getElementById("kontor-storage");
  if (!box) return;
  var origin = box.dataset.origin;
  var parentWindow = window.opener || window.parent;
  var counter = 0;
  var RESEND_MS = 250;

  function targetFrame(name) {
    if (!name || name === "_parent") return parentWindow;
    try { return parentWindow.frames[name] || parentWindow; } catch (e) { return parentWindow; }
  }

  // trusted: the platform's OIDC origin, which hosts the storage frame (Canvas: its sso domain).
  // Capabilities go to the parent LMS page, whose origin (a school's own domain) we do not know.
  // The question is sent again until it is answered: the LMS loads its storage frame beside ours,
  // and a message that reaches that frame before its page (and listener) has loaded is lost.
  // Every question here can be asked twice (capabilities, get, and a put of the same value).
  function ask(win, message, timeoutMs, trusted) {
    return new Promise(function (resolve, reject) {
      var id = "kontor-" + Date.now() + "-" + (counter++);
      message.message_id = id;
      var resending, giveUp;
      function stop() {
        window.removeEventListener("message", onMessage);
        clearInterval(resending);
        clearTimeout(giveUp);
      }
      function onMessage(event) {
        if (trusted && event.origin !== origin) return;
        var data = event.data || {};
        if (data.message_id !== id) return;
        stop();
        if (data.error) reject(data.error); else resolve(data);
      }
      function send() {
        try { win.postMessage(message, trusted ? origin : "*"); } catch (e) { /* frame not there yet */ }
      }
      window.addEventListener("message", onMessage);
      send();
      resending = setInterval(send, RESEND_MS);
      giveUp = setTimeout(function () { stop(); reject("timeout"); }, timeoutMs);
    });
  }

  function storageFrame() {
    return ask(parentWindow, { subject: "lti.capabilities" }, 3000, false).then(function (reply) {
      var supported = (reply.supported_messages || []).filter(function (m) { return m.subject === "lti.get_data"; });
      if (!supported.length) throw "unsupported";
      return targetFrame(supported[0].frame || box.dataset.target);
    });
  }

  if (box.dataset.mode === "put") {
    storageFrame()
      .then(function (frame) {
        return ask(frame, { subject: "lti.put_data", key: box.dataset.key, value: box.dataset.value }, 8000, true);
      })
      .catch(function () { /* cookies may still work; the launch decides */ })
      .then(function () { document.getElementById("kontor-continue").submit(); });
  } else {
    var form = document.getElementById("kontor-storage-form");
    storageFrame()
      .then(function (frame) { return ask(frame, { subject: "lti.get_data", key: box.dataset.key }, 8000, true); })
      .then(function (reply) {
        form.elements.state_value.value = reply.value || "";
        form.submit();
      })
      .catch(function () { document.getElementById("kontor-storage-failed").hidden = false; });
  }
})();

/* The platform's side of the 1EdTech "LTI Client Side postMessages" (capabilities, platform
   storage with lti.put_data / lti.get_data) and lti.frameResize. Runs in the page that holds
   the tool's iframe and in the hidden "post_message_forwarding" frame. Data is kept in this
   (emulator) origin's localStorage, separately for every tool origin. */
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("demo-lms-config").textContent);
  var STORAGE_FRAME = "post_message_forwarding";
  var PREFIX = "demo-lms.lti-storage";
  var toolFrame = document.getElementById("contentframe");

  function reply(event, message) {
    // Answer only the window that asked, and only at its origin.
    event.source.postMessage(message, event.origin);
  }

  function capabilities() {
    var supported = [{ subject: "lti.capabilities" }];
    if (config.platformStorage) {
      supported.push({ subject: "lti.put_data", frame: STORAGE_FRAME });
      supported.push({ subject: "lti.get_data", frame: STORAGE_FRAME });
    }
    if (toolFrame) {
      supported.push({ subject: "lti.frameResize" });
    }
    return supported;
  }

  function storage(event, message) {
    var response = { subject: message.subject + ".response", message_id: message.message_id, key: message.key };
    if (typeof message.key !== "string" || message.key === "" || !event.origin || event.origin === "null") {
      response.error = { code: "bad_request", message: "lti.put_data and lti.get_data need a key and a tool origin" };
      reply(event, response);
      return;
    }
    var storageKey = PREFIX + "|" + event.origin + "|" + message.key;
    try {
      if (message.subject === "lti.put_data") {
        if (typeof message.value !== "string") {
          response.error = { code: "bad_request", message: "value must be a string" };
        } else {
          window.localStorage.setItem(storageKey, message.value);
          response.value = message.value;
        }
      } else {
        response.value = window.localStorage.getItem(storageKey);
      }
    } catch (problem) {
      response.error = { code: "storage_exhaustion", message: String(problem) };
    }
    reply(event, response);
  }

  function resize(event, message) {
    if (!toolFrame || event.source !== toolFrame.contentWindow) {
      return;
    }
    var height = parseInt(message.height, 10);
    if (height >= 50 && height <= 20000) {
      toolFrame.style.height = height + "px";
      toolFrame.setAttribute("height", height + "px");
    }
  }

  window.addEventListener("message", function (event) {
    var message = event.data;
    if (typeof message === "string") {
      try { message = JSON.parse(message); } catch (ignored) { return; }
    }
    if (!message || typeof message.subject !== "string" || message.subject.indexOf("lti.") !== 0) {
      return;
    }
    if (/\.response$/.test(message.subject)) {
      return;
    }
    switch (message.subject) {
      case "lti.frameResize":
        resize(event, message);
        return;
      case "lti.capabilities":
        if (config.platformStorage) {
          reply(event, { subject: "lti.capabilities.response", message_id: message.message_id, supported_messages: capabilities() });
        }
        return;
      case "lti.put_data":
      case "lti.get_data":
        if (config.platformStorage) {
          storage(event, message);
        }
        return;
      default:
        if (config.platformStorage) {
          reply(event, {
            subject: message.subject + ".response",
            message_id: message.message_id,
            error: { code: "unsupported_subject", message: "Unsupported subject: " + message.subject }
          });
        }
    }
  });

  if (config.closeOnRegistration) {
    // Dynamic registration: the tool's page says it is done with org.imsglobal.lti.close.
    window.addEventListener("message", function (event) {
      var data = event.data;
      if (data && data.subject === "org.imsglobal.lti.close") {
        window.location.href = config.closeOnRegistration;
      }
    });
  }
}());

// Progressive enhancement for the attempt pages: autosave each question when it changes, keep
// unsent answers in this browser while the server cannot be reached, and show the countdown.
// Without this script every page still works: answers are saved by the form post on navigation.
(function () {
  "use strict";
  var form = document.getElementById("attempt-form");
  var status = document.getElementById("save-status");
  var spoken = document.getElementById("save-status-spoken");

  // The save status is on screen at every save; a screen reader hears only what the student must
  // know: a problem (no connection, an answer refused, a stale token, the attempt closed), once,
  // and, once, that the answers are saved again after it. The status was a live region that said
  // "Saving…" and "All answers saved." at every pause in typing, which interrupted the student
  // all the time. A problem the retries meet again is not spoken again; the spoken region is
  // emptied (which is not spoken) at the next save, so that reading the page does not find it twice.
  var warned = "";  // the problem last spoken, until the answers are saved again
  function speak(text) { if (spoken && spoken.textContent !== text) spoken.textContent = text; }
  function show(text) { if (status) status.textContent = text; }
  function saying(text) { show(text); speak(""); }
  function warn(text) {
    show(text);
    if (text !== warned) { warned = text; speak(text); }
  }
  function saved(text) {
    show(text);
    speak(warned ? text : "");
    warned = "";
  }

  // A question page's answers leave as the "Finish attempt…" button sends them: a form post with
  // every field of the page (the server saves them during its grace, then shows the summary, or
  // the result once the attempt is submitted).
  function postPage() {
    var go = document.createElement("input");
    go.type = "hidden";
    go.name = "go";
    go.value = "summary";
    form.appendChild(go);
    HTMLFormElement.prototype.submit.call(form);  // a field named "submit" cannot shadow it
  }

  // Set by the autosave below: at time-up, flush what is queued, then post the page.
  var saveAndLeave = null;
  // Set by the countdown below: the deadline as the server has it now (the autosave's answer, the
  // countdown's own check), which an instructor may have moved while the page is open.
  var followDeadline = null;

  // A browser that blocks site data in the LMS's iframe (third-party cookies blocked) throws on
  // window.localStorage: the queue then lives in memory, as long as the page.
  var storage = (function () {
    try { if (window.localStorage) return window.localStorage; } catch (e) { /* blocked */ }
    var memory = {};
    return {
      getItem: function (key) { return Object.prototype.hasOwnProperty.call(memory, key) ? memory[key] : null; },
      setItem: function (key, value) { memory[key] = String(value); }
    };
  })();

  // ---- autosave ---------------------------------------------------------------------------
  if (form && window.fetch) {
    var queueKey = "kontor-unsent-" + form.dataset.attempt;
    var timers = {};

    function loadQueue() {
      try { return JSON.parse(storage.getItem(queueKey)) || {}; } catch (e) { return {}; }
    }
    function storeQueue(queue) {
      try { storage.setItem(queueKey, JSON.stringify(queue)); } catch (e) { /* storage full: the post still saves */ }
      form.dataset.unsent = String(Object.keys(queue).length);  // what is not saved yet, for the browser tests
    }

    function fieldsOf(questionId) {
      var prefix = "q-" + questionId;
      var fields = {};
      Array.prototype.forEach.call(form.elements, function (el) {
        if (!el.name || (el.name !== prefix && el.name.indexOf(prefix + "__") !== 0)) return;
        if (!fields[el.name]) fields[el.name] = [];
        if ((el.type === "radio" || el.type === "checkbox") && !el.checked) return;
        fields[el.name].push(el.value);
      });
      return fields;
    }

    // When an answer was given, told on the server's clock. Of two saves of one question the server
    // keeps the answer given later, and it times a form post on its own clock; a moment read from
    // the browser's clock, which may be minutes off, compared two clocks: one ahead made an answer
    // queued earlier (offline, a slow network) and sent late replace the answer posted after it (the
    // server can only clamp a moment to its now, which is the arrival), one behind made a newer
    // answer lose to an older post. So the moment is the server's time when it made the page
    // (data-now) plus the time since, counted on the monotonic clock (performance.now), which the
    // browser's date and time setting does not move. Counted from when this script runs, after the
    // page has travelled, it is a little behind the server's time, never ahead: an answer given
    // before a form post stays older than that post however late it is sent, and one given on a
    // page loaded after a post is newer than it. A queued answer keeps its moment until it is sent.
    var pageMadeAt = Date.parse(form.dataset.now);
    var monotonic = window.performance && typeof performance.now === "function"
      ? function () { return performance.now(); } : null;
    var scriptRanAt = monotonic ? monotonic() : 0;
    function givenAt() {
      if (isNaN(pageMadeAt) || !monotonic) return new Date().toISOString();  // the server clamps it
      return new Date(pageMadeAt + (monotonic() - scriptRanAt)).toISOString();
    }

    var KEPT = new Error("kept for later");  // thrown by send: stop this flush, keep the queue

    // A save that gets no answer is given up after this long (the page's data-save-timeout-ms):
    // a request stuck on a bad network held up every later save until the browser gave up on it
    // (minutes). Given up, the answer stays queued and goes out with the next flush.
    function saveTimeoutMs() { return parseInt(form.dataset.saveTimeoutMs, 10) || 20000; }

    function send(questionId, entry) {
      var controller = window.AbortController ? new AbortController() : null;
      var giveUp = controller ? setTimeout(function () { controller.abort(); }, saveTimeoutMs()) : null;
      function settled() { if (giveUp) clearTimeout(giveUp); }
      return fetch(form.dataset.autosaveUrl, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": form.dataset.csrf },
        body: JSON.stringify({ question_id: questionId, fields: entry.fields, flagged: entry.flagged, given_at: entry.given_at }),
        signal: controller ? controller.signal : undefined
      }).then(function (response) {
        if (response.status >= 500) throw new Error("server " + response.status);
        // A refusal (409: the attempt is closed or cannot be shown; 400: the answer was refused)
        // says why in the student's language and drops the answer; a 409 without a message gets
        // the page's own text.
        // Any other answer that is not JSON keeps the answer queued (the catch in flush).
        var parsed = response.json();
        if (response.status === 409) parsed = parsed.catch(function () { return {}; });
        return parsed.then(function (body) {
          if (body && followDeadline) followDeadline(body);
          var message = body && !body.ok && typeof body.message === "string" ? body.message : "";
          // Refused for another reason than the answer (a stale security token after a launch in
          // another tab, an expired launch): the answer stays queued, the reason stays on screen.
          if (body && body.keep) { warn(message || form.dataset.msgOffline); throw KEPT; }
          if (response.status === 409) message = message || form.dataset.msgClosed;
          if (message) { warn(message); return "refused"; }
          return "done";
        });
      }).then(function (outcome) { settled(); return outcome; }, function (error) { settled(); throw error; });
    }

    // One flush at a time: two running at once sent the same question twice in either order, and
    // a flush asked for while one runs starts when it ends, with the answers given meanwhile.
    var flushing = false;
    var flushAgain = false;

    function flush() {
      if (flushing) { flushAgain = true; return; }
      var queue = loadQueue();
      var ids = Object.keys(queue);
      if (!ids.length) return;
      flushing = true;
      flushAgain = false;
      var refused = false;  // the server's reason stays on screen, not "All answers saved."
      saying(form.dataset.msgSaving);
      ids.reduce(function (chain, questionId) {
        return chain.then(function () {
          return send(questionId, queue[questionId]).then(function (outcome) {
            if (outcome === "refused") refused = true;
            // Forget the answer only if it is still the one just sent: each change has its own
            // revision, as two changes can carry the same given_at (one millisecond).
            var latest = loadQueue();
            if (latest[questionId] && latest[questionId].revision === queue[questionId].revision) {
              delete latest[questionId];
              storeQueue(latest);
            }
          });
        });
      }, Promise.resolve())
        .then(function () { if (!refused && !Object.keys(loadQueue()).length) saved(form.dataset.msgSaved); })
        .catch(function (error) { if (error !== KEPT) warn(form.dataset.msgOffline); })
        .then(function () {
          flushing = false;
          if (flushAgain) flush();
        });
    }

    var revisions = 0;

    function remember(questionId) {
      var queue = loadQueue();
      var flag = document.getElementById("flag-" + questionId);
      revisions += 1;
      queue[questionId] = {
        fields: fieldsOf(questionId), flagged: flag ? flag.checked : false, given_at: givenAt(),
        // Unique beyond this page: an answer left in the queue by an earlier page keeps its own.
        revision: Date.now().toString(36) + "-" + Math.random().toString(36).slice(2) + "-" + revisions
      };
      storeQueue(queue);
      clearTimeout(timers[questionId]);
      timers[questionId] = setTimeout(flush, 600);
    }

    function questionOf(el) {
      var section = el.closest("[data-question]");
      return section ? section.dataset.question : null;
    }

    form.addEventListener("change", function (event) { var q = questionOf(event.target); if (q) remember(q); });
    form.addEventListener("input", function (event) {
      if (event.target.tagName === "TEXTAREA" || event.target.type === "text") { var q = questionOf(event.target); if (q) remember(q); }
    });
    window.addEventListener("online", flush);
    setInterval(flush, 15000);
    flush();  // answers left over from a lost connection or a closed laptop

    // At time-up the page is posted (postPage), accepted during the server's grace. A reload posted
    // nothing and threw away the queue where it lived in memory (site data blocked in the LMS's
    // frame), so an answer changed in the last second was lost. The queue is flushed first (it can
    // hold other pages' answers in localStorage), but never waited for longer than `flushMs`: a save
    // stuck on a slow network must not keep the post beyond the grace. Offline, the post waits for
    // the connection until `lastMoment`, then goes anyway.
    saveAndLeave = function (flushMs, lastMoment) {
      var leaving = false;
      var posted = false;
      function post() {
        if (posted) return;
        posted = true;
        saying(form.dataset.msgSaving);
        postPage();
      }
      function leave() {
        if (leaving) return;
        leaving = true;
        clearInterval(poll);
        clearTimeout(limit);
        if (navigator.onLine !== false || Date.now() >= lastMoment) { post(); return; }
        window.addEventListener("online", post);
        setTimeout(post, lastMoment - Date.now());
      }
      flush();
      var poll = setInterval(function () { if (!flushing && !Object.keys(loadQueue()).length) leave(); }, 100);
      var limit = setTimeout(leave, flushMs);
    };
  }

  // ---- feedback after "Check answer" ------------------------------------------------------
  // The page comes back with #q-<id>-feedback: move focus to the feedback so that a screen reader
  // reads it and the keyboard continues from there (a fragment alone only scrolls).
  // Again after "load": the browser's own scroll to the fragment comes later and resets focus.
  var hash = window.location.hash ? decodeURIComponent(window.location.hash.slice(1)) : "";
  var feedback = hash && document.getElementById(/-feedback$/.test(hash) ? hash : hash + "-feedback");
  if (feedback && feedback.classList.contains("question__review")) {
    feedback.focus();
    window.addEventListener("load", function () { if (document.activeElement !== feedback) feedback.focus(); });
  }

  // ---- countdown --------------------------------------------------------------------------
  // Counted on the server's clock (the page says what time it was there): a browser clock that is
  // off would end the countdown before the deadline or after the grace. The page's transfer time
  // makes the count late by that much, never early.
  // The deadline can move while the page is open (an instructor's new closing date, an
  // accommodation): the autosave's answer says what it is now, and so does a check of
  // data-deadline-url at most once a minute while the page is seen and nothing was saved (a student
  // who reads and thinks sends nothing). Without it the page counted to the old deadline: an
  // earlier one closed the attempt while the page still showed time left, a later one posted the
  // page at the old zero. The timer is on every page of an attempt in progress, hidden without a
  // deadline, shown when one comes.
  var timer = document.getElementById("attempt-timer");
  if (timer) {
    var deadline = Date.parse(timer.dataset.deadline);  // NaN: no deadline (yet)
    var served = Date.parse(timer.dataset.now);
    var offset = isNaN(served) ? 0 : served - Date.now();
    var graceMs = (parseInt(timer.dataset.graceSeconds, 10) || 0) * 1000;
    var value = timer.querySelector(".timer__value");
    var announce = document.getElementById("attempt-timer-announce");
    var announced = {};
    var moments = [10, 5, 1];
    var handle = null;
    var over = false;  // time is up: the page is leaving, a later answer changes nothing
    function serverNow() { return Date.now() + offset; }
    function pad(n) { return n < 10 ? "0" + n : String(n); }
    function timeUp() {
      over = true;
      announce.textContent = timer.dataset.labelOver;
      announce.classList.remove("visually-hidden");  // seen as well as heard: the page is about to change
      if (form) {
        // A question page: its answers go out now, inside the grace. The limits are counted on
        // this browser's clock, as the timers that keep them.
        var graceLeft = deadline + graceMs - serverNow();
        if (saveAndLeave) saveAndLeave(Math.min(5000, Math.max(0, graceLeft / 3)), Date.now() + Math.max(0, graceLeft - 5000));
        else postPage();
      } else {
        // The summary has nothing unsaved: the student stays here while the grace runs (another
        // tab may still be saving), then goes to the result once; the server submits the attempt
        // there. A reload instead showed this page again every 3 s until the grace was over.
        var wait = Math.max(2000, deadline + graceMs + 1000 - serverNow());
        setTimeout(function () { window.location.replace(timer.dataset.resultUrl); }, wait);
      }
    }
    function tick() {
      var left = Math.max(0, Math.ceil((deadline - serverNow()) / 1000));
      var minutes = Math.floor(left / 60);
      value.textContent = Math.floor(minutes / 60) + ":" + pad(minutes % 60) + ":" + pad(left % 60);
      moments.forEach(function (m) {
        if (!announced[m] && left <= m * 60 && left > (m * 60 - 30)) {
          announced[m] = true;
          announce.textContent = m === 1 ? timer.dataset.announceMinute : timer.dataset.announceMinutes.replace("{n}", m);
        }
      });
      if (left === 0) {
        clearInterval(handle);
        handle = null;
        timeUp();
      }
    }
    function count() {
      if (isNaN(deadline)) {
        clearInterval(handle);
        handle = null;
        timer.hidden = true;
        return;
      }
      timer.hidden = false;
      if (!handle) handle = setInterval(tick, 1000);
      tick();
    }

    var heardAt = Date.now();  // when the server last said what the deadline is (the page, a save)
    followDeadline = function (facts) {
      if (over || typeof facts.deadline !== "string") return;
      heardAt = Date.now();
      var now = Date.parse(facts.now);
      // The answer's time, late by its way back, never early; it also follows a browser clock
      // that was set while the page is open.
      if (!isNaN(now)) offset = now - Date.now();
      var moved = Date.parse(facts.deadline);
      if (moved === deadline || (isNaN(moved) && isNaN(deadline))) return;
      deadline = moved;
      announced = {};
      count();
      // Once, politely, after the count (a minute's warning would otherwise replace it): the
      // sentence comes from the server in the student's language, with the time in their zone.
      if (!over && typeof facts.deadline_changed === "string") announce.textContent = facts.deadline_changed;
    };

    var checkUrl = timer.dataset.deadlineUrl;
    if (checkUrl && window.fetch) {
      var checking = false;
      var check = function () {
        if (over || checking || document.visibilityState === "hidden" || Date.now() - heardAt < 55000) return;
        checking = true;
        fetch(checkUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
          .then(function (response) { return response.ok ? response.json() : null; })
          .then(function (body) { if (body && body.ok) followDeadline(body); })
          .catch(function () { /* offline: the next check, or the next save, tells */ })
          .then(function () { checking = false; });
      };
      setInterval(check, 60000);
      document.addEventListener("visibilitychange", check);  // back to the tab after a while
    }
    count();
  }

  // Everything above is in place: answers typed from now on are saved and the countdown runs. The
  // script is deferred, so the form is on screen a moment before it; the browser tests wait for
  // this mark before they type, as an answer typed in that moment would only go out with the post.
  if (form) form.dataset.script = "ready";
})();

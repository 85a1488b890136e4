// The waiting page: ask the server every few seconds whether the clinician
// started or admitted us, and go into the room as soon as they did. The
// way in is the page's own POST form, as without JavaScript. Its one
// line of its own comes from the page's JSON block "words", in the page's
// language (the device check's, templates/check.html).
(function () {
  "use strict";
  var form = document.getElementById("enter");
  if (!form) return;
  var block = document.getElementById("words");
  var words = block ? JSON.parse(block.textContent) : {};
  var status = form.getAttribute("data-status");
  var entering = false;

  function enter() {
    if (entering) return;
    entering = true;
    document.getElementById("waiting-box").hidden = true;
    document.getElementById("ready-box").hidden = false;
    var button = document.getElementById("enter-button");
    button.textContent = words["wait-enter-button"] || button.textContent;
    button.className = "primary";
    form.submit();
  }

  // The clinician's running-late note: shown, changed or taken away as
  // the server says, always as text.
  var noteBox = document.getElementById("late-note-box");
  var noteText = document.getElementById("late-note-text");
  function showNote(note) {
    if (!noteBox || !noteText) return;
    var text = typeof note === "string" ? note : "";
    if (noteText.textContent !== text) noteText.textContent = text;
    noteBox.hidden = text === "";
  }

  function ask() {
    fetch(status, { cache: "no-store", credentials: "omit" })
      .then(function (r) { return r.json(); })
      .then(function (body) {
        showNote(body.note);
        if (body.ready) { enter(); return; }
        // The window closed or the link changed: the link page explains.
        if (body.state !== "open") { location.replace(form.getAttribute("data-back")); return; }
        setTimeout(ask, 3000);
      })
      .catch(function () { setTimeout(ask, 6000); });
  }

  if (!document.getElementById("ready-box").hidden) { enter(); return; }
  setTimeout(ask, 3000);
  document.addEventListener("visibilitychange", function () { if (!document.hidden && !entering) ask(); });
})();

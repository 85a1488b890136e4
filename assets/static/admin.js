// Porchlight admin page helpers. Everything works without this file; it
// adds one-click copying, confirmations, the live "waiting" list with a
// chime, a notification and Admit buttons, and a check of this computer's
// clock.
(function () {
  "use strict";

  // Copy: the text is already in the page (copy.js does the copying).
  var copyText = window.porchlightCopy;
  document.addEventListener("click", function (ev) {
    var button = ev.target.closest("button.copy");
    if (!button) return;
    var source = document.getElementById(button.getAttribute("data-copy"));
    if (!source) return;
    var status = button.closest(".actions, li, article").querySelector(".copied");
    copyText(source.value).then(function (ok) {
      var what = button.firstChild.textContent.replace(/^Copy /, "");
      if (status) status.textContent = ok ? "Copied " + what : "Press Ctrl+C to copy";
      if (!ok) { var d = source.closest("details"); if (d) d.open = true; source.hidden = false; source.select(); }
      setTimeout(function () { if (status) status.textContent = ""; }, 4000);
    });
  });

  // Ask before destructive actions marked data-confirm.
  document.addEventListener("submit", function (ev) {
    var msg = ev.target.getAttribute("data-confirm");
    if (msg && !window.confirm(msg)) ev.preventDefault();
  });

  var today = document.querySelector(".today");
  if (!today) return;

  // Clock check: a Raspberry Pi has no battery clock.
  var offset = Date.parse(today.getAttribute("data-server-time")) - Date.now();
  var zone = today.getAttribute("data-zone");
  var clock = document.getElementById("clock");
  function at(ms) {
    return new Intl.DateTimeFormat(undefined, { hour: "numeric", minute: "2-digit", second: "2-digit", timeZone: zone, timeZoneName: "short" }).format(new Date(ms));
  }
  if (clock && window.Intl) {
    clock.textContent = "Server clock " + at(Date.now() + offset) + ", this computer " + at(Date.now()) +
      " (both shown in " + zone + ").";
  }
  if (Math.abs(offset) > 120000) {
    var warn = document.getElementById("clock-warning");
    warn.textContent = "The server's clock and this computer's differ by " + Math.round(Math.abs(offset) / 60000) +
      " minutes. Links open and close by the server's clock: check that the server's time is set (NTP).";
    warn.hidden = false;
  }

  // Who is waiting: poll, chime, notify, and mark the tab title.
  var list = document.getElementById("waiting");
  var nobody = document.getElementById("nobody");
  var signedOut = document.getElementById("signed-out");
  var baseTitle = document.title;
  var csrf = today.getAttribute("data-csrf");
  var known = {};
  Array.prototype.forEach.call(list.querySelectorAll("li"), function (li) { known[li.getAttribute("data-key")] = li.getAttribute("data-stage"); });

  var notify = document.getElementById("notify");
  if (window.Notification && Notification.permission === "default") {
    notify.hidden = false;
    notify.addEventListener("click", function () {
      Notification.requestPermission().then(function () { notify.hidden = true; });
    });
  }

  // Browsers let a page make sound only after a click or key press on it,
  // so the audio context is made at the first one.
  var audio = null;
  function unlock() {
    var Ctx = window.AudioContext || window.webkitAudioContext;
    if (!audio && Ctx) audio = new Ctx();
    if (audio && audio.state === "suspended") audio.resume();
  }
  document.addEventListener("pointerdown", unlock);
  document.addEventListener("keydown", unlock);

  function chime() {
    try {
      if (!audio) return;
      var ctx = audio;
      [660, 880].forEach(function (f, i) {
        var o = ctx.createOscillator(), g = ctx.createGain();
        o.frequency.value = f;
        g.gain.setValueAtTime(0.0001, ctx.currentTime + i * 0.18);
        g.gain.exponentialRampToValueAtTime(0.2, ctx.currentTime + i * 0.18 + 0.02);
        g.gain.exponentialRampToValueAtTime(0.0001, ctx.currentTime + i * 0.18 + 0.35);
        o.connect(g); g.connect(ctx.destination);
        o.start(ctx.currentTime + i * 0.18); o.stop(ctx.currentTime + i * 0.18 + 0.4);
      });
    } catch (e) { /* sound is a nicety */ }
  }

  // Mirrors the arrival() macro of the admin templates.
  function describe(w) {
    if (w.stage === "in_room") return "sent to the video room at " + w.since_local;
    if (w.stage === "waiting" && w.let_in) return "let in, joining now";
    if (w.stage === "waiting") return "waiting since " + w.since_local + (w.quiet_for > 30 ? ", page closed?" : "");
    return "on their link page since " + w.since_local;
  }
  function admitForm(w) {
    var form = document.createElement("form");
    form.method = "post";
    form.action = "/admin/appointments/" + w.appointment_id + "/admit";
    form.className = "inline";
    [["csrf", csrf], ["client", String(w.client_id)], ["back", "today"]].forEach(function (kv) {
      var input = document.createElement("input");
      input.type = "hidden"; input.name = kv[0]; input.value = kv[1];
      form.appendChild(input);
    });
    var button = document.createElement("button");
    button.type = "submit";
    button.textContent = "Admit " + w.name;
    form.appendChild(button);
    return form;
  }
  function isWaiting(w) { return w.stage === "waiting" && !w.let_in; }
  function titled(count) { document.title = count ? "(" + count + " waiting) " + baseTitle : baseTitle; }

  function render(waiting) {
    var fresh = [];
    list.textContent = "";
    var now = {};
    waiting.forEach(function (w) {
      var key = w.appointment_id + "-" + w.client_id;
      now[key] = w.stage;
      // Sound for a new arrival, and again when they press Join and wait.
      if (known[key] === undefined || (isWaiting(w) && known[key] !== "waiting")) fresh.push(w);
      var li = document.createElement("li");
      li.setAttribute("data-key", key);
      li.setAttribute("data-stage", w.stage);
      var a = document.createElement("a");
      a.href = "/admin/appointments/" + w.appointment_id;
      a.textContent = w.name;
      var since = document.createElement("span");
      since.className = "since";
      since.textContent = " " + describe(w);
      li.appendChild(a); li.appendChild(since);
      // The client's device check, in the server's words (admin_today.html).
      if (w.device) {
        var device = document.createElement("span");
        device.className = "device";
        device.textContent = w.device;
        li.appendChild(document.createTextNode(" ")); li.appendChild(device);
      }
      if (isWaiting(w)) { li.appendChild(document.createTextNode(" ")); li.appendChild(admitForm(w)); }
      list.appendChild(li);
    });
    known = now;
    nobody.hidden = waiting.length > 0;
    titled(waiting.filter(function (w) { return w.stage !== "in_room"; }).length);
    if (fresh.length) {
      chime();
      if (window.Notification && Notification.permission === "granted") {
        fresh.forEach(function (w) { new Notification(w.name + (isWaiting(w) ? " is waiting" : " is here"), { body: describe(w), tag: "waiting-" + w.appointment_id + "-" + w.client_id }); });
      }
    }
  }

  function poll() {
    fetch("/admin/api/waiting", { cache: "no-store", credentials: "same-origin" })
      .then(function (r) {
        if (r.status === 401) { signedOut.hidden = false; return null; }
        return r.json();
      })
      .then(function (body) {
        if (!body) return;
        render(body.waiting);
        setTimeout(poll, 4000);
      })
      .catch(function () { setTimeout(poll, 8000); });
  }
  setTimeout(poll, 4000);
  titled(list.querySelectorAll("li:not([data-stage=in_room])").length);

  // Start opens the room in a new tab; this tab then shows the session as
  // started.
  document.addEventListener("submit", function (ev) {
    if (ev.target.getAttribute("target") === "_blank" && !ev.defaultPrevented) {
      setTimeout(function () { location.reload(); }, 1500);
    }
  });
})();

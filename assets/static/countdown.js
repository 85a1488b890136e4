// The early participant page: a live countdown that turns the page into
// the open one, without a reload, when the join window opens.
// The server's clock is the truth: the offset to this device's clock is
// measured once at load, so a phone set five minutes wrong still counts
// down to the right moment. Its words, in the page's language, are the
// elements' own data-* attributes ("{left}", "{time}" filled in here);
// numbers of days, hours and minutes are the browser's, by CLDR
// (Intl.NumberFormat's units), not plural rules of ours.
(function () {
  "use strict";
  var box = document.getElementById("countdown");
  var remaining = document.getElementById("remaining");
  var join = document.getElementById("join");
  var headline = document.getElementById("headline");
  showLocalTime();
  if (!box || !remaining || !join) return;

  var opensAt = Date.parse(box.getAttribute("data-opens-at"));
  var offset = Date.parse(box.getAttribute("data-server-now")) - Date.now();
  var checking = false;

  function serverNow() { return Date.now() + offset; }

  var lang = document.documentElement.lang || "en";
  function plural(n, unit) {
    if (!window.Intl || !Intl.NumberFormat) return n + " " + unit + (n === 1 ? "" : "s");
    return new Intl.NumberFormat(lang, { style: "unit", unit: unit, unitDisplay: "long" }).format(n);
  }

  function describe(ms) {
    var s = Math.ceil(ms / 1000);
    var d = Math.floor(s / 86400), h = Math.floor(s % 86400 / 3600);
    var m = Math.floor(s % 3600 / 60), sec = s % 60;
    if (d > 0) return plural(d, "day") + ", " + plural(h, "hour");
    if (h > 0) return plural(h, "hour") + ", " + plural(m, "minute");
    if (m > 0) return plural(m, "minute") + ", " + plural(sec, "second");
    return plural(sec, "second");
  }

  function open() {
    box.hidden = true;
    join.hidden = false;
    headline.textContent = headline.getAttribute("data-open-text");
    document.body.querySelector("main").classList.replace("early", "open");
    join.querySelector("button").focus();
  }

  // Ask the server, which decides; the page only follows.
  function check() {
    if (checking) return;
    checking = true;
    var api = location.pathname.replace(/^\/v\//, "/api/v1/links/");
    fetch(api, { cache: "no-store", credentials: "omit" })
      .then(function (r) { return r.json(); })
      .then(function (body) {
        if (body.state === "open") { open(); return; }
        if (body.state !== "early") { location.reload(); return; }
        checking = false;
        setTimeout(check, 5000);
      })
      .catch(function () { checking = false; setTimeout(check, 5000); });
  }

  function tick() {
    var left = opensAt - serverNow();
    if (left <= 0) {
      remaining.textContent = remaining.getAttribute("data-opening");
      check();
      return;
    }
    remaining.textContent = remaining.getAttribute("data-opens-in").replace("{left}", describe(left));
    setTimeout(tick, left > 120000 ? 1000 : 250);
  }
  tick();

  // "That's 11:00 AM where you are", when the device is in another zone.
  function showLocalTime() {
    var el = document.getElementById("yourtime");
    if (!el || !window.Intl) return;
    var start = new Date(el.getAttribute("data-start"));
    var here = Intl.DateTimeFormat().resolvedOptions().timeZone;
    if (!here || here === el.getAttribute("data-zone")) return;
    var lang = document.documentElement.lang || undefined;
    var fmt = new Intl.DateTimeFormat(lang, { weekday: "long", hour: "numeric", minute: "2-digit", timeZoneName: "short" });
    el.textContent = el.getAttribute("data-words").replace("{time}", fmt.format(start));
    el.hidden = false;
  }
})();

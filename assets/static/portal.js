// The portal: once a minute, and whenever the page is shown again, fetch
// this page anew and put its list of sessions in place of the one shown,
// item by item, so a Join button appears when a session opens. Unlike a
// reload (the page's old meta refresh, WCAG 2.2.1) nothing moves: the
// scroll position stays, focus stays where it is unless its own item
// changed, and a screen reader is not sent back to the top. A new Join
// button is said once through the status line.
(function () {
  "use strict";
  var box = document.getElementById("sessions");
  var status = document.getElementById("sessions-status");
  if (!box || !status || !window.fetch || !window.DOMParser) return;
  var EVERY = 60000;
  var timer = null;
  var busy = false;

  function joinable(root) { return root.querySelectorAll("form[action$='/join']").length; }

  // Put each item of `fresh` where the shown one with the same data-id is,
  // keeping the shown node when nothing in it changed.
  function update(fresh) {
    var before = joinable(box);
    var focused = box.contains(document.activeElement) ? document.activeElement.closest("[data-id]") : null;
    var list = box.querySelector("ul"), freshList = fresh.querySelector("ul");
    if (!list || !freshList) {
      if (box.innerHTML !== fresh.innerHTML) box.innerHTML = fresh.innerHTML;
    } else {
      var old = {};
      Array.prototype.forEach.call(list.children, function (li) { old[li.getAttribute("data-id")] = li; });
      var items = Array.prototype.map.call(freshList.children, function (li) {
        var kept = old[li.getAttribute("data-id")];
        return kept && kept.outerHTML === li.outerHTML ? kept : document.importNode(li, true);
      });
      items.forEach(function (li, i) { if (list.children[i] !== li) list.insertBefore(li, list.children[i] || null); });
      while (list.children.length > items.length) list.removeChild(list.lastElementChild);
      // The calendar link and other parts around the list.
      Array.prototype.forEach.call(fresh.children, function (part, i) {
        var shown = box.children[i];
        if (part.tagName !== "UL" && shown && shown.outerHTML !== part.outerHTML) box.replaceChild(document.importNode(part, true), shown);
      });
    }
    if (focused && !focused.isConnected) {
      var again = box.querySelector("[data-id='" + focused.getAttribute("data-id") + "'] button");
      if (again) again.focus();
    }
    // The words, in the page's language, are the status line's own.
    if (joinable(box) > before) status.textContent = status.getAttribute("data-open-now");
  }

  function refresh() {
    clearTimeout(timer);
    if (busy) return;
    busy = true;
    fetch(location.href, { cache: "no-store", credentials: "omit" })
      .then(function (r) {
        // Gone (link replaced, portal turned off): the page itself says why.
        if (r.status === 404 || r.status === 410) { location.reload(); return null; }
        return r.ok ? r.text() : null;
      })
      .then(function (html) {
        var fresh = html && new DOMParser().parseFromString(html, "text/html").getElementById("sessions");
        if (fresh) update(fresh);
      })
      .catch(function () {})
      .then(function () { busy = false; timer = setTimeout(refresh, EVERY); });
  }

  timer = setTimeout(refresh, EVERY);
  document.addEventListener("visibilitychange", function () { if (!document.hidden) refresh(); });
})();

// Tells the clinician's "Waiting now" that a person has this page open.
// A mail scanner or a link preview fetches the page without running it,
// so only a browser showing the page sends this: a small same-origin POST
// at load and every 20 s while the page is visible (the dashboard reads
// a silence as "page closed?"). The server answers 204 whatever the state.
(function () {
  "use strict";
  var url = location.pathname.replace(/\/+$/, "") + "/here";
  function here() {
    if (document.visibilityState !== "visible") return;
    fetch(url, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: "{}",
      credentials: "omit",
      cache: "no-store"
    }).catch(function () {});
  }
  here();
  setInterval(here, 20000);
  document.addEventListener("visibilitychange", here);
})();

// Copying text to the clipboard, shared by the admin page (links and
// messages) and the client's device check (the page's own address).
// navigator.clipboard exists only in secure contexts (https or
// localhost); on a plain-HTTP LAN address, and in some in-app browsers,
// a field off screen is selected and copied with execCommand("copy").
// porchlightCopy(text) resolves to whether the text was copied.
(function () {
  "use strict";

  function legacyCopy(text) {
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.style.position = "fixed";
    area.style.top = "-1000px";
    document.body.appendChild(area);
    area.select();
    area.setSelectionRange(0, text.length);
    var ok = false;
    try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
    document.body.removeChild(area);
    return ok;
  }

  window.porchlightCopy = function (text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text).then(function () { return true; }, function () { return legacyCopy(text); });
    }
    return Promise.resolve(legacyCopy(text));
  };
}());

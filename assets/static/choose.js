// The booking form's client filter. Without this file the form shows
// every client to tick; with it, a search field above the list hides the
// clients whose name does not match what is typed (ticked ones always
// stay). Enter ticks the one client left, rather than sending the form.
(function () {
  "use strict";
  var box = document.querySelector(".client-filter");
  var input = document.getElementById("client-filter");
  var list = document.getElementById("client-choices");
  var count = document.getElementById("client-filter-count");
  if (!box || !input || !list || !count) return;
  var choices = Array.prototype.slice.call(list.querySelectorAll(".choice"));

  // "José" is found by "jose": compare without case or accents.
  function plain(text) {
    var s = text.toLowerCase();
    return s.normalize ? s.normalize("NFD").replace(/[\u0300-\u036f]/g, "") : s;
  }
  var names = choices.map(function (c) { return plain(c.textContent.trim()); });

  function matches() {
    var terms = plain(input.value).split(/\s+/).filter(Boolean);
    return choices.filter(function (c, i) {
      return terms.every(function (t) { return names[i].indexOf(t) !== -1; });
    });
  }

  function apply() {
    var shown = matches();
    var query = input.value.trim();
    choices.forEach(function (c) {
      c.hidden = query !== "" && shown.indexOf(c) === -1 && !c.querySelector("input").checked;
    });
    if (!query) count.textContent = "";
    else if (!shown.length) count.textContent = "No client matches \u201c" + query + "\u201d.";
    else if (shown.length === 1 && shown[0].querySelector("input").checked) count.textContent = "1 client matches, ticked.";
    else if (shown.length === 1) count.textContent = "1 client matches: press Enter to tick it.";
    else count.textContent = shown.length + " of " + choices.length + " clients match.";
  }

  input.addEventListener("input", apply);
  input.addEventListener("keydown", function (ev) {
    if (ev.key === "Escape" && input.value) {
      input.value = "";
      apply();
      ev.preventDefault();
    } else if (ev.key === "Enter") {
      // Enter in a search field would send the whole form.
      ev.preventDefault();
      var shown = matches();
      if (shown.length !== 1) return;
      var tick = shown[0].querySelector("input");
      tick.checked = true;
      input.value = "";
      apply();
      count.textContent = "Ticked " + shown[0].textContent.trim() + ".";
    }
  });
  list.addEventListener("change", apply);
  box.hidden = false;
  list.classList.add("filtered");
})();

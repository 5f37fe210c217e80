// The prescription editor: remove a line, and tell the safety panel when lines come or go.
(function () {
  "use strict";
  function changed() { document.body.dispatchEvent(new CustomEvent("lines-changed", { bubbles: true })); }
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-remove-line]");
    if (!button) { return; }
    var line = button.closest("[data-line]");
    if (line) { line.remove(); changed(); }
  });
  document.addEventListener("htmx:afterSwap", function (event) {
    if (event.detail.target && event.detail.target.id === "lines") {
      changed();
      var select = document.getElementById("rx-template");
      if (select) { select.value = ""; }
      var fields = event.detail.target.querySelectorAll("[data-line]");
      var last = fields[fields.length - 1];
      var first = last && last.querySelector("input[type=number], input[type=text]");
      if (first) { first.focus(); }
    }
  });
})();

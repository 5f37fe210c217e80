// Small progressive enhancements. No inline script anywhere: the Content-Security-Policy forbids it.
(function () {
  "use strict";
  document.addEventListener("change", function (event) {
    var form = event.target.closest("form[data-autosubmit]");
    if (form) { form.submit(); }
  });
  // Elements with data-confirm ask before submitting (cancel, delete, merge).
  document.addEventListener("submit", function (event) {
    var message = event.target.getAttribute("data-confirm");
    if (message && !window.confirm(message)) { event.preventDefault(); }
  });
  // Keyboard: "/" focuses the page's search field.
  document.addEventListener("keydown", function (event) {
    if (event.key === "/" && !/INPUT|TEXTAREA|SELECT/.test(document.activeElement.tagName)) {
      var search = document.querySelector("[data-search]");
      if (search) { event.preventDefault(); search.focus(); }
    }
  });
})();

// Agenda keyboard shortcuts: p / n / t = previous, next, today (links marked data-key).
(function () {
  "use strict";
  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) { return; }
    if (/INPUT|TEXTAREA|SELECT/.test(document.activeElement.tagName)) { return; }
    var link = document.querySelector('a[data-key="' + event.key + '"]');
    if (link) { event.preventDefault(); window.location.href = link.href; }
  });
})();

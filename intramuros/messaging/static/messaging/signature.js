// Finger (or mouse) signature on a canvas; the drawing is posted as a PNG data URL.
(function () {
  "use strict";
  function setup(canvas) {
    if (canvas.dataset.ready) { return; }
    canvas.dataset.ready = "1";
    var ctx = canvas.getContext("2d"), drawing = false, drawn = false;
    ctx.lineWidth = 2.5; ctx.lineCap = "round"; ctx.strokeStyle = "#111";
    function point(e) {
      var r = canvas.getBoundingClientRect();
      return { x: (e.clientX - r.left) * canvas.width / r.width, y: (e.clientY - r.top) * canvas.height / r.height };
    }
    canvas.addEventListener("pointerdown", function (e) { drawing = true; var p = point(e); ctx.beginPath(); ctx.moveTo(p.x, p.y); });
    canvas.addEventListener("pointermove", function (e) { if (!drawing) { return; } var p = point(e); ctx.lineTo(p.x, p.y); ctx.stroke(); drawn = true; });
    ["pointerup", "pointerleave"].forEach(function (t) { canvas.addEventListener(t, function () { drawing = false; }); });
    document.getElementById("signature-clear").addEventListener("click", function () { ctx.clearRect(0, 0, canvas.width, canvas.height); drawn = false; });
    canvas.closest("form").addEventListener("submit", function (e) {
      if (!drawn) { e.preventDefault(); window.alert(canvas.getAttribute("aria-label")); return; }
      document.getElementById("signature-data").value = canvas.toDataURL("image/png");
    });
  }
  function scan() { var c = document.getElementById("signature-pad"); if (c) { setup(c); } }
  document.addEventListener("DOMContentLoaded", scan);
  document.addEventListener("htmx:afterSwap", scan);
})();

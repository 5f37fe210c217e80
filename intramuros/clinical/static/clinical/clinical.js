// ICD-10 pickers: a click on a search result fills the code box (or adds to the list of codes).
document.addEventListener("click", function (event) {
  var button = event.target.closest(".icd-pick");
  if (!button) { return; }
  event.preventDefault();
  var input = document.getElementById(button.dataset.target);
  if (!input) { return; }
  if (button.dataset.multiple === "1") {
    var codes = input.value.split(",").map(function (c) { return c.trim(); }).filter(Boolean);
    codes.pop();  // the words being typed are replaced by the chosen code
    if (codes.indexOf(button.dataset.code) === -1) { codes.push(button.dataset.code); }
    input.value = codes.join(", ") + ", ";
  } else {
    input.value = button.dataset.code;
  }
  var label = button.dataset.labelTarget && document.getElementById(button.dataset.labelTarget);
  if (label && !label.value) { label.value = button.dataset.label; }
  var results = document.getElementById(button.dataset.target + "_results");
  if (results) { results.innerHTML = ""; }
  input.focus();
});

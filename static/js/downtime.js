// The downtime page and bulk selection on the list. Progressive enhancement only: without this
// file every action is still a plain form or link.
(function () {
  "use strict";

  // "Select all on this page" needs script, so it stays hidden until this file runs.
  function revealSelectAll(root) {
    var labels = (root || document).querySelectorAll("label.select-all[hidden]");
    for (var i = 0; i < labels.length; i++) labels[i].hidden = false;
  }

  document.addEventListener("change", function (event) {
    var all = event.target.closest && event.target.closest("input[data-select-all]");
    if (!all) return;
    var form = all.form;
    if (!form || !form.id) return;
    var boxes = document.querySelectorAll('input[data-select][form="' + form.id + '"]');
    for (var i = 0; i < boxes.length; i++) boxes[i].checked = all.checked;
  });

  // When the cancel confirmation is swapped in, put the keyboard on it.
  document.addEventListener("htmx:afterSwap", function (event) {
    revealSelectAll(document);
    var dialog = event.target.matches && event.target.matches("[role=alertdialog]")
      ? event.target
      : document.querySelector("[role=alertdialog]");
    if (dialog) {
      var first = dialog.querySelector("button, a");
      if (first) first.focus();
    }
  });

  document.addEventListener("DOMContentLoaded", function () { revealSelectAll(document); });
})();

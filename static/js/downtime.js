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
    if (!all.form) return;
    // form.elements includes the row checkboxes tied to the form by their form="" attribute.
    // (Not form.id: the checkboxes are named "id", which shadows the form's id property.)
    var boxes = all.form.elements;
    for (var i = 0; i < boxes.length; i++) {
      if (boxes[i].hasAttribute("data-select")) boxes[i].checked = all.checked;
    }
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

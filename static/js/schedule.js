// The schedule form's small conveniences. The form works without this file: quick durations
// and "Find" are submit buttons the server understands, and the preview has its own button.
(function () {
  "use strict";

  function form() { return document.getElementById("schedule-form"); }

  // A tag chip's × needs this file, so it stays hidden until the file runs (and after swaps).
  function showScriptControls(root) {
    (root || document).querySelectorAll("[data-remove-tag][hidden]").forEach(function (button) {
      button.hidden = false;
    });
  }
  document.addEventListener("DOMContentLoaded", function () { showScriptControls(); });
  document.addEventListener("htmx:afterSwap", function (event) { showScriptControls(event.target); });

  function changed(input) {
    input.dispatchEvent(new Event("input", { bubbles: true }));
    input.dispatchEvent(new Event("change", { bubbles: true }));
  }

  // Typing a start, an end or a duration chooses the option it belongs to.
  document.addEventListener("input", function (event) {
    var selects = event.target.getAttribute && event.target.getAttribute("data-selects");
    if (!selects) return;
    var radio = document.querySelector(selects);
    if (radio && !radio.checked) { radio.checked = true; }
  });

  document.addEventListener("click", function (event) {
    // Quick durations fill the duration field instead of posting the form.
    var quick = event.target.closest("[data-duration]");
    if (quick && form() && form().contains(quick)) {
      event.preventDefault();
      var duration = document.getElementById("id_duration");
      var after = document.getElementById("id_end_mode_after");
      if (!duration) return;
      duration.value = quick.getAttribute("data-duration");
      if (after) after.checked = true;
      document.querySelectorAll("[data-duration]").forEach(function (button) {
        button.classList.toggle("is-current", button === quick);
      });
      changed(duration);
      return;
    }
    // A tag chip's × removes that tag from the tag field.
    var remove = event.target.closest("[data-remove-tag]");
    if (remove) {
      event.preventDefault();
      var field = document.getElementById("id_monitor_tags");
      if (!field) return;
      var gone = remove.getAttribute("data-remove-tag");
      field.value = field.value.split(/[\s,]+/).filter(function (tag) {
        return tag && tag !== gone;
      }).join(", ");
      changed(field);
      field.focus();
    }
  });

  // Enter in the monitor search searches; it must not submit (or preview) the whole form.
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Enter" || !event.target.hasAttribute || !event.target.hasAttribute("data-search-field")) return;
    event.preventDefault();
    if (window.htmx) window.htmx.trigger(event.target, "search");
  });

  // One save per page: a second click while the first is on its way does nothing here (and the
  // server's one-time token would refuse to save twice anyway).
  document.addEventListener("submit", function (event) {
    var target = event.target;
    if (target.id !== "schedule-form") return;
    var submitter = event.submitter;
    if (!submitter || !submitter.hasAttribute("data-save")) return;
    if (target.dataset.saving) { event.preventDefault(); return; }
    target.dataset.saving = "1";
    submitter.dataset.label = submitter.textContent;
    submitter.textContent = "Saving…";
    submitter.setAttribute("aria-busy", "true");
  });

  // A new form's reminder follows its default (on for a one-time window with an end) until the
  // person ticks or unticks it themselves; an edit keeps the choice saved with the downtime.
  document.addEventListener("change", function (event) {
    var target = event.target;
    var box = document.querySelector("[data-remind-default]");
    if (!box || !target.name) return;
    if (target.name === "remind") { box.removeAttribute("data-remind-default"); return; }
    if (target.name !== "schedule" && target.name !== "end_mode") return;
    var once = document.querySelector("input[name=schedule][value=once]");
    var never = document.querySelector("input[name=end_mode][value=never]");
    var on = !!(once && once.checked) && !(never && never.checked);
    box.querySelectorAll("input[name=remind]").forEach(function (input, index) {
      input.checked = on && index === 0;
    });
  });

  // Coming back with the back button shows the page as it was left: make it usable again.
  window.addEventListener("pageshow", function () {
    var current = form();
    if (!current) return;
    delete current.dataset.saving;
    current.querySelectorAll("[data-save][aria-busy]").forEach(function (button) {
      button.textContent = button.dataset.label || button.textContent;
      button.removeAttribute("aria-busy");
    });
  });
})();

// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";

  // The viewer's time zone: remembered in a cookie so the server renders times in it. A zone
  // chosen in the link (?tz=) wins over this, and is what a shared link carries.
  function detectTimeZone() {
    var zone = "";
    try { zone = Intl.DateTimeFormat().resolvedOptions().timeZone || ""; } catch (e) { return; }
    if (!zone) return;
    if (!/^[A-Za-z0-9_+\-\/]+$/.test(zone)) return;
    var secure = location.protocol === "https:" ? "; Secure" : "";
    document.cookie = "tz=" + zone + "; path=/; max-age=31536000; SameSite=Lax" + secure;
    var params = new URLSearchParams(location.search);
    if (!params.get("tz") && document.body.dataset.tz !== zone && window.htmx) {
      // The server did not know the browser's zone yet: redraw the live parts in it.
      htmx.trigger(document.body, "tzchange");
    }
  }

  // An avatar Gravatar could not give (offline, a corporate network): take the image away so
  // the initials under it show, rather than a broken image. Some failed before this ran.
  function dropBrokenAvatar(image) {
    if (image.complete && image.naturalWidth === 0) image.remove();
  }
  document.addEventListener("error", function (event) {
    if (event.target.matches && event.target.matches("img.avatar-image")) event.target.remove();
  }, true);
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("img.avatar-image").forEach(dropBrokenAvatar);
  });

  // Do not auto-refresh a list under the user's hands: not while rows are selected for a bulk
  // action, and not while the tab is hidden.
  document.addEventListener("htmx:confirm", function (event) {
    var source = event.detail.elt;
    if (!source || !source.hasAttribute || !source.hasAttribute("data-poll")) return;
    var trigger = event.detail.triggerEvent;
    if (trigger && trigger.type === "tzchange") return;
    var selecting = "input[data-select]:checked, #select-mode:checked";
    if (document.hidden || source.querySelector(selecting)) {
      event.preventDefault();
    }
  });

  // Copy buttons: <button data-copy="text"> or <button data-copy-from="#id">.
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy], [data-copy-from]");
    if (!button) return;
    var text = button.getAttribute("data-copy");
    if (text === null) {
      var source = document.querySelector(button.getAttribute("data-copy-from"));
      text = source ? (source.value !== undefined && source.tagName !== "PRE" ? source.value : source.textContent) : "";
    }
    if (text && text.indexOf("/") === 0) text = location.origin + text;
    var done = function () {
      var label = button.textContent;
      button.textContent = "Copied";
      setTimeout(function () { button.textContent = label; }, 1500);
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(done);
    } else {
      var area = document.createElement("textarea");
      area.value = text;
      document.body.appendChild(area);
      area.select();
      try { document.execCommand("copy"); done(); } finally { area.remove(); }
    }
  });

  // An avatar that cannot load (Gravatar is often out of reach) leaves the initials under it.
  document.addEventListener("error", function (event) {
    var target = event.target;
    if (target && target.tagName === "IMG" && target.closest(".avatar")) target.remove();
  }, true);

  document.addEventListener("DOMContentLoaded", detectTimeZone);
})();

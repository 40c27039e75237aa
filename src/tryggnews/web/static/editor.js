// Progressive enhancement for the editors' pages; every page works without it.
// 1. Live preview of a block's Markdown, rendered and sanitised by the server.
// 2. The "show preview" button that replaces it without JavaScript is hidden.
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  function csrfToken(form) {
    var field = form && form.querySelector('input[name="csrf_token"]');
    return field ? field.value : "";
  }

  function livePreview(textarea) {
    var target = document.getElementById(textarea.getAttribute("data-preview-target"));
    var url = textarea.getAttribute("data-preview-url");
    if (!target || !url) { return; }
    var timer = null;
    var latest = 0;
    function refresh() {
      var ticket = ++latest;
      var body = new URLSearchParams();
      body.set("body_md", textarea.value);
      body.set("csrf_token", csrfToken(textarea.form));
      fetch(url, {
        method: "POST",
        credentials: "same-origin",
        headers: {"X-CSRFToken": csrfToken(textarea.form)},
        body: body
      }).then(function (response) {
        return response.ok ? response.text() : null;
      }).then(function (html) {
        // Only the newest answer counts; the server has sanitised it (nh3).
        if (html !== null && ticket === latest) { target.innerHTML = html; }
      }).catch(function () { /* keep the last preview; saving still works */ });
    }
    textarea.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(refresh, 300);
    });
    if (!target.innerHTML.trim() && textarea.value.trim()) { refresh(); }
  }

  document.addEventListener("DOMContentLoaded", function () {
    var areas = document.querySelectorAll("textarea[data-preview-url]");
    for (var i = 0; i < areas.length; i++) { livePreview(areas[i]); }
  });
})();

// Progressive enhancement for the editors' pages; every page works without it.
// 1. Live preview of a block's Markdown, rendered and sanitised by the server.
// 2. The "show preview" button that replaces it without JavaScript is hidden.
// 3. The email preview's frame grows to the message's height, so the page scrolls, not
//    the frame. The frame is same-origin but runs no script (sandbox without
//    allow-scripts, and its own policy forbids script): only this page measures it.
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

  function fitFrame(frame) {
    function fit() {
      var doc;
      try { doc = frame.contentDocument; } catch (e) { return; }
      if (!doc || !doc.documentElement) { return; }
      var height = Math.max(doc.documentElement.scrollHeight, doc.body ? doc.body.scrollHeight : 0);
      if (height > 0) {
        frame.style.height = height + "px";
        frame.classList.add("fitted");
      }
    }
    function watch() {
      fit();
      var doc = frame.contentDocument;
      if (!doc) { return; }
      var images = doc.images || [];
      for (var i = 0; i < images.length; i++) { images[i].addEventListener("load", fit); }
      if (window.ResizeObserver && doc.documentElement) {
        new window.ResizeObserver(fit).observe(doc.documentElement);
      }
    }
    frame.addEventListener("load", watch);
    if (frame.contentDocument && frame.contentDocument.readyState === "complete") { watch(); }
  }

  document.addEventListener("DOMContentLoaded", function () {
    var areas = document.querySelectorAll("textarea[data-preview-url]");
    for (var i = 0; i < areas.length; i++) { livePreview(areas[i]); }
    var frames = document.querySelectorAll("iframe.message-frame");
    for (var j = 0; j < frames.length; j++) { fitFrame(frames[j]); }
  });
})();

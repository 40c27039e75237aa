// Follows a running subscriber import (the page works without it: "Visa läget nu").
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var box = document.getElementById("import-progress");
    if (!box) { return; }
    var url = box.getAttribute("data-progress-url");
    var bar = box.querySelector("progress");
    var text = box.querySelector(".progress-text");
    function poll() {
      fetch(url, {credentials: "same-origin"}).then(function (response) {
        return response.ok ? response.json() : null;
      }).then(function (state) {
        if (state === null) { return; }
        if (state.state !== "running") { window.location.reload(); return; }
        bar.max = state.total || 1;
        bar.value = state.done || 0;
        text.textContent = (state.done || 0) + " av " + state.total + " rader";
        window.setTimeout(poll, 1000);
      }).catch(function () { window.setTimeout(poll, 3000); });
    }
    window.setTimeout(poll, 1000);
  });
})();

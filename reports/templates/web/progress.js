/* Polls the run's status (same origin only) and reloads the page when the check has finished or failed. */
(function () {
  "use strict";
  var box = document.getElementById("progress");
  if (!box) { return; }
  var url = box.getAttribute("data-status-url");
  var list = document.getElementById("progress-list");
  function tick() {
    fetch(url, {credentials: "same-origin", cache: "no-store"}).then(function (r) { return r.json(); }).then(function (s) {
      if (s.status === "done" || s.status === "failed") { window.location.reload(); return; }
      var last = s.messages.length ? s.messages[s.messages.length - 1] : "";
      if (list.lastElementChild === null || list.lastElementChild.textContent !== last) {
        list.textContent = "";
        s.messages.forEach(function (m) { var li = document.createElement("li"); li.textContent = m; list.appendChild(li); });
      }
      window.setTimeout(tick, 1000);
    }).catch(function () { window.setTimeout(tick, 3000); });
  }
  window.setTimeout(tick, 500);
})();

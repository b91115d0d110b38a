/* Pages listing official documents: while one is being generated or sealed (正在生成), ask
   its status every two seconds and reload the page once it is ready. */
(function () {
  "use strict";
  var waiting = document.querySelectorAll("[data-document-status-url]");
  if (!waiting.length) { return; }
  var tries = 0;
  function poll() {
    tries += 1;
    var checks = Array.prototype.map.call(waiting, function (el) {
      return fetch(el.getAttribute("data-document-status-url"), {credentials: "same-origin",
        headers: {"Accept": "application/json"}})
        .then(function (r) { return r.ok ? r.json() : {status: "ready"}; })
        .then(function (body) { return body.status === "ready"; })
        .catch(function () { return false; });
    });
    Promise.all(checks).then(function (ready) {
      if (ready.some(Boolean)) { window.location.reload(); }
      else if (tries < 150) { window.setTimeout(poll, 2000); }
    });
  }
  window.setTimeout(poll, 2000);
}());

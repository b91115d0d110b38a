/* Pages waiting on a job's product — an official document being generated or sealed, a
   project dossier being built (正在生成): ask its status every two seconds and reload the page
   once it is no longer waiting (ready, or failed: the page then says why). Loaded once however
   many panels include it. */
(function () {
  "use strict";
  if (window.pilotflowWaiting) { return; }
  window.pilotflowWaiting = true;
  var WAITING = {generating: true, sealing: true, pending: true};
  var waiting = document.querySelectorAll("[data-document-status-url], [data-dossier-status-url]");
  if (!waiting.length) { return; }
  var tries = 0;
  function poll() {
    tries += 1;
    var checks = Array.prototype.map.call(waiting, function (el) {
      var url = el.getAttribute("data-document-status-url") || el.getAttribute("data-dossier-status-url");
      return fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"}})
        .then(function (r) { return r.ok ? r.json() : {status: "ready"}; })
        .then(function (body) { return !WAITING[body.status]; })
        .catch(function () { return false; });
    });
    Promise.all(checks).then(function (done) {
      if (done.some(Boolean)) { window.location.reload(); }
      else if (tries < 150) { window.setTimeout(poll, 2000); }
    });
  }
  window.setTimeout(poll, 2000);
}());

// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";
  // Copy buttons next to snippets.
  document.querySelectorAll("pre.copy").forEach(function (pre) {
    if (!navigator.clipboard) return;
    var button = document.createElement("button");
    button.type = "button";
    button.className = "secondary small";
    button.textContent = "Copy";
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(pre.textContent).then(function () {
        button.textContent = "Copied";
        setTimeout(function () { button.textContent = "Copy"; }, 1500);
      });
    });
    pre.insertAdjacentElement("afterend", button);
  });
  // The live visitor count: poll a same-origin JSON endpoint.
  var live = document.querySelector("[data-realtime-url]");
  if (live) {
    var target = live.querySelector("[data-realtime-count]");
    var url = live.getAttribute("data-realtime-url");
    var refresh = function () {
      fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (data) {
          if (data && typeof data.visitors === "number") {
            target.textContent = data.visitors.toLocaleString();
          }
        })
        .catch(function () {});
    };
    setInterval(refresh, 10000);
  }
})();

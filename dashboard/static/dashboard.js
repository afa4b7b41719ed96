// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";
  // Copy buttons next to snippets.
  // Without the clipboard API (a page served over plain http from another machine), select and copy.
  var copyText = function (pre) {
    if (navigator.clipboard && window.isSecureContext) return navigator.clipboard.writeText(pre.textContent);
    var range = document.createRange();
    range.selectNodeContents(pre);
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
    var copied = document.execCommand && document.execCommand("copy");
    return copied ? Promise.resolve() : Promise.reject(new Error("select the text and copy it"));
  };
  document.querySelectorAll("pre.copy").forEach(function (pre) {
    var button = document.createElement("button");
    button.type = "button";
    button.className = "secondary small";
    button.textContent = "Copy";
    button.addEventListener("click", function () {
      copyText(pre).then(function () {
        button.textContent = "Copied";
      }, function () {
        button.textContent = "Selected: press Ctrl+C";
      }).then(function () {
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
// A site without data: check for its first pageview, and say why hits were refused while waiting.
(function () {
  "use strict";
  var card = document.querySelector("[data-first-hit-url]");
  if (!card) return;
  var url = card.getAttribute("data-first-hit-url");
  var status = card.querySelector("[data-first-hit-status]");
  var adviceBox = card.querySelector("[data-first-hit-advice]");
  var timer = null;
  var show = function (advice) {
    while (adviceBox.firstChild) adviceBox.removeChild(adviceBox.firstChild);
    advice.forEach(function (item) {
      var p = document.createElement("p");
      p.className = "advice-live";
      p.textContent = item.what + (item.hosts.length ? " Hosts seen: " + item.hosts.join(", ") + "." : "") +
        (item.fix ? " " + item.fix : "");
      adviceBox.appendChild(p);
    });
  };
  var check = function () {
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (!data) return;
        if (data.has_events) {
          clearInterval(timer);
          status.textContent = "The first pageview arrived. ";
          var link = document.createElement("a");
          link.href = window.location.pathname + window.location.search;
          link.textContent = "Show the dashboard";
          status.appendChild(link);
          status.className = "first-hit arrived";
          show([]);
        } else {
          show(data.advice || []);
        }
      })
      .catch(function () {});
  };
  timer = setInterval(check, 3000);
})();

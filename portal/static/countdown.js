// "Send the code again" (D3, issue 14): while the wait for another code runs, the button is
// disabled and counts down; then it is enabled again. Without JavaScript the page says the time.
(function () {
  function start(root) {
    root.querySelectorAll("button[data-wait]").forEach(function (button) {
      if (button.dataset.counting) return;
      button.dataset.counting = "1";
      var left = parseInt(button.dataset.wait, 10) || 0;
      var label = button.textContent;
      var counting = button.dataset.waitLabel || label;
      function tick() {
        if (!button.isConnected) return;
        if (left <= 0) {
          button.disabled = false;
          button.textContent = label;
          return;
        }
        button.disabled = true;
        button.textContent = counting.replace("{n}", String(left));
        left -= 1;
        window.setTimeout(tick, 1000);
      }
      tick();
    });
  }
  document.addEventListener("htmx:load", function (event) { start(event.detail.elt); });
  start(document);
})();

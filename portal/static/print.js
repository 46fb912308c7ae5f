// The Approval Form's Print button (D16). The button is hidden until this runs: without
// JavaScript the page says to use the browser's Print command instead.
(function () {
  var button = document.querySelector("[data-print]");
  if (!button) return;
  button.addEventListener("click", function () { window.print(); });
  button.closest(".js-only").hidden = false;
})();

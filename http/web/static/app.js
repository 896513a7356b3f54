// Hearth's pages work without this script; it only adds small comforts.
// A form with data-confirm asks before it is sent.
document.addEventListener("submit", function (e) {
  var msg = e.target.getAttribute("data-confirm");
  if (msg && !window.confirm(msg)) {
    e.preventDefault();
  }
});

// What the pages do in the browser beyond htmx, bound here rather than in `on*=` attributes, which
// the Content-Security-Policy forbids (no 'unsafe-inline'). Elements ask for a behaviour with a
// `data-action` attribute; one delegated listener serves them, including those htmx swaps in later.
(function () {
  "use strict";
  var actions = {
    // The printable report's button.
    print: function () { window.print(); }
  };
  document.addEventListener("click", function (event) {
    var target = event.target instanceof Element ? event.target.closest("[data-action]") : null;
    if (!target) { return; }
    var action = actions[target.getAttribute("data-action")];
    if (action) {
      event.preventDefault();
      action(target);
    }
  });
})();

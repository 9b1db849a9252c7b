// Progressive enhancement only: every page works without this file.
// On small screens the facet groups start folded so the results come first.
(function () {
  "use strict";
  var narrow = window.matchMedia("(max-width: 50rem)");
  function fold() {
    var groups = document.querySelectorAll(".facets details.facet");
    for (var i = 0; i < groups.length; i++) {
      // A group with a selected value stays open: the reader should see what is applied.
      if (narrow.matches && !groups[i].querySelector("a.selected")) { groups[i].open = false; }
      else if (!narrow.matches) { groups[i].open = true; }
    }
  }
  document.addEventListener("DOMContentLoaded", fold);
  if (narrow.addEventListener) { narrow.addEventListener("change", fold); }
})();
// Article tools: copy a citation to the clipboard (or select it when the browser refuses), print.
(function () {
  "use strict";
  function copy(button) {
    var text = document.querySelector(button.getAttribute("data-copy"));
    function done() { button.textContent = button.getAttribute("data-done"); }
    function select() { window.getSelection().selectAllChildren(text); }
    if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(text.textContent).then(done, select);
    } else { select(); }
  }
  function ready() {
    var buttons = document.querySelectorAll("[data-copy], [data-print]");
    for (var i = 0; i < buttons.length; i++) {
      buttons[i].hidden = false;  // without this file they stay hidden: they would do nothing
      buttons[i].addEventListener("click", function (event) {
        var b = event.currentTarget;
        if (b.hasAttribute("data-print")) { window.print(); } else { copy(b); }
      });
    }
  }
  document.addEventListener("DOMContentLoaded", ready);
})();

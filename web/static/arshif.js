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

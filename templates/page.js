(function () {
  "use strict";
  // Search and filter for the tables of every page (index.html, diff.html,
  // campaign.html): each [data-controls] names the element whose
  // tr[data-row] rows it filters. The page is complete without this script:
  // it only hides rows. It reads text with textContent and writes with
  // textContent, never markup, so no name from Harness can become code.
  var root = document.documentElement;
  root.classList.add("js");
  var data = {};
  var el = document.getElementById("pack-data");
  if (el) {
    try { data = JSON.parse(el.textContent); } catch (e) { data = {}; }
  }
  var facets = data.facets || {};

  function fillFacet(select) {
    var values = facets[select.getAttribute("data-facet")] || [];
    values.forEach(function (pair) {
      var option = document.createElement("option");
      option.value = pair[0];
      option.textContent = pair[0] + " (" + pair[1] + ")";
      select.appendChild(option);
    });
  }

  function setup(controls) {
    var table = document.getElementById(controls.getAttribute("data-controls"));
    if (!table) { return; }
    var rows = Array.prototype.slice.call(table.querySelectorAll("tr[data-row]"));
    var texts = rows.map(function (r) { return r.textContent.toLowerCase(); });
    var groups = Array.prototype.slice.call(table.querySelectorAll("tbody[data-group]"));
    var search = controls.querySelector("input[type=search]");
    var selects = Array.prototype.slice.call(controls.querySelectorAll("select[data-attr]"));
    var status = controls.querySelector("[data-status]");
    var total = parseInt(table.getAttribute("data-total"), 10) || rows.length;
    selects.forEach(function (s) { if (s.hasAttribute("data-facet")) { fillFacet(s); } });

    function apply() {
      var terms = search ? search.value.toLowerCase().split(/\s+/).filter(Boolean) : [];
      var shown = 0;
      rows.forEach(function (row, i) {
        var ok = terms.every(function (t) { return texts[i].indexOf(t) !== -1; });
        selects.forEach(function (s) {
          if (ok && s.value && row.getAttribute("data-" + s.getAttribute("data-attr")) !== s.value) {
            ok = false;
          }
        });
        row.hidden = !ok;
        if (ok) { shown += 1; }
      });
      groups.forEach(function (g) {
        g.hidden = !g.querySelector("tr[data-row]:not([hidden])");
      });
      if (status) {
        var text = shown + " of " + rows.length + " rows shown";
        if (total > rows.length) {
          text += "; this page lists " + rows.length + " of " + total + ", the XLSX and CSV carry every row";
        }
        status.textContent = text;
      }
      table.setAttribute("data-shown", String(shown));
    }

    if (search) { search.addEventListener("input", apply); }
    selects.forEach(function (s) { s.addEventListener("change", apply); });
    controls.hidden = false;
    apply();
  }

  Array.prototype.slice.call(document.querySelectorAll("[data-controls]")).forEach(setup);
  root.setAttribute("data-ready", "1");
})();

// The burial-site map: country shapes from the embedded world-atlas TopoJSON (no tiles, nothing
// fetched from outside), one marker per site with its status's shape and colour, clustered, and
// the legend's checkboxes filtering the markers by status.
//
// The page is served under a Content-Security-Policy without 'unsafe-inline': nothing here writes
// a `style` attribute or markup with one (Leaflet positions its layers through the CSSOM, which is
// allowed), and no registry text is ever parsed as HTML: names go in as text nodes.
(function () {
  "use strict";
  var el = document.getElementById("map");
  if (!el) { return; }
  var sites = JSON.parse(document.getElementById("site-data").textContent);
  var legend = document.getElementById("map-legend");
  var shownText = document.getElementById("map-shown");
  var map = L.map(el, { attributionControl: false, worldCopyJump: true, minZoom: 1, maxZoom: 12 }).setView([20, 130], 3);
  L.control.attribution({ prefix: false }).addAttribution("Natural Earth / world-atlas").addTo(map);
  fetch(el.dataset.shapes).then(function (r) { return r.json(); }).then(function (world) {
    var countries = topojson.feature(world, world.objects.countries);
    L.geoJSON(countries, { style: { color: "#666", weight: 1, fillColor: "#f4f1e8", fillOpacity: 1 }, interactive: false })
      .addTo(map).bringToBack();
    el.dataset.shapesLoaded = "true";
  });

  /** A translated text from the map's data- attributes with its {placeholders} filled in. */
  function text(template, values) {
    return template.replace(/\{(\w+)\}/g, function (all, key) { return key in values ? String(values[key]) : all; });
  }

  // Clusters are white with a dark ring (homeward.css), a colour no status has, and are named for
  // screen readers by how many sites they hold.
  var cluster = L.markerClusterGroup({
    maxClusterRadius: 40,
    iconCreateFunction: function (c) {
      var n = c.getChildCount();
      var ring = document.createElement("div");
      var count = document.createElement("span");
      count.className = "n";
      count.setAttribute("aria-hidden", "true");
      count.textContent = String(n);
      var label = document.createElement("span");
      label.className = "visually-hidden";
      label.textContent = text(el.dataset.textCluster || "{n}", { n: n });
      ring.appendChild(count);
      ring.appendChild(label);
      return L.divIcon({ html: ring, className: "marker-cluster site-cluster", iconSize: L.point(34, 34) });
    }
  });

  /** The status's symbol, copied from the legend the server drew, so marker and legend agree. */
  function symbol(status) {
    var drawn = legend && legend.querySelector("li[data-status='" + status + "'] svg");
    if (drawn) { return drawn.cloneNode(true); }
    // A status the legend does not know (it knows them all): a plain circle rather than nothing.
    var svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
    svg.setAttribute("class", "shape st-" + status);
    svg.setAttribute("viewBox", "0 0 40 40");
    svg.setAttribute("aria-hidden", "true");
    var circle = document.createElementNS("http://www.w3.org/2000/svg", "circle");
    circle.setAttribute("cx", "20"); circle.setAttribute("cy", "20"); circle.setAttribute("r", "16");
    svg.appendChild(circle);
    return svg;
  }

  var byStatus = {};
  var bounds = [];
  sites.forEach(function (s) {
    // A fresh element per marker; Leaflet moves it into the icon each time the marker is shown.
    var shape = document.createElement("div");
    shape.className = "site-marker st-" + s.status;
    shape.dataset.site = String(s.id);
    shape.dataset.status = s.status;
    shape.appendChild(symbol(s.status));
    // The marker is a keyboard-reachable button: its name is the site's and its status.
    var name = document.createElement("span");
    name.className = "visually-hidden";
    name.textContent = s.name + " (" + s.status_label + ")";
    shape.appendChild(name);
    var icon = L.divIcon({ className: "site-marker-icon", html: shape, iconSize: [20, 20] });
    var marker = L.marker([s.lat, s.lon], { icon: icon, keyboard: true });
    // The label: the site's name on hover and on keyboard focus.
    var label = document.createElement("span");
    label.textContent = s.name;
    marker.bindTooltip(label, { direction: "top", offset: [0, -10], className: "site-label" });
    var link = document.createElement("a");
    link.href = "/sites/" + s.id;
    link.textContent = s.name;
    var popup = document.createElement("div");
    popup.appendChild(link);
    popup.appendChild(document.createElement("br"));
    popup.appendChild(document.createTextNode(s.status_label));
    marker.bindPopup(popup);
    (byStatus[s.status] = byStatus[s.status] || []).push(marker);
    bounds.push([s.lat, s.lon]);
  });

  /** Puts on the map the markers of the ticked statuses, and says how many that is. */
  function applyFilter() {
    var shown = [];
    Object.keys(byStatus).forEach(function (status) {
      var box = legend && legend.querySelector("input[value='" + status + "']");
      if (!box || box.checked) { shown = shown.concat(byStatus[status]); }
    });
    cluster.clearLayers();
    cluster.addLayers(shown);
    el.dataset.shown = String(shown.length);
    if (shownText && el.dataset.textShown) {
      shownText.textContent = text(el.dataset.textShown, { shown: shown.length, total: sites.length });
    }
  }
  if (legend) { legend.addEventListener("change", applyFilter); }
  applyFilter();
  map.addLayer(cluster);
  // A mission's planned days, when the page gives them: one line per day through its stops in
  // order, each day its own colour and dash (so not by colour alone), named "Day N" on hover.
  var routeData = document.getElementById("route-data");
  if (routeData) {
    var days = JSON.parse(routeData.textContent);
    var colours = ["#b2182b", "#2166ac", "#1b7837", "#762a83", "#e08214", "#35978f", "#8c510a", "#4d4d4d"];
    var dashes = [null, "8 6", "2 6", "12 4 2 4"];
    days.forEach(function (day, i) {
      if (day.points.length < 2) { return; }
      var line = L.polyline(day.points, { color: colours[i % colours.length], weight: 4, opacity: 0.85, dashArray: dashes[i % dashes.length] });
      line.bindTooltip(day.label);
      line.addTo(map);
      day.points.forEach(function (p) { bounds.push(p); });
    });
    el.dataset.routes = String(days.filter(function (d) { return d.points.length >= 2; }).length);
  }
  if (bounds.length) { map.fitBounds(bounds, { padding: [30, 30], maxZoom: 8 }); }
  el.dataset.markers = String(sites.length);
})();

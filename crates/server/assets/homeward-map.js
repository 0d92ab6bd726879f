// The burial-site map: country shapes from the embedded world-atlas TopoJSON (no tiles, nothing
// fetched from outside), one marker per site coloured by status, clustered.
(function () {
  "use strict";
  var el = document.getElementById("map");
  if (!el) { return; }
  var sites = JSON.parse(document.getElementById("site-data").textContent);
  var map = L.map(el, { attributionControl: false, worldCopyJump: true, minZoom: 1, maxZoom: 12 }).setView([20, 130], 3);
  L.control.attribution({ prefix: false }).addAttribution("Natural Earth / world-atlas").addTo(map);
  fetch(el.dataset.shapes).then(function (r) { return r.json(); }).then(function (world) {
    var countries = topojson.feature(world, world.objects.countries);
    L.geoJSON(countries, { style: { color: "#666", weight: 1, fillColor: "#f4f1e8", fillOpacity: 1 }, interactive: false })
      .addTo(map).bringToBack();
    el.dataset.shapesLoaded = "true";
  });
  var cluster = L.markerClusterGroup({ maxClusterRadius: 40 });
  var bounds = [];
  sites.forEach(function (s) {
    var icon = L.divIcon({
      className: "",
      html: '<div class="site-marker st-' + s.status + '" data-site="' + s.id + '"></div>',
      iconSize: [18, 18]
    });
    var marker = L.marker([s.lat, s.lon], { icon: icon, title: s.name, alt: s.name, keyboard: true });
    var link = document.createElement("a");
    link.href = "/sites/" + s.id;
    link.textContent = s.name;
    var popup = document.createElement("div");
    popup.appendChild(link);
    popup.appendChild(document.createElement("br"));
    popup.appendChild(document.createTextNode(s.status_label));
    marker.bindPopup(popup);
    cluster.addLayer(marker);
    bounds.push([s.lat, s.lon]);
  });
  map.addLayer(cluster);
  if (bounds.length) { map.fitBounds(bounds, { padding: [30, 30], maxZoom: 8 }); }
  el.dataset.markers = String(sites.length);
})();

// datahamn: the dataset page's map. Loads the dataset's items as GeoJSON from the REST API
// (following `next` links, up to MAX points) and shows them as circle markers with popups.
// Tiles come from OpenStreetMap; where they cannot be fetched the points still show over the
// map's plain background. Popup text is set with textContent, never as HTML.
(function () {
  "use strict";
  var MAX = 5000;
  var el = document.getElementById("map");
  if (!el || !window.L) return;
  var sv = el.getAttribute("data-lang") !== "en";
  var map = L.map(el, { preferCanvas: true, keyboard: true }).setView([62.5, 16.5], 4);
  L.tileLayer("https://tile.openstreetmap.org/{z}/{x}/{y}.png", {
    maxZoom: 19,
    attribution: "© OpenStreetMap"
  }).addTo(map);
  var bounds = L.latLngBounds([]);
  var count = 0;
  var status = document.createElement("p");
  status.setAttribute("role", "status");
  status.id = "map-status";
  el.parentNode.insertBefore(status, el.nextSibling);
  var layer = L.geoJSON(null, {
    pointToLayer: function (feature, latlng) {
      bounds.extend(latlng);
      return L.circleMarker(latlng, {
        radius: 6, color: "#0b4f9c", weight: 2, fillColor: "#3d8bd9", fillOpacity: 0.85,
        className: "datahamn-marker"
      });
    },
    onEachFeature: function (feature, marker) {
      var p = feature.properties || {};
      var box = document.createElement("div");
      var link = document.createElement("a");
      link.href = p.uri || "#";
      link.textContent = p.name || feature.id || "";
      var strong = document.createElement("strong");
      strong.appendChild(link);
      box.appendChild(strong);
      if (p.municipality_name) {
        var where = document.createElement("div");
        where.textContent = p.municipality_name;
        box.appendChild(where);
      }
      if (p.description) {
        var text = document.createElement("div");
        text.textContent = String(p.description).slice(0, 200);
        box.appendChild(text);
      }
      marker.bindPopup(box);
    }
  }).addTo(map);
  function show() {
    el.setAttribute("data-markers", String(count));
    var unit = count === 1 ? (sv ? " punkt." : " point.") : (sv ? " punkter." : " points.");
    status.textContent = (sv ? "Visar " : "Showing ") + count + unit +
      (count >= MAX ? (sv ? " (de första " + MAX + ")" : " (the first " + MAX + ")") : "");
  }
  function load(url) {
    fetch(url, { headers: { Accept: "application/geo+json" } })
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
      .then(function (fc) {
        // A feature collection (a dataset's items, page by page) or one feature (an item).
        var features = (fc.type === "Feature" ? [fc] : fc.features || []).filter(function (f) { return f.geometry; });
        layer.addData(features);
        count += features.length;
        if (bounds.isValid()) map.fitBounds(bounds.pad(0.1), { maxZoom: 14 });
        show();
        var next = (fc.links || []).filter(function (l) { return l.rel === "next"; })[0];
        if (next && count < MAX) load(next.href);
      })
      .catch(function () {
        status.textContent = sv ? "Punkterna kunde inte hämtas." : "The points could not be fetched.";
      });
  }
  load(el.getAttribute("data-items"));
})();

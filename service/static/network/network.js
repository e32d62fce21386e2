// The network explorer: Cytoscape.js over /api/network/view. State lives in the URL.
(function () {
  "use strict";
  var BASE = "https://w3id.org/ogkg/";
  var PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b",
                 "#e377c2", "#17becf", "#bcbd22", "#393b79", "#637939", "#843c39"];
  var OTHER = "#9a9a9a";
  var KINDS = ["org", "network", "person", "initiative", "plan", "commitment", "publication",
               "event", "agenda-item", "community"];
  var $ = function (id) { return document.getElementById(id); };
  var form = $("controls"), status = $("status");
  var state = readState();
  var cy = null, loaded = null, known = {themes: {}, countries: {}, years: []};

  function readState() {
    var q = new URLSearchParams(location.search);
    return {
      kind: q.get("kind") || "affiliation", color: q.get("color") || "kind",
      size: q.get("size") || "degree", theme: q.get("theme") || "",
      country: q.get("country") || "", as_of: q.get("as_of") || "",
      node_kind: q.getAll("node_kind"), ego: q.get("ego") || "",
      radius: parseInt(q.get("radius") || "1", 10), focus: q.get("focus") || "",
      from: q.get("from") || "", to: q.get("to") || ""
    };
  }

  function writeState() {
    var q = new URLSearchParams();
    ["kind", "color", "size", "theme", "country", "as_of", "ego", "focus", "from", "to"].forEach(function (k) {
      if (state[k]) { q.set(k, state[k]); }
    });
    if (state.ego) { q.set("radius", String(state.radius)); }
    state.node_kind.forEach(function (k) { q.append("node_kind", k); });
    history.replaceState(null, "", location.pathname + (q.toString() ? "?" + q : ""));
  }

  function apiQuery(extra) {
    var q = new URLSearchParams();
    q.set("kind", state.kind);
    if (state.theme) { q.set("theme", state.theme); }
    if (state.country) { q.set("country", state.country); }
    if (state.as_of) { q.set("as_of", state.as_of); }
    state.node_kind.forEach(function (k) { q.append("node_kind", k); });
    Object.keys(extra || {}).forEach(function (k) { q.set(k, extra[k]); });
    return q;
  }

  function colourOf(data) {
    if (state.color === "community") {
      var c = data.community;
      return c === null || c === undefined ? OTHER : (c < PALETTE.length ? PALETTE[c] : OTHER);
    }
    var i = KINDS.indexOf(data.kind);
    return i < 0 ? OTHER : PALETTE[i % PALETTE.length];
  }

  function sizeScale(nodes) {
    var key = state.size, lo = Infinity, hi = -Infinity;
    nodes.forEach(function (n) {
      var v = key === "none" ? 0 : (n.data(key) === undefined ? n.data("size") : n.data(key));
      if (typeof v === "number" && isFinite(v)) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
    });
    return function (n) {
      var v = key === "none" ? null : (n.data(key) === undefined ? n.data("size") : n.data(key));
      if (typeof v !== "number" || !isFinite(v) || hi <= lo) { return 18; }
      return 12 + 38 * (v - lo) / (hi - lo);
    };
  }

  function restyle() {
    if (!cy) { return; }
    var scale = sizeScale(cy.nodes());
    cy.batch(function () {
      cy.nodes().forEach(function (n) {
        var s = scale(n);
        n.style({"background-color": colourOf(n.data()), width: s, height: s});
      });
    });
    legend();
  }

  function legend() {
    var list = $("legend-items"), seen = {};
    list.textContent = "";
    cy.nodes().forEach(function (n) {
      var key = state.color === "community" ? n.data("community") : n.data("kind");
      if (state.color === "community" && colourOf(n.data()) === OTHER) { key = "other"; }
      if (!(key in seen)) { seen[key] = {colour: colourOf(n.data()), count: 0}; }
      seen[key].count += 1;
    });
    Object.keys(seen).sort(function (a, b) { return seen[b].count - seen[a].count; }).forEach(function (key) {
      var li = document.createElement("li"), sw = document.createElement("span");
      sw.className = "swatch"; sw.style.background = seen[key].colour;
      li.appendChild(sw);
      var name = state.color !== "community" ? key :
        (key === "other" ? "other communities" : "community " + key);
      li.appendChild(document.createTextNode(name + " (" + seen[key].count + ")"));
      li.dataset.key = key; li.dataset.colour = seen[key].colour;
      list.appendChild(li);
    });
  }

  function pagePath(iri) {
    return iri.indexOf(BASE) === 0 ? "/" + iri.slice(BASE.length) : iri;
  }

  function showDetails(node) {
    var box = $("details");
    box.textContent = "";
    var h = document.createElement("h3"); h.textContent = node.data("label"); box.appendChild(h);
    var link = document.createElement("a");
    link.href = pagePath(node.id()); link.textContent = "Open the entity page";
    link.id = "entity-link";
    if (node.data("kind") !== "community") { box.appendChild(link); }
    var dl = document.createElement("dl");
    ["kind", "alt_labels", "countries", "org_types", "themes", "start_date", "end_date",
     "degree", "betweenness", "pagerank", "eigenvector", "constraint", "core", "community",
     "members", "composition"].forEach(function (k) {
      var v = node.data(k);
      if (v === undefined || v === null || v === "") { return; }
      var dt = document.createElement("dt"), dd = document.createElement("dd");
      dt.textContent = k.replace("_", " ");
      dd.textContent = typeof v === "number" && !Number.isInteger(v) ? v.toPrecision(4) : String(v);
      dl.appendChild(dt); dl.appendChild(dd);
    });
    box.appendChild(dl);
    var ties = document.createElement("p"); ties.className = "muted";
    ties.textContent = node.connectedEdges().length + " ties in this view";
    box.appendChild(ties);
  }

  function layout() {
    var big = cy.nodes().length > 1500;
    cy.layout(big ? {name: "concentric", animate: false,
                     concentric: function (n) { return n.degree(); }, levelWidth: function () { return 3; }}
                  : {name: "cose", animate: false, randomize: false, nodeRepulsion: 9000,
                     idealEdgeLength: 60, numIter: 1500}).run();
  }

  function load() {
    writeState();
    status.textContent = "Loading…";
    var extra = state.ego ? {node: state.ego, radius: state.radius} : {};
    return fetch("/api/network/view?" + apiQuery(extra), {headers: {Accept: "application/json"}})
      .then(function (r) { return r.json().then(function (body) { return {ok: r.ok, body: body}; }); })
      .then(function (answer) {
        if (!answer.ok) { throw new Error(answer.body.detail || "the view could not be loaded"); }
        loaded = answer.body;
        draw(loaded);
        var s = loaded.stats;
        status.textContent = (state.ego ? "Ego view of " + label(state.ego) + ", radius " + state.radius + ": " : "") +
          cy.nodes().length + " nodes, " + cy.edges().length + " edges" +
          (s.aggregated ? " (communities of " + s.nodes + " nodes: filter for detail)" : "") +
          (loaded.filters ? " · " + loaded.filters : "");
        document.body.dataset.networkReady = "true";
      })
      .catch(function (error) { status.textContent = "Error: " + error.message; });
  }

  function label(iri) {
    var n = cy && cy.getElementById(iri);
    return n && n.length ? n.data("label") : iri;
  }

  function draw(view) {
    var elements = view.elements.nodes.concat(view.elements.edges);
    if (!cy) {
      cy = cytoscape({container: $("cy"), elements: elements, wheelSensitivity: 0.3,
        style: [
          {selector: "node", style: {"label": "data(label)", "font-size": 8, "text-wrap": "ellipsis",
            "text-max-width": 90, "color": "#222", "border-width": 1, "border-color": "#fff"}},
          {selector: "edge", style: {"width": 1, "line-color": "#b8bfcc", "curve-style": "haystack"}},
          {selector: ".faded", style: {"opacity": 0.15}},
          {selector: ".on-path", style: {"line-color": "#e6194b", "width": 4, "border-color": "#e6194b",
            "border-width": 3, "z-index": 10}},
          {selector: "node:selected", style: {"border-color": "#f0a500", "border-width": 4}}
        ]});
      cy.on("tap", "node", function (e) { select(e.target); });
    } else {
      cy.elements().remove();
      cy.add(elements);
    }
    collect(view);
    restyle();
    layout();
    if (state.focus && cy.getElementById(state.focus).length) { select(cy.getElementById(state.focus)); }
    if (state.from && state.to) { findPath(); }
  }

  function collect(view) {
    var names = $("node-names");
    names.textContent = "";
    view.elements.nodes.forEach(function (n) {
      var o = document.createElement("option"); o.value = n.data.label; names.appendChild(o);
      (n.data.themes || "").split(" ").forEach(function (t) { if (t) { known.themes[t] = 1; } });
      (n.data.countries || "").split(" ").forEach(function (c) { if (c) { known.countries[c] = 1; } });
      var y = parseInt((n.data.start_date || "").slice(0, 4), 10);
      if (y) { known.years.push(y); }
    });
    fill($("theme"), known.themes, state.theme);
    fill($("country"), known.countries, state.country);
    if (known.years.length) {
      var slider = $("as-of");
      slider.min = Math.min.apply(null, known.years);
      slider.max = Math.max.apply(null, known.years.concat([new Date().getFullYear()]));
    }
  }

  function fill(select, values, chosen) {
    var keep = select.options[0];
    select.textContent = ""; select.appendChild(keep);
    Object.keys(values).sort().forEach(function (v) {
      var o = document.createElement("option"); o.value = v; o.textContent = v.replace(/-/g, " ");
      select.appendChild(o);
    });
    select.value = chosen;
  }

  function select(node) {
    cy.nodes().unselect(); node.select();
    state.focus = node.id(); writeState();
    showDetails(node);
    $("ego").disabled = node.data("kind") === "community";
  }

  function byName(text) {
    var t = (text || "").trim().toLowerCase();
    if (!t) { return null; }
    var found = cy.nodes().filter(function (n) {
      return n.id() === text || String(n.data("label")).toLowerCase() === t ||
        String(n.data("alt_labels") || "").toLowerCase().split("|").indexOf(t) >= 0;
    });
    if (!found.length) {
      found = cy.nodes().filter(function (n) { return String(n.data("label")).toLowerCase().indexOf(t) >= 0; });
    }
    return found.length ? found[0] : null;
  }

  function zoomTo(node) {
    cy.animate({center: {eles: node}, zoom: 2}, {duration: 300});
    select(node);
  }

  function findPath() {
    var a = byName(state.from) || {id: function () { return state.from; }};
    var b = byName(state.to) || {id: function () { return state.to; }};
    var q = apiQuery({from: a.id(), to: b.id()});
    return fetch("/api/network/path?" + q).then(function (r) { return r.json().then(function (body) { return {ok: r.ok, body: body}; }); })
      .then(function (answer) {
        cy.elements().removeClass("on-path faded");
        if (!answer.ok) { $("path-text").textContent = "Path: " + answer.body.detail; return; }
        if (!answer.body.path) { $("path-text").textContent = "No path: the two are not connected in this view."; return; }
        var ids = answer.body.path.nodes.map(function (n) { return n.iri; });
        cy.elements().addClass("faded");
        ids.forEach(function (id, i) {
          var node = cy.getElementById(id);
          node.removeClass("faded").addClass("on-path");
          if (i > 0) { node.edgesWith(cy.getElementById(ids[i - 1])).removeClass("faded").addClass("on-path"); }
        });
        $("path-text").textContent = answer.body.path.text + ".";
        writeState();
      });
  }

  function download(name, href) {
    var a = document.createElement("a"); a.href = href; a.download = name;
    document.body.appendChild(a); a.click(); a.remove();
  }

  // -- controls --------------------------------------------------------------------------
  function syncForm() {
    $("kind").value = state.kind; $("color").value = state.color; $("size").value = state.size;
    if (state.node_kind.length) {
      form.querySelectorAll("input[name=node_kind]").forEach(function (c) { c.checked = state.node_kind.indexOf(c.value) >= 0; });
    }
    $("dated").checked = !!state.as_of; $("as-of").disabled = !state.as_of;
    if (state.as_of) { $("as-of").value = state.as_of; }
    $("as-of-value").textContent = state.as_of || "all dates";
    $("path-from").value = state.from; $("path-to").value = state.to;
    $("expand").disabled = !state.ego;
  }

  function kindsChecked() {
    var all = form.querySelectorAll("input[name=node_kind]"), on = [];
    all.forEach(function (c) { if (c.checked) { on.push(c.value); } });
    return on.length === all.length ? [] : on;
  }

  $("kind").addEventListener("change", function () { state.kind = this.value; load(); });
  $("color").addEventListener("change", function () { state.color = this.value; writeState(); restyle(); });
  $("size").addEventListener("change", function () { state.size = this.value; writeState(); restyle(); });
  $("theme").addEventListener("change", function () { state.theme = this.value; load(); });
  $("country").addEventListener("change", function () { state.country = this.value; load(); });
  $("node-kinds").addEventListener("change", function () { state.node_kind = kindsChecked(); load(); });
  $("dated").addEventListener("change", function () {
    $("as-of").disabled = !this.checked;
    state.as_of = this.checked ? $("as-of").value : "";
    $("as-of-value").textContent = state.as_of || "all dates";
    load();
  });
  $("as-of").addEventListener("input", function () { $("as-of-value").textContent = this.value; });
  $("as-of").addEventListener("change", function () { state.as_of = this.value; load(); });
  $("zoom").addEventListener("click", function () {
    var node = byName($("search").value);
    if (node) { zoomTo(node); } else { status.textContent = "No entity called " + $("search").value + " in this view."; }
  });
  $("search").addEventListener("keydown", function (e) { if (e.key === "Enter") { e.preventDefault(); $("zoom").click(); } });
  $("find-path").addEventListener("click", function () {
    state.from = $("path-from").value; state.to = $("path-to").value; findPath();
  });
  $("ego").addEventListener("click", function () {
    var chosen = cy.nodes(":selected");
    if (!chosen.length) { return; }
    state.ego = chosen[0].id(); state.radius = 1; state.focus = state.ego;
    $("expand").disabled = false; load();
  });
  $("expand").addEventListener("click", function () {
    if (!state.ego) { return; }
    state.radius = Math.min(6, state.radius + 1); load();
  });
  $("whole").addEventListener("click", function () {
    state.ego = ""; state.radius = 1; $("expand").disabled = true; load();
  });
  $("png").addEventListener("click", function () {
    download("network.png", cy.png({full: true, scale: 2, bg: "#ffffff"}));
  });
  $("data").addEventListener("click", function () {
    var data = {filters: loaded && loaded.filters, center: state.ego || null,
                elements: cy.elements(":visible").jsons().map(function (e) { return {group: e.group, data: e.data}; })};
    var blob = new Blob([JSON.stringify(data, null, 1)], {type: "application/json"});
    download("network-view.json", URL.createObjectURL(blob));
  });
  form.addEventListener("submit", function (e) { e.preventDefault(); });

  syncForm();
  load();
  window.networkExplorer = {cy: function () { return cy; }, state: state, load: load};
})();

/* Sorting and filtering /incidents/ across every page (src/listing.rs).
 *
 * The static pages list the incidents newest first; this script adds a form
 * that sorts them by date, severity, time to resolve or title and filters
 * them by year, severity, service and cause. It fetches, only when a reader
 * asks for something other than the static order:
 *   listing/index.json         where this build's files are (fetched fresh)
 *   search/<hash>/manifest.json and facet-<key>.json
 *                              the search index's facets: per value, the
 *                              incidents (numbered in archive order) that have it
 *   listing/<hash>/title.json, duration.json
 *                              one fixed-width rank per incident
 *   listing/<hash>/r/<n>.txt   the table row (HTML) of incident n, for the rows shown
 * The state lives in the query string (?sort=title&year=2021&service=api&page=2),
 * so a view can be shared and the back button walks through the views.
 * No framework, no third-party requests.
 */
(function () {
  "use strict";
  var root = document.getElementById("incident-browser");
  if (!root || !window.fetch || !window.URLSearchParams || !window.history.pushState) return;

  var ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-_";
  var DIGIT = {};
  for (var i = 0; i < ALPHABET.length; i++) DIGIT[ALPHABET.charAt(i)] = i;
  var KEYS = ["sort", "year", "severity", "service", "cause", "page"];
  var FACETS = ["year", "severity", "service", "cause"];
  var SORTS = {
    "": "newest first",
    oldest: "oldest first",
    severity: "most severe first",
    duration: "longest to resolve first",
    "duration-asc": "quickest to resolve first",
    title: "by title, A to Z",
    "title-desc": "by title, Z to A"
  };

  var form = root.querySelector("form");
  var statusEl = document.getElementById("browse-status");
  var results = root.querySelector(".browse-results");
  var staticList = document.querySelector(".incident-static");
  var controls = {};
  KEYS.forEach(function (k) { controls[k] = form.elements[k] || null; });

  // ---- Fetching, each file once ----
  var cache = new Map();
  function fetchUrl(url, kind, fresh) {
    if (!cache.has(url)) {
      cache.set(url, fetch(url, fresh ? { cache: "no-cache" } : {}).then(function (r) {
        if (!r.ok) throw new Error(url + ": " + r.status);
        return kind === "json" ? r.json() : r.text();
      }).catch(function (e) { cache.delete(url); throw e; }));
    }
    return cache.get(url);
  }
  var pointer = null, manifest = null;
  function ready() {
    return fetchUrl(root.getAttribute("data-pointer"), "json", true).then(function (p) {
      pointer = p;
      return fetchUrl(p.search, "json");
    }).then(function (m) {
      manifest = m;
      fillOptions();
    });
  }
  function facet(key) {
    var f = manifest && manifest.facets.filter(function (x) { return x.key === key; })[0];
    return f || null;
  }
  function facetDir() { return pointer.search.slice(0, pointer.search.lastIndexOf("/") + 1); }
  // The documents of one facet value (a Set), or null when the value is unknown.
  function facetDocs(key, slug) {
    var f = facet(key);
    if (!f) return Promise.resolve(null);
    var at = -1;
    f.values.forEach(function (v, n) { if (v[0] === slug) at = n; });
    if (at < 0) return Promise.resolve(new Set());
    return fetchUrl(facetDir() + f.file, "json").then(function (lists) { return decodeDocs(lists[at]); });
  }
  function readNumber(s, pos) {
    var n = 0, shift = 0;
    while (pos.i < s.length) {
      var d = DIGIT[s.charAt(pos.i++)];
      if (d >= 32) { n += (d - 32) * Math.pow(2, shift); shift += 5; }
      else { n += d * Math.pow(2, shift); break; }
    }
    return n;
  }
  function decodeDocs(s) {
    var out = new Set(), pos = { i: 0 }, prev = -1;
    while (pos.i < s.length) { prev = prev + 1 + readNumber(s, pos); out.add(prev); }
    return out;
  }
  // Fixed-width ranks → array; a rank of all "_" (no value) → Infinity.
  function decodeRanks(s, count) {
    var width = count ? s.length / count : 1, out = new Array(count);
    for (var d = 0; d < count; d++) {
      var v = 0, none = true;
      for (var k = 0; k < width; k++) {
        var c = s.charAt(d * width + k);
        if (c !== "_") none = false;
        v = v * 64 + DIGIT[c];
      }
      out[d] = none ? Infinity : v;
    }
    return out;
  }
  function ranks(name) {
    return fetchUrl(pointer.listing + name + ".json", "json").then(function (s) {
      return decodeRanks(s, pointer.incidents);
    });
  }
  // Severity rank of each incident (1 = most severe), Infinity for none.
  function severityRanks() {
    var f = facet("severity"), out = new Array(pointer.incidents).fill(Infinity);
    if (!f) return Promise.resolve(out);
    return fetchUrl(facetDir() + f.file, "json").then(function (lists) {
      // The facet's values are in the site's order, most severe first.
      lists.forEach(function (l, n) { decodeDocs(l).forEach(function (d) { out[d] = n; }); });
      return out;
    });
  }

  // ---- State: the query string ----
  function readState() {
    var q = new URLSearchParams(location.search), s = {};
    KEYS.forEach(function (k) { s[k] = q.get(k) || ""; });
    if (!Object.prototype.hasOwnProperty.call(SORTS, s.sort)) s.sort = "";
    var page = parseInt(s.page, 10);
    s.page = page > 1 ? page : 1;
    return s;
  }
  function isDefault(s) {
    return !s.sort && FACETS.every(function (k) { return !s[k]; });
  }
  function query(s) {
    var q = new URLSearchParams();
    KEYS.forEach(function (k) {
      if (k === "page" ? s.page > 1 : s[k]) q.set(k, s[k]);
    });
    var str = q.toString();
    return location.pathname + (str ? "?" + str : "");
  }
  function setControls(s) {
    KEYS.forEach(function (k) {
      var c = controls[k];
      if (!c || k === "page") return;
      // A value not among the options (an old link) is kept as the state but shown as "every".
      c.value = s[k];
      if (c.value !== s[k]) c.value = "";
    });
  }
  function fromControls() {
    var s = { page: 1 };
    KEYS.forEach(function (k) { if (k !== "page") s[k] = controls[k] ? controls[k].value : ""; });
    return s;
  }

  function fillOptions() {
    [["service", "Every service"], ["cause", "Every cause"]].forEach(function (pair) {
      var c = controls[pair[0]], f = facet(pair[0]);
      if (!c || !f || c.options.length > 1) return;
      var frag = document.createDocumentFragment();
      f.values.slice().sort(function (a, b) { return a[1].localeCompare(b[1]); }).forEach(function (v) {
        var o = document.createElement("option");
        o.value = v[0];
        o.textContent = v[1] + " (" + v[2] + ")";
        frag.appendChild(o);
      });
      c.appendChild(frag);
    });
  }

  // ---- Computing a view ----
  function select(s) {
    var n = pointer.incidents, wanted = FACETS.filter(function (k) { return s[k]; });
    return Promise.all(wanted.map(function (k) { return facetDocs(k, s[k]); })).then(function (sets) {
      var docs = [];
      for (var d = 0; d < n; d++) {
        var ok = true;
        for (var k = 0; k < sets.length && ok; k++) ok = !!sets[k] && sets[k].has(d);
        if (ok) docs.push(d);
      }
      return order(docs, s.sort);
    });
  }
  function byKey(docs, key, desc) {
    // Missing values last in either direction; ties newest first.
    return docs.sort(function (a, b) {
      var x = key[a], y = key[b];
      if (x === y) return a - b;
      if (x === Infinity) return 1;
      if (y === Infinity) return -1;
      return desc ? y - x : x - y;
    });
  }
  function order(docs, sort) {
    switch (sort) {
      case "oldest":
        return yearsKnown().then(function (dated) {
          return docs.sort(function (a, b) { return (dated.has(a) ? 0 : 1) - (dated.has(b) ? 0 : 1) || b - a; });
        });
      case "severity": return severityRanks().then(function (r) { return byKey(docs, r, false); });
      case "duration": return ranks("duration").then(function (r) { return byKey(docs, r, true); });
      case "duration-asc": return ranks("duration").then(function (r) { return byKey(docs, r, false); });
      case "title": return ranks("title").then(function (r) { return byKey(docs, r, false); });
      case "title-desc": return ranks("title").then(function (r) { return byKey(docs, r, true); });
      default: return Promise.resolve(docs);
    }
  }
  // Incidents with a known year (the undated stay last when oldest come first).
  function yearsKnown() {
    var f = facet("year");
    if (!f) return Promise.resolve(new Set());
    return fetchUrl(facetDir() + f.file, "json").then(function (lists) {
      var all = new Set();
      lists.forEach(function (l) { decodeDocs(l).forEach(function (d) { all.add(d); }); });
      return all;
    });
  }

  // ---- Showing a view ----
  var generation = 0;
  function describe(s, total, first, last) {
    var parts = [];
    if (s.year) parts.push("of " + s.year);
    if (s.severity) parts.push(s.severity);
    [["service", "service"], ["cause", "cause"]].forEach(function (p) {
      if (!s[p[0]]) return;
      var f = facet(p[0]), name = s[p[0]];
      if (f) f.values.forEach(function (v) { if (v[0] === s[p[0]]) name = v[1]; });
      parts.push(p[1] + " " + name);
    });
    var text = total + " incident" + (total === 1 ? "" : "s") + (parts.length ? " (" + parts.join(", ") + ")" : "") +
      ", " + SORTS[s.sort] + ".";
    if (total > last - first + 1 && total) text += " Showing " + first + "–" + last + ".";
    return text;
  }
  function pageLink(s, page, text, rel) {
    var a = document.createElement("a");
    var t = {};
    KEYS.forEach(function (k) { t[k] = s[k]; });
    t.page = page;
    a.href = query(t);
    a.textContent = text;
    a.className = "pagination-step";
    if (rel) a.rel = rel;
    a.setAttribute("data-page", String(page));
    return a;
  }
  function navigator(s, pages) {
    var nav = document.createElement("nav");
    nav.className = "pagination";
    nav.setAttribute("aria-label", "Pages of these results");
    var p = document.createElement("p");
    p.className = "pagination-status";
    p.textContent = "Page " + s.page + " of " + pages;
    nav.appendChild(p);
    var ul = document.createElement("ul");
    ul.className = "pagination-pages";
    ul.setAttribute("role", "list");
    if (s.page > 1) {
      [[1, "First"], [s.page - 1, "Previous", "prev"]].forEach(function (x) {
        var li = document.createElement("li"); li.appendChild(pageLink(s, x[0], x[1], x[2])); ul.appendChild(li);
      });
    }
    if (s.page < pages) {
      [[s.page + 1, "Next", "next"], [pages, "Last"]].forEach(function (x) {
        var li = document.createElement("li"); li.appendChild(pageLink(s, x[0], x[1], x[2])); ul.appendChild(li);
      });
    }
    nav.appendChild(ul);
    return nav;
  }
  function table(rows) {
    var model = staticList && staticList.querySelector("table.incident-table");
    var t = document.createElement("table");
    t.className = "incident-table";
    if (model && model.tHead) t.appendChild(model.tHead.cloneNode(true));
    var body = document.createElement("tbody");
    // The rows are this site's own pre-rendered, sanitised table rows.
    body.innerHTML = rows.join("");
    t.appendChild(body);
    return t;
  }

  function showStatic() {
    generation++;
    results.hidden = true;
    results.textContent = "";
    if (staticList) staticList.hidden = false;
    root.removeAttribute("aria-busy");
    statusEl.textContent = "";
    root.setAttribute("data-view", "static");
  }

  function render(s, focus) {
    setControls(s);
    if (isDefault(s) && s.page === 1) return showStatic();
    var mine = ++generation;
    root.setAttribute("aria-busy", "true");
    statusEl.textContent = "Loading…";
    return ready().then(function () {
      setControls(s);
      return select(s);
    }).then(function (docs) {
      var per = pointer.per_page || 100, pages = Math.max(1, Math.ceil(docs.length / per));
      if (s.page > pages) s.page = pages;
      var shown = docs.slice((s.page - 1) * per, s.page * per);
      return Promise.all(shown.map(function (d) {
        return fetchUrl(pointer.listing + "r/" + d + ".txt", "text");
      })).then(function (rows) {
        if (mine !== generation) return;
        results.textContent = "";
        var h = document.createElement("h2");
        h.className = "year-title browse-title";
        h.id = "browse-title";
        h.tabIndex = -1;
        h.textContent = "Results";
        results.appendChild(h);
        if (!docs.length) {
          var p = document.createElement("p");
          p.className = "empty";
          p.textContent = "No incident matches these filters.";
          results.appendChild(p);
        } else {
          if (pages > 1) results.appendChild(navigator(s, pages));
          results.appendChild(table(rows));
          if (pages > 1) results.appendChild(navigator(s, pages));
        }
        if (staticList) staticList.hidden = true;
        results.hidden = false;
        root.removeAttribute("aria-busy");
        var first = docs.length ? (s.page - 1) * per + 1 : 0;
        statusEl.textContent = describe(s, docs.length, first, first + shown.length - 1);
        root.setAttribute("data-view", location.search || "?");
        if (focus) h.focus();
      });
    }).catch(function () {
      if (mine !== generation) return;
      root.removeAttribute("aria-busy");
      if (staticList) staticList.hidden = false;
      results.hidden = true;
      statusEl.textContent = "Sorting and filtering could not load; the list below is in date order.";
      root.setAttribute("data-view", "error");
    });
  }

  function go(s, focus) {
    var url = query(s);
    if (url !== location.pathname + location.search) history.pushState(null, "", url);
    render(s, focus);
  }

  form.addEventListener("change", function () { go(fromControls(), false); });
  form.addEventListener("submit", function (e) { e.preventDefault(); go(fromControls(), false); });
  form.addEventListener("reset", function (e) {
    e.preventDefault();
    go({ sort: "", year: "", severity: "", service: "", cause: "", page: 1 }, false);
  });
  results.addEventListener("click", function (e) {
    var a = e.target.closest && e.target.closest("a[data-page]");
    if (!a || e.ctrlKey || e.metaKey || e.shiftKey || e.button) return;
    e.preventDefault();
    var s = readState();
    s.page = parseInt(a.getAttribute("data-page"), 10) || 1;
    go(s, true);
  });
  window.addEventListener("popstate", function () { render(readState(), false); });

  root.hidden = false;
  var start = readState();
  // A static page n ≥ 2 in date order is already what the reader asked for.
  if (!isDefault(start)) render(start, false);
  else {
    setControls(start);
    root.setAttribute("data-view", "static");
  }
  // The service and cause choices come from the search index's manifest,
  // fetched when the reader first reaches the form.
  function prefetch() {
    form.removeEventListener("focusin", prefetch);
    form.removeEventListener("pointerdown", prefetch);
    ready().catch(function () {});
  }
  form.addEventListener("focusin", prefetch);
  form.addEventListener("pointerdown", prefetch);
})();

/* rca-site search: reads the sharded index written by src/search/ and runs
 * queries in the browser. Vanilla JS, no third-party requests.
 *
 * Files (all under the folder named by the page's data-index manifest URL):
 *   manifest.json      shard boundaries, facets with their values and counts
 *   s/<n>.json         postings for a range of words ({"word": "encoded"})
 *   facet-<key>.json   per facet value, its encoded document ids
 *   f/<id>.json        one result: title, url, date, severity, services, text
 * Only the shards for the query's words, the fragments of the results on
 * screen and the files of the facets on screen are fetched. A long facet
 * (more than LONG_FACET values: services, causes, tags of a large archive)
 * starts folded, and its file (tens of KB at 10,000 incidents) is fetched
 * when the reader unfolds it or the address filters by it; a short one
 * (severity, year) is fetched with the first query, for its counts.
 */
(function () {
  "use strict";

  var MAX_TOKEN = 40;
  var PAGE = 10;
  var LONG_FACET = 12;       // facets with more values show only the first
  var LONG_FACET_SHOWN = 8;  // ones until "Show all" is pressed
  var ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-_";
  var DIGIT = {};
  for (var i = 0; i < ALPHABET.length; i++) DIGIT[ALPHABET.charAt(i)] = i;

  // Same algorithm as src/text/tokenize.rs: lowercase, NFKD, drop marks,
  // lowercase again, final sigma → sigma; tokens are runs of alphabetic or
  // numeric characters, at most MAX_TOKEN characters long.
  function fold(text) {
    return text.toLowerCase().normalize("NFKD").replace(/\p{M}/gu, "").toLowerCase().replace(/ς/g, "σ");
  }
  function tokenize(text) {
    var out = [];
    var parts = fold(text).split(/[^\p{Alphabetic}\p{N}]+/u);
    for (var i = 0; i < parts.length; i++) {
      var t = parts[i];
      if (t && Array.from(t).length <= MAX_TOKEN) out.push(t);
    }
    return out;
  }
  window.rcaSearchTokenize = tokenize;

  function readNumber(s, pos) {
    var n = 0, shift = 0;
    while (pos.i < s.length) {
      var d = DIGIT[s.charAt(pos.i++)];
      if (d >= 32) { n += (d - 32) * Math.pow(2, shift); shift += 5; }
      else { n += d * Math.pow(2, shift); break; }
    }
    return n;
  }
  // Encoded postings → Map(doc → impact).
  function decodePostings(s) {
    var m = new Map(), pos = { i: 0 }, prev = -1;
    while (pos.i < s.length) {
      var doc = prev + 1 + readNumber(s, pos);
      m.set(doc, DIGIT[s.charAt(pos.i++)]);
      prev = doc;
    }
    return m;
  }
  function decodeDocs(s) {
    var out = new Set(), pos = { i: 0 }, prev = -1;
    while (pos.i < s.length) { prev = prev + 1 + readNumber(s, pos); out.add(prev); }
    return out;
  }

  var root = document.getElementById("search");
  if (!root) return;
  var manifestUrl = root.getAttribute("data-index");
  var dir = manifestUrl.slice(0, manifestUrl.lastIndexOf("/") + 1);
  var form = root.querySelector(".search-form");
  var input = root.querySelector("#search-q");
  var layout = root.querySelector(".search-layout");
  var facetBox = root.querySelector(".search-facet-list");
  var clearBtn = root.querySelector(".search-clear");
  var statusEl = root.querySelector("#search-status");
  var list = root.querySelector(".search-list");
  var moreBtn = root.querySelector(".search-more");
  var sortInputs = root.querySelectorAll('input[name="sort"]');
  var filterBox = root.querySelector(".search-filters");
  var filterCount = root.querySelector(".search-filter-count");
  // The results and filters stay hidden until the first answer is ready,
  // so they appear at once instead of growing (and pushing each other)
  // while the index loads; the page reserves their space (style.css).

  var cache = new Map();
  function fetchJson(url) {
    if (!cache.has(url)) {
      cache.set(url, fetch(url).then(function (r) {
        if (!r.ok) throw new Error(url + ": HTTP " + r.status);
        return r.json();
      }));
    }
    return cache.get(url);
  }

  var manifest = null;
  var state = { q: "", sort: "best", filters: {} };
  var results = [];  // doc ids in display order
  var shown = 0;
  var matched = new Set();  // index words the query matched, for highlighting
  var runId = 0;

  function shardFor(word) {
    var s = manifest.shards, lo = 0, hi = s.length - 1;
    if (hi < 0) return -1;
    while (lo < hi) {
      var mid = (lo + hi + 1) >> 1;
      if (s[mid] <= word) lo = mid; else hi = mid - 1;
    }
    return lo;
  }

  // Postings of one query term: Map(doc → impact) and the words matched.
  // The last term also matches as a prefix (the word being typed).
  function lookup(term, prefix) {
    var first = shardFor(term);
    if (first < 0) return Promise.resolve({ docs: new Map(), words: [] });
    var shards = [first];
    if (prefix && Array.from(term).length >= 2) {
      for (var n = first + 1; n < manifest.shards.length && n < first + 3 && manifest.shards[n].lastIndexOf(term, 0) === 0; n++) shards.push(n);
    }
    return Promise.all(shards.map(function (n) { return fetchJson(dir + "s/" + n + ".json"); })).then(function (parts) {
      var docs = new Map(), words = [];
      var expand = prefix && Array.from(term).length >= 2;
      parts.forEach(function (shard) {
        Object.keys(shard).forEach(function (w) {
          var weight = w === term ? 1 : expand && w.lastIndexOf(term, 0) === 0 ? 0.5 : 0;
          if (!weight) return;
          words.push(w);
          decodePostings(shard[w]).forEach(function (impact, doc) {
            var v = impact * weight;
            if (!(docs.get(doc) >= v)) docs.set(doc, v);
          });
        });
      });
      return { docs: docs, words: words };
    });
  }

  function isLong(f) {
    return f.key !== "year" && f.values.length > LONG_FACET;
  }
  // Whether the facet's values (and so its file, for counts) are on screen.
  var opened = {};
  function isOpen(f) {
    return !isLong(f) || opened[f.key] || !!(state.filters[f.key] && state.filters[f.key].length);
  }
  // Counts the facets loaded since the last answer, against that answer.
  var recount = null;

  function facetDocs(f) {
    return fetchJson(dir + f.file).then(function (lists) {
      if (!f.sets) f.sets = lists.map(decodeDocs);
      return f.sets;
    });
  }

  function readUrl() {
    var p = new URLSearchParams(location.search);
    state.q = p.get("q") || "";
    state.sort = p.get("sort") === "newest" ? "newest" : "best";
    state.filters = {};
    manifest.facets.forEach(function (f) {
      var vals = p.getAll(f.key).filter(function (v) { return f.values.some(function (x) { return x[0] === v; }); });
      if (vals.length) state.filters[f.key] = vals;
    });
  }
  function writeUrl() {
    var p = new URLSearchParams();
    if (state.q) p.set("q", state.q);
    manifest.facets.forEach(function (f) {
      (state.filters[f.key] || []).forEach(function (v) { p.append(f.key, v); });
    });
    if (state.sort === "newest") p.set("sort", "newest");
    var qs = p.toString();
    var url = location.pathname + (qs ? "?" + qs : "");
    if (url !== location.pathname + location.search) history.replaceState(null, "", url);
  }

  function hasFilters() {
    return Object.keys(state.filters).some(function (k) { return state.filters[k].length; });
  }

  function run() {
    var id = ++runId;
    var terms = [];
    tokenize(state.q).forEach(function (t) { if (terms.indexOf(t) < 0) terms.push(t); });
    var typing = state.q.length && !/\s$/.test(state.q);
    var filtering = hasFilters();
    if (!terms.length && !filtering) {
      results = []; shown = 0; matched = new Set(); recount = null;
      layout.hidden = false;
      list.replaceChildren();
      moreBtn.hidden = true;
      statusEl.textContent = manifest.docs ? "Type a word, or pick a filter, to search " + manifest.incidents + " incident" + (manifest.incidents === 1 ? "" : "s") + "." : "Nothing has been published yet.";
      renderFacets(null);
      return Promise.resolve();
    }
    statusEl.textContent = "Searching…";
    var lookups = terms.map(function (t, n) { return lookup(t, typing && n === terms.length - 1); });
    // Facet files are needed first only to filter; otherwise the results
    // are shown as soon as the words' shards are in, and the counts follow.
    var facetsLoaded = Promise.all(manifest.facets.filter(isOpen).map(facetDocs));
    return Promise.all([Promise.all(lookups), filtering ? facetsLoaded : null]).then(function (got) {
      if (id !== runId) return;
      var hits = got[0];
      matched = new Set();
      hits.forEach(function (h) { h.words.forEach(function (w) { matched.add(w); }); });
      // Documents matching every term, with their scores.
      var scores;
      if (terms.length) {
        hits.sort(function (a, b) { return a.docs.size - b.docs.size; });
        scores = new Map();
        hits[0].docs.forEach(function (v, d) { scores.set(d, v); });
        for (var n = 1; n < hits.length; n++) {
          scores.forEach(function (v, d) {
            var w = hits[n].docs.get(d);
            if (w === undefined) scores.delete(d); else scores.set(d, v + w);
          });
        }
      } else {
        scores = new Map();
        for (var d = 0; d < manifest.incidents; d++) scores.set(d, 0);
      }
      // Per facet: the documents allowed by that facet's selection.
      var allowed = {};
      manifest.facets.forEach(function (f) {
        var sel = state.filters[f.key];
        if (!sel || !sel.length) return;
        var u = new Set();
        sel.forEach(function (v) {
          var k = f.values.findIndex(function (x) { return x[0] === v; });
          if (k >= 0) f.sets[k].forEach(function (d) { u.add(d); });
        });
        allowed[f.key] = u;
      });
      function passes(d, except) {
        for (var key in allowed) if (key !== except && !allowed[key].has(d)) return false;
        return true;
      }
      var ids = [];
      scores.forEach(function (v, d) { if (passes(d, null)) ids.push(d); });
      if (state.sort === "newest") ids.sort(function (a, b) { return a - b; });
      else ids.sort(function (a, b) { return scores.get(b) - scores.get(a) || a - b; });
      results = ids;
      shown = 0;
      layout.hidden = false;
      list.replaceChildren();
      moreBtn.hidden = true;
      var n = ids.length;
      statusEl.textContent = n ? n + " result" + (n === 1 ? "" : "s") + (state.q ? " for “" + state.q.trim() + "”" : "") : "No results" + (state.q ? " for “" + state.q.trim() + "”" : "") + (filtering ? " with these filters." : ".");
      // Counts: for each loaded facet, the matches allowed by the other
      // facets (every filtered facet is loaded).
      var counts = {};
      recount = function () {
        if (id !== runId) return;
        manifest.facets.forEach(function (f) {
          if (!f.sets || counts[f.key]) return;
          var base = [];
          scores.forEach(function (v, d) { if (d < manifest.incidents && passes(d, f.key)) base.push(d); });
          counts[f.key] = f.sets.map(function (set) {
            var c = 0;
            for (var j = 0; j < base.length; j++) if (set.has(base[j])) c++;
            return c;
          });
        });
        renderFacets(counts);
      };
      var counted = facetsLoaded.then(function () { recount(); });
      return Promise.all([showMore(), counted]);
    }).catch(function (e) {
      if (id !== runId) return;
      layout.hidden = false;
      statusEl.textContent = "Search failed to load its index (" + e.message + ").";
    });
  }

  function showMore() {
    var next = results.slice(shown, shown + PAGE);
    shown += next.length;
    var id = runId;
    return Promise.all(next.map(function (d) { return fetchJson(dir + "f/" + d + ".json"); })).then(function (frags) {
      if (id !== runId) return;
      // All cards of a page at once, then the button below them, so
      // nothing already on screen moves while results arrive.
      var frag = document.createDocumentFragment();
      frags.forEach(function (f) { frag.appendChild(renderResult(f)); });
      list.appendChild(frag);
      moreBtn.hidden = shown >= results.length;
    });
  }

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text != null) e.textContent = text;
    return e;
  }

  // Appends `text` to `parent`, wrapping words the query matched in <mark>.
  function highlight(parent, text) {
    var re = /[\p{Alphabetic}\p{N}\p{M}]+/gu, last = 0, m;
    while ((m = re.exec(text))) {
      var toks = tokenize(m[0]);
      if (toks.some(function (t) { return matched.has(t); })) {
        if (m.index > last) parent.appendChild(document.createTextNode(text.slice(last, m.index)));
        parent.appendChild(el("mark", null, m[0]));
        last = m.index + m[0].length;
      }
    }
    if (last < text.length) parent.appendChild(document.createTextNode(text.slice(last)));
  }

  // The window of about 30 words of `text` with the most matched words.
  function excerpt(text) {
    var words = text.split(/\s+/).filter(Boolean);
    var hit = words.map(function (w) { return tokenize(w).some(function (t) { return matched.has(t); }) ? 1 : 0; });
    var size = 30, best = -1, bestAt = 0, sum = 0;
    for (var i = 0; i < words.length; i++) {
      sum += hit[i];
      if (i >= size) sum -= hit[i - size];
      if (sum > best) { best = sum; bestAt = Math.max(0, i - size + 1); }
    }
    if (best <= 0) return null;
    // Centre the window on its matched words, so that a match at its edge
    // is not cut off (and has some words of context on both sides).
    var first = -1, last = -1;
    for (var j = bestAt; j < Math.min(words.length, bestAt + size); j++) {
      if (hit[j]) { if (first < 0) first = j; last = j; }
    }
    var start = Math.floor((first + last) / 2) - Math.floor(size / 2);
    start = Math.max(0, Math.min(start, first, words.length - size));
    var out = words.slice(start, start + size).join(" ");
    return (start > 0 ? "… " : "") + out + (start + size < words.length ? " …" : "");
  }

  function hasMatch(text) {
    return tokenize(text || "").some(function (t) { return matched.has(t); });
  }
  // Where the query matched this result: "in title", "in causes: …",
  // "in services: …", "in tags: …", "in summary", "in body".
  function matchedIn(f) {
    var out = [];
    if (!matched.size) return out;
    if (hasMatch(f.title)) out.push("in title");
    [["causes", f.causes], ["services", (f.services || []).map(function (s) { return s[0]; })], ["tags", f.tags]].forEach(function (p) {
      var names = (p[1] || []).filter(hasMatch);
      if (names.length) out.push("in " + (f.kind === "cause" && p[0] === "causes" ? "aliases" : p[0]) + ": " + names.join(", "));
    });
    if (hasMatch(f.summary)) out.push("in summary");
    // The fragment holds the start of the body; a match past it (or in
    // the incident's id) is still a match in the document's text.
    if (hasMatch(f.text) || !out.length) out.push("in body");
    return out;
  }

  function renderResult(f) {
    var li = el("li");
    var art = el("article", "card search-result" + (f.severity_rank ? " sev-edge-r" + f.severity_rank : ""));
    var meta = el("p");
    if (f.kind === "cause") meta.appendChild(el("span", "kind", "Cause"));
    if (f.severity) {
      var sev = el("a", "sev sev-r" + f.severity_rank, f.severity);
      sev.href = f.severity_url;
      meta.appendChild(sev);
    }
    if (f.date) {
      var t = el("time", null, f.date_human);
      t.setAttribute("datetime", f.date);
      meta.appendChild(t);
    }
    art.appendChild(meta);
    var h = el("h2", "card-title");
    var a = el("a");
    a.href = f.url;
    highlight(a, f.title);
    h.appendChild(a);
    art.appendChild(h);
    var where = matchedIn(f);
    if (where.length) art.appendChild(el("p", "search-where", where.join(" · ")));
    var ex = excerpt(f.summary + " " + f.text) || f.summary;
    if (ex) {
      var p = el("p", "card-summary search-excerpt");
      highlight(p, ex);
      art.appendChild(p);
    }
    if (f.services && f.services.length) {
      var foot = el("div");
      var ul = el("ul", "terms terms-small");
      ul.setAttribute("aria-label", "Services");
      f.services.forEach(function (s) {
        var li2 = el("li"), sa = el("a", null, s[0]);
        sa.href = s[1];
        li2.appendChild(sa);
        ul.appendChild(li2);
      });
      foot.appendChild(ul);
      art.appendChild(foot);
    }
    li.appendChild(art);
    return li;
  }

  var expanded = {};
  function renderFacets(counts) {
    var focused = document.activeElement && facetBox.contains(document.activeElement) ? document.activeElement.id : null;
    facetBox.replaceChildren();
    manifest.facets.forEach(function (f, fi) {
      if (!f.values.length) return;
      var fs = el("fieldset", "search-facet");
      fs.appendChild(el("legend", null, f.label));
      var ul = el("ul", "search-facet-values");
      ul.setAttribute("role", "list");
      var sel = state.filters[f.key] || [];
      // Years are short and read in order: all of them are listed.
      var long = isLong(f);
      if (!isOpen(f)) {
        // Folded: its values, counts and file come when the reader asks.
        var open = el("button", "search-facet-open", "Show " + f.values.length + " " + f.label.toLowerCase() + " filters");
        open.type = "button";
        open.id = "facet-open-" + fi;
        open.setAttribute("aria-expanded", "false");
        open.addEventListener("click", function () {
          opened[f.key] = true;
          open.disabled = true;
          // Counted against the answer on screen when the file is in (or
          // by the answer still to come, which counts every loaded facet).
          (recount ? facetDocs(f).then(function () { if (recount) recount(); }) : Promise.resolve(renderFacets(null))).then(function () {
            var first = facetBox.querySelector('input[name="' + f.key + '"]');
            if (first) first.focus();
          }, function (e) {
            statusEl.textContent = "Search failed to load its index (" + e.message + ").";
          });
        });
        fs.appendChild(open);
        facetBox.appendChild(fs);
        return;
      }
      var limit = expanded[f.key] || !long ? f.values.length : LONG_FACET_SHOWN;
      // In a long facet, values that would give results come first, in
      // their own order; severity (by rank) and year (newest first, never
      // long) keep theirs.
      var order = f.values.map(function (v, vi) { return vi; });
      var fc = counts && counts[f.key];
      if (fc && long && f.key !== "severity") order.sort(function (a, b) { return (fc[b] > 0) - (fc[a] > 0) || a - b; });
      order.forEach(function (vi, pos) {
        var v = f.values[vi];
        var on = sel.indexOf(v[0]) >= 0;
        var c = fc ? fc[vi] : v[2];
        if (pos >= limit && !on) return;
        var li = el("li");
        var id = "facet-" + fi + "-" + vi;
        var box = el("input");
        box.type = "checkbox";
        box.id = id;
        box.name = f.key;
        box.value = v[0];
        box.checked = on;
        box.defaultChecked = on;
        if (fc && c === 0 && !on) {
          // Ticking it would give no results: shown, but not tickable.
          li.className = "search-facet-zero";
          box.disabled = true;
          box.setAttribute("aria-disabled", "true");
        }
        box.addEventListener("change", function () {
          var cur = state.filters[f.key] || [];
          state.filters[f.key] = box.checked ? cur.concat([v[0]]) : cur.filter(function (x) { return x !== v[0]; });
          update();
        });
        var label = el("label", null, v[1] + " ");
        label.htmlFor = id;
        label.appendChild(el("span", "count", String(c)));
        li.appendChild(box);
        li.appendChild(label);
        ul.appendChild(li);
      });
      fs.appendChild(ul);
      if (long) {
        var more = el("button", "search-facet-more", expanded[f.key] ? "Show fewer" : "Show all " + f.values.length);
        more.type = "button";
        more.id = "facet-more-" + fi;
        more.setAttribute("aria-expanded", expanded[f.key] ? "true" : "false");
        more.addEventListener("click", function () { expanded[f.key] = !expanded[f.key]; renderFacets(counts); });
        fs.appendChild(more);
      }
      facetBox.appendChild(fs);
    });
    clearBtn.hidden = !hasFilters();
    if (filterCount) {
      var active = Object.keys(state.filters).reduce(function (n, k) { return n + state.filters[k].length; }, 0);
      filterCount.textContent = active ? "(" + active + " on)" : "";
    }
    if (focused) {
      var again = document.getElementById(focused);
      if (again) again.focus();
    }
  }

  var timer = null;
  function update() {
    writeUrl();
    return run();
  }
  input.addEventListener("input", function () {
    state.q = input.value;
    clearTimeout(timer);
    timer = setTimeout(update, 150);
  });
  form.addEventListener("submit", function (e) {
    e.preventDefault();
    clearTimeout(timer);
    state.q = input.value;
    update();
  });
  sortInputs.forEach(function (r) {
    r.addEventListener("change", function () { if (r.checked) { state.sort = r.value; update(); } });
  });
  clearBtn.addEventListener("click", function () { state.filters = {}; update(); input.focus(); });
  moreBtn.addEventListener("click", function () {
    var first = shown;
    showMore().then(function () {
      var link = list.children[first] && list.children[first].querySelector("a[href]");
      if (link) link.focus();
    });
  });

  fetchJson(manifestUrl).then(function (m) {
    if (m.version !== 1) throw new Error("index format " + m.version + ", this script reads format 1");
    manifest = m;
    readUrl();
    // On a narrow screen the filters would push the results a screen down:
    // fold them unless the address already sets some.
    if (filterBox && !hasFilters() && window.matchMedia && window.matchMedia("(max-width: 760px)").matches) filterBox.open = false;
    input.value = state.q;
    sortInputs.forEach(function (r) { r.checked = r.value === state.sort; });
    root.setAttribute("data-ready", "");
    return run();
  }).then(function () {
    root.setAttribute("data-done", "");
  }).catch(function (e) {
    statusEl.textContent = "Search failed to load its index (" + e.message + ").";
  });
})();

// ransearch search page: small comforts on top of a page that works without this file.
//  - Enter sends a short question (Shift+Enter, or a situation, starts a new line);
//  - a filter applies at once: the results are fetched and swapped in, the URL follows;
//  - on wide screens every filter group is open.
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  var form = document.getElementById("search");
  var results = document.getElementById("results");
  if (!form || !results) return;
  var q = document.getElementById("q");
  var live = document.getElementById("live");

  function kind() {
    var checked = form.querySelector('input[name="kind"]:checked');
    return checked ? checked.value : "question";
  }

  function send() {
    if (form.requestSubmit) form.requestSubmit(); else form.submit();
  }

  if (q) {
    q.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing && kind() === "question") {
        event.preventDefault();
        send();
      }
    });
  }

  if (window.matchMedia && window.matchMedia("(min-width: 800px)").matches) {
    document.querySelectorAll("details.facet").forEach(function (d) { d.open = true; });
  }

  // the URL of the form as it stands, without the defaults
  function formUrl() {
    var params = new URLSearchParams();
    new FormData(form).forEach(function (value, name) {
      value = String(value);
      if ((name === "q" && !value.trim()) || (name === "kind" && value === "question") ||
          (name === "lang" && value === "en")) return;
      params.append(name, value);
    });
    var query = params.toString();
    return "/" + (query ? "?" + query : "");
  }

  var pending = null;

  function apply() {
    var target = formUrl();
    if (pending) pending.abort();
    pending = new AbortController();
    results.setAttribute("aria-busy", "true");
    fetch(target, { signal: pending.signal, credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (response) { return response.text(); })
      .then(function (text) {
        var doc = new DOMParser().parseFromString(text, "text/html");
        var fresh = doc.getElementById("results");
        if (!fresh) { window.location.assign(target); return; }
        // nodes are moved, never re-parsed from strings: what the server escaped stays text
        results.replaceChildren.apply(results, Array.from(fresh.childNodes).map(function (n) {
          return document.adoptNode(n);
        }));
        document.querySelectorAll("details.facet").forEach(function (d) {
          var other = doc.querySelector('details.facet[data-facet="' + d.dataset.facet + '"] summary');
          var mine = d.querySelector("summary");
          if (other && mine) mine.replaceWith(document.adoptNode(other));
        });
        document.title = doc.title;
        window.history.pushState({ ransearch: true }, "", target);
        var heading = results.querySelector("h2");
        if (live && heading) live.textContent = heading.textContent;
      })
      .catch(function (error) {
        if (error && error.name === "AbortError") return;
        window.location.assign(target);
      })
      .finally(function () { results.removeAttribute("aria-busy"); });
  }

  document.querySelectorAll('input[type="checkbox"][form="search"]').forEach(function (box) {
    box.addEventListener("change", apply);
  });
  var lang = document.getElementById("lang");
  if (lang) lang.addEventListener("change", send);  // labels change everywhere: load the page
  window.addEventListener("popstate", function () { window.location.reload(); });
})();

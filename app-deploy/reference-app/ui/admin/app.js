(function () {
  "use strict";
  // Served at /admin/ by nginx; the API is at /api/ on the same host.
  var API = "/api/";
  var es = null;
  var storeId = null;

  function $(id) { return document.getElementById(id); }
  function el(tag, value) { var e = document.createElement(tag); e.textContent = value == null ? "" : value; return e; }
  function log(label, data) {
    $("feed").insertBefore(el("li", new Date().toLocaleTimeString() + " " + label + " " + data), $("feed").firstChild);
  }
  function getJSON(path) {
    return fetch(API + path).then(function (r) {
      if (!r.ok) { throw new Error(path + " -> HTTP " + r.status); }
      return r.json();
    });
  }
  // Publishing needs the staff token (Authorization: Bearer). The admin types it once; it is
  // kept in sessionStorage only (gone when the tab closes), never in localStorage or a cookie.
  var TOKEN_KEY = "tableorder.staffToken";
  function staffToken(ask) {
    var token = null;
    try { token = window.sessionStorage.getItem(TOKEN_KEY); } catch (e) { token = null; }
    if (!token || ask) {
      token = window.prompt("Staff token (needed to send order events):", "");
      token = token ? token.trim() : "";
      try {
        if (token) { window.sessionStorage.setItem(TOKEN_KEY, token); } else { window.sessionStorage.removeItem(TOKEN_KEY); }
      } catch (e) { /* storage off: ask again next time */ }
    }
    return token || null;
  }
  function publish(body, retried) {
    var token = staffToken(false);
    if (!token) { return Promise.reject(new Error("no staff token: sending needs it")); }
    return fetch(API + "events/store-" + storeId, {
      method: "POST",
      headers: { "Content-Type": "application/json", "Authorization": "Bearer " + token },
      body: JSON.stringify(body)
    }).then(function (r) {
      if (r.status === 401) {
        try { window.sessionStorage.removeItem(TOKEN_KEY); } catch (e) { /* nothing kept */ }
        if (!retried) { staffToken(true); return publish(body, true); }
        throw new Error("the staff token was refused (HTTP 401)");
      }
      if (!r.ok) { throw new Error("publish -> HTTP " + r.status); }
      return r.json();
    });
  }
  $("staff-sign-in").addEventListener("click", function () { staffToken(true); });

  function loadTables() {
    getJSON("stores/" + storeId + "/tables").then(function (tables) {
      var body = $("tables");
      body.textContent = "";
      tables.forEach(function (t) {
        var tr = document.createElement("tr");
        tr.appendChild(el("td", t.table_number));
        tr.appendChild(el("td", t.label));
        tr.appendChild(el("td", t.seats));
        var td = document.createElement("td");
        ["accepted", "served"].forEach(function (status) {
          var b = el("button", status);
          b.addEventListener("click", function () {
            publish({ type: "order.status", table: t.table_number, status: status })
              .then(function (res) { log("sent", status + " to table " + t.table_number + " (" + res.receivers + " receivers)"); })
              .catch(function (e) { log("error", e.message); });
          });
          td.appendChild(b);
          td.appendChild(document.createTextNode(" "));
        });
        tr.appendChild(td);
        body.appendChild(tr);
      });
    }).catch(function (e) { log("error", e.message); });
  }

  function subscribe() {
    if (es) { es.close(); }
    var status = $("sse-status");
    status.className = "status"; status.textContent = "connecting…";
    es = new EventSource(API + "events/store-" + storeId);
    es.addEventListener("ready", function () { status.className = "status live"; status.textContent = "live"; });
    es.addEventListener("message", function (e) { log("event", e.data); });
    es.onerror = function () { status.className = "status"; status.textContent = "reconnecting…"; };
  }

  function selectStore(id) {
    storeId = id;
    loadTables();
    subscribe();
  }

  getJSON("stores").then(function (stores) {
    var select = $("store");
    stores.forEach(function (s) {
      var o = el("option", s.name); o.value = s.id; select.appendChild(o);
    });
    select.addEventListener("change", function () { selectStore(select.value); });
    if (stores.length) { selectStore(String(stores[0].id)); } else { log("info", "no stores yet"); }
  }).catch(function (e) { log("error", e.message); });
})();

(function () {
  "use strict";
  // Served at "/" by nginx; the API is at /api/ on the same host.
  var API = "/api/";
  var params = new URLSearchParams(window.location.search);
  var tableNumber = parseInt(params.get("table") || "1", 10);
  var storeId = params.get("store");

  function $(id) { return document.getElementById(id); }
  function text(el, value) { el.textContent = value; return el; }
  function el(tag, value) { return text(document.createElement(tag), value == null ? "" : value); }
  function logEvent(label, data) {
    var li = el("li", new Date().toLocaleTimeString() + " " + label + " " + data);
    $("events").insertBefore(li, $("events").firstChild);
  }
  function getJSON(path) {
    return fetch(API + path, { headers: { Accept: "application/json" } }).then(function (r) {
      if (!r.ok) { throw new Error(path + " -> HTTP " + r.status); }
      return r.json();
    });
  }

  function order(menu) {
    var channel = "store-" + storeId;
    fetch(API + "events/" + channel, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ type: "order.created", table: tableNumber, menu_id: menu.id, menu: menu.name, quantity: 1, price: menu.price })
    }).then(function (r) { return r.json(); })
      .then(function (res) { logEvent("sent", "(" + res.receivers + " receivers) " + menu.name); })
      .catch(function (e) { logEvent("send failed", String(e)); });
  }

  function renderMenu(data) {
    var box = $("menu");
    box.textContent = "";
    data.categories.forEach(function (cat) {
      box.appendChild(el("h2", cat.name));
      cat.menus.forEach(function (m) {
        var row = document.createElement("div");
        row.className = "menu";
        var left = document.createElement("div");
        left.appendChild(el("strong", m.name));
        left.appendChild(el("small", m.description || ""));
        var right = document.createElement("div");
        right.appendChild(el("span", m.price.toLocaleString() + " "));
        var b = el("button", m.is_available ? "Order" : "Sold out");
        b.disabled = !m.is_available;
        b.addEventListener("click", function () { order(m); });
        right.appendChild(b);
        row.appendChild(left);
        row.appendChild(right);
        box.appendChild(row);
      });
    });
  }

  function subscribe() {
    var status = $("sse-status");
    var es = new EventSource(API + "events/store-" + storeId);
    es.addEventListener("ready", function (e) {
      status.className = "status live";
      text(status, "live");
      logEvent("ready", e.data);
    });
    es.addEventListener("message", function (e) { logEvent("event", e.data); });
    es.addEventListener("stream-error", function (e) { logEvent("stream error", e.data); });
    es.onerror = function () { status.className = "status"; text(status, "reconnecting…"); };
  }

  getJSON("stores").then(function (stores) {
    if (!stores.length) { text($("menu"), "No store yet (run the migrations)."); return; }
    var store = stores.filter(function (s) { return String(s.id) === storeId; })[0] || stores[0];
    storeId = String(store.id);
    text($("store-name"), "· " + store.name);
    text($("table-label"), "· Table " + tableNumber);
    subscribe();
    return getJSON("stores/" + storeId + "/menus").then(renderMenu);
  }).catch(function (e) { text($("menu"), "Could not load: " + e.message); });
})();

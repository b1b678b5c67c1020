(function () {
  "use strict";
  // Served at "/" by nginx; the API is at /api/ on the same host.
  var API = "/api/";
  var params = new URLSearchParams(window.location.search);
  var tableNumber = parseInt(params.get("table") || "1", 10);
  var storeId = params.get("store");
  var es = null;
  var orders = {};

  function $(id) { return document.getElementById(id); }
  function text(el, value) { el.textContent = value; return el; }
  function el(tag, value) { return text(document.createElement(tag), value == null ? "" : value); }
  function logEvent(label, data, failed) {
    var li = el("li", new Date().toLocaleTimeString() + " " + label + " " + data);
    if (failed) { li.className = "failed"; }
    $("events").insertBefore(li, $("events").firstChild);
  }
  function getJSON(path) {
    return fetch(API + path, { headers: { Accept: "application/json" } }).then(function (r) {
      if (!r.ok) { throw new Error(path + " -> HTTP " + r.status); }
      return r.json();
    });
  }
  // An answer that is not 2xx is a failure, with its status and the server's detail.
  function failure(r) {
    return r.json().catch(function () { return {}; }).then(function (body) {
      var detail = body && body.detail ? (typeof body.detail === "string" ? body.detail : JSON.stringify(body.detail)) : r.statusText;
      throw new Error("HTTP " + r.status + ": " + detail);
    });
  }

  // The table's key (from the server, with the first order) lets this page follow its own orders;
  // kept for the tab only, per store and table.
  function keyName() { return "tableorder.tableKey." + storeId + "." + tableNumber; }
  function savedKey() { try { return window.sessionStorage.getItem(keyName()); } catch (e) { return null; } }
  function saveKey(key) { try { window.sessionStorage.setItem(keyName(), key); } catch (e) { /* storage off: this page only */ } }
  function forgetKey() { try { window.sessionStorage.removeItem(keyName()); } catch (e) { /* nothing kept */ } }

  function describe(order) {
    return "#" + order.order_number + " " + order.items.map(function (i) { return i.name + " x" + i.quantity; }).join(", ");
  }
  function renderOrders() {
    var list = $("orders");
    list.textContent = "";
    var all = Object.keys(orders).map(function (id) { return orders[id]; });
    all.sort(function (a, b) { return b.id - a.id; });
    if (!all.length) { list.appendChild(el("li", "No order yet.")); return; }
    all.forEach(function (order) {
      var li = el("li", describe(order) + " ");
      var status = el("span", order.status);
      status.className = "order-status " + order.status;
      li.setAttribute("data-order-id", order.id);
      li.appendChild(status);
      list.appendChild(li);
    });
  }
  function remember(order) { orders[order.id] = order; renderOrders(); }

  function loadOrders(key) {
    return getJSON("table-orders/" + encodeURIComponent(key)).then(function (data) {
      orders = {};
      data.orders.forEach(function (o) { orders[o.id] = o; });
      renderOrders();
    });
  }

  function follow(key) {
    if (es) { es.close(); }
    var status = $("sse-status");
    status.className = "status"; text(status, "connecting…");
    es = new EventSource(API + "events/table-" + encodeURIComponent(key));
    es.addEventListener("ready", function () {
      status.className = "status live";
      text(status, "live");
      // what changed while the stream was away
      loadOrders(key).catch(function (e) { logEvent("could not load your orders:", e.message); });
    });
    es.addEventListener("message", function (e) {
      var event;
      try { event = JSON.parse(e.data); } catch (err) { return; }
      if (!event || !event.order) { return; }
      if (event.type === "order.deleted") {
        delete orders[event.order.id];
        renderOrders();
        logEvent("removed", "#" + event.order.order_number);
      } else {
        remember(event.order);
        logEvent(event.order.status, "#" + event.order.order_number);
      }
    });
    es.addEventListener("stream-error", function (e) { logEvent("stream error", e.data); });
    es.onerror = function () { status.className = "status"; text(status, "reconnecting…"); };
  }

  function order(menu, button) {
    button.disabled = true;
    fetch(API + "stores/" + storeId + "/orders", {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify({ table_number: tableNumber, items: [{ menu_id: menu.id, quantity: 1 }] })
    }).then(function (r) {
      return r.ok ? r.json() : failure(r);
    }).then(function (res) {
      remember(res.order);
      logEvent("ordered", describe(res.order) + " (" + res.order.status + ")");
      if (res.table_key && res.table_key !== savedKey()) {
        saveKey(res.table_key);
        follow(res.table_key);
      }
    }).catch(function (e) {
      logEvent("order failed:", menu.name + ": " + e.message, true);
    }).then(function () { button.disabled = false; });
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
        b.setAttribute("data-menu", m.name);
        b.addEventListener("click", function () { order(m, b); });
        right.appendChild(b);
        row.appendChild(left);
        row.appendChild(right);
        box.appendChild(row);
      });
    });
  }

  getJSON("stores").then(function (stores) {
    if (!stores.length) { text($("menu"), "No store yet (run the migrations)."); return; }
    var store = stores.filter(function (s) { return String(s.id) === storeId; })[0] || stores[0];
    storeId = String(store.id);
    text($("store-name"), "· " + store.name);
    text($("table-label"), "· Table " + tableNumber);
    renderOrders();
    var key = savedKey();
    if (key) {
      loadOrders(key).then(function () { follow(key); }).catch(function () {
        // a key of an ended session (or a new staff token): start afresh with the next order
        forgetKey();
        text($("sse-status"), "no order yet");
      });
    } else {
      text($("sse-status"), "no order yet");
    }
    return getJSON("stores/" + storeId + "/menus").then(renderMenu);
  }).catch(function (e) { text($("menu"), "Could not load: " + e.message); });
})();

(function () {
  "use strict";
  // Served at /admin/ by nginx; the API is at /api/ on the same host.
  var API = "/api/";
  var OPEN = ["pending", "accepted", "preparing"];
  var es = null;
  var storeId = null;
  var orders = {};

  function $(id) { return document.getElementById(id); }
  function el(tag, value) { var e = document.createElement(tag); e.textContent = value == null ? "" : value; return e; }
  function log(label, data) {
    $("feed").insertBefore(el("li", new Date().toLocaleTimeString() + " " + label + " " + data), $("feed").firstChild);
  }
  function setStatus(value, live) {
    var status = $("sse-status");
    status.className = live ? "status live" : "status";
    status.textContent = value;
  }
  function getJSON(path) {
    return fetch(API + path).then(function (r) {
      if (!r.ok) { throw new Error(path + " -> HTTP " + r.status); }
      return r.json();
    });
  }
  // An answer that is not 2xx is a failure, with its status and the server's detail.
  function failure(r) {
    return r.json().catch(function () { return {}; }).then(function (body) {
      var detail = body && body.detail ? (typeof body.detail === "string" ? body.detail : JSON.stringify(body.detail)) : r.statusText;
      var error = new Error("HTTP " + r.status + ": " + detail);
      error.status = r.status;
      throw error;
    });
  }

  // Staff calls need the staff token (Authorization: Bearer). The admin types it once; it is kept in
  // sessionStorage only (gone when the tab closes), never in localStorage. The live feed is an
  // EventSource, which cannot send that header: the token is traded for an HttpOnly staff session
  // cookie (POST /api/staff/session), which this page never sees.
  var TOKEN_KEY = "tableorder.staffToken";
  function storedToken() {
    try { return window.sessionStorage.getItem(TOKEN_KEY); } catch (e) { return null; }
  }
  function askToken() {
    var token = window.prompt("Staff token (needed to see and move orders):", "");
    token = token ? token.trim() : "";
    try {
      if (token) { window.sessionStorage.setItem(TOKEN_KEY, token); } else { window.sessionStorage.removeItem(TOKEN_KEY); }
    } catch (e) { /* storage off: ask again next time */ }
    return token || null;
  }
  function forgetToken() {
    try { window.sessionStorage.removeItem(TOKEN_KEY); } catch (e) { /* nothing kept */ }
  }
  function staffFetch(path, options) {
    var token = storedToken();
    if (!token) { return Promise.reject(new Error("no staff token: use the Staff token… button")); }
    options = options || {};
    var headers = { Accept: "application/json", Authorization: "Bearer " + token };
    if (options.body) { headers["Content-Type"] = "application/json"; }
    return fetch(API + path, { method: options.method || "GET", headers: headers, body: options.body }).then(function (r) {
      if (r.status === 401) { forgetToken(); setStatus("staff token refused", false); }
      return r.ok ? (r.status === 204 ? null : r.json()) : failure(r);
    });
  }

  function describe(order) {
    return order.items.map(function (i) { return i.name + " x" + i.quantity; }).join(", ");
  }
  function renderOrders() {
    var body = $("orders");
    body.textContent = "";
    var open = Object.keys(orders).map(function (id) { return orders[id]; });
    open.sort(function (a, b) { return a.id - b.id; });
    if (!open.length) {
      var empty = document.createElement("tr");
      var cell = el("td", "No open order.");
      cell.colSpan = 5;
      empty.appendChild(cell);
      body.appendChild(empty);
      return;
    }
    open.forEach(function (order) {
      var tr = document.createElement("tr");
      tr.setAttribute("data-order-id", order.id);
      tr.appendChild(el("td", "#" + order.order_number));
      tr.appendChild(el("td", order.table_number));
      tr.appendChild(el("td", describe(order) + (order.note ? " (" + order.note + ")" : "")));
      var status = el("td", order.status);
      status.className = "order-status";
      tr.appendChild(status);
      var actions = document.createElement("td");
      order.next.forEach(function (next) {
        var b = el("button", next);
        b.setAttribute("data-next", next);
        b.addEventListener("click", function () { move(order, next, b); });
        actions.appendChild(b);
        actions.appendChild(document.createTextNode(" "));
      });
      tr.appendChild(actions);
      body.appendChild(tr);
    });
  }
  function apply(order) {
    if (OPEN.indexOf(order.status) >= 0) { orders[order.id] = order; } else { delete orders[order.id]; }
    renderOrders();
  }

  function move(order, next, button) {
    button.disabled = true;
    staffFetch("orders/" + order.id + "/status", { method: "POST", body: JSON.stringify({ status: next }) })
      .then(function (res) { apply(res.order); })
      .catch(function (e) { button.disabled = false; log("error", "#" + order.order_number + " -> " + next + ": " + e.message); });
  }

  function loadOrders() {
    return staffFetch("stores/" + storeId + "/orders").then(function (res) {
      orders = {};
      res.orders.forEach(function (o) { orders[o.id] = o; });
      renderOrders();
    });
  }

  function subscribe() {
    if (es) { es.close(); }
    setStatus("connecting…", false);
    es = new EventSource(API + "events/staff/stores/" + storeId);
    es.addEventListener("ready", function () {
      setStatus("live", true);
      // what came while the stream was away
      loadOrders().catch(function (e) { log("error", e.message); });
    });
    es.addEventListener("message", function (e) {
      var event;
      try { event = JSON.parse(e.data); } catch (err) { return; }
      if (!event || !event.order) { return; }
      var order = event.order;
      if (event.type === "order.created") {
        log("new order", "#" + order.order_number + " table " + order.table_number + ": " + describe(order));
        apply(order);
      } else if (event.type === "order.status") {
        log(order.status, "#" + order.order_number + " table " + order.table_number);
        apply(order);
      } else if (event.type === "order.deleted") {
        log("removed", "#" + order.order_number + " table " + order.table_number);
        delete orders[order.id];
        renderOrders();
      }
    });
    es.onerror = function () {
      if (es.readyState === EventSource.CLOSED) {
        // refused (the staff session ended): sign in again with the kept token, if any
        setStatus("offline", false);
        window.setTimeout(signIn, 3000);
      } else {
        setStatus("reconnecting…", false);
      }
    };
  }

  function signIn() {
    if (!storeId) { return; }
    if (!storedToken()) { setStatus("staff token needed", false); return; }
    staffFetch("staff/session", { method: "POST" })
      .then(function () { subscribe(); return loadOrders(); })
      .catch(function (e) { log("error", "staff sign-in: " + e.message); });
  }
  $("staff-sign-in").addEventListener("click", function () { if (askToken()) { signIn(); } });

  function loadTables() {
    getJSON("stores/" + storeId + "/tables").then(function (tables) {
      var body = $("tables");
      body.textContent = "";
      tables.forEach(function (t) {
        var tr = document.createElement("tr");
        tr.appendChild(el("td", t.table_number));
        tr.appendChild(el("td", t.label));
        tr.appendChild(el("td", t.seats));
        tr.appendChild(el("td", t.is_active ? "yes" : "no"));
        body.appendChild(tr);
      });
    }).catch(function (e) { log("error", e.message); });
  }

  function selectStore(id) {
    storeId = id;
    orders = {};
    renderOrders();
    loadTables();
    signIn();
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

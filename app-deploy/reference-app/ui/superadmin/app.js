(function () {
  "use strict";
  // Served at /superadmin/ by nginx; the API is at /api/ on the same host.
  var API = "/api/";
  function $(id) { return document.getElementById(id); }
  function el(tag, value, cls) {
    var e = document.createElement(tag); e.textContent = value == null ? "" : value; if (cls) { e.className = cls; } return e;
  }
  function row(dl, key, value) {
    dl.appendChild(el("dt", key));
    var cls = value === "ok" ? "ok" : (value === "error" ? "bad" : "");
    dl.appendChild(el("dd", typeof value === "object" && value !== null ? JSON.stringify(value) : value, cls));
  }

  function refreshHealth() {
    Promise.all([
      fetch(API + "health").then(function (r) { return r.json(); }),
      fetch(API + "info").then(function (r) { return r.json(); })
    ]).then(function (res) {
      var h = res[0], info = res[1], dl = $("health");
      dl.textContent = "";
      ["status", "database", "redis", "release", "revision", "failing", "errors"].forEach(function (k) {
        if (k in h) { row(dl, k, h[k]); }
      });
      row(dl, "version", info.version);
      row(dl, "s3 bucket", info.s3_bucket || "(not set)");
      row(dl, "s3 region", info.s3_region || "(not set)");
      $("checked").textContent = "checked " + new Date().toLocaleTimeString();
    }).catch(function (e) {
      var dl = $("health"); dl.textContent = ""; row(dl, "status", "error"); row(dl, "detail", e.message);
    });
  }

  function loadStores() {
    fetch(API + "stores").then(function (r) {
      if (!r.ok) { throw new Error("stores -> HTTP " + r.status); }
      return r.json();
    }).then(function (stores) {
      var body = $("stores"); body.textContent = "";
      stores.forEach(function (s) {
        var tr = document.createElement("tr");
        [s.id, s.code, s.name, s.is_active ? "yes" : "no"].forEach(function (v) { tr.appendChild(el("td", v)); });
        body.appendChild(tr);
      });
    }).catch(function (e) { $("stores").textContent = e.message; });
  }

  refreshHealth();
  loadStores();
  setInterval(refreshHealth, 10000);
})();

/* Finance dashboard charts (Chart.js, vendored). Data comes from the page's json_script
   "finance-data": {series: [{cycle, revenue, cost, margin}], top_customers: [...], services: [...]}. */
(function () {
  "use strict";

  function css(name, fallback) {
    var value = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
    return value || fallback;
  }

  function draw() {
    var source = document.getElementById("finance-data");
    if (!source || typeof Chart === "undefined") return;
    var data = JSON.parse(source.textContent);
    var accent = css("--accent", "#c8102e");
    var info = css("--info-ink", "#0b4a9c");
    var success = css("--success-ink", "#14632c");
    var number = function (v) { return Number(v); };
    // A new object for each chart: Chart.js writes its resolved scales into the options it is given.
    function options(extra) { return Object.assign({ animation: false, responsive: true }, extra || {}); }

    var months = document.getElementById("finance-months");
    if (months) {
      new Chart(months, {
        type: "bar",
        data: {
          labels: data.series.map(function (r) { return r.cycle; }),
          datasets: [
            { label: months.dataset.revenue || "Revenue", data: data.series.map(function (r) { return number(r.revenue); }), backgroundColor: accent },
            { label: months.dataset.cost || "Cost", data: data.series.map(function (r) { return number(r.cost); }), backgroundColor: info },
            { label: months.dataset.margin || "Margin", type: "line", data: data.series.map(function (r) { return number(r.margin); }), borderColor: success, backgroundColor: success }
          ]
        },
        options: options()
      });
    }
    var customers = document.getElementById("finance-customers");
    if (customers) {
      new Chart(customers, {
        type: "bar",
        data: {
          labels: data.top_customers.map(function (r) { return r.account_name; }),
          datasets: [
            { label: customers.dataset.revenue || "Revenue", data: data.top_customers.map(function (r) { return number(r.revenue); }), backgroundColor: accent },
            { label: customers.dataset.cost || "Cost", data: data.top_customers.map(function (r) { return number(r.cost); }), backgroundColor: info }
          ]
        },
        options: options({ indexAxis: "y" })
      });
    }
    var services = document.getElementById("finance-services");
    if (services) {
      new Chart(services, {
        type: "doughnut",
        data: {
          labels: data.services.map(function (r) { return r.service; }),
          datasets: [{ data: data.services.map(function (r) { return number(r.revenue); }) }]
        },
        options: options({ plugins: { legend: { position: "bottom" } } })
      });
    }
    document.documentElement.dataset.financeCharts = "drawn";
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();

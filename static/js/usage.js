// The usage page's chart: spend of each day of the month, stacked by service (Chart.js, vendored).
(function () {
  "use strict";
  function draw() {
    var canvas = document.getElementById("usage-chart");
    var source = document.getElementById("usage-chart-data");
    if (!canvas || !source || typeof Chart === "undefined") return;
    var data = JSON.parse(source.textContent);
    var palette = ["#c7000b", "#2f6fde", "#12a58f", "#e6a23c", "#7b5bd6", "#5c6b7a", "#d1497b", "#3aa3c9"];
    var datasets = data.series.map(function (series, index) {
      return { label: series.name, data: series.data, backgroundColor: palette[index % palette.length], stack: "spend" };
    });
    new Chart(canvas, {
      type: "bar",
      data: { labels: data.labels, datasets: datasets },
      options: {
        responsive: true,
        animation: false,
        scales: { x: { stacked: true }, y: { stacked: true, title: { display: true, text: data.currency } } },
        plugins: { legend: { position: "bottom" } },
      },
    });
    canvas.dataset.drawn = "1";
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();

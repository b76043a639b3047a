// Draw progress charts from the JSON each page embeds: planned pace, cohort median and spread,
// and either every learner (coach) or one learner (learner page, learner home).
(function () {
  const GREY = "rgba(91, 100, 116, 0.35)";
  const HIGHLIGHT = "#c2410c";

  function datasets(data) {
    const sets = [
      { label: data.words.pace, data: data.pace, borderColor: "#1b7a3a", borderDash: [6, 4], borderWidth: 2,
        pointRadius: 0, fill: false, kind: "pace" },
      { label: data.words.lower, data: data.lower, borderColor: "rgba(26, 86, 184, 0)", pointRadius: 0,
        fill: false, kind: "lower" },
      { label: data.words.spread, data: data.upper, borderColor: "rgba(26, 86, 184, 0)",
        backgroundColor: "rgba(26, 86, 184, 0.12)", pointRadius: 0, fill: "-1", kind: "spread" },
      { label: data.words.median, data: data.median, borderColor: "#1a56b8", borderWidth: 3, pointRadius: 0,
        fill: false, kind: "median" },
    ];
    data.learners.forEach(function (learner) {
      sets.push({ label: learner.name, data: learner.points, borderColor: GREY, borderWidth: 1.5, pointRadius: 0,
                  fill: false, kind: "learner", learnerId: learner.id });
    });
    if (data.highlight) {
      sets.push({ label: data.highlight.name, data: data.highlight.points, borderColor: HIGHLIGHT, borderWidth: 3,
                  pointRadius: 2, fill: false, kind: "highlight" });
    }
    return sets;
  }

  function highlight(chart, learnerId) {
    chart.data.datasets.forEach(function (set) {
      if (set.kind !== "learner") return;
      const chosen = String(set.learnerId) === String(learnerId);
      set.borderColor = chosen ? HIGHLIGHT : GREY;
      set.borderWidth = chosen ? 3 : 1.5;
      set.order = chosen ? -1 : 0;
    });
    chart.update("none");
  }

  document.querySelectorAll("canvas.progress-chart").forEach(function (canvas) {
    const data = JSON.parse(document.getElementById(canvas.dataset.source).textContent);
    const chart = new Chart(canvas, {
      type: "line",
      data: { labels: data.labels, datasets: datasets(data) },
      options: {
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        interaction: { mode: "nearest", intersect: false, axis: "xy" },
        scales: { y: { beginAtZero: true, title: { display: true, text: data.words.points } } },
        plugins: {
          legend: { labels: { filter: function (item, chartData) {
            const set = chartData.datasets[item.datasetIndex];
            return set.kind !== "learner" && set.kind !== "lower";
          } } },
          tooltip: { callbacks: { title: function (items) { return items.length ? items[0].label : ""; } } },
        },
        onHover: function (event, elements, activeChart) {
          const over = elements.map(function (e) { return activeChart.data.datasets[e.datasetIndex]; })
            .find(function (set) { return set.kind === "learner"; });
          if (over) highlight(activeChart, over.learnerId);
        },
      },
    });
    const picker = document.querySelector("select[data-chart='" + canvas.id + "']");
    if (picker) picker.addEventListener("change", function () { highlight(chart, picker.value); });
    canvas.dataset.drawn = "true";
  });
})();

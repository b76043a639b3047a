// Draw progress charts from the JSON each page embeds: planned pace, cohort median and spread,
// and either every learner (coach) or one learner (learner page, learner home).
(function () {
  // Every line and the band's edges keep at least 3:1 against the white background and over the band.
  const GREY = "#6b7280";
  const HIGHLIGHT = "#c2410c";
  const BAND_EDGE = "#5b8bd9";
  // A learner with one point so far (day 1) is a dot: a line of one point would not be drawn at all.
  function dot(points) { return points.length < 2 ? 3 : 0; }

  function datasets(data) {
    const sets = [
      { label: data.words.pace, data: data.pace, borderColor: "#1b7a3a", borderDash: [6, 4], borderWidth: 2,
        pointRadius: 0, fill: false, kind: "pace" },
      { label: data.words.lower, data: data.lower, borderColor: BAND_EDGE, borderWidth: 1, borderDash: [2, 3],
        pointRadius: 0, fill: false, kind: "lower" },
      { label: data.words.spread, data: data.upper, borderColor: BAND_EDGE, borderWidth: 1, borderDash: [2, 3],
        backgroundColor: "rgba(26, 86, 184, 0.09)", pointRadius: 0, fill: "-1", kind: "spread" },
      { label: data.words.median, data: data.median, borderColor: "#1a56b8", borderWidth: 3, pointRadius: 0,
        fill: false, kind: "median" },
    ];
    data.learners.forEach(function (learner) {
      sets.push({ label: learner.name, data: learner.points, borderColor: GREY, backgroundColor: GREY,
                  borderWidth: 1.5, pointRadius: dot(learner.points), fill: false, kind: "learner",
                  learnerId: learner.id });
    });
    if (data.highlight) {
      sets.push({ label: data.highlight.name, data: data.highlight.points, borderColor: HIGHLIGHT,
                  backgroundColor: HIGHLIGHT, borderWidth: 3.5, borderDash: [12, 4],
                  pointRadius: Math.max(2, dot(data.highlight.points) + 1), fill: false, kind: "highlight" });
    }
    return sets;
  }

  function highlight(chart, learnerId) {
    chart.data.datasets.forEach(function (set) {
      if (set.kind !== "learner") return;
      const chosen = String(set.learnerId) === String(learnerId);
      // The chosen one stands out by width and dash as well as colour.
      set.borderColor = set.backgroundColor = chosen ? HIGHLIGHT : GREY;
      set.borderWidth = chosen ? 3.5 : 1.5;
      set.borderDash = chosen ? [12, 4] : [];
      set.pointRadius = chosen ? Math.max(2, dot(set.data) + 1) : dot(set.data);
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

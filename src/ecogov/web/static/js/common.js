/* ecogov web workspace: charts and maps drawn from the workspace's JSON endpoints.
 * Every chart is a <div class="chart" data-source="/api/v1/..." data-kind="line|bar|pie|calendar|map">;
 * the endpoint returns {kind, unit, series: [{name, data: [[x, y], ...], colour?}], ...}.
 * No inline script and no handler attributes: the page's Content-Security-Policy forbids them. */
(function () {
  "use strict";
  var charts = [];

  function formatTime(ms) {
    var d = new Date(ms + 8 * 3600 * 1000);  // Beijing time, whatever the browser's zone
    var p = function (n) { return (n < 10 ? "0" : "") + n; };
    return d.getUTCFullYear() + "-" + p(d.getUTCMonth() + 1) + "-" + p(d.getUTCDate()) + " " +
      p(d.getUTCHours()) + ":00";
  }

  function lineOption(data) {
    var series = data.series.map(function (s) {
      var item = {name: s.name, type: s.type || "line", showSymbol: false, data: s.data, connectNulls: false};
      if (s.colour) { item.itemStyle = {color: s.colour}; item.lineStyle = {color: s.colour}; }
      if (s.step) { item.step = "end"; }
      return item;
    });
    if (data.marks && data.marks.length && series.length) {
      series[0].markLine = {
        symbol: "none", silent: true,
        data: data.marks.map(function (m) {
          return {name: m.name, yAxis: m.value, lineStyle: {color: m.colour || "#c23531", type: "dashed"},
                  label: {formatter: m.name + " " + m.value, position: "insideEndTop"}};
        })
      };
    }
    return {
      animation: false,
      tooltip: {trigger: "axis", valueFormatter: function (v) { return v == null ? "—" : v + " " + (data.unit || ""); }},
      legend: {top: 0, type: "scroll"},
      grid: {left: 50, right: 20, top: 36, bottom: 50},
      dataZoom: [{type: "inside"}, {type: "slider", height: 16, bottom: 8}],
      xAxis: {type: data.x === "category" ? "category" : "time",
              data: data.categories, axisLabel: {hideOverlap: true}},
      yAxis: {type: "value", name: data.unit || "", min: data.y_min},
      series: series
    };
  }

  function barOption(data) {
    var option = lineOption(data);
    option.dataZoom = [];
    option.series.forEach(function (s) { s.type = "bar"; });
    if (data.horizontal) {
      option.xAxis = {type: "value", name: data.unit || ""};
      option.yAxis = {type: "category", data: data.categories, inverse: true};
      option.grid.left = 90;
    }
    return option;
  }

  function pieOption(data) {
    var s = data.series[0];
    return {
      animation: false,
      tooltip: {trigger: "item", formatter: "{b}: {c} ({d}%)"},
      legend: {bottom: 0, type: "scroll"},
      series: [{type: "pie", radius: ["35%", "65%"], data: s.data.map(function (d) {
        return {name: d[0], value: d[1], itemStyle: d[2] ? {color: d[2]} : undefined};
      })}]
    };
  }

  function calendarOption(data) {
    return {
      animation: false,
      tooltip: {formatter: function (p) { return p.value[0] + ": AQI " + p.value[1]; }},
      visualMap: {type: "piecewise", orient: "horizontal", left: "center", bottom: 0,
                  pieces: data.bands.map(function (b) {
                    return {min: b.min, max: b.max, color: b.colour, label: b.label};
                  })},
      calendar: {range: data.range, top: 30, left: 40, right: 10, cellSize: ["auto", 14],
                 dayLabel: {nameMap: data.day_names}, monthLabel: {nameMap: data.month_names},
                 yearLabel: {show: false}},
      series: [{type: "heatmap", coordinateSystem: "calendar", data: data.series[0].data}]
    };
  }

  function mapOption(data) {
    var hasBoundaries = data.geojson && data.geojson.features && data.geojson.features.length > 0;
    if (hasBoundaries) { echarts.registerMap(data.map_name, data.geojson); }
    var series = data.series.map(function (s) {
      return {
        name: s.name, type: "scatter", coordinateSystem: hasBoundaries ? "geo" : "cartesian2d",
        symbol: s.symbol || "circle",
        symbolSize: s.size || 12, z: s.z || 3,
        label: {show: !!s.labels, formatter: function (p) { return p.data.label || ""; }, position: "right",
                fontSize: 11},
        itemStyle: {borderColor: "#333", borderWidth: 0.6},
        data: s.data.map(function (d) {
          return {name: d.name, value: [d.lon, d.lat, d.value], label: d.label, href: d.href,
                  tip: d.tip, itemStyle: {color: d.colour}};
        })
      };
    });
    var option = {
      animation: false,
      tooltip: {trigger: "item", formatter: function (p) {
        return p.data && p.data.tip ? p.data.tip : (p.name || "");
      }},
      legend: {top: 0, left: 0, orient: "vertical"},
      series: series
    };
    if (!hasBoundaries) {  /* no county boundaries registered yet: points on plain lon/lat axes */
      option.xAxis = {type: "value", scale: true, name: "E"};
      option.yAxis = {type: "value", scale: true, name: "N"};
      return option;
    }
    option.geo = {map: data.map_name, roam: true, label: {show: true, fontSize: 11, color: "#345"},
            itemStyle: {areaColor: "#e4efe9", borderColor: "#6b8f7b"},
            emphasis: {itemStyle: {areaColor: "#cfe5d8"}, label: {show: true}}};
    return option;
  }

  var builders = {line: lineOption, bar: barOption, pie: pieOption, calendar: calendarOption, map: mapOption};

  function draw(element) {
    var source = element.getAttribute("data-source");
    var kind = element.getAttribute("data-kind");
    element.classList.add("loading");
    fetch(source, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (response) {
        if (!response.ok) { throw new Error(response.status + " " + source); }
        return response.json();
      })
      .then(function (data) {
        var chart = echarts.init(element, null, {renderer: "canvas"});
        chart.setOption(builders[kind](data));
        chart.on("click", function (p) {
          if (p.data && p.data.href) { window.location.href = p.data.href; }
        });
        charts.push(chart);
        element.classList.remove("loading");
        element.setAttribute("data-ready", "1");
        element.dispatchEvent(new CustomEvent("ecogov:drawn", {bubbles: true, detail: data}));
      })
      .catch(function (error) {
        element.classList.remove("loading");
        element.classList.add("failed");
        element.textContent = String(error);
      });
  }

  function drawAll(root) {
    Array.prototype.forEach.call((root || document).querySelectorAll(".chart[data-source]"), draw);
  }

  /* <div data-fragment="/path"> is filled with the server-rendered HTML of that path (slow panels
     load after the first screen), then its charts are drawn. */
  function loadFragments() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-fragment]"), function (element) {
      fetch(element.getAttribute("data-fragment"), {credentials: "same-origin"})
        .then(function (response) { return response.text(); })
        .then(function (html) {
          var parsed = new DOMParser().parseFromString(html, "text/html");
          var body = parsed.querySelector("[data-fragment-body]");
          element.replaceChildren.apply(element, body ? Array.prototype.slice.call(body.childNodes) : []);
          element.setAttribute("data-ready", "1");
          drawAll(element);
        });
    });
  }

  function start() { drawAll(); loadFragments(); }

  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
  window.ecogov = {draw: draw, formatTime: formatTime};
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); }
  else { start(); }
})();

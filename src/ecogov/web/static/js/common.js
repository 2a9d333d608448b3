/* ecogov web workspace: charts and maps drawn from the workspace's JSON endpoints.
 * Every chart is a <div class="chart" data-source="/api/v1/..." data-kind="line|bar|pie|calendar|map">;
 * the endpoint returns {kind, unit, series: [{name, data: [[x, y], ...], colour?}], ...}.
 * No inline script, no handler attributes and no style attributes in markup: the page's
 * Content-Security-Policy forbids them. Tooltips are therefore built as elements (colours set
 * through element.style, which the policy allows) and never show ECharts' arrow (confine).
 * Each drawn chart leaves a performance mark "ecogov:drawn:<id>" (bench/bench_first_screen.py). */
(function () {
  "use strict";
  var charts = [];

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text != null) { node.textContent = text; }
    return node;
  }

  /* Tooltip of one or more data points: a heading and a row per point (colour dot, name, value). */
  function tipBox(heading, rows) {
    var box = element("div", "chart-tip");
    if (heading) { box.appendChild(element("div", "chart-tip-head", heading)); }
    rows.forEach(function (row) {
      var line = element("div", "chart-tip-row");
      if (row.colour) {
        var dot = element("span", "chart-tip-dot");
        dot.style.backgroundColor = row.colour;
        line.appendChild(dot);
      }
      line.appendChild(element("span", "chart-tip-name", row.name));
      if (row.value != null) { line.appendChild(element("b", "chart-tip-value", row.value)); }
      box.appendChild(line);
    });
    return box;
  }

  /* The server's tip text: lines separated by <br>, shown as text (never parsed as markup). */
  function tipLines(text) {
    var lines = String(text).split("<br>").filter(function (line) { return line !== ""; });
    return tipBox(lines[0], lines.slice(1).map(function (line) { return {name: line}; }));
  }

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
      tooltip: {trigger: "axis", confine: true, formatter: function (points) {
        var first = points[0] || {};
        var heading = data.x === "category" || data.horizontal ? first.name : formatTime(first.axisValue);
        return tipBox(heading, points.map(function (p) {
          var value = Array.isArray(p.value) ? p.value[p.value.length - 1] : p.value;
          return {colour: p.color, name: p.seriesName,
                  value: value == null ? "—" : value + (data.unit ? " " + data.unit : "")};
        }));
      }},
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
      tooltip: {trigger: "item", confine: true, formatter: function (p) {
        return tipBox(null, [{colour: p.color, name: p.name, value: p.value + " (" + p.percent + "%)"}]);
      }},
      legend: {bottom: 0, type: "scroll"},
      series: [{type: "pie", radius: ["35%", "65%"], data: s.data.map(function (d) {
        return {name: d[0], value: d[1], itemStyle: d[2] ? {color: d[2]} : undefined};
      })}]
    };
  }

  function calendarOption(data) {
    return {
      animation: false,
      tooltip: {confine: true, formatter: function (p) {
        return tipBox(p.value[0], [{colour: p.color, name: "AQI", value: p.value[1]}]);
      }},
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
      tooltip: {trigger: "item", confine: true, formatter: function (p) {
        return p.data && p.data.tip ? tipLines(p.data.tip) : tipBox(p.name || "", []);
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

  /* Draw one chart; the promise settles when it is drawn or has failed. */
  function draw(box) {
    var source = box.getAttribute("data-source");
    var kind = box.getAttribute("data-kind");
    box.classList.add("loading");
    return fetch(source, {credentials: "same-origin"})
      .then(function (response) {
        if (!response.ok) { throw new Error(response.status + " " + source); }
        return response.json();
      })
      .then(function (data) {
        var chart = echarts.init(box, null, {renderer: "canvas"});
        chart.setOption(builders[kind](data));
        chart.on("click", function (p) {
          if (p.data && p.data.href) { window.location.href = p.data.href; }
        });
        charts.push(chart);
        box.classList.remove("loading");
        box.setAttribute("data-ready", "1");
        if (box.id) { performance.mark("ecogov:drawn:" + box.id); }
        box.dispatchEvent(new CustomEvent("ecogov:drawn", {bubbles: true, detail: data}));
      })
      .catch(function (error) {
        box.classList.remove("loading");
        box.classList.add("failed");
        box.textContent = String(error);
      });
  }

  function drawAll(root) {
    return Promise.all(Array.prototype.map.call((root || document).querySelectorAll(".chart[data-source]"), draw));
  }

  /* <div data-fragment="/path"> is filled with the server-rendered HTML of that path (slow panels
     load after the first screen's charts are drawn, so as not to compete with them), then its
     charts are drawn. */
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

  function start() { drawAll().then(loadFragments); }

  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
  window.ecogov = {draw: draw, formatTime: formatTime};
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); }
  else { start(); }
})();

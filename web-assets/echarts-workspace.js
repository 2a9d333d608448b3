/* The ECharts build of the ecogov web workspace: only the charts, components and renderer the
 * workspace's scripts use (src/ecogov/web/static/js/), bundled by esbuild into one script that
 * defines the global `echarts` (`npm run build`, run by `make`). Add a chart type or component
 * here before a page uses it: an option naming a missing one draws nothing. */
import { getInstanceByDom, init, registerMap, use } from "echarts/core";
import { BarChart, HeatmapChart, LineChart, PieChart, ScatterChart } from "echarts/charts";
import {
  CalendarComponent,
  DataZoomInsideComponent,
  DataZoomSliderComponent,
  GeoComponent,
  GridComponent,
  LegendComponent,
  MarkLineComponent,
  TooltipComponent,
  VisualMapPiecewiseComponent,
} from "echarts/components";
import { CanvasRenderer } from "echarts/renderers";

use([
  LineChart, BarChart, PieChart, HeatmapChart, ScatterChart,
  GridComponent, TooltipComponent, LegendComponent, DataZoomInsideComponent, DataZoomSliderComponent,
  MarkLineComponent, VisualMapPiecewiseComponent, CalendarComponent, GeoComponent,
  CanvasRenderer,
]);

export { getInstanceByDom, init, registerMap };

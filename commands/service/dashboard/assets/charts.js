import {
  barChart,
  chartData,
  describe,
  releaseCharts
} from "./chunk-R7DWQ3ST.js";
import "./chunk-NMVH4E44.js";
export {
  barChart,
  chartData,
  describe,
  releaseCharts
};

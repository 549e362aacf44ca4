/**
 * Pictures of a run: SVG charts (pure functions returning SVG strings), a self-contained HTML
 * report, and curves for the terminal.
 */
export { lineChart, forecastChart, type ChartSeries, type XMarker, type LineChartOptions, type ForecastChartInput, type ForecastChartOptions } from './line-chart.ts';
export { confusionMatrixChart, attentionChart, type ConfusionMatrixOptions, type AttentionChartOptions } from './heatmap.ts';
export { barChart, type BarChartInput, type BarChartOptions } from './bar-chart.ts';
export { renderReport, writeReport, type Report, type ReportSection, type ReportTable } from './html.ts';
export { trainingReport, type TrainingReportExtras, type ForecastFigure, type NamedValues } from './training.ts';
export { sparkline, asciiCurve, type SparklineOptions, type AsciiCurveOptions, type CurveSeries } from './terminal.ts';
export { escapeXml } from './svg.ts';
export { linearTicks, logTicks, compactNumber, type Ticks } from './scale.ts';

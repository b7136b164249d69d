// Builds and synthesizes N full deployments in one App in a fresh process, then prints time and peak memory.
import { performance } from 'perf_hooks';
import { buildApp, fullDeploymentProps, synthCharts } from './scenarios';

const count = Number(process.argv[2]);
console.warn = () => undefined; // warnings are not what is measured here
const rssBefore = process.memoryUsage().rss;
const start = performance.now();
const { charts } = buildApp(count, fullDeploymentProps);
const built = performance.now();
const objects = synthCharts(charts).length;
const end = performance.now();
console.log(JSON.stringify({
  count,
  ms: end - start,
  buildMs: built - start,
  synthMs: end - built,
  objects,
  peakRssMiB: process.resourceUsage().maxRSS / 1024,
  rssBeforeMiB: rssBefore / 1048576,
}));

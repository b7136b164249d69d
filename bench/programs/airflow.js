// One user program: `node airflow.js <scenario> <count> <app|linear|dump> <outdir>` requires the compiled library,
// builds <count> deployments each in its own chart and namespace, synthesizes and writes the YAML, and prints its
// own figures as JSON. `app`: cdk8s's App.synth(); `linear`: AirflowApp (the recommended path, as the examples'
// scripts use it: YAML, reports, summary lines); `dump`: writes the
// manifests of the first chart as JSON to <outdir>/manifests.json (the floor generator's input).
'use strict';
const { performance } = require('perf_hooks');
const path = require('path');
const lib = require('../..');
const cdk8s = require('cdk8s');
const scenarios = require('./scenarios')(lib, cdk8s);

const [scenario, countText, mode, outdir] = process.argv.slice(2);
const props = scenarios[scenario];
if (!props) throw new Error(`unknown scenario '${scenario}'`);
console.warn = () => undefined; // warnings (e.g. the embedded database) are not what is measured
const AppClass = mode === 'linear' ? lib.AirflowApp : cdk8s.App;
const app = new AppClass({ outdir });
for (let i = 0; i < Number(countText); i++) {
  const chart = new cdk8s.Chart(app, `airflow-${i}`, { namespace: `airflow-${i}` });
  new lib.AirflowDeployment(chart, 'Airflow', props());
}
if (mode === 'dump') {
  require('fs').mkdirSync(outdir, { recursive: true });
  require('fs').writeFileSync(path.join(outdir, 'manifests.json'), JSON.stringify(app.charts[0].toJson()));
} else {
  app.synth();
}
const cpu = process.cpuUsage();
console.log(JSON.stringify({ ms: performance.now(), cpuMs: (cpu.user + cpu.system) / 1000, peakRssMiB: process.resourceUsage().maxRSS / 1024 }));

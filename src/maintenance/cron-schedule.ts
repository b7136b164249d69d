import { Cron } from 'cdk8s';

/** What each of the five fields of a Kubernetes CronJob schedule may hold: numbers, names, `*`, `,`, `-`, `/`, `?`. */
const FIELD = /^[0-9A-Za-z*?,\/-]+$/;

/**
 * Checks a 5-field cron expression (`minute hour day-of-month month day-of-week`) and turns it into a `Cron`.
 *
 * @param prop the prop the schedule came from, for the error message.
 * @internal
 */
export function cronSchedule(schedule: string, prop: string): Cron {
  const fields = schedule.trim().split(/\s+/);
  if (fields.length !== 5 || !fields.every(f => FIELD.test(f))) {
    throw new Error(`'${prop}' must be a cron expression of 5 fields (minute hour day-of-month month day-of-week), got '${schedule}': `
      + "write e.g. '0 3 * * 0' (Sundays at 03:00) or '*/15 * * * *' (every 15 minutes)");
  }
  const problem = fieldProblem(fields);
  if (problem) {
    throw new Error(`'${prop}' is not a schedule Kubernetes accepts, got '${schedule}': ${problem}; `
      + "write e.g. '0 3 * * 0' (Sundays at 03:00) or '*/15 * * * *' (every 15 minutes)");
  }
  const [minute, hour, day, month, weekDay] = fields;
  return Cron.schedule({ minute, hour, day, month, weekDay });
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
/** The five fields: name, minimum, maximum, names. */
const BOUNDS: Array<[string, number, number, string[]]> = [
  ['minute', 0, 59, []], ['hour', 0, 23, []], ['day of month', 1, 31, []], ['month', 1, 12, MONTHS], ['day of week', 0, 6, DAYS],
];

/**
 * What the API server refuses in the five fields: it parses the schedule with robfig/cron v3 `ParseStandard`
 * (kubernetes v1.33 pkg/apis/batch/validation/validation.go `validateScheduleFormat`; robfig/cron parser.go
 * `getRange`: values within the field's bounds, a range's start not after its end, a step above 0).
 */
function fieldProblem(fields: string[]): string | undefined {
  for (let i = 0; i < 5; i++) {
    const [what, min, max, names] = BOUNDS[i];
    const num = (s: string): number | undefined => {
      const n = names.indexOf(s.toLowerCase());
      if (n >= 0) return n + min;
      return /^\d+$/.test(s) ? Number(s) : undefined;
    };
    for (const expr of fields[i].split(',')) {
      const [range, step, extra] = expr.split('/');
      if (extra !== undefined || (step !== undefined && !/^[1-9]\d*$/.test(step))) return `the ${what} step in '${expr}' must be a number above 0`;
      if (range === '*' || range === '?') continue;
      const [lo, hi, more] = range.split('-');
      const a = num(lo);
      const b = hi === undefined ? a : num(hi);
      if (more !== undefined || a === undefined || b === undefined) return `the ${what} field '${expr}' is not a number, a range or a list`;
      if (a < min || b > max) return `the ${what} must be ${min}-${max}, got '${expr}'`;
      if (a > b) return `the ${what} range '${expr}' starts after it ends`;
    }
  }
  return undefined;
}

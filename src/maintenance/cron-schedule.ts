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
  const [minute, hour, day, month, weekDay] = fields;
  return Cron.schedule({ minute, hour, day, month, weekDay });
}

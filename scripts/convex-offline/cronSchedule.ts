/**
 * When a Convex cron job runs next. All schedules are in UTC, like on Convex; where
 * Convex picks a minute for you (`minuteUTC` omitted) this picks minute 0.
 */
import type { CronJob as ConvexCronJob } from "convex/server";

export type CronSchedule = ConvexCronJob["schedule"];

const DAYS_OF_WEEK = ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"];
const MINUTE_MS = 60_000;

export function nextRunAfter(schedule: CronSchedule, after: Date): Date {
  switch (schedule.type) {
    case "interval": {
      const seconds =
        "seconds" in schedule ? schedule.seconds : "minutes" in schedule ? schedule.minutes * 60 : schedule.hours * 3600;
      return new Date(after.getTime() + seconds * 1000);
    }
    case "hourly":
      return nextCronMatch(parseCronExpression(`${schedule.minuteUTC ?? 0} * * * *`), after);
    case "daily":
      return nextCronMatch(parseCronExpression(`${schedule.minuteUTC ?? 0} ${schedule.hourUTC} * * *`), after);
    case "weekly":
      return nextCronMatch(
        parseCronExpression(
          `${schedule.minuteUTC ?? 0} ${schedule.hourUTC} * * ${DAYS_OF_WEEK.indexOf(schedule.dayOfWeek)}`,
        ),
        after,
      );
    case "monthly":
      return nextCronMatch(
        parseCronExpression(`${schedule.minuteUTC ?? 0} ${schedule.hourUTC} ${schedule.day} * *`),
        after,
      );
    case "cron":
      return nextCronMatch(parseCronExpression(schedule.cron), after);
  }
}

type CronFields = {
  minutes: Set<number>;
  hours: Set<number>;
  daysOfMonth: Set<number>;
  months: Set<number>;
  daysOfWeek: Set<number>;
  /** Standard cron: when both day fields are restricted, either one matching is enough. */
  bothDayFieldsRestricted: boolean;
};

/** Five fields (minute hour day-of-month month day-of-week) with `*`, lists, ranges and steps. */
function parseCronExpression(expression: string): CronFields {
  const fields = expression.trim().split(/\s+/);
  const [minute, hour, dayOfMonth, month, dayOfWeek] = fields;
  if (fields.length !== 5 || !minute || !hour || !dayOfMonth || !month || !dayOfWeek) {
    throw new Error(`Cron expression "${expression}" must have five fields`);
  }
  const daysOfWeek = new Set([...parseField(dayOfWeek, 0, 7)].map((day) => day % 7));
  return {
    minutes: parseField(minute, 0, 59),
    hours: parseField(hour, 0, 23),
    daysOfMonth: parseField(dayOfMonth, 1, 31),
    months: parseField(month, 1, 12),
    daysOfWeek,
    bothDayFieldsRestricted: dayOfMonth !== "*" && dayOfWeek !== "*",
  };
}

function parseField(field: string, min: number, max: number): Set<number> {
  const values = new Set<number>();
  for (const part of field.split(",")) {
    const match = /^(\*|(\d+)(?:-(\d+))?)(?:\/(\d+))?$/.exec(part);
    if (!match) throw new Error(`Unsupported cron field "${field}"`);
    const start = match[1] === "*" ? min : Number(match[2]);
    const end = match[1] === "*" ? max : match[3] !== undefined ? Number(match[3]) : match[4] ? max : start;
    const step = match[4] ? Number(match[4]) : 1;
    if (start < min || end > max || start > end || step < 1) throw new Error(`Cron field "${field}" is out of range`);
    for (let value = start; value <= end; value += step) values.add(value);
  }
  return values;
}

function nextCronMatch(fields: CronFields, after: Date): Date {
  const t = new Date(Math.floor(after.getTime() / MINUTE_MS) * MINUTE_MS + MINUTE_MS);
  // Each miss jumps to the start of the next month, day, hour or minute, so a match within
  // the next few years is found in well under this many steps.
  for (let step = 0; step < 100_000; step++) {
    if (!fields.months.has(t.getUTCMonth() + 1)) {
      t.setUTCMonth(t.getUTCMonth() + 1, 1);
      t.setUTCHours(0, 0, 0, 0);
    } else if (!dayMatches(fields, t)) {
      t.setUTCDate(t.getUTCDate() + 1);
      t.setUTCHours(0, 0, 0, 0);
    } else if (!fields.hours.has(t.getUTCHours())) {
      t.setUTCHours(t.getUTCHours() + 1, 0, 0, 0);
    } else if (!fields.minutes.has(t.getUTCMinutes())) {
      t.setUTCMinutes(t.getUTCMinutes() + 1, 0, 0);
    } else {
      return t;
    }
  }
  throw new Error("Cron schedule never matches");
}

function dayMatches(fields: CronFields, t: Date): boolean {
  const dayOfMonth = fields.daysOfMonth.has(t.getUTCDate());
  const dayOfWeek = fields.daysOfWeek.has(t.getUTCDay());
  return fields.bothDayFieldsRestricted ? dayOfMonth || dayOfWeek : dayOfMonth && dayOfWeek;
}

export { createScheduler, DEFAULT_SCHEDULER_OPTIONS } from './scheduler.ts';
export type { Scheduler, SchedulerDeps, SchedulerOptions, PollInfo } from './scheduler.ts';

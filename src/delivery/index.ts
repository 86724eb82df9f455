export { createDispatcher } from './dispatcher.ts';
export type { Dispatcher, DispatcherDeps, DispatcherOptions, AttemptInfo, OutcomeInfo } from './types.ts';

export { createDispatcher, limitedShare, DELIVERY_CONNECTIONS_PER_ORIGIN } from './dispatcher.ts';
export type { Dispatcher, DispatcherDeps, DispatcherOptions, AttemptInfo, OutcomeInfo } from './types.ts';

export { startSimulator, SimInputError } from './server.ts';
export type { Simulator, SimulatorOptions, SimRequest, SimJobInfo, CreateSimJobInput } from './server.ts';
export { SCENARIOS, type Scenario, type Expected } from './scenarios.ts';
import { BUILTIN_PROVIDERS } from '../core/types.ts';
import type { Simulator } from './server.ts';
import { UPSTREAMS } from './upstreams.ts';

/** What `pollhook simulate` prints: the env to point pollhook at it, keys, and how to make jobs. */
export function formatSimulatorBanner(sim: Pick<Simulator, 'url' | 'baseUrls'>): string {
  const lines = [
    `pollhook simulator listening on ${sim.url}`,
    '',
    'Point pollhook at it (and allow the loopback address):',
    '  POLLHOOK_ALLOW_PRIVATE_NETWORKS=127.0.0.1/32,::1/128',
    ...BUILTIN_PROVIDERS.map((p) => `  POLLHOOK_PROVIDER_${p.toUpperCase()}_BASE_URL=${sim.baseUrls[p]}`),
    '',
    'API keys the simulated upstreams accept by default:',
    ...BUILTIN_PROVIDERS.map((p) => `  ${p.padEnd(12)} ${UPSTREAMS[p].defaultApiKey}`),
    '',
    'Jobs: register an externalId like sim-success-1, sim-failure-2, sim-rate_limited-3 (any',
    `provider), or create one: curl -X POST ${sim.url}/_sim/jobs -d '{"provider":"topaz","scenario":"eta"}'`,
    `Requests received: ${sim.url}/_sim/requests   Scenarios: ${sim.url}/_sim/scenarios`,
  ];
  return lines.join('\n');
}

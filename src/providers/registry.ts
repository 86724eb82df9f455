/** The providers pollhook knows, and where each one lives (documented URL or operator override). */
import { BUILTIN_PROVIDERS, type BuiltinProvider, type ProviderName } from '../core/types.ts';
import type { Provider } from './types.ts';
import { fotolabs } from './fotolabs.ts';
import { pictory } from './pictory.ts';
import { topaz } from './topaz.ts';
import { magichour } from './magichour.ts';
import { aigenstudio } from './aigenstudio.ts';
import { http } from './http.ts';

export const PROVIDERS: Readonly<Record<ProviderName, Provider>> = { fotolabs, pictory, topaz, magichour, aigenstudio, http };

export interface ProviderRegistry {
  get(name: string): Provider | undefined;
  list(): Provider[];
  /** The override when configured, else the documented production URL; null for `http`. */
  baseUrl(name: ProviderName): string | null;
}

export function createProviderRegistry(baseUrls: Partial<Record<BuiltinProvider, string>> = {}): ProviderRegistry {
  const overrides = new Map<string, string>();
  for (const name of BUILTIN_PROVIDERS) {
    const url = baseUrls[name];
    if (url) overrides.set(name, url.replace(/\/+$/, ''));
  }
  return {
    get: (name) => (Object.prototype.hasOwnProperty.call(PROVIDERS, name) ? PROVIDERS[name as ProviderName] : undefined),
    list: () => Object.values(PROVIDERS),
    baseUrl: (name) => overrides.get(name) ?? PROVIDERS[name]?.defaultBaseUrl ?? null,
  };
}

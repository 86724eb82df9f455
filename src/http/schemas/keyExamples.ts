/**
 * Examples for the tenant and key lifecycle components (same rules as examples.ts: plain data,
 * checked against their own schemas by test/docs).
 */
const KEY_ID = 'key_01JD4V7W8X9Y0Z1A2B3C4D5E6G';
const TENANT_ID = 'tnt_01JD4V7W8X9Y0Z1A2B3C4D5E6F';

export const apiKeyExample = {
  id: KEY_ID,
  name: 'ci deploys',
  prefix: 'ph_3q2-7wE',
  createdAt: '2026-11-01T09:00:00.000Z',
  lastUsedAt: '2026-11-22T16:58:00.000Z',
  expiresAt: null,
  current: false,
};

export const apiKeyCreateExample = { name: 'ci deploys' };

export const apiKeyCreatedExample = {
  ...apiKeyExample,
  id: 'key_01JD5A1B2C3D4E5F6G7H8J9K0M',
  key: 'ph_3q2-7wEvKJc0Z1x8m7mQ4s5xYV8kY0bq2fS9hV4nLtA',
  createdAt: '2026-11-22T17:00:00.000Z',
  lastUsedAt: null,
};

export const apiKeyRotateExample = { gracePeriodSeconds: 3600 };

export const apiKeyRotatedExample = { ...apiKeyCreatedExample, previousExpiresAt: '2026-11-22T18:00:00.000Z' };

export const tenantExample = { id: TENANT_ID, name: 'acme', createdAt: '2026-11-01T09:00:00.000Z' };

export const connectionPatchExample = { credentials: { apiKey: 'fl_live_...' } };

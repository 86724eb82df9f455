'use strict';

/**
 * Custom auth: the pollhook server's URL and a tenant API key, sent as
 * `Authorization: Bearer <key>` on every request (see `beforeRequest` in index.js).
 */
module.exports = {
  type: 'custom',
  fields: [
    {
      key: 'baseUrl',
      label: 'pollhook URL',
      required: true,
      type: 'string',
      helpText: 'Where your pollhook server is reachable from the internet, e.g. https://pollhook.example.com',
    },
    { key: 'apiKey', label: 'API key', required: true, type: 'password', helpText: 'A pollhook API key (ph_...).' },
  ],
  // Any authenticated read proves the key: the event catalog is small.
  test: async (z, bundle) => {
    const response = await z.request({ url: `${baseUrl(bundle)}/v1/event-types` });
    response.throwForStatus();
    return { ok: true };
  },
  connectionLabel: (z, bundle) => `pollhook at ${baseUrl(bundle)}`,
};

function baseUrl(bundle) {
  return String(bundle.authData.baseUrl || '').replace(/\/+$/, '');
}
module.exports.baseUrl = baseUrl;

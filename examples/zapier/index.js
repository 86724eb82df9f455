'use strict';

const authentication = require('./authentication');
const jobStatusChanged = require('./triggers/jobStatusChanged');

/** Every request carries the API key; the key never goes into a URL. */
const includeApiKey = (request, z, bundle) => {
  request.headers = request.headers || {};
  request.headers.Authorization = `Bearer ${bundle.authData.apiKey}`;
  return request;
};

module.exports = {
  version: require('./package.json').version,
  platformVersion: require('./package.json').dependencies['zapier-platform-core'],
  authentication,
  beforeRequest: [includeApiKey],
  triggers: { [jobStatusChanged.key]: jobStatusChanged },
};

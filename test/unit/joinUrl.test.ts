import { describe, expect, it } from 'vitest';
import { joinUrl } from '../../src/providers/common.ts';

describe('joinUrl', () => {
  it.each([
    ['https://api.fotolabs.co', 'https://api.fotolabs.co/v1/images/a'],
    ['https://api.fotolabs.co/', 'https://api.fotolabs.co/v1/images/a'],
    ['https://api.fotolabs.co///', 'https://api.fotolabs.co/v1/images/a'],
    ['http://127.0.0.1:8080/base', 'http://127.0.0.1:8080/base/v1/images/a'],
    ['http://127.0.0.1:8080/base/', 'http://127.0.0.1:8080/base/v1/images/a'],
  ])('ignores the trailing slashes of %s', (base, expected) => {
    expect(joinUrl(base, '/v1/images/a')).toBe(expected);
  });
});

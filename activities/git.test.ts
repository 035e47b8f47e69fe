import { describe, expect, it } from 'vitest';
import { maskCredentials } from './git.js';

describe('maskCredentials', () => {
  it.each([
    { text: 'https://user:token@github.com/o/r.git', masked: 'https://***@github.com/o/r.git' },
    {
      text: "fatal: repository 'https://x-access-token:ghs_abc@host/r/' not found",
      masked: "fatal: repository 'https://***@host/r/' not found",
    },
    { text: 'ssh://git@host:22/r.git', masked: 'ssh://***@host:22/r.git' },
    { text: 'https://host/r.git and http://a:b@c/d', masked: 'https://host/r.git and http://***@c/d' },
    { text: 'git@github.com:o/r.git', masked: 'git@github.com:o/r.git' },
    { text: '/srv/repos/r.git', masked: '/srv/repos/r.git' },
  ])('$text', ({ text, masked }) => {
    expect(maskCredentials(text)).toBe(masked);
  });
});

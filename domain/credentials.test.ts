import { describe, expect, it } from 'vitest';
import { maskCredentials } from './credentials.js';

describe('maskCredentials', () => {
  it.each([
    { text: 'https://user:token@github.com/o/r.git', masked: 'https://***@github.com/o/r.git' },
    { text: 'https://deploy:p@ss@git.example.com/r.git', masked: 'https://***@git.example.com/r.git' },
    { text: 'see https://host/r.git and http://a:b@c/d', masked: 'see https://host/r.git and http://***@c/d' },
    { text: 'git+ssh://git@host:22/r.git', masked: 'git+ssh://***@host:22/r.git' },
    { text: 'git@github.com:o/r.git', masked: 'git@github.com:o/r.git' },
    { text: 'mail me@example.com', masked: 'mail me@example.com' },
  ])('$text', ({ text, masked }) => {
    expect(maskCredentials(text)).toBe(masked);
  });

  it('takes linear time, whatever the text', () => {
    for (const text of ['a'.repeat(1 << 20), 'a://'.repeat(1 << 18), `a://${'x'.repeat(1 << 20)}`]) {
      const started = performance.now();
      maskCredentials(text);
      expect(performance.now() - started).toBeLessThan(200);
    }
  });
});

import { describe, expect, it } from 'vitest';
import { jobHref, logAnchor, runHref, safeUrl } from './links.js';

describe('jobHref', () => {
  it('addresses a job by its path', () => {
    expect(jobHref('team/shop/ci')).toBe('/jobs/team/shop/ci');
    expect(jobHref('team/shop/ci/pr-25')).toBe('/jobs/team/shop/ci/pr-25');
  });

  it.each(['ci/status', 'ci/golive', 'ci/cancel', 'ci/rollback', 'ci/tests/true'])(
    'goes around the Octopush route that %s would hit',
    (path) => {
      expect(jobHref(path)).toBe(`/jobs?job=${encodeURIComponent(path)}`);
    },
  );

  it('keeps deeper paths with those names as paths', () => {
    expect(jobHref('team/ci/status')).toBe('/jobs/team/ci/status');
  });
});

describe('other addresses', () => {
  it('posts runs to the builds of the job', () => {
    expect(runHref('ci/status')).toBe('/jobs/ci/status/builds');
  });

  it('makes anchors of command keys', () => {
    expect(logAnchor('build/compile')).toBe('log-build_compile');
  });

  it('links only http(s) URLs', () => {
    expect(safeUrl('https://github.com/a/b/pull/1')).toBe('https://github.com/a/b/pull/1');
    expect(safeUrl('javascript:alert(1)')).toBeNull();
    expect(safeUrl(null)).toBeNull();
  });
});

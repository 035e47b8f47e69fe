import { describe, expect, it } from 'vitest';
import { renderTemplate } from './template.js';

const values = {
  service: 'checkout',
  version: '1.2.3',
  environment: 'preprod',
  deploymentId: 'dep-42',
  requestor: 'carol',
};

describe('renderTemplate', () => {
  it.each([
    { template: '{{service}}', out: 'checkout' },
    { template: '{{service}}:{{version}}', out: 'checkout:1.2.3' },
    { template: '{{ environment }}', out: 'preprod' },
    { template: '{{  deploymentId}}/{{requestor  }}', out: 'dep-42/carol' },
    { template: '{{version}}-{{version}}', out: '1.2.3-1.2.3' },
    { template: 'deploy {{service}} to {{environment}}', out: 'deploy checkout to preprod' },
    { template: 'no placeholders', out: 'no placeholders' },
    { template: '', out: '' },
    { template: '{{colour}}', out: '{{colour}}' },
    { template: '{{service}} {{colour}}', out: 'checkout {{colour}}' },
    { template: '{service}', out: '{service}' },
    { template: '{{service-name}}', out: '{{service-name}}' },
    { template: '{{Service}}', out: '{{Service}}' },
    { template: '{{}}', out: '{{}}' },
    // Only the template values are placeholders, not what every object inherits.
    { template: '{{constructor}}', out: '{{constructor}}' },
    { template: '{{toString}}', out: '{{toString}}' },
  ])('$template → $out', ({ template, out }) => {
    expect(renderTemplate(template, values)).toBe(out);
  });

  it('takes any string values: a build names its environment variables and commit', () => {
    const build = { SLIPWAY_JOB: 'shop/checkout', SLIPWAY_BUILD_NUMBER: '7', commit: 'abc123' };
    expect(renderTemplate('{{SLIPWAY_JOB}}', build)).toBe('shop/checkout');
    expect(renderTemplate('{{ SLIPWAY_BUILD_NUMBER }}-{{commit}}', build)).toBe('7-abc123');
    expect(renderTemplate('{{service}}', build)).toBe('{{service}}');
  });
});

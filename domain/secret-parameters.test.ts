import { describe, expect, it } from 'vitest';
import type { JobDefinition } from './job.js';
import {
  publicDefinition,
  secretParameterNames,
  splitParameters,
  withSecretValues,
  withoutSecretDefaults,
  withoutSecretParameters,
  withoutSecrets,
} from './secret-parameters.js';

const param = (title: string, secret: boolean, extra: Partial<JobDefinition['parameters'][number]> = {}) => ({
  title,
  secret,
  required: false,
  ...extra,
});
const job = {
  parameters: [param('TARGET', false), param('TOKEN', true), param('PASSWORD', true, { default: 'hunter2' })],
};

describe('secretParameterNames', () => {
  it.each([
    { name: 'secret ones, in definition order', def: job, names: ['TOKEN', 'PASSWORD'] },
    { name: 'none without secrets', def: { parameters: [param('A', false)] }, names: [] },
    { name: 'none without parameters', def: {}, names: [] },
  ])('$name', ({ def, names }) => {
    expect(secretParameterNames(def)).toEqual(names);
  });
});

describe('splitParameters', () => {
  it.each<{ name: string; values: Record<string, string>; want: object }>([
    {
      name: 'masks, leaves out and keeps apart the secret values',
      values: { TARGET: 'prod', TOKEN: 's3cret' },
      want: { shown: { TARGET: 'prod', TOKEN: '***' }, public: { TARGET: 'prod' }, secret: { TOKEN: 's3cret' } },
    },
    {
      name: 'an empty secret value is still secret',
      values: { TOKEN: '' },
      want: { shown: { TOKEN: '***' }, public: {}, secret: { TOKEN: '' } },
    },
    {
      name: 'public values only',
      values: { TARGET: 'x' },
      want: { shown: { TARGET: 'x' }, public: { TARGET: 'x' }, secret: {} },
    },
  ])('$name', ({ values, want }) => {
    expect(splitParameters(job, values)).toEqual({ secretNames: ['TOKEN', 'PASSWORD'], ...want });
  });
});

describe('withoutSecrets', () => {
  it('keeps only the public values of a build row', () => {
    expect(withoutSecrets(job, { TARGET: 'prod', TOKEN: '***', PASSWORD: '***' })).toEqual({ TARGET: 'prod' });
  });
});

describe('publicDefinition', () => {
  it('masks the defaults of secret parameters only', () => {
    const def = {
      title: 't',
      parameters: [
        param('TARGET', false, { default: 'prod' }),
        param('TOKEN', true),
        param('PASSWORD', true, { default: 'hunter2' }),
      ],
    };
    expect(publicDefinition(def).parameters).toEqual([
      param('TARGET', false, { default: 'prod' }),
      param('TOKEN', true),
      param('PASSWORD', true, { default: '***' }),
    ]);
    expect(publicDefinition(def).title).toBe('t');
  });

  it('gives a definition without parameters an empty list', () => {
    expect(publicDefinition({}).parameters).toEqual([]);
  });
});

describe('withSecretValues', () => {
  it('adds the secret values to the environment, winning a clash, and lists them for masking', () => {
    expect(withSecretValues({ A: '1', TOKEN: 'public' }, { TOKEN: 's3cret' })).toEqual({
      env: { A: '1', TOKEN: 's3cret' },
      secrets: ['s3cret'],
    });
  });
});

describe('definitions in workflow inputs and untrusted builds', () => {
  it('withoutSecretDefaults drops a secret default and keeps everything else', () => {
    const def = { title: 't', parameters: [param('TARGET', false, { default: 'prod' }), ...job.parameters.slice(1)] };
    const carried = withoutSecretDefaults(def);
    expect(JSON.stringify(carried)).not.toContain('hunter2');
    expect(carried.parameters).toEqual([
      param('TARGET', false, { default: 'prod' }),
      param('TOKEN', true),
      param('PASSWORD', true),
    ]);
    expect(def.parameters[2]).toMatchObject({ default: 'hunter2' });
  });

  it('withoutSecretParameters leaves an untrusted build no secret parameter at all', () => {
    expect(withoutSecretParameters(job).parameters).toEqual([param('TARGET', false)]);
  });
});

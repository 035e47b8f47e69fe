import { maskCredentials } from './credentials.js';
import type { JobDefinition } from './job.js';

// Which job parameters are secret, and where their values may go. A secret value is stored only
// in build_secrets and joins a command's environment on its build host; build rows, workflow
// inputs, histories and API answers see "***" or nothing.

type Parameters = { parameters?: JobDefinition['parameters'] };

const SECRET_MASK = '***';

export function secretParameterNames(job: Parameters): string[] {
  return (job.parameters ?? []).filter((p) => p.secret).map((p) => p.title);
}

export interface SplitParameters {
  secretNames: string[];
  /** For the build row: secret values as "***". */
  shown: Record<string, string>;
  /** For the workflow input: secret parameters left out. */
  public: Record<string, string>;
  /** For build_secrets only. */
  secret: Record<string, string>;
}

export function splitParameters(job: Parameters, values: Record<string, string>): SplitParameters {
  const secretNames = secretParameterNames(job);
  const entries = Object.entries(values);
  const isSecret = ([name]: [string, string]) => secretNames.includes(name);
  return {
    secretNames,
    shown: Object.fromEntries(entries.map(([k, v]) => [k, secretNames.includes(k) ? SECRET_MASK : v])),
    public: Object.fromEntries(entries.filter((e) => !isSecret(e))),
    secret: Object.fromEntries(entries.filter(isSecret)),
  };
}

/** Values without the secret ones: what a rebuild or a retried allocation may reuse from a build row. */
export function withoutSecrets(job: Parameters, values: Record<string, string>): Record<string, string> {
  return splitParameters(job, values).public;
}

/**
 * A definition as a build workflow carries it (its input and history are readable by anyone with
 * access to Temporal): a secret parameter keeps its name but not its default, which reaches the
 * build as a value in build_secrets like any other secret value.
 */
export function withoutSecretDefaults<T extends Parameters>(definition: T): T {
  if (!(definition.parameters ?? []).some((p) => p.secret && p.default !== undefined)) return definition;
  return {
    ...definition,
    parameters: (definition.parameters ?? []).map((p) => {
      if (!p.secret || p.default === undefined) return p;
      const { default: _default, ...rest } = p;
      return rest;
    }),
  };
}

/**
 * The job as an untrusted build (a pull request's code) sees it: no secret parameter at all, so no
 * default, no value and no "required" can put one in its environment.
 */
export function withoutSecretParameters<T extends Parameters>(definition: T): T {
  if (!(definition.parameters ?? []).some((p) => p.secret)) return definition;
  return { ...definition, parameters: (definition.parameters ?? []).filter((p) => !p.secret) };
}

/**
 * A definition as shown by the API: a secret parameter's default is a secret too, and so are
 * credentials in the repository URL.
 */
export function publicDefinition<T extends Parameters & { repository?: JobDefinition['repository'] }>(
  definition: T,
): T & { parameters: JobDefinition['parameters'] } {
  return {
    ...definition,
    ...(definition.repository
      ? { repository: { ...definition.repository, url: maskCredentials(definition.repository.url) } }
      : {}),
    parameters: (definition.parameters ?? []).map((p) =>
      p.secret && p.default !== undefined ? { ...p, default: SECRET_MASK } : p,
    ),
  };
}

/**
 * A command's environment on its build host: the secret values join the public ones (and win a
 * name clash); `secrets` lists the values for the log masker.
 */
export function withSecretValues(
  env: Record<string, string>,
  secrets: Record<string, string>,
): { env: Record<string, string>; secrets: string[] } {
  return { env: { ...env, ...secrets }, secrets: Object.values(secrets) };
}

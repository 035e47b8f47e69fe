// A stack whose services deploy through the Jenkins fake, the way Octopush drove the release Jenkins.
import { startFakeJenkins, type FakeJenkins, type FakeJobOptions } from '../fakes/jenkins.js';
import { startStack, type Stack, type StackOptions } from './stack.js';

export const deployParameters = ['ENVIRONMENT', 'COMPONENT', 'VERSION', 'SLIPWAY_DEPLOYMENT'];

export interface ServiceSpec {
  group: number;
  approvers?: string[];
  tests?: string;
  onExpiry?: 'fail' | 'release-lock';
  job?: FakeJobOptions;
}

export function jenkinsConfigYaml(fake: FakeJenkins, services: Record<string, ServiceSpec>, extra = ''): string {
  const lines = [
    'environments: { preprod: { concurrency: groups, octopushName: staging }, live: { concurrency: exclusive, octopushName: prod } }',
    `jenkins: { release: { url: "${fake.url}", user: "${fake.user}", tokenEnv: FAKE_JENKINS_TOKEN } }`,
    'direct-to-live: []',
    'auth: { anonymous: [read] }',
    'services:',
  ];
  for (const [name, s] of Object.entries(services)) {
    lines.push(`  ${name}:`, `    group: ${s.group}`);
    if (s.approvers) lines.push(`    approvers: [${s.approvers.join(', ')}]`);
    if (s.tests) lines.push(`    policies: { tests: { expiresAfter: ${s.tests}, onExpiry: ${s.onExpiry ?? 'fail'} } }`);
    lines.push(`    deploy: { "*": { type: jenkins, server: release, job: release/deploy-${name} } }`);
  }
  return `${lines.join('\n')}\n${extra}`;
}

export async function startJenkinsStack(
  services: Record<string, ServiceSpec>,
  opts: Partial<StackOptions> & { extraYaml?: string } = {},
): Promise<{ stack: Stack; fake: FakeJenkins; close(): Promise<void> }> {
  const fake = await startFakeJenkins();
  for (const [name, s] of Object.entries(services)) {
    fake.defineJob(`release/deploy-${name}`, {
      parameters: deployParameters,
      durationMs: 150,
      queueDelayMs: 20,
      ...s.job,
    });
  }
  const stack = await startStack({
    ...opts,
    configYaml: jenkinsConfigYaml(fake, services, opts.extraYaml),
    env: { FAKE_JENKINS_TOKEN: fake.token, ...opts.env },
  });
  return {
    stack,
    fake,
    close: async () => {
      await stack.close();
      await fake.close();
    },
  };
}

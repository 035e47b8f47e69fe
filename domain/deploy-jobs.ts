import type { SlipwayConfig } from './config.js';

// A job that a `type: job` deployer runs is a way into an environment: triggered, rebuilt or
// rewritten outside a deployment it would skip the queue, the lock, the tests and Go Live. Such a
// job runs only through the deployment workflow (or for an admin), unless its deployer opens it.

/** The services whose `type: job` deployer runs the job at this path and keeps it closed, sorted. */
export function servicesDeployedBy(config: SlipwayConfig, jobPath: string): string[] {
  const services = new Set<string>();
  for (const [service, svc] of Object.entries(config.services)) {
    for (const deployer of Object.values(svc.deploy)) {
      if (deployer.type === 'job' && deployer.job === jobPath && !deployer.allowDirectRuns) services.add(service);
    }
  }
  return [...services].sort();
}

/** Why a token without admin may not run or change this deploy job. */
export function deployJobRefusal(jobPath: string, services: string[]): string {
  const what = services.length === 1 ? `service ${services[0]}` : `services ${services.join(', ')}`;
  return `job ${jobPath} deploys ${what}; it runs only through a deployment`;
}

// Entry point kept at the path other tests import (`test/fakes/jenkins.js`); the fake lives in ./jenkins/.
export { startFakeJenkins } from './jenkins/index.js';
export type { CrumbMode, FakeJenkins, FakeJobOptions, FakeResult, NotifyPhase } from './jenkins/index.js';

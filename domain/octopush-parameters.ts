// Octopush called the release Jenkins with ENVIRONMENT, COMPONENT and VERSION. Kept apart from the
// configuration schema so that workflow code can use it without loading zod into every workflow.
export const octopushParameters = { ENVIRONMENT: '{{environment}}', COMPONENT: '{{service}}', VERSION: '{{version}}' };

import type { Principal } from '../api/middleware/auth.js';

/** Who the page is shown to: a session (token or GitHub sign-in), a bearer token, or nobody. */
export interface Viewer {
  name: string;
  via: 'token' | 'github' | 'anonymous';
  signedIn: boolean;
}

export type UiEnv = { Variables: { principal: Principal; viewer: Viewer; csrfToken: string } };

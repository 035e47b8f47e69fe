import type { Viewer } from '../env.js';
import { Layout } from '../layout.js';

export interface LoginPageProps {
  viewer: Viewer;
  csrfToken: string;
  next: string;
  gitHub: boolean;
  /** Why the last attempt failed, shown above the form. */
  error?: string;
}

export function LoginPage(props: LoginPageProps) {
  return (
    <Layout title="Sign in" viewer={props.viewer} csrfToken={props.csrfToken}>
      <h1>Sign in</h1>
      {props.viewer.signedIn ? (
        <p class="notice">
          You are signed in as <strong>{props.viewer.name}</strong>. Signing in again replaces that sign-in.
        </p>
      ) : null}
      {props.error ? (
        <p class="error-message" role="alert">
          {props.error}
        </p>
      ) : null}
      {props.gitHub ? (
        <>
          <p>
            <a class="button" href={`/login/github?next=${encodeURIComponent(props.next)}`}>
              Sign in with GitHub
            </a>
          </p>
          <p class="or">or with an API token:</p>
        </>
      ) : null}
      <form method="post" action="/login" class="stacked">
        <input type="hidden" name="_csrf" value={props.csrfToken} />
        <input type="hidden" name="next" value={props.next} />
        <label>
          API token
          <input type="password" name="token" required autocomplete="off" spellcheck={false} />
        </label>
        <button type="submit">Sign in with token</button>
      </form>
      <p class="muted">
        An API token signs you in with its own name and scopes: the dashboard lets you do what that token may do through
        the API.
      </p>
    </Layout>
  );
}

import type { Child } from 'hono/jsx';
import { raw } from 'hono/html';
import type { Viewer } from './env.js';

// The frame of every page: a skip link, the main navigation, who is signed in, then the page's own
// content (each page writes its own <h1>). No inline script or style: the CSP forbids both.

const nav = [
  { href: '/', label: 'Environments' },
  { href: '/deployments', label: 'Deployments' },
  { href: '/jobs', label: 'Jobs' },
  { href: '/features', label: 'Features' },
  { href: '/figures', label: 'Figures' },
  { href: '/admin', label: 'Admin' },
];

export interface LayoutProps {
  title: string;
  viewer: Viewer;
  csrfToken: string;
  children?: unknown;
  /** File names under ui/static/, loaded with defer. */
  scripts?: string[];
  /** The nav entry to mark as the current page (its href); default: none. */
  active?: string;
}

export function Layout(props: LayoutProps) {
  const { viewer } = props;
  return (
    <>
      {raw('<!DOCTYPE html>')}
      <html lang="en">
        <head>
          <meta charset="utf-8" />
          <meta name="viewport" content="width=device-width, initial-scale=1" />
          <title>{`${props.title} · Slipway`}</title>
          <link rel="stylesheet" href="/ui/static/app.css" />
          {(props.scripts ?? []).map((name) => (
            <script src={`/ui/static/${name}`} defer></script>
          ))}
        </head>
        <body>
          <a class="skip-link" href="#main">
            Skip to content
          </a>
          <header class="site-header">
            <nav aria-label="Main">
              <a class="brand" href="/">
                Slipway
              </a>
              <ul class="nav-links">
                {nav.map((item) => (
                  <li>
                    <a href={item.href} aria-current={props.active === item.href ? 'page' : undefined}>
                      {item.label}
                    </a>
                  </li>
                ))}
              </ul>
            </nav>
            <div class="viewer">
              {viewer.signedIn ? (
                <>
                  <span>
                    Signed in as <strong>{viewer.name}</strong>
                    {viewer.via === 'github' ? ' (GitHub)' : ''}
                  </span>
                  {viewer.via !== 'anonymous' ? (
                    <form method="post" action="/logout" class="inline-form">
                      <input type="hidden" name="_csrf" value={props.csrfToken} />
                      <button type="submit" class="link-button">
                        Sign out
                      </button>
                    </form>
                  ) : null}
                </>
              ) : (
                <a href="/login">Sign in</a>
              )}
            </div>
          </header>
          <main id="main">{props.children as Child}</main>
        </body>
      </html>
    </>
  );
}

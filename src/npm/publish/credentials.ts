// Which credentials a publish will use, found out before anything is uploaded: a token
// (NODE_AUTH_TOKEN) first, then trusted publishing (OIDC, where the CI job can get an identity
// token), then the user's own `npm login`. With both a token and OIDC, npm uses a package's
// trusted publisher where it has one and the token otherwise; the plan is made for the token,
// which can do everything OIDC can. A token the registry does not accept, or an npm/Node too old
// for OIDC, stops the run here.

import { StepError } from '../../errors.js';
import { npmVersions, runNpm } from '../npm-cli.js';
import { displayRegistry, type RegistryClient } from '../registry.js';
import { oidcAvailable, trustedPublishingBlocker } from '../trusted-publishing.js';
import type { AuthMode } from './plan.js';

export interface Credentials {
  mode: AuthMode;
  /** The registry user the token or login belongs to, when the registry said. */
  user?: string;
}

export interface CredentialOptions {
  registry: string;
  token?: string;
  client: RegistryClient;
  env?: NodeJS.ProcessEnv;
}

export async function resolveCredentials(options: CredentialOptions): Promise<Credentials> {
  const { registry, token, client } = options;
  const shown = displayRegistry(registry);
  if (token) {
    const who = await client.whoami();
    if (who === 'rejected') {
      throw new StepError(
        `nothing was uploaded: ${shown} does not accept the token in NODE_AUTH_TOKEN (it is wrong, expired or revoked); create a new access token with write access to every package of the release`,
      );
    }
    return { mode: 'token', ...(typeof who === 'object' ? { user: who.user } : {}) };
  }
  if (oidcAvailable(options.env)) {
    const blocker = trustedPublishingBlocker(await npmVersions());
    if (blocker) throw new StepError(`nothing was uploaded: ${blocker}; install a newer npm (npm install -g npm@latest) or Node.js before binship publish`);
    return { mode: 'trusted-publishing' };
  }
  const login = await runNpm(['whoami'], { registry, timeoutMs: 60_000 });
  if (!login.failed && String(login.stdout).trim() !== '') return { mode: 'npm-login', user: String(login.stdout).trim() };
  return { mode: 'none' };
}

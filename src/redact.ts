// Secrets never reach output: everything binship prints about registries passes through here.

/** Removes secrets from text that may be shown: the token itself and anything token-shaped. */
export function redact(text: string, token = process.env.NODE_AUTH_TOKEN): string {
  let result = text
    .replace(/npm_[A-Za-z0-9]{36}/g, '***')
    // npmrc credentials, as lines (`_auth = …`) or nerf-darted keys (`//host/:_authToken=…`).
    .replace(/(_authToken|_auth|_password)(\s*=\s*)("[^"]*"|'[^']*'|[^\s"']+)/g, '$1$2***')
    .replace(/(\/\/)[^/\s@]+@/g, '$1***@'); // credentials in a registry URL (user:password@ or token@)
  if (token && token.length >= 4) result = result.split(token).join('***');
  return result;
}

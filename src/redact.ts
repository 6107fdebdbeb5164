// Secrets never reach output: everything binship prints about registries passes through here.

/** Removes secrets from text that may be shown: the token itself and anything token-shaped. */
export function redact(text: string, token = process.env.NODE_AUTH_TOKEN): string {
  let result = text
    .replace(/npm_[A-Za-z0-9]{36}/g, '***')
    .replace(/(_authToken=)[^\s]+/g, '$1***')
    .replace(/(\/\/)[^/\s:@]+:[^/\s@]+@/g, '$1***@'); // credentials in a registry URL
  if (token && token.length >= 4) result = result.split(token).join('***');
  return result;
}

// npm provenance in a workflow rehearsal. npm signs provenance with a Sigstore certificate it
// gets for the job's OIDC token; under act there is no OIDC token (and Sigstore is out of
// reach), so `npm publish --provenance` would fail there on what cannot exist, not on what is
// being rehearsed. In a rehearsal `binship publish --provenance` therefore publishes without
// provenance and prints the stand-in's REPLACED line. The switch is refused wherever an OIDC
// token does exist: on a real runner provenance is never dropped.

import { UsageError } from '../../errors.js';
import { REHEARSAL_ENV } from './environment.js';
import { REPLACED } from './stand-ins.js';

export function provenanceInRehearsal(
  requested: boolean | undefined,
  print: (line: string) => void,
  env: NodeJS.ProcessEnv = process.env,
): boolean | undefined {
  if (!requested || !env[REHEARSAL_ENV]) return requested;
  if (env.ACTIONS_ID_TOKEN_REQUEST_URL) {
    throw new UsageError(`${REHEARSAL_ENV} is set in a job that can get an OIDC token; it is only for workflow rehearsals under act: unset it`);
  }
  print(`${REPLACED}: npm provenance: no OIDC token here (npm signs provenance with one); published without provenance`);
  return false;
}

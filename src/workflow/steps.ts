// The building blocks of the generated workflow: a step as data (with the comments that explain
// it), values that carry their own comment, and the steps several jobs share.

import path from 'node:path';
import { Scalar } from 'yaml';
import type { ReleaseConfig } from '../config/load.js';
import { ACTIONS, type PinnedAction } from './actions.js';

/** Runner of the jobs that are not per target (plan, publish, release): any current Linux will do. */
export const HOST_RUNNER = 'ubuntu-24.04';

export const TIMEOUTS = { plan: 10, build: 60, publish: 30, release: 15 } as const;

export interface Step {
  name: string;
  id?: string;
  if?: string;
  env?: Record<string, unknown>;
  uses?: PinnedAction;
  with?: Record<string, unknown>;
  run?: string;
  /** Why the step is there, written as a comment above it. */
  comment?: string;
  /** A comment right above `uses:` (where zizmor reads its ignore comments). */
  usesComment?: string;
}

export interface Job {
  name: string;
  needs?: string | string[];
  if?: string;
  'runs-on': string;
  'timeout-minutes': number;
  environment?: Record<string, string>;
  permissions: Record<string, unknown>;
  strategy?: Record<string, unknown>;
  outputs?: Record<string, string>;
  steps: Step[];
}

/** What every job function needs to know about the project. */
export interface WorkflowContext {
  config: ReleaseConfig;
  /** `OWNER/REPO` publishing is allowed from. */
  slug: string;
  /** A binship invocation, as the config says CI runs binship. */
  binship(args: string): string;
  /** A path of the project, relative to the repository root, with `/`. */
  relative(to: string): string;
}

export function workflowContext(config: ReleaseConfig, slug: string): WorkflowContext {
  return {
    config,
    slug,
    binship: (args) => `${config.workflow.command} ${args}`,
    relative: (to) => path.relative(config.root, to).split(path.sep).join('/') || '.',
  };
}

/** `value` with `# why` after it in the YAML. */
export function note<T>(value: T, why: string): Scalar<T> {
  const scalar = new Scalar(value);
  scalar.comment = ` ${why}`;
  return scalar;
}

export function checkout(): Step {
  return {
    name: 'Check out the repository',
    uses: ACTIONS.checkout,
    with: { 'persist-credentials': note(false, 'no token left in .git/config for later steps') },
  };
}

export function setupNode({ config }: WorkflowContext): Step {
  return {
    name: 'Set up Node.js',
    uses: ACTIONS.setupNode,
    with: {
      'node-version': config.workflow.nodeVersion,
      'package-manager-cache': note(false, 'no npm cache: a run that publishes restores nothing from a cache'),
    },
  };
}

export function installBinship({ config }: WorkflowContext): Step {
  return { name: 'Install binship', run: config.workflow.install };
}

/** Every build job's upload, `binaries-<platform>`, into artifacts/<name>/. */
export function downloadBinaries(): Step {
  return {
    name: 'Download the binaries of every target',
    uses: ACTIONS.downloadArtifact,
    with: { pattern: 'binaries-*', path: 'artifacts' },
  };
}

/** The downloaded artifacts back into dist/: exec bits restored, every checksum checked. */
export function collectDownloaded({ binship }: WorkflowContext): Step {
  return { name: 'Collect (restores exec bits, checks checksums)', run: binship('collect --from artifacts') };
}

/** verify --require-all over the collected binaries: what publish and the release ship from. */
export function verifyEveryTarget({ binship }: WorkflowContext): Step {
  return { name: 'Verify every target is there', run: binship('verify --require-all') };
}

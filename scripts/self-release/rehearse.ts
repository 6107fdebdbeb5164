// binship's own release workflow under nektos/act (the rehearsal of src/workflow/act/): a git
// copy of this repository with the release tag, then a tag push of RELEASE_WORKFLOW, which
// publishes binship to the rehearsal's registry. Only what every rehearsal replaces is replaced
// (act's checkout; npm provenance, which needs an OIDC token). The LeanSpec rehearsal then installs
// binship from there (test/act/workflow-run.test.ts).

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { StepError } from '../../src/errors.js';
import { type ActRepo, commitWithTag, copyProjectFiles, type RunOptions, type RunResult, rehearseRun } from '../../src/workflow/act/rehearse.js';
import { ACTIONS } from '../../src/workflow/actions.js';
import { RELEASE_WORKFLOW, REPO_ROOT, readPackageJson, repositoryOf } from './project.js';

export interface SelfRehearsalOptions extends Pick<RunOptions, 'act' | 'actionsDir' | 'registry' | 'workDir' | 'onEntry' | 'onFetch'> {
  root?: string;
}

export async function rehearseSelfRelease(options: SelfRehearsalOptions): Promise<{ repo: ActRepo; run: RunResult }> {
  const root = options.root ?? REPO_ROOT;
  const pkg = readPackageJson(root);
  const dir = path.join(options.workDir, 'repo');
  const tag = `v${pkg.version}`;
  const slug = repositoryOf(pkg);
  await copyProjectFiles(root, dir);
  await commitWithTag(dir, tag, slug);
  const repo: ActRepo = { dir, tag, slug, workflowFile: RELEASE_WORKFLOW, ...runnersAndNode(readFileSync(path.join(dir, RELEASE_WORKFLOW), 'utf8')) };
  const run = await rehearseRun({ ...options, repo, event: 'tag', workDir: path.join(options.workDir, 'run') });
  return { repo, run };
}

/** The runner labels of the workflow's jobs and the one Node.js version its setup-node steps ask for. */
function runnersAndNode(text: string): Pick<ActRepo, 'runners' | 'nodeVersion'> {
  const { jobs } = parseYaml(text) as { jobs: Record<string, { 'runs-on': string; steps: { uses?: string; with?: { 'node-version'?: unknown } }[] }> };
  const runners = [...new Set(Object.values(jobs).map((job) => job['runs-on']))];
  const nodes = [
    ...new Set(
      Object.values(jobs).flatMap((job) =>
        job.steps.filter((s) => s.uses?.startsWith(`${ACTIONS.setupNode.repo}@`)).map((s) => String(s.with?.['node-version'])),
      ),
    ),
  ];
  if (nodes.length !== 1)
    throw new StepError(
      `${RELEASE_WORKFLOW}: its setup-node steps ask for ${nodes.length === 0 ? 'no' : nodes.join(' and ')} Node.js version; the rehearsal has one`,
    );
  return { runners, nodeVersion: nodes[0] as string };
}

// The release notes of a GitHub Release: what was released to npm, the archive of each
// platform with its checksum, and how to check what was downloaded (checksums, and the build
// provenance attestations the build jobs made for every binary). A pure function of the config,
// the version and the archives, so the notes are the same on every run.

import { platformPackageName, type ReleaseConfig } from '../config/load.js';
import { SUMS_FILE } from '../dist/manifest.js';
import { repositorySlug } from '../github.js';
import type { ReleaseArchive } from './index.js';

export interface NotesInput {
  config: ReleaseConfig;
  version: string;
  archives: ReleaseArchive[];
}

export function renderReleaseNotes({ config, version, archives }: NotesInput): string {
  const slug = repositorySlug(config);
  const lines: string[] = [];

  lines.push('## npm', '');
  lines.push('| package | install |', '| --- | --- |');
  for (const binary of config.binaries) lines.push(`| \`${binary.package}@${version}\` | \`npm install -g ${binary.package}@${version}\` |`);
  lines.push('');
  lines.push('Each package installs only the binary of your platform, from these platform packages (same version):', '');
  for (const binary of config.binaries) {
    lines.push(`- ${config.targets.map((t) => `\`${platformPackageName(binary, t)}\``).join(', ')}`);
  }
  lines.push('');

  lines.push('## Binaries', '');
  lines.push(`For use without npm: one archive per platform, each with ${config.binaries.map((b) => `\`${b.name}\``).join(' and ')}.`, '');
  lines.push('| platform | Rust target | archive | SHA-256 |', '| --- | --- | --- | --- |');
  for (const archive of archives) lines.push(`| ${archive.platform} | \`${archive.triple}\` | \`${archive.file}\` | \`${archive.sha256}\` |`);
  lines.push('');

  const example = archives.find((a) => a.format === 'tar.gz') ?? archives[0];
  lines.push('## Verify what you downloaded', '');
  lines.push(`Checksums: put the archives next to \`${SUMS_FILE}\`, then`, '');
  lines.push('```sh', `sha256sum --ignore-missing -c ${SUMS_FILE}        # Linux`, `shasum -a 256 --ignore-missing -c ${SUMS_FILE}   # macOS`, '```', '');
  lines.push(
    `Provenance: the workflow run that built each binary attested it (Sigstore, GitHub artifact attestations). With the GitHub CLI, check a binary from an archive:`,
    '',
  );
  if (example) {
    const top = example.file.replace(/\.(tar\.gz|zip)$/, '');
    const binary = example.binaries[0]?.name ?? config.binaries[0]?.name ?? '';
    lines.push('```sh');
    lines.push(example.format === 'zip' ? `unzip ${example.file}` : `tar -xzf ${example.file}`);
    lines.push(`gh attestation verify ${top}/${binary} --repo ${slug}`);
    lines.push('```', '');
  }
  lines.push(`The npm packages carry npm provenance from the same workflow: \`npm audit signatures\` in a project that installed them checks it.`, '');

  lines.push('<details><summary>Binary checksums (what the attestations name)</summary>', '');
  lines.push('| platform | binary | SHA-256 |', '| --- | --- | --- |');
  for (const archive of archives) {
    for (const binary of archive.binaries) lines.push(`| ${archive.platform} | \`${binary.name}\` | \`${binary.sha256}\` |`);
  }
  lines.push('', '</details>', '');
  return lines.join('\n');
}

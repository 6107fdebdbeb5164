import type { Command } from 'commander';
import { targetCapabilities } from '../host.js';
import { TARGETS } from '../targets.js';
import { renderTable } from '../ui/table.js';
import type { CliContext } from './context.js';

export function register(program: Command, context: CliContext): void {
  program
    .command('doctor')
    .description('show, per target, whether this machine can build and run it, and the command that fixes what is missing')
    .option('--json', 'print JSON')
    .option('--all', 'every target binship knows, not only the configured ones')
    .action(async (options: { json?: boolean; all?: boolean }) => {
      const targets = options.all ? TARGETS : context.loadConfig().targets;
      const capabilities = await targetCapabilities(targets, options.all ? undefined : context.loadConfig().cargo.workspaceDir);
      if (options.json) {
        context.print(
          JSON.stringify(
            capabilities.map(({ target, build, run }) => ({
              platform: target.platform,
              triple: target.triple,
              build: { ok: build.ok, toolchain: build.toolchain && { rustc: build.toolchain.rustc, release: build.toolchain.release }, linker: build.linker ?? null, problem: build.problem ?? null, fix: build.fix ?? null },
              run: { ok: run.ok, how: run.how ?? null, prefix: run.prefix, problem: run.problem ?? null, fix: run.fix ?? null },
            })),
            null,
            2,
          ),
        );
        return;
      }
      const rows = capabilities.map(({ target, build, run }) => [
        target.platform,
        build.ok ? `yes (rustc ${build.toolchain?.release}${build.linker ? `, ${build.linker}` : ''})` : `no: ${build.problem}`,
        run.ok ? `yes (${run.how})` : `no: ${run.problem}`,
        [!build.ok && build.fix, !run.ok && run.fix].filter(Boolean).join('; '),
      ]);
      context.print(renderTable(['target', 'build here', 'run here', 'fix'], rows));
    });
}

import type { Command } from 'commander';
import { TARGETS } from '../targets.js';
import { renderTable } from '../ui/table.js';
import { printWarning } from '../ui/warning.js';
import type { CliContext } from './context.js';

export function register(program: Command, context: CliContext): void {
  program
    .command('doctor')
    .description('show, per target, how this machine builds it (route), whether it can run it, and the one command that installs what is missing')
    .option('--json', 'print JSON')
    .option('--all', 'every target binship knows, not only the configured ones')
    .action(async (options: { json?: boolean; all?: boolean }) => {
      const { capabilityOptions, targetCapabilities, toolchainMismatch } = await import('../host.js');
      const config = options.all ? undefined : context.loadConfig();
      const capabilities = await targetCapabilities(config?.targets ?? TARGETS, config?.cargo.workspaceDir, config && capabilityOptions(config));
      const mismatch = config && toolchainMismatch(capabilities, config.cargo.toolchain);
      if (mismatch) printWarning(mismatch);
      if (options.json) {
        context.print(
          JSON.stringify(
            capabilities.map(({ target, build, run }) => ({
              platform: target.platform,
              triple: target.triple,
              build: {
                ok: build.ok,
                route: build.route
                  ? {
                      kind: build.route.kind,
                      label: build.route.label,
                      triple: build.route.triple,
                      cargoTarget: build.route.cargoTarget,
                      standIn: build.route.standIn ?? null,
                      std: build.route.std,
                    }
                  : null,
                toolchain: build.toolchain && { rustc: build.toolchain.rustc, release: build.toolchain.release },
                linker: build.linker ?? null,
                problem: build.problem ?? null,
                fix: build.fix ?? null,
              },
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
        build.route ? `${build.route.label}${build.route.standIn ? ` (stand-in ${build.route.standIn})` : ''}` : '-',
        build.ok ? `yes (rustc ${build.toolchain?.release})` : `no: ${build.problem}`,
        run.ok ? `yes (${run.how})` : `no: ${run.problem}`,
      ]);
      // Each fix once, whole, below the table (a command wrapped in a table cell cannot be copied),
      // with the targets it is for.
      const fixes = new Map<string, string[]>();
      for (const { target, build, run } of capabilities) {
        for (const fix of [!build.ok && build.fix, !run.ok && run.fix]) if (fix) fixes.set(fix, [...(fixes.get(fix) ?? []), target.platform]);
      }
      const fixLines = [...fixes].map(([fix, platforms]) => `fix (${[...new Set(platforms)].join(', ')}): ${fix}`);
      context.report(`${renderTable(['target', 'route', 'build here', 'run here'], rows)}${fixLines.map((line) => `${line}\n`).join('')}`);
    });
}

/**
 * The environment host a curriculum's evals need: built-in domains in process, the curriculum's plugin domains in
 * the sandbox (started only when a plugin domain is actually opened), behind one EnvHost.
 */
import { CodError } from '../base/errors.ts';
import type { EnvHost, PackHandle } from '../envs/host.ts';
import { InProcessEnvHost } from '../envs/inprocess-host.ts';
import type { PluginInfo } from '../envs/plugin.ts';
import { listDomains } from '../envs/registry.ts';
import { SandboxEnvHost } from '../envs/sandbox/host.ts';
import type { OpenPackArgs } from '../envs/sdk.ts';

export class CurriculumEnvHost implements EnvHost {
  private readonly builtin = new InProcessEnvHost();
  private readonly builtinIds = new Set(listDomains().map((d) => d.id));
  private sandbox: SandboxEnvHost | undefined;

  constructor(private readonly plugins: readonly PluginInfo[] = []) {}

  openPack(domain: string, args: OpenPackArgs): Promise<PackHandle> {
    if (this.builtinIds.has(domain)) return this.builtin.openPack(domain, args);
    if (!this.plugins.some((p) => p.domains.includes(domain)))
      throw new CodError('not_found', `no built-in domain or curriculum plugin provides '${domain}'`);
    this.sandbox ??= new SandboxEnvHost(this.plugins);
    return this.sandbox.openPack(domain, args);
  }

  async dispose(): Promise<void> {
    await Promise.all([this.builtin.dispose(), this.sandbox?.dispose()]);
  }
}

/**
 * How a plugin sandbox process is started: the command line that puts the process-level isolation layers
 * around it. Node 22's permission model covers the file system, child processes, workers, native addons and
 * WASI, but NOT the network (`--allow-net` only arrives in Node 25), so on Linux the process also gets its own
 * empty network namespace when unprivileged user namespaces are available. The vm realm inside (realm.ts) is a
 * further layer that holds on every platform.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CodError } from '../../base/errors.ts';

export type IsolationLayer =
  | 'separate-process' // the plugin never runs in the workbench process
  | 'vm-realm' // only JS built-ins in scope; imports limited to the plugin's files; no eval / wasm
  | 'permission-fs-read' // --permission: reads only the plugin dir and the sandbox runtime; no writes
  | 'permission-no-child-process'
  | 'permission-no-worker'
  | 'heap-limit' // --max-old-space-size
  | 'address-space-limit' // ulimit -v (POSIX shell), caps memory outside the V8 heap (ArrayBuffers)
  | 'network-namespace' // unshare -rn: no network interface but a down loopback (Linux)
  | 'no-codegen-in-process' // --disallow-code-generation-from-strings for the whole process
  | 'empty-environment'; // no inherited environment variables

export interface SandboxLaunch {
  readonly command: string;
  readonly args: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  readonly layers: readonly IsolationLayer[];
}

export interface LaunchOptions {
  /** Real path of the plugin directory: the only plugin files the process may read. */
  readonly pluginDir: string;
  /** The script to run; the sandbox runtime by default. A script inside pluginDir also works (layer probes). */
  readonly script?: string;
  /** V8 heap limit of the process. */
  readonly memoryMb: number;
  /** Node binary; a Node ≥ 22.18 (type stripping on by default, --permission stable). */
  readonly nodePath?: string;
  /** Ask for the network namespace (default: when available). Disable only to diagnose. */
  readonly networkNamespace?: boolean;
}

const SANDBOX_DIR = path.dirname(fileURLToPath(import.meta.url));
export const CHILD_SCRIPT = path.join(SANDBOX_DIR, 'child.ts');
/** The runtime files the child reads (it imports nothing else but zod). */
const RUNTIME_FILES = ['child.ts', 'realm.ts', 'protocol.ts', 'prelude.js'].map((f) => path.join(SANDBOX_DIR, f));

/** Memory the Node runtime maps before any plugin code runs (code, thread stacks, reservations), measured ~0.75 GB. */
const BASE_ADDRESS_SPACE_MB = 1024;

export function sandboxLaunch(opts: LaunchOptions): SandboxLaunch {
  const nodePath = opts.nodePath ?? process.execPath;
  const script = opts.script ?? CHILD_SCRIPT;
  const reads = [opts.pluginDir, ...(opts.script ? [] : [...RUNTIME_FILES, zodDir()])];
  const nodeArgs = [
    '--permission',
    ...reads.map((r) => `--allow-fs-read=${r}`),
    `--max-old-space-size=${opts.memoryMb}`,
    '--max-semi-space-size=16',
    '--v8-pool-size=1',
    '--disallow-code-generation-from-strings',
    '--experimental-vm-modules',
    '--no-warnings',
    '--no-deprecation',
    // Without this V8 reserves ~10 GB of address space per wasm memory (Node's type stripper is wasm), which
    // cannot fit under the address-space limit.
    '--disable-wasm-trap-handler',
    script,
    opts.pluginDir,
  ];
  const layers: IsolationLayer[] = [
    'separate-process',
    ...(opts.script ? [] : (['vm-realm'] as const)),
    'permission-fs-read',
    'permission-no-child-process',
    'permission-no-worker',
    'heap-limit',
    'no-codegen-in-process',
    'empty-environment',
  ];
  let command = nodePath;
  let args: string[] = nodeArgs;
  if (process.platform !== 'win32' && existsSync('/bin/sh')) {
    // External memory (ArrayBuffers, wasm) is outside the V8 heap limit; cap the whole address space as well.
    const kb = (BASE_ADDRESS_SPACE_MB + 2 * opts.memoryMb) * 1024;
    args = ['-c', `ulimit -v ${kb} && exec "$0" "$@"`, nodePath, ...nodeArgs];
    command = '/bin/sh';
    layers.push('address-space-limit');
  }
  if ((opts.networkNamespace ?? true) && networkNamespaceAvailable()) {
    args = ['--user', '--map-root-user', '--net', command, ...args];
    command = 'unshare';
    layers.push('network-namespace');
  }
  // Electron's binary acts as Node only with this set; plain Node ignores it.
  return { command, args, env: { ELECTRON_RUN_AS_NODE: '1' }, layers };
}

/** Check the runtime can host a sandbox at all (the project pins Node 22.23; system Node 20 cannot). */
export function checkSandboxNode(version = process.versions.node): void {
  const [maj, min] = version.split('.').map(Number);
  if (maj < 22 || (maj === 22 && min < 18))
    throw new CodError(
      'unsupported',
      `plugin sandboxes need Node >= 22.18 (permission model and type stripping); this is Node ${version}`,
    );
}

let netnsCache: boolean | undefined;

/** Whether `unshare --user --map-root-user --net` works here (Linux with unprivileged user namespaces). */
export function networkNamespaceAvailable(): boolean {
  if (netnsCache === undefined) {
    netnsCache =
      process.platform === 'linux' &&
      spawnSync('unshare', ['--user', '--map-root-user', '--net', 'true'], { timeout: 5000, stdio: 'ignore' })
        .status === 0;
  }
  return netnsCache;
}

function zodDir(): string {
  return path.dirname(createRequire(import.meta.url).resolve('zod/package.json'));
}

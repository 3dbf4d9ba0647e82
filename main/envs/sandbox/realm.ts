/**
 * The plugin's realm inside the sandbox process: a `node:vm` context with only the JavaScript built-ins (no
 * `process`, `require`, `fetch`, timers, sockets or Buffer), string and wasm code generation disabled, and module
 * linking restricted to the plugin's own .js/.mjs files. Plugin code is reached only through prelude.js, with
 * strings in and strings out. Module evaluation has a time limit here; calls are timed (and a hung one killed)
 * by the host. This is one layer; the process around it has its own.
 */
import { existsSync, readFileSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { types } from 'node:util';
import vm from 'node:vm';

export class RealmLoadError extends Error {}

export class RealmTimeout extends Error {}

const PRELUDE_FILE = fileURLToPath(new URL('./prelude.js', import.meta.url));

const RUN = new vm.Script('__codRun()', { filename: 'cod-dispatch.js' });

export class PluginRealm {
  private readonly context: vm.Context;
  private readonly setRequest: (json: string) => void;

  private constructor(context: vm.Context) {
    this.context = context;
    this.setRequest = vm.runInContext('__codSetRequest', context) as (json: string) => void;
  }

  /** Create the context, link and evaluate the entry (within `timeoutMs`), and bind its exports to the bridge. */
  static async load(pluginDir: string, entry: string, timeoutMs: number): Promise<PluginRealm> {
    const dir = realpathSync(pluginDir);
    const entryPath = path.resolve(dir, entry);
    checkPluginFile(dir, entryPath, 'the entry');
    const context = vm.createContext(
      {},
      {
        name: 'cod-plugin',
        codeGeneration: { strings: false, wasm: false },
        // Run the plugin's microtasks inside each timed call, so a promise loop is stopped by the time limit.
        microtaskMode: 'afterEvaluate',
      },
    );
    new vm.Script(readFileSync(PRELUDE_FILE, 'utf8'), { filename: 'cod-prelude.js' }).runInContext(context, {
      timeout: timeoutMs,
    });

    const modules = new Map<string, vm.SourceTextModule>();
    const moduleFor = (file: string): vm.SourceTextModule => {
      const hit = modules.get(file);
      if (hit) return hit;
      const url = pathToFileURL(file).href;
      let mod: vm.SourceTextModule;
      try {
        mod = new vm.SourceTextModule(readFileSync(file, 'utf8'), {
          context,
          identifier: url,
          initializeImportMeta(meta) {
            meta.url = url;
          },
        });
      } catch (e) {
        throw new RealmLoadError(`${path.relative(dir, file)}: ${safeMessage(e)}`);
      }
      modules.set(file, mod);
      return mod;
    };
    const linker = (specifier: string, referencing: vm.Module): vm.Module => {
      const from = fileURLToPath(referencing.identifier);
      const where = path.relative(dir, from);
      if (!specifier.startsWith('./') && !specifier.startsWith('../'))
        throw new RealmLoadError(
          `${where}: import '${specifier}' is not allowed: a plugin may import only its own files ('./…'); ` +
            'Node built-ins, npm packages and absolute paths are not available in the sandbox',
        );
      const target = path.resolve(path.dirname(from), specifier);
      checkPluginFile(dir, target, `import '${specifier}' in ${where}`);
      return moduleFor(realpathSync(target));
    };

    const root = moduleFor(realpathSync(entryPath));
    try {
      await root.link(linker);
    } catch (e) {
      throw e instanceof RealmLoadError ? e : new RealmLoadError(safeMessage(e));
    }
    try {
      await root.evaluate({ timeout: timeoutMs });
    } catch (e) {
      if (isTimeout(e)) throw new RealmTimeout(`evaluating the entry took longer than ${timeoutMs} ms`);
      throw new RealmLoadError(`the entry threw while loading: ${safeMessage(e)}`);
    }
    const bind = vm.runInContext('__codBind', context) as (ns: unknown) => void;
    bind(root.namespace);
    return new PluginRealm(context);
  }

  /**
   * Run one request through the bridge; returns the bridge's JSON reply text (validated by the caller). No
   * in-process timeout here: V8's watchdog costs ~0.5 ms a call, and the host's timer kills a hung call anyway.
   */
  dispatch(requestJson: string): unknown {
    this.setRequest(requestJson);
    return RUN.runInContext(this.context, { breakOnSigint: false });
  }
}

function checkPluginFile(dir: string, file: string, what: string): void {
  if (!/\.m?js$/.test(file)) throw new RealmLoadError(`${what}: only .js and .mjs modules can be imported`);
  if (!existsSync(file) || !statSync(file).isFile()) throw new RealmLoadError(`${what}: file not found`);
  const real = realpathSync(file);
  const rel = path.relative(dir, real);
  if (rel.startsWith('..') || path.isAbsolute(rel)) throw new RealmLoadError(`${what}: outside the plugin directory`);
}

function isTimeout(e: unknown): boolean {
  return (e as { code?: unknown } | null)?.code === 'ERR_SCRIPT_EXECUTION_TIMEOUT';
}

/** The message of a value thrown by plugin code, read without running any of its code. */
export function safeMessage(e: unknown): string {
  if (typeof e === 'string') return e;
  if (e === null || (typeof e !== 'object' && typeof e !== 'function')) return String(e);
  if (types.isProxy(e)) return 'an unprintable value';
  let name = '';
  let message = '';
  let o: object | null = e;
  for (let depth = 0; o !== null && depth < 8; depth++) {
    const n = Object.getOwnPropertyDescriptor(o, 'name');
    const m = Object.getOwnPropertyDescriptor(o, 'message');
    if (!name && n && 'value' in n && typeof n.value === 'string') name = n.value;
    if (!message && m && 'value' in m && typeof m.value === 'string') message = m.value;
    o = Object.getPrototypeOf(o) as object | null;
    if (o !== null && types.isProxy(o)) break;
  }
  return message ? `${name || 'Error'}: ${message}` : name || 'an error without a message';
}

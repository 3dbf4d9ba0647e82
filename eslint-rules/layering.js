/**
 * The layering of ../shared/spec/architecture.md (and docs/architecture.md), checked on every import: one table says
 * which layers each layer may import, and an import of anything else is an error naming both layers. Modelled on
 * VS Code's .eslint-plugin-local/code-layering.ts. Type-only imports count: a type is a dependency too.
 *
 * A layer may import the layers it lists and, transitively, what those may import (training may use envs because
 * cod may). `pure` layers run in the renderer as well: no Node built-ins.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** The one table. Keys are layer names; `dirs` are the repo folders a layer covers. */
export const LAYERS = {
  base: { dirs: ['main/base'], may: [], pure: true },
  api: { dirs: ['main/api'], may: ['base'], pure: true },
  engine: { dirs: ['main/engine'], may: ['base'] },
  models: { dirs: ['main/models'], may: ['engine'] },
  // The training backend (Tinker-shaped API; local, HTTP server, remote client): it knows nothing of training, CoD,
  // environments, storage or the app around it, so a remote service can stand in for it.
  backend: { dirs: ['main/backend'], may: ['models'] },
  envs: { dirs: ['main/envs'], may: ['base'] },
  cod: { dirs: ['main/cod'], may: ['envs'] },
  store: { dirs: ['main/store'], may: ['base'] },
  // models and engine until the trainer reaches them only through the backend's API.
  training: { dirs: ['main/training'], may: ['api', 'cod', 'store', 'backend', 'models'] },
  services: { dirs: ['main/services'], may: ['training'] },
  // Entry points of threads and processes: they run what is below them.
  workers: { dirs: ['main/workers'], may: ['services', 'training'] },
  server: { dirs: ['main/server'], may: ['services'] },
  cli: { dirs: ['main/cli'], may: ['server', 'workers', 'services'] },
  electron: { dirs: ['electron'], may: ['api'] },
  renderer: { dirs: ['renderer'], may: ['api'], pure: true },
};

/** Every layer a layer may import: its own list, closed transitively. */
export function allowedLayers(name) {
  const seen = new Set();
  const visit = (n) => {
    for (const m of LAYERS[n].may) {
      if (seen.has(m)) continue;
      seen.add(m);
      visit(m);
    }
  };
  visit(name);
  return seen;
}

/** The layer a repo-relative path lies in, or undefined (tests, scripts, config: not layered). */
export function layerOf(rel) {
  const p = rel.split(path.sep).join('/');
  for (const [name, l] of Object.entries(LAYERS)) if (l.dirs.some((d) => p === d || p.startsWith(d + '/'))) return name;
  return undefined;
}

const ALLOWED = Object.fromEntries(Object.keys(LAYERS).map((n) => [n, allowedLayers(n)]));

/** @type {import('eslint').Rule.RuleModule} */
export default {
  meta: {
    type: 'problem',
    docs: { description: 'Imports follow the layering table (eslint-rules/layering.js)' },
    messages: {
      layer: "layer '{{from}}' may not import layer '{{to}}' ({{source}}); '{{from}}' may import: {{allowed}}",
      unknown: "'{{source}}' is in main/ but in no layer: add its folder to eslint-rules/layering.js",
      node: "layer '{{from}}' also runs in the renderer: no Node built-ins ({{source}})",
    },
    schema: [],
  },
  create(context) {
    const file = path.relative(ROOT, context.filename);
    const from = layerOf(file);
    if (!from) return {};
    const check = (node, source) => {
      if (typeof source !== 'string') return;
      if (source.startsWith('node:') && LAYERS[from].pure) {
        context.report({ node, messageId: 'node', data: { from, source } });
        return;
      }
      if (!source.startsWith('.')) return;
      const target = path.relative(ROOT, path.resolve(path.dirname(context.filename), source));
      const to = layerOf(target);
      if (!to) {
        if (target.split(path.sep)[0] === 'main') context.report({ node, messageId: 'unknown', data: { source } });
        return;
      }
      if (to === from || ALLOWED[from].has(to)) return;
      const allowed = [...ALLOWED[from]].sort().join(', ') || 'nothing';
      context.report({ node, messageId: 'layer', data: { from, to, source, allowed } });
    };
    return {
      ImportDeclaration: (n) => check(n, n.source.value),
      ExportNamedDeclaration: (n) => n.source && check(n, n.source.value),
      ExportAllDeclaration: (n) => check(n, n.source.value),
      ImportExpression: (n) => n.source.type === 'Literal' && check(n, n.source.value),
    };
  },
};

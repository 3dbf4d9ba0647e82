// Runs INSIDE the plugin's vm context, before any plugin code, and is the only bridge to it.
// The sandbox runtime only ever hands this code strings and gets strings back, so no object of the runtime's
// own realm (whose constructors lead to `process`) is ever reachable from plugin code. Everything it needs is
// captured here, before the plugin can tamper with its realm; what it returns is validated again outside.
'use strict';
(() => {
  const parse = JSON.parse;
  const stringify = JSON.stringify;
  const keys = Object.keys;
  const isArray = Array.isArray;
  const defineProperty = Object.defineProperty;
  const create = Object.create;
  const getProto = Object.getPrototypeOf;
  const getOwn = Object.getOwnPropertyDescriptor;
  const MAX_LOG_LINES = 50;
  const MAX_LOG_CHARS = 2000;

  let logs = [];
  const push = (level, args) => {
    if (logs.length >= MAX_LOG_LINES) return;
    let line = level + ':';
    for (let i = 0; i < args.length; i++) {
      let s;
      try {
        s = typeof args[i] === 'string' ? args[i] : stringify(args[i]);
      } catch {
        s = '[unprintable]';
      }
      line += ' ' + s;
    }
    logs.push(line.length > MAX_LOG_CHARS ? line.slice(0, MAX_LOG_CHARS) + '…' : line);
  };
  // A console that collects lines for the host (the context's own console writes nowhere).
  const consoleObj = {
    log: (...a) => push('log', a),
    info: (...a) => push('info', a),
    warn: (...a) => push('warn', a),
    error: (...a) => push('error', a),
    debug: (...a) => push('debug', a),
  };
  defineProperty(globalThis, 'console', { value: consoleObj, writable: false, configurable: false });

  /** Describe a thrown value without running any of its code (no getters, no toString). */
  const describe = (e) => {
    if (typeof e === 'string') return e;
    if (e === null || (typeof e !== 'object' && typeof e !== 'function')) return String(e);
    let name = 'Error';
    let message = '';
    let o = e;
    for (let depth = 0; o !== null && depth < 8; depth++) {
      const n = getOwn(o, 'name');
      const m = getOwn(o, 'message');
      if (n && 'value' in n && typeof n.value === 'string' && name === 'Error') name = n.value;
      if (m && 'value' in m && typeof m.value === 'string' && message === '') message = m.value;
      o = getProto(o);
    }
    return message ? name + ': ' + message : name;
  };

  const fail = (kind, message) => ({ ok: false, error: { kind, message: message.slice(0, 2000) } });

  let namespace = null;
  const domains = create(null);
  const packs = create(null);

  const isDomain = (v) =>
    v !== null && typeof v === 'object' && typeof v.id === 'string' && typeof v.openPack === 'function';

  const load = (req) => {
    if (namespace === null) return fail('load_error', 'the entry module was not bound');
    const found = [];
    const consider = (v) => {
      if (isDomain(v) && found.indexOf(v) < 0) found.push(v);
    };
    for (const k of keys(namespace)) {
      const v = namespace[k];
      if (isArray(v)) v.forEach(consider);
      else consider(v);
    }
    if (found.length === 0)
      return fail('load_error', 'the entry exports no Domain (an object with an id and openPack)');
    for (const d of found) {
      if (domains[d.id]) return fail('load_error', "two exported domains have the id '" + d.id + "'");
      domains[d.id] = d;
    }
    for (const id of req.domains) {
      if (!domains[id])
        return fail('load_error', "the manifest lists domain '" + id + "' but the entry does not export it");
    }
    for (const d of found) {
      if (req.domains.indexOf(d.id) < 0)
        return fail('load_error', "the entry exports domain '" + d.id + "' that the manifest does not list");
    }
    const infos = found.map((d) => ({
      id: d.id,
      title: d.title,
      description: d.description,
      presets: isArray(d.presets) ? d.presets.slice() : d.presets,
      defaultPreset: d.defaultPreset,
    }));
    return { ok: true, result: infos };
  };

  const episodeOf = (req) => {
    const p = packs[req.pack];
    if (!p) return [null, fail('bad_request', 'no open pack ' + req.pack)];
    if (!p.episode) return [null, fail('bad_request', 'no task started in pack ' + req.pack)];
    return [p.episode, null];
  };

  const handle = (req) => {
    switch (req.op) {
      case 'load':
        return load(req);
      case 'open': {
        const d = domains[req.domain];
        if (!d) return fail('bad_request', "unknown domain '" + req.domain + "'");
        const pack = d.openPack(req.args);
        if (pack === null || typeof pack !== 'object' || typeof pack.startTask !== 'function')
          return fail('plugin_error', 'openPack did not return a Pack (an object with startTask)');
        packs[req.pack] = { pack, episode: null };
        return { ok: true, result: { domain: pack.domain, seed: pack.seed } };
      }
      case 'start': {
        const p = packs[req.pack];
        if (!p) return fail('bad_request', 'no open pack ' + req.pack);
        const ep = p.pack.startTask(req.index);
        if (ep === null || typeof ep !== 'object')
          return fail('plugin_error', 'startTask did not return a TaskEpisode');
        p.episode = ep;
        return {
          ok: true,
          result: {
            taskId: ep.taskId,
            maxTurns: ep.maxTurns,
            rules: ep.rules(),
            observation: ep.observation(),
            view: ep.view(),
          },
        };
      }
      case 'step': {
        const [ep, err] = episodeOf(req);
        if (err) return err;
        const r = ep.step(req.action);
        if (r === null || typeof r !== 'object') return fail('plugin_error', 'step did not return a StepResult');
        const result = {};
        for (const k of keys(r)) result[k] = r[k];
        result.view = ep.view();
        result.turnsUsed = ep.turnsUsed();
        return { ok: true, result };
      }
      case 'formatError': {
        const [ep, err] = episodeOf(req);
        if (err) return err;
        return { ok: true, result: ep.formatError(req.reason) };
      }
      case 'close':
        delete packs[req.pack];
        return { ok: true, result: { closed: true } };
      default:
        return fail('bad_request', 'unknown op');
    }
  };

  const dispatch = (requestJson) => {
    logs = [];
    let reply;
    try {
      reply = handle(parse(requestJson));
    } catch (e) {
      reply = fail('plugin_error', 'threw ' + describe(e));
    }
    reply.logs = logs;
    try {
      return stringify(reply);
    } catch (e) {
      return stringify({
        ok: false,
        error: { kind: 'plugin_error', message: 'returned a value that is not JSON: ' + describe(e) },
        logs,
      });
    }
  };

  const bind = (ns) => {
    if (namespace === null) namespace = ns;
  };

  // The next request, set by the runtime before it runs `__codRun()` as a script (so the plugin's microtasks
  // are drained within the call).
  let nextRequest = '';
  const setRequest = (json) => {
    nextRequest = typeof json === 'string' ? json : '';
  };
  const run = () => {
    const json = nextRequest;
    nextRequest = '';
    return dispatch(json);
  };

  // Non-writable, non-configurable: plugin code cannot replace the bridge.
  defineProperty(globalThis, '__codSetRequest', {
    value: setRequest,
    writable: false,
    configurable: false,
    enumerable: false,
  });
  defineProperty(globalThis, '__codRun', {
    value: run,
    writable: false,
    configurable: false,
    enumerable: false,
  });
  defineProperty(globalThis, '__codBind', { value: bind, writable: false, configurable: false, enumerable: false });
  return true;
})();

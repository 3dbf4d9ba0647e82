"""Independent reference for tests/unit/envs/pde-paper.test.ts: a Python/numpy transcription of the reference
implementation's PDE functions, run on fixed inputs; its outputs are pinned in fixtures.json.

Source: agentscope-ai/Trinity-RFT, trinity/common/workflows/connect_the_dots/
  pde_discovery/candidate.py @ 1d7fae4a (basis_values, dictionary_matrix, format_equation, candidate_coefficients,
    candidate_support, term_pattern), regression.py @ 139d1c43 (effective_kappa, sparse_regression_result with its
    screening pass, candidate_objective_diagnostics), pde_numeric.py @ 139d1c43 (solve_tridiagonal,
    _normalized_modes / _random_initial_condition from given draws, simulate_dense_trajectory,
    interpolate_dense_field), ground_truth.py @ 1d7fae4a (_calibrated_family_initial_amplitude_upper),
    workflow.py @ 139d1c43 (_hidden_formula_reward_diagnostics, _coverage_report, _point_error_report),
  utils.py @ 1d7fae4a (parse_xml_answer), pde_discovery/prompts/user.jinja2 @ 1d7fae4a.

Regenerate (Debian's python3-numpy and python3-jinja2; REFERENCE_PROMPTS names a copy of the reference's
pde_discovery/prompts/ folder, for the rendered user turns):
  REFERENCE_PROMPTS=... /usr/bin/python3 tests/unit/envs/pde-paper/reference.py > tests/unit/envs/pde-paper/fixtures.json
"""
import json
import math
import os
import re
import xml.etree.ElementTree as ET
from itertools import combinations, product

import numpy as np

DICT = ["u", "u**2", "u**3", "u**4", "u**5", "u**7", "sin(u)", "sin(2*u)", "exp(u)-1", "log(1+u**2)", "tanh(u)",
        "u/(1+u**2)", "u**2/(1+u**2)", "u**4/(1+u**4)", "u/(1+u+u**2)"]
KAPPA_CAP = 1e12


def basis(term, u):
    return {
        "u": lambda: u, "u**2": lambda: u**2, "u**3": lambda: u**3, "u**4": lambda: u**4, "u**5": lambda: u**5,
        "u**7": lambda: u**7, "sin(u)": lambda: np.sin(u), "sin(2*u)": lambda: np.sin(2.0 * u),
        "exp(u)-1": lambda: np.expm1(u), "log(1+u**2)": lambda: np.log1p(u**2), "tanh(u)": lambda: np.tanh(u),
        "u/(1+u**2)": lambda: u / (1.0 + u**2), "u**2/(1+u**2)": lambda: (u**2) / (1.0 + u**2),
        "u**4/(1+u**4)": lambda: (u**4) / (1.0 + u**4), "u/(1+u+u**2)": lambda: u / (1.0 + u + u**2),
    }[term]()


def dictionary_matrix(u, dictionary):
    cols, terms = [], []
    for t in dictionary:
        if t not in DICT:
            continue
        b = basis(t, u)
        if np.all(np.isfinite(b)):
            cols.append(b.astype(float)); terms.append(t)
    if not cols:
        return np.zeros((len(u), 0)), []
    return np.column_stack(cols), terms


def reaction_value(u, coefs):
    v = np.zeros_like(u, dtype=float)
    for t, c in coefs.items():
        v = v + c * basis(t, u)
    return v


def term_pattern(term):
    if term == "u":
        return r"u(?!\*\*)"
    e = re.escape(term)
    return rf"(?:{e}|\({e}\))" if ("+" in term or "-" in term) else e


def format_equation(coefs):
    if not coefs:
        return "0"
    ft = lambda t: f"({t})" if ("+" in t or "-" in t) else t
    pieces = [f"{c:.3g}*{ft(t)}" for t, c in coefs.items()]
    return pieces[0] + "".join(f" {'+' if p[0] != '-' else '-'} {p.lstrip('-')}" for p in pieces[1:])


def candidate_coefficients(candidate, terms):
    text = str(candidate or "").strip()
    if "=" in text:
        left, right = text.split("=", 1)
        if not re.fullmatch(r"\s*f\s*\(\s*u\s*\)\s*", left, re.IGNORECASE):
            return {}
        text = right
    coefs = {}
    rem = re.sub(r"\s+", "", text)
    for t in sorted(terms, key=len, reverse=True):
        pat = r"([+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:e[+-]?\d+)?)" r"\*" + term_pattern(t)
        while m := re.search(pat, rem, flags=re.IGNORECASE):
            coefs[t] = coefs.get(t, 0.0) + float(m.group(1))
            s, e = m.span()
            rem = rem[:s] + " " * (e - s) + rem[e:]
    if rem.replace(" ", "") not in {"", "+", "-"}:
        return {}
    return {t: c for t, c in coefs.items() if abs(c) > 1e-12}


def candidate_support(candidate, dictionary, terms):
    cs = candidate_coefficients(candidate, terms)
    if cs:
        return [t for t in dictionary if t in cs]
    compact = candidate.replace(" ", "")
    sup = []
    for t in sorted(dictionary, key=len, reverse=True):
        p = term_pattern(t)
        if re.search(p, compact, flags=re.IGNORECASE):
            sup.append(t); compact = re.sub(p, "", compact, flags=re.IGNORECASE)
    return [t for t in dictionary if t in set(sup)]


def max_abs_error(y, p):
    return 1.0 if len(y) == 0 else float(np.max(np.abs(y - p)))


def rel_margin(second, best):
    gap = max(0.0, float(second) - float(best))
    if best > 0.0:
        return float(gap / float(best))
    return float("inf") if gap > 0.0 else 0.0


def effective_kappa(u, dictionary):
    th, _ = dictionary_matrix(u, dictionary)
    if th.shape[1] == 0:
        return KAPPA_CAP
    sc = np.linalg.norm(th, axis=0); valid = sc > 1e-12
    if np.count_nonzero(valid) == 0:
        return KAPPA_CAP
    sv = np.linalg.svd(th[:, valid] / sc[valid], compute_uv=False)
    if len(sv) == 0 or float(sv[-1]) <= 1e-12:
        return KAPPA_CAP
    return min(float(sv[0] / sv[-1]), KAPPA_CAP)


def sparse_regression(u, y, dictionary, alpha, threshold, max_terms, kappa_threshold, allowed=None):
    theta, terms = dictionary_matrix(u, dictionary)
    dkappa = effective_kappa(u, terms)
    scales = np.linalg.norm(theta, axis=0); valid = scales > 1e-12
    tv = theta[:, valid]; terms = [t for t, k in zip(terms, valid) if k]; sv = scales[valid]
    ts = tv / sv
    active = np.ones(ts.shape[1], dtype=bool); full = np.zeros(ts.shape[1])
    for _ in range(8):
        if not np.any(active):
            break
        d = ts[:, active]
        ca = np.linalg.solve(d.T @ d + max(alpha, 0.0) * np.eye(d.shape[1]), d.T @ y)
        keep = np.abs(ca / sv[active]) >= threshold
        full[:] = 0.0; full[np.where(active)[0]] = ca
        if np.all(keep):
            break
        ai = np.where(active)[0]; active[ai[~keep]] = False
    cap = max(1, min(max_terms, len(terms))); thr = max(float(threshold), 0.0)

    def fit(indices):
        si = sorted(set(indices)); cu = np.zeros(ts.shape[1])
        if si:
            d = tv[:, si]
            cs = np.linalg.solve(d.T @ d + 1e-8 * np.eye(d.shape[1]), d.T @ y)
            kept = [i for i, c in zip(si, cs) if abs(float(c)) >= thr]
            if kept != si:
                return fit(kept)
            for i, c in zip(si, cs):
                cu[i] = float(c)
        coefs = {terms[i]: round(float(cu[i]), 3) for i in si}
        coefs = candidate_coefficients(format_equation(coefs), terms)
        cu = np.array([coefs.get(t, 0.0) for t in terms])
        me = max_abs_error(y, tv @ cu)
        sk = effective_kappa(u, list(coefs)) if coefs else dkappa
        return {"support": list(coefs), "coefficients": coefs, "max_error": me, "kappa": sk,
                "condition_ratio": max(0.0, math.log10(sk) - math.log10(kappa_threshold))}

    init = [i for i, k in enumerate(active) if k and abs(float(full[i] / sv[i])) >= thr]
    if len(init) > cap:
        init = sorted(init, key=lambda i: abs(float(full[i] / sv[i])), reverse=True)[:cap]
    cache = {}

    def cached(ix):
        k = tuple(sorted(set(ix)))
        if k not in cache:
            cache[k] = fit(list(k))
        return cache[k]

    cands = set()
    if allowed is not None:
        ti = {t: i for i, t in enumerate(terms)}
        for s in allowed:
            cands.add(tuple(sorted(set(ti[t] for t in s if t in ti))))
    else:
        if init:
            cands.add(tuple(sorted(init)))
        for n in range(1, cap + 1):
            for c in combinations(range(len(terms)), n):
                cands.add(c)
    if not cands:
        cands.add(tuple())
    fits = [cached(list(c)) for c in sorted(cands)]
    scored = []
    for c in fits:
        alts = [o for o in fits if tuple(o["support"]) != tuple(c["support"])]
        if alts:
            sb = min(alts, key=lambda o: o["max_error"])
            c = dict(c, second_best_max_error=float(sb["max_error"]), second_best_equation=format_equation(sb["coefficients"]),
                     relative_margin=rel_margin(sb["max_error"], c["max_error"]))
        else:
            c = dict(c, second_best_max_error=float("nan"), relative_margin=0.0,
                     second_best_equation="not evaluated: no alternative support supplied")
        scored.append(c)
    scored.sort(key=lambda c: c["max_error"])
    best = scored[0]
    return {
        "equation": format_equation(best["coefficients"]), "max_error": best["max_error"], "kappa": best["kappa"],
        "dictionary_kappa": dkappa, "condition_ratio": best["condition_ratio"],
        "second_best_equation": best["second_best_equation"], "second_best_max_error": best["second_best_max_error"],
        "relative_margin": best["relative_margin"], "scored": len(fits),
        "distinct": len({tuple(c["support"]) for c in fits}),
        "candidates": [{"equation": format_equation(c["coefficients"]), "support": c["support"],
                        "max_error": c["max_error"], "relative_margin": c["relative_margin"]} for c in scored],
        "coefficients": list(best["coefficients"].items()),
    }


def solve_tridiagonal(lower, diag, upper, rhs):
    n = len(diag); cp = np.zeros(max(0, n - 1)); dp = np.zeros(n)
    den = diag[0]
    if n > 1:
        cp[0] = upper[0] / den
    dp[0] = rhs[0] / den
    for i in range(1, n):
        den = diag[i] - lower[i - 1] * cp[i - 1]
        if i < n - 1:
            cp[i] = upper[i] / den
        dp[i] = (rhs[i] - lower[i - 1] * dp[i - 1]) / den
    x = np.zeros(n); x[-1] = dp[-1]
    for i in range(n - 2, -1, -1):
        x[i] = dp[i] - cp[i] * x[i + 1]
    return x


def initial_profile(x, amplitude, modes_coef):
    L = float(x[-1] - x[0]); coord = (x - x[0]) / L
    modes = np.zeros_like(x)
    for m, c in enumerate(modes_coef, start=1):
        modes += c * np.sin(m * np.pi * coord)
    s = float(np.max(np.abs(modes))); modes = modes / s if s > 1e-12 else modes
    env = np.sin(np.pi * (x - x[0]) / L)
    shape = env * (modes - float(np.min(modes)))
    u0 = amplitude * shape / max(float(np.max(shape)), 1e-12)
    u0[0] = 0.0; u0[-1] = 0.0
    return u0


def simulate(nx, nt, u0, coefs, limit):
    xg = np.linspace(0.0, 1.0, nx); tg = np.linspace(0.0, 1.0, nt)
    dx = float(xg[1] - xg[0]); dt = float(tg[1] - tg[0]); r = dt / (dx * dx)
    lo = -r * np.ones(nx - 3); di = (1.0 + 2.0 * r) * np.ones(nx - 2); up = -r * np.ones(nx - 3)
    u = np.zeros((nt, nx)); u[0] = u0; u[:, 0] = 0.0; u[:, -1] = 0.0
    for s in range(nt - 1):
        rhs = np.clip(u[s, 1:-1] + dt * reaction_value(u[s, 1:-1], coefs), -limit, limit)
        u[s + 1, 1:-1] = np.clip(solve_tridiagonal(lo, di, up, rhs), -limit, limit)
    d2 = np.zeros_like(u[1:]); d2[:, 1:-1] = (u[1:, 2:] - 2.0 * u[1:, 1:-1] + u[1:, :-2]) / (dx * dx)
    y = np.zeros_like(u); y[:-1, 1:-1] = (u[1:, 1:-1] - u[:-1, 1:-1]) / dt - d2[:, 1:-1]
    y[-1, 1:-1] = reaction_value(u[-1, 1:-1], coefs)
    return {"x_grid": xg, "t_grid": tg, "u": u, "y": y}


def interpolate(f, name, x, t):
    xg, tg, v = f["x_grid"], f["t_grid"], f[name]
    xi = np.clip(np.searchsorted(xg, x, side="right") - 1, 0, len(xg) - 2)
    ti = np.clip(np.searchsorted(tg, t, side="right") - 1, 0, len(tg) - 2)
    wx = (x - xg[xi]) / np.maximum(xg[xi + 1] - xg[xi], 1e-12); wt = (t - tg[ti]) / np.maximum(tg[ti + 1] - tg[ti], 1e-12)
    return (1.0 - wt) * ((1.0 - wx) * v[ti, xi] + wx * v[ti, xi + 1]) + wt * ((1.0 - wx) * v[ti + 1, xi] + wx * v[ti + 1, xi + 1])


def calibrate(templates, min_terms, max_terms, limit):
    nx, nt = 65, 401; xg = np.linspace(0.0, 1.0, nx); dt = 1.0 / (nt - 1); dx = 1.0 / (nx - 1); r = dt / (dx * dx)
    lo = -r * np.ones(nx - 3); di = (1.0 + 2.0 * r) * np.ones(nx - 2); up = -r * np.ones(nx - 3)
    verts = []
    for terms, signs in templates:
        if min_terms <= len(terms) <= max_terms:
            for mags in product((0.5, 2.0), repeat=len(terms)):
                verts.append({t: (1.0 if signs[t] >= 0 else -1.0) * m for t, m in zip(terms, mags)})
    base = np.sin(np.pi * xg)

    def stable(a):
        for c in verts:
            s = a * base
            for _ in range(nt - 1):
                with np.errstate(over="ignore", invalid="ignore"):
                    rhs = s[1:-1] + dt * reaction_value(s[1:-1], c)
                if not np.all(np.isfinite(rhs)):
                    return False
                n = solve_tridiagonal(lo, di, up, rhs)
                if not np.all(np.isfinite(n)) or np.any(np.abs(n) >= limit):
                    return False
                s[1:-1] = n
        return True

    safe, unsafe = 0.0, limit
    while unsafe - safe > limit / 64:
        mid = (safe + unsafe) / 2.0
        if stable(mid):
            safe = mid
        else:
            unsafe = mid
    return safe


def hidden_reward(candidate, target):
    pred = candidate_coefficients(candidate, DICT)
    tl1 = sum(abs(v) for v in target.values())
    diff = sum(abs(pred.get(t, 0.0) - target.get(t, 0.0)) for t in DICT)
    nl1 = diff / max(1e-8, tl1)
    extra = float(max(0, sum(1 for v in pred.values() if abs(v) > 1e-12) - len(target)))
    return {"loss": nl1 + extra, "reward": 1.0 / (1.0 + nl1 + extra)}


def parse_xml_answer(response, list_tags):
    s, sr, e, er = response.find("<answer>"), response.rfind("<answer>"), response.find("</answer>"), response.rfind("</answer>")
    if s == -1 or s != sr or e == -1 or e != er or s > e:
        return None, "expected_exactly_one_answer_tag"
    content = response[s + len("<answer>"):e]

    def value(el):
        ch = list(el)
        if not ch:
            return dict(el.attrib) if el.attrib else (el.text or "").strip()
        if (el.text or "").strip() or any((c.tail or "").strip() for c in ch):
            raise ValueError("unexpected XML text")
        if el.tag in list_tags:
            return [value(c) for c in ch]
        v = dict(el.attrib)
        for c in ch:
            cv = value(c)
            if c.tag in v:
                v[c.tag] = v[c.tag] + [cv] if isinstance(v[c.tag], list) else [v[c.tag], cv]
            else:
                v[c.tag] = cv
        return v
    try:
        root = ET.fromstring(content)
        a = value(root)
        return {"action": root.tag, "args": {} if a == "" else a}, ""
    except (ET.ParseError, ValueError):
        return None, "invalid_answer_xml"


TRAIN = [("-u",), ("-u**3",), ("-sin(u)",), ("-tanh(u)",), ("-u**2/(1+u**2)",), ("+u", "-u**2"), ("+u", "-u**3"),
         ("+u", "-u**5"), ("+u**2", "-u**4"), ("+sin(u)", "-u**3"), ("+exp(u)-1", "-u**2"), ("+log(1+u**2)", "-u**2"),
         ("+tanh(u)", "-u**2"), ("+tanh(u)", "-u**3"), ("+u/(1+u**2)", "-u**2"), ("+u/(1+u**2)", "-u**3"),
         ("+u**2/(1+u**2)", "-u"), ("+u**2/(1+u**2)", "-u**3"), ("+u**3", "-u**5"), ("-u", "+tanh(u)"),
         ("-u", "+u**4/(1+u**4)"), ("-u", "+u/(1+u+u**2)"), ("+sin(2*u)", "-u**2"), ("+sin(2*u)", "-u**3"),
         ("+sin(2*u)", "-u**5"), ("+sin(u)", "-u**4"), ("+tanh(u)", "-u**4"), ("+u/(1+u**2)", "-u**4"),
         ("+u/(1+u+u**2)", "-u**2"), ("+u/(1+u+u**2)", "-u**3"), ("-sin(2*u)", "-u**2"), ("-sin(2*u)", "-u**3"),
         ("-sin(2*u)", "-u**5"), ("-sin(u)", "-u**4"), ("-sin(u)", "-u**3"), ("-u", "+u/(1+u**2)"),
         ("-u**2", "+u**2/(1+u**2)"), ("+u**3", "-u**7"), ("+u**2", "-u**5"), ("+u**2/(1+u**2)", "-u**5")]
EVAL = [("+u", "-u**4"), ("+u**2", "-u**3"), ("+sin(u)", "-u**5"), ("+exp(u)-1", "-u**3"), ("+log(1+u**2)", "-u**4"),
        ("+tanh(u)", "-u**5"), ("+u/(1+u**2)", "-u**5"), ("+u**2/(1+u**2)", "-u**4"), ("+u", "-u**7"),
        ("+sin(u)", "-sin(2*u)"), ("+u**2/(1+u**2)", "-u**4/(1+u**4)"), ("+exp(u)-1", "-u**5"),
        ("-exp(u)-1", "+sin(u)"), ("+u**5", "-u**7"), ("-tanh(u)", "+u/(1+u**2)"), ("+u**3", "-u**4"),
        ("-log(1+u**2)", "+u**2/(1+u**2)"), ("+u", "+u**2", "-u**3"), ("+u", "+tanh(u)", "-u**3"),
        ("+u", "-u**3", "-u**5"), ("+sin(u)", "-sin(2*u)", "-u**3"), ("+u", "+u**3", "-u**7"),
        ("+u**2/(1+u**2)", "+u**4/(1+u**4)", "-u**5"), ("+exp(u)-1", "+tanh(u)", "-u**7"),
        ("+sin(2*u)", "+u**2/(1+u**2)", "-u**7")]


def family(rows):
    return [([p[1:] for p in r], {p[1:]: (1.0 if p[0] == "+" else -1.0) for p in r}) for r in rows]


def main():
    out = {}
    out["calibration"] = {"physical_full_train|1|2|3": calibrate(family(TRAIN), 1, 2, 3.0),
                          "physical_full_eval_4000|1|3|3": calibrate(family(EVAL), 1, 3, 3.0)}
    # A dense trajectory from fixed draws (amplitude, mode coefficients) and a fixed law.
    law = {"sin(u)": 1.23, "u**4": -0.87}
    nx, nt = 257, 2001
    u0 = initial_profile(np.linspace(0.0, 1.0, nx), 2.1, [0.6, -1.3])
    field = simulate(nx, nt, u0, law, 3.0)
    pts = [(0.5, 0.0), (0.3, 0.0), (0.123, 0.0456), (0.7, 0.02), (0.85, 0.05), (0.5, 0.1), (0.999, 1.0), (0.01, 0.7)]
    xs = np.array([p[0] for p in pts]); ts = np.array([p[1] for p in pts])
    out["simulation"] = {"law": list(law.items()), "amplitude": 2.1, "modes": [0.6, -1.3], "limit": 3.0,
                         "u0_at": [[i, float(u0[i])] for i in (0, 1, 64, 128, 200, 256)],
                         "points": pts, "u": interpolate(field, "u", xs, ts).tolist(),
                         "y": interpolate(field, "y", xs, ts).tolist(),
                         "u_node": [[n, i, float(field["u"][n, i])] for n, i in ((1, 128), (400, 64), (2000, 200))]}
    # Regressions on fixed data.
    rng = np.random.default_rng(7)
    u = rng.uniform(0.05, 2.2, 24)
    y = 1.23 * np.sin(u) - 0.87 * u**4 + rng.normal(0, 0.0005, 24)
    u = u + rng.normal(0, 0.002, 24)
    regs = []
    for name, dictionary, thr, cap, allowed in [
        ("full-2", DICT, 0.05, 2, None), ("full-3", DICT, 0.05, 3, None), ("subset-ordered", ["u**4", "sin(u)", "u", "tanh(u)"], 0.05, 2, None),
        ("threshold-1", DICT[:6], 1.0, 2, None),
        ("candidates", ["u", "u**4", "sin(u)", "tanh(u)"], 0.05, 2, [["u", "u**4"], ["sin(u)", "u**4"], ["tanh(u)"]]),
        ("few-points", DICT, 0.05, 2, None)]:
        uu, yy = (u[:4], y[:4]) if name == "few-points" else (u, y)
        r = sparse_regression(uu, yy, dictionary, 0.05, thr, cap, 100.0, allowed)
        regs.append({"name": name, "u": uu.tolist(), "y": yy.tolist(), "dictionary": dictionary, "threshold": thr,
                     "cap": cap, "allowed": allowed, "result": r,
                     "point_errors": [float(v) for v in reaction_value(uu, dict(r["coefficients"]))]})
    out["regressions"] = regs
    out["kappa"] = [{"u": u[:k].tolist(), "dictionary": d, "kappa": effective_kappa(u[:k], d)}
                    for k, d in ((24, DICT), (6, DICT), (24, ["u", "sin(u)", "tanh(u)"]), (3, ["u", "u**2"]))]
    eqs = ["1.2*u - 0.8*u**3", "f(u) = 0.5*(exp(u)-1) + 2*u**2", "g(u) = u", "0.7*exp(u)-1", "u - u**3",
           "1.5*U + 2E-1*u**2", "1.*u+.5*u**3", "0.3*u + 0.2*u - 0.1*u**4/(1+u**4)", "-0.913*u**4 + 0.651*u",
           "0.4*(u/(1+u+u**2)) - 1e-13*u", "1.2*u + -0.8*u**3", "2*u**2/(1+u**2) - 1*(log(1+u**2))", "1.2*u*u"]
    out["parses"] = [{"text": e, "coefficients": list(candidate_coefficients(e, DICT).items()),
                      "support": candidate_support(e, DICT, DICT)} for e in eqs + ["a*u - b*u**3", "c1*sin(u)+c2*u**3"]]
    out["formats"] = [{"coefficients": c, "text": format_equation(dict(c))} for c in (
        [["u**3", -0.8], ["u", 1.2]], [["exp(u)-1", 0.0625], ["u**2", -1234.5]], [["u", 1e-05], ["tanh(u)", -0.000123456]],
        [["sin(2*u)", 12.3456], ["u/(1+u**2)", 0.1875]])]
    target = {"u": 1.0, "u**3": -0.5}
    out["rewards"] = [{"candidate": c, **hidden_reward(c, target)} for c in (
        "1*u - 0.5*u**3", "1*u - 0.5*u**4", "0.3*u**2 + 1*u - 0.5*u**3", "1*u", "junk", "0.9*sin(u) - 0.4*u**3 + 0.1*u**5")]
    out["target"] = list(target.items())
    xmls = [
        '<answer>\n  <sample_pde_data>\n    <point_grid>\n      <point x="0.20" t="0.10"/>\n      <point x="0.50" t="0.50"/>\n    </point_grid>\n  </sample_pde_data>\n</answer>',
        'think <answer><sample_pde_data><point_grid><point x="0.2" t="0.1"/></point_grid></sample_pde_data></answer>',
        '<answer><run_sparse_regression><dictionary><term>u</term><term>u**3</term></dictionary><threshold>0.1</threshold></run_sparse_regression></answer>',
        '<answer><run_sparse_regression><candidate_equations><equation>1.2*u - 0.8*u**3</equation></candidate_equations></run_sparse_regression></answer>',
        '<answer><update_scientific_context><preferred_equation>1.2*u - 0.8*u**3</preferred_equation><uncertain_terms><term>sin(u)</term></uncertain_terms></update_scientific_context></answer>',
        '<answer><summarize_pack_evidence/></answer>', '<answer>  </answer>', '<answer>text</answer>', '<answer><a>x</a><b/></answer>',
        '<answer><a>x<b/></a></answer>', '<answer><a x="1" x="2"/></answer>', '<answer><a x=1/></answer>',
        '<answer><a><b>1 &lt; 2 &amp; &#65;</b></a></answer>', '<answer><a><b><![CDATA[1 < 2]]></b></a></answer>',
        '<answer><a><!-- c --><b>1</b><b>2</b><c x="1"><d>3</d></c></a></answer>', '<answer><a>&nbsp;</a></answer>',
        '<answer><?xml version="1.0"?><a/></answer>', '<answer> <?xml version="1.0"?><a/></answer>',
        '<answer><p:a/></answer>', '<answer><p:a xmlns:p="urn:x"><p:b>1</p:b></p:a></answer>',
        '<answer><a x="1\n2">t</a></answer>', '<answer><a></b></answer>', '<answer><dictionary><term>u</term></dictionary></answer>',
        '<answer><a><b x="1">ignored</b></a></answer>', '<answer><a>]]></a></answer>', '<answer><a b="<"/></answer>',
        '<answer><a/><!-- tail --></answer>', '<answer><a/>junk</answer>', '<answer><a>\x01</a></answer>',
        '<answer><1a/></answer>', '<answer><a><!-- a -- b --></a></answer>', '<answer><a>x</a>\n\n</answer>',
        '<answer><a><b>1</b> tail</a></answer>', '<answer></answer><answer><a/></answer>', '</answer><answer>',
        '<answer><a x=\'1\' y="2"/></answer>', '<answer><a x="1"y="2"/></answer>', '<answer><a>&#0;</a></answer>',
        '<answer><a b="&#x41;&#10;"/></answer>']
    out["xml"] = [{"response": r, "parsed": parse_xml_answer(r, {"dictionary", "candidate_equations", "uncertain_terms"})[0]} for r in xmls]
    out["g"] = [{"x": x, "g3": f"{x:.3g}", "g4": f"{x:.4g}", "g6": "%.6g" % x, "repr": repr(x), "round3": round(x, 3), "round2": round(x, 2)}
                for x in (0.0, -0.0, 1.0, 100.0, 0.0625, 0.125, 0.3125, 1234.5, 9.9999, 0.00012345, 1e-05, 1.5e16, 123456789.0,
                          0.1 + 0.2, 2.675, -1.005, 1e22, float("inf"), float("nan"), 3.14159e-7, 0.0004999, 999.5, 1e16, 12345678901234567.0)]
    out["floats"] = [{"s": s, "value": (lambda v: None if v is None else (repr(v)))(_pyfloat(s))} for s in (
        "0.5", " 0.5 ", "1_000.5", "1__0", "_1", "1.", ".5", "+.5", "1e-3", "1E3", "inf", "-Infinity", "nan", "0x10", "", "1 2", "٣")]
    try:
        import jinja2
        env = jinja2.Environment(trim_blocks=True, lstrip_blocks=True)
        prompts = os.environ.get("REFERENCE_PROMPTS", "")
        tmpl = env.from_string(open(os.path.join(prompts, "user.jinja2"), encoding="utf-8").read())
        cases = [
            dict(task_position=1, pack_size=4, current_step=1, max_steps=6, point_budget=6, budget_remaining=6,
                 task_description="Discover f.", available_datasets=[], last_sampled_max_error=None, evidence_memory={},
                 action_feedback=None),
            dict(task_position=3, pack_size=8, current_step=4, max_steps=6, point_budget=6, budget_remaining=0,
                 task_description="", available_datasets=["ds_t1_1", "ds_t2_2"], last_sampled_max_error=0.0123456789,
                 evidence_memory={"task_evidence_status": "recorded", "observation_summary": {"n": 12, "u_span": 1.23456789,
                 "relative_margin": float("inf"), "preferred_sampled_max_error": 0.00042}}, action_feedback="Error: x.\nline 2"),
        ]
        out["user_prompts"] = [{"facts": c, "text": tmpl.render(**c)} for c in cases]
    except (ImportError, OSError):
        out["user_prompts"] = []
    print(json.dumps(_clean(out), indent=1, allow_nan=False))


def _clean(v):
    """JSON has no NaN or infinity: those floats are written as the strings "nan", "inf", "-inf"."""
    if isinstance(v, float) and not math.isfinite(v):
        return repr(v)
    if isinstance(v, dict):
        return {k: _clean(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_clean(x) for x in v]
    return v


def _pyfloat(s):
    try:
        return float(s)
    except ValueError:
        return None


if __name__ == "__main__":
    main()

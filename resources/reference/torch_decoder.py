#!/usr/bin/python3
"""Independent PyTorch reference for the workbench's decoder (Llama / Qwen2 / Qwen3 family).

Written from the Hugging Face modelling equations, not from the engine's graph: every sequence is run on its own
(no packing), in float64, so agreement also checks the engine's packing, segment masks and position ids.

  torch_decoder.py grads MODEL_DIR BATCH.json OUT.safetensors   -> mean masked next-token CE as `loss` + grads
  torch_decoder.py compare OURS.safetensors REF.safetensors     -> JSON loss rel. error, worst grad rel. L2
  torch_decoder.py bench MODEL_DIR ROWS WIDTH STEPS THREADS    -> JSON {tokens_per_s} of full AdamW train steps
  torch_decoder.py lora-grads MODEL_DIR ADAPTER_DIR BATCH.json OUT.safetensors
                                                                -> loss + gradient of every LoRA A/B tensor
  torch_decoder.py logits MODEL_DIR BATCH.json OUT.safetensors [ADAPTER_DIR]
                                                                -> logits of each sequence (base, or base + adapter)

LoRA follows peft's definition (dropout 0, no rsLoRA): y = W x + (alpha / r) * B (A x), A [r, in], B [out, r],
tensors named base_model.model.<module path>.lora_A.weight / lora_B.weight.
"""
import json
import math
import struct
import sys
import time

import torch

DT = {"F32": torch.float32, "F64": torch.float64, "F16": torch.float16, "BF16": torch.bfloat16}


def read_safetensors(path):
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8 : 8 + n])
    base = 8 + n
    out = {}
    for name, e in header.items():
        if name == "__metadata__":
            continue
        s, t = e["data_offsets"]
        buf = bytearray(raw[base + s : base + t])
        out[name] = torch.frombuffer(buf, dtype=DT[e["dtype"]]).reshape(e["shape"]).clone()
    return out


def write_safetensors(path, tensors):
    header, chunks, off = {}, [], 0
    for name, t in tensors.items():
        b = t.detach().to(torch.float32).contiguous().numpy().tobytes()
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [off, off + len(b)]}
        chunks.append(b)
        off += len(b)
    h = json.dumps(header).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(chunks))


def inv_freq(cfg, hd):
    theta = cfg.get("rope_theta", 10000.0)
    inv = 1.0 / (theta ** (torch.arange(0, hd, 2, dtype=torch.float64) / hd))
    rs = cfg.get("rope_scaling")
    if rs:
        kind = rs.get("rope_type", rs.get("type"))
        if kind == "linear":
            inv = inv / rs["factor"]
        elif kind == "llama3":
            f, lo, hi, old = rs["factor"], rs["low_freq_factor"], rs["high_freq_factor"], rs["original_max_position_embeddings"]
            wl = 2 * math.pi / inv
            smooth = (old / wl - lo) / (hi - lo)
            scaled = torch.where(wl > old / lo, inv / f, inv)
            mid = (wl <= old / lo) & (wl >= old / hi)
            inv = torch.where(mid, (1 - smooth) * inv / f + smooth * inv, scaled)
    return inv


class Decoder:
    def __init__(self, cfg, weights, dtype):
        self.cfg = cfg
        self.arch = cfg["model_type"]
        self.H = cfg["num_attention_heads"]
        self.KV = cfg.get("num_key_value_heads", self.H)
        self.hd = cfg.get("head_dim") or cfg["hidden_size"] // self.H
        self.eps = cfg["rms_norm_eps"]
        self.tied = cfg.get("tie_word_embeddings", False)
        self.L = cfg["num_hidden_layers"]
        self.w = {k: v.to(dtype).requires_grad_(True) for k, v in weights.items() if k != "lm_head.weight" or not self.tied}
        self.inv = inv_freq(cfg, self.hd).to(dtype)
        self.lora, self.scale = {}, 0.0

    def add_lora(self, adapter_dir, dtype):
        acfg = json.load(open(f"{adapter_dir}/adapter_config.json"))
        self.scale = acfg["lora_alpha"] / acfg["r"]
        t = read_safetensors(f"{adapter_dir}/adapter_model.safetensors")
        for name, v in t.items():
            path = name[len("base_model.model."):].rsplit(".lora_", 1)[0]
            self.lora.setdefault(path, {})["A" if ".lora_A." in name else "B"] = v.to(dtype).requires_grad_(True)
        for w in self.w.values():
            w.requires_grad_(False)

    def lin(self, x, path, weight=None):
        y = x @ self.w[weight or path + ".weight"].T
        m = self.lora.get(path)
        if m is not None:
            y = y + self.scale * ((x @ m["A"].T) @ m["B"].T)
        return y

    def rms(self, x, w):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * w

    @staticmethod
    def rot(x):
        h = x.shape[-1] // 2
        return torch.cat((-x[..., h:], x[..., :h]), -1)

    def logits(self, ids):
        """ids: LongTensor [R, n] of independent sequences (no packing). Returns logits [R, n, V]."""
        W = self.w
        R, n = ids.shape
        pos = torch.arange(n, dtype=self.inv.dtype)
        emb = torch.cat([torch.outer(pos, self.inv)] * 2, -1)
        cos, sin = emb.cos(), emb.sin()
        causal = torch.ones(n, n, dtype=torch.bool).tril()
        h = W["model.embed_tokens.weight"][ids]
        for i in range(self.L):
            p = f"model.layers.{i}."
            x = self.rms(h, W[p + "input_layernorm.weight"])
            q = self.lin(x, p + "self_attn.q_proj")
            k = self.lin(x, p + "self_attn.k_proj")
            v = self.lin(x, p + "self_attn.v_proj")
            if p + "self_attn.q_proj.bias" in W:
                q = q + W[p + "self_attn.q_proj.bias"]
                k = k + W[p + "self_attn.k_proj.bias"]
                v = v + W[p + "self_attn.v_proj.bias"]
            q = q.view(R, n, self.H, self.hd).transpose(1, 2)
            k = k.view(R, n, self.KV, self.hd).transpose(1, 2)
            v = v.view(R, n, self.KV, self.hd).transpose(1, 2)
            if p + "self_attn.q_norm.weight" in W:
                q = self.rms(q, W[p + "self_attn.q_norm.weight"])
                k = self.rms(k, W[p + "self_attn.k_norm.weight"])
            q = q * cos + self.rot(q) * sin
            k = k * cos + self.rot(k) * sin
            rep = self.H // self.KV
            k = k.repeat_interleave(rep, 1)
            v = v.repeat_interleave(rep, 1)
            s = (q @ k.transpose(-1, -2)) / math.sqrt(self.hd)
            s = s.masked_fill(~causal, float("-inf"))
            o = (s.softmax(-1) @ v).transpose(1, 2).reshape(R, n, self.H * self.hd)
            h = h + self.lin(o, p + "self_attn.o_proj")
            y = self.rms(h, W[p + "post_attention_layernorm.weight"])
            g = torch.nn.functional.silu(self.lin(y, p + "mlp.gate_proj"))
            h = h + self.lin(g * self.lin(y, p + "mlp.up_proj"), p + "mlp.down_proj")
        h = self.rms(h, W["model.norm.weight"])
        return self.lin(h, "lm_head", "model.embed_tokens.weight" if self.tied else "lm_head.weight")


def cmd_grads(model_dir, batch_path, out_path):
    torch.manual_seed(0)
    cfg = json.load(open(f"{model_dir}/config.json"))
    model = Decoder(cfg, read_safetensors(f"{model_dir}/model.safetensors"), torch.float64)
    batch = json.load(open(batch_path))
    seqs, masks = batch["sequences"], batch["loss_mask"]
    count = sum(sum(m[1:]) for m in masks)
    total = torch.zeros((), dtype=torch.float64)
    for ids, m in zip(seqs, masks):
        if len(ids) < 2:
            continue
        lp = model.logits(torch.tensor([ids]))[0].log_softmax(-1)
        tgt = torch.tensor(ids[1:])
        picked = lp[:-1].gather(1, tgt[:, None])[:, 0]
        total = total - (picked * torch.tensor(m[1:], dtype=torch.float64)).sum()
    loss = total / count
    loss.backward()
    out = {"loss": loss.detach().reshape(())}
    for k, v in model.w.items():
        out[k] = v.grad if v.grad is not None else torch.zeros_like(v)
    write_safetensors(out_path, out)


def masked_ce(model, batch):
    seqs, masks = batch["sequences"], batch["loss_mask"]
    count = sum(sum(m[1:]) for m in masks)
    total = torch.zeros((), dtype=torch.float64)
    for ids, m in zip(seqs, masks):
        if len(ids) < 2:
            continue
        lp = model.logits(torch.tensor([ids]))[0].log_softmax(-1)
        picked = lp[:-1].gather(1, torch.tensor(ids[1:])[:, None])[:, 0]
        total = total - (picked * torch.tensor(m[1:], dtype=torch.float64)).sum()
    return total / count


def cmd_lora_grads(model_dir, adapter_dir, batch_path, out_path):
    cfg = json.load(open(f"{model_dir}/config.json"))
    model = Decoder(cfg, read_safetensors(f"{model_dir}/model.safetensors"), torch.float64)
    model.add_lora(adapter_dir, torch.float64)
    loss = masked_ce(model, json.load(open(batch_path)))
    loss.backward()
    out = {"loss": loss.detach().reshape(())}
    for path, m in model.lora.items():
        out[f"base_model.model.{path}.lora_A.weight"] = m["A"].grad
        out[f"base_model.model.{path}.lora_B.weight"] = m["B"].grad
    write_safetensors(out_path, out)


def cmd_logits(model_dir, batch_path, out_path, adapter_dir=None):
    cfg = json.load(open(f"{model_dir}/config.json"))
    model = Decoder(cfg, read_safetensors(f"{model_dir}/model.safetensors"), torch.float64)
    if adapter_dir:
        model.add_lora(adapter_dir, torch.float64)
    with torch.no_grad():
        out = {f"seq{i}": model.logits(torch.tensor([ids]))[0] for i, ids in enumerate(json.load(open(batch_path))["sequences"])}
    write_safetensors(out_path, out)


def cmd_lora_bench(model_dir, adapter_dir, T, threads):
    """One LoRA AdamW step (float32, weights frozen, one sequence of T tokens): JSON seconds; peak RSS by the caller."""
    torch.set_num_threads(int(threads))
    torch.manual_seed(0)
    cfg = json.load(open(f"{model_dir}/config.json"))
    t0 = time.perf_counter()
    model = Decoder(cfg, read_safetensors(f"{model_dir}/model.safetensors"), torch.float32)
    model.add_lora(adapter_dir, torch.float32)
    params = [t for m in model.lora.values() for t in m.values()]
    opt = torch.optim.AdamW(params, lr=1e-4, weight_decay=0.0)
    load_s = time.perf_counter() - t0
    T = int(T)
    ids = torch.randint(0, cfg["vocab_size"], (1, T))
    t0 = time.perf_counter()
    lp = model.logits(ids)[0].log_softmax(-1)
    loss = -lp[:-1].gather(1, ids[0, 1:, None]).mean()
    loss.backward()
    opt.step()
    print(json.dumps({"seconds": time.perf_counter() - t0, "load_seconds": load_s, "loss": loss.item(), "torch": torch.__version__}))


def cmd_train(model_dir, batch_path, out_path, steps, lr, wd, clip, beta1="0.9", beta2="0.999"):
    """K AdamW steps (torch.optim.AdamW + clip_grad_norm_) on the mean masked CE of the batch; float64."""
    cfg = json.load(open(f"{model_dir}/config.json"))
    model = Decoder(cfg, read_safetensors(f"{model_dir}/model.safetensors"), torch.float64)
    batch = json.load(open(batch_path))
    seqs, masks = batch["sequences"], batch["loss_mask"]
    count = sum(sum(m[1:]) for m in masks)
    decay = [v for v in model.w.values() if v.dim() >= 2]
    no_decay = [v for v in model.w.values() if v.dim() < 2]
    opt = torch.optim.AdamW(
        [{"params": decay, "weight_decay": float(wd)}, {"params": no_decay, "weight_decay": 0.0}],
        lr=float(lr),
        betas=(float(beta1), float(beta2)),
    )
    for _ in range(int(steps)):
        opt.zero_grad()
        total = torch.zeros((), dtype=torch.float64)
        for ids, m in zip(seqs, masks):
            lp = model.logits(torch.tensor([ids]))[0].log_softmax(-1)
            picked = lp[:-1].gather(1, torch.tensor(ids[1:])[:, None])[:, 0]
            total = total - (picked * torch.tensor(m[1:], dtype=torch.float64)).sum()
        (total / count).backward()
        if float(clip) > 0:
            torch.nn.utils.clip_grad_norm_(list(model.w.values()), float(clip))
        opt.step()
    write_safetensors(out_path, dict(model.w))


def cmd_compare(ours_path, ref_path):
    """Loss relative error and the worst per-parameter gradient relative L2 between two grads files."""
    a, b = read_safetensors(ours_path), read_safetensors(ref_path)
    loss_err = abs(a["loss"].item() - b["loss"].item()) / abs(b["loss"].item())
    worst, name = 0.0, ""
    for k, y in b.items():
        if k == "loss":
            continue
        x, y = a[k].double(), y.double()
        r = ((x - y).norm() / (y.norm() + 1e-30)).item()
        if r > worst:
            worst, name = r, k
    print(json.dumps({"loss_rel_err": loss_err, "worst_grad_rel_l2": worst, "worst_tensor": name, "tensors": len(b) - 1}))


def cmd_bench(model_dir, rows, width, steps, threads):
    """Same model, batch shape and optimizer as the engine benchmark: causal LM over [rows, width], AdamW."""
    torch.set_num_threads(int(threads))
    torch.manual_seed(0)
    cfg = json.load(open(f"{model_dir}/config.json"))
    rows, width, steps = int(rows), int(width), int(steps)
    model = Decoder(cfg, read_safetensors(f"{model_dir}/model.safetensors"), torch.float32)
    opt = torch.optim.AdamW(list(model.w.values()), lr=1e-3, weight_decay=0.01)
    V = cfg["vocab_size"]
    data = torch.randint(0, V, (rows, width))

    def step():
        opt.zero_grad()
        lp = model.logits(data).log_softmax(-1)
        loss = -lp[:, :-1].gather(2, data[:, 1:, None]).sum() / (rows * (width - 1))
        loss.backward()
        torch.nn.utils.clip_grad_norm_(list(model.w.values()), 1.0)
        opt.step()

    step()  # warm-up, as many as the engine gets
    step()
    t0 = time.perf_counter()
    for _ in range(steps):
        step()
    dt = time.perf_counter() - t0
    print(json.dumps({"tokens_per_s": rows * width * steps / dt, "seconds_per_step": dt / steps, "torch": torch.__version__}))


if __name__ == "__main__":
    {
        "grads": cmd_grads,
        "train": cmd_train,
        "compare": cmd_compare,
        "bench": cmd_bench,
        "lora-grads": cmd_lora_grads,
        "logits": cmd_logits,
        "lora-bench": cmd_lora_bench,
    }[sys.argv[1]](*sys.argv[2:])

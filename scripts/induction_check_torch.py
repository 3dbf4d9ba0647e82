# The PyTorch side of scripts/induction-check.ts: the same task, model shape and optimizer (AdamW 0.9/0.95, clip 1).
# Usage: /usr/bin/python3 scripts/induction_check_torch.py STEPS LR
import json, os, sys, random, torch
here = os.path.dirname(__file__)
sys.path.insert(0, os.path.join(here, '..', 'resources', 'reference'))
from torch_decoder import Decoder
torch.manual_seed(0); random.seed(0)
# The shape of the `tiny` preset, read from the built-in model's HF config (the TypeScript side uses presetConfig('tiny')).
cfg = json.load(open(os.path.join(here, '..', 'resources', 'models', 'builtin', 'config.json')))
V, D, I, L = cfg["vocab_size"], cfg["hidden_size"], cfg["intermediate_size"], cfg["num_hidden_layers"]
H, KV, hd = cfg["num_attention_heads"], cfg["num_key_value_heads"], cfg["head_dim"]
w = {"model.embed_tokens.weight": torch.randn(V, D) * 0.02, "model.norm.weight": torch.ones(D)}
for i in range(L):
    p = f"model.layers.{i}."
    w[p+"input_layernorm.weight"] = torch.ones(D); w[p+"post_attention_layernorm.weight"] = torch.ones(D)
    w[p+"self_attn.q_proj.weight"] = torch.randn(H * hd, D) * 0.02; w[p+"self_attn.k_proj.weight"] = torch.randn(KV * hd, D) * 0.02
    w[p+"self_attn.v_proj.weight"] = torch.randn(KV * hd, D) * 0.02; w[p+"self_attn.o_proj.weight"] = torch.randn(D, H * hd) * 0.02
    w[p+"self_attn.q_norm.weight"] = torch.ones(hd); w[p+"self_attn.k_norm.weight"] = torch.ones(hd)
    w[p+"mlp.gate_proj.weight"] = torch.randn(I, D) * 0.02; w[p+"mlp.up_proj.weight"] = torch.randn(I, D) * 0.02
    w[p+"mlp.down_proj.weight"] = torch.randn(D, I) * 0.02
m = Decoder(cfg, w, torch.float32)
decay = [v for v in m.w.values() if v.dim() >= 2]; nod = [v for v in m.w.values() if v.dim() < 2]
opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.01}, {"params": nod, "weight_decay": 0.0}], lr=float(sys.argv[2]) if len(sys.argv) > 2 else 2e-3, betas=(0.9, 0.95))
half = 32; rows = 8192 // 64
torch.set_num_threads(1)
for step in range(1, (int(sys.argv[1]) if len(sys.argv) > 1 else 400) + 1):
    seqs = []
    for r in range(rows):
        a = [random.randint(10, 400) for _ in range(half)]; g = [random.randint(10, 400) for _ in range(random.randint(0, half - 1))]
        seqs.append(a + g + a[:half - len(g)])
    ids = torch.tensor(seqs)
    lp = m.logits(ids).log_softmax(-1)
    picked = lp[:, :-1].gather(2, ids[:, 1:, None])[..., 0]
    # picked[:, t] is the log-prob of token t + 1 given tokens 0..t: score t = half .. 2*half - 2, the targets
    # packInductionBatch weights (main/training/induction-drill.ts).
    loss = -picked[:, half:2 * half - 1].mean()
    opt.zero_grad(); loss.backward(); torch.nn.utils.clip_grad_norm_(list(m.w.values()), 1.0); opt.step()
    if step % 20 == 0: print(step, round(loss.item(), 3), flush=True)

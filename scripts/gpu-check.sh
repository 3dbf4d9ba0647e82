#!/usr/bin/env bash
# GPU check for issue 16, for a machine with a GPU (prepared here; this project's machines have none).
# Runs `cod doctor`, then the engine benchmark and a short bench:memory with every execution provider that loads,
# each provider forced alone through COD_PROVIDERS, and writes the results under ${OUT:-gpu-check-out}.
#
# On the lent device machines the WebGPU provider bundled in onnxruntime-node runs through Vulkan; bring the loader
# first (see the device README: unpack libvulkan1 and friends from .gl/*.deb, then ldconfig). CUDA's provider
# libraries come from outside the npm registry: with network, `ONNXRUNTIME_NODE_INSTALL=cuda12 npm ci`.
#
#   bash scripts/gpu-check.sh [T list for bench:memory, default 1024,4096]
set -uo pipefail
cd "$(dirname "$0")/.."
out="${OUT:-gpu-check-out}"
mkdir -p "$out"
Ts="${1:-1024,4096}"
node=node_modules/.bin/node
[ -x "$node" ] || node=node

if [ -d .gl ]; then
  for f in .gl/*.deb; do dpkg -x "$f" /; done
  ldconfig
  export VK_DRIVER_FILES=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
fi
nvidia-smi >"$out/nvidia-smi.txt" 2>&1 || true

$node bin/cod.mjs doctor --json >"$out/doctor.json" 2>"$out/doctor.err"
cat "$out/doctor.json"
providers=$($node -e 'const r=JSON.parse(require("fs").readFileSync(process.argv[1],"utf8"));console.log(r.providers.filter(p=>p.ok).map(p=>p.provider).join(" "))' "$out/doctor.json")
echo "providers that load: $providers"

for p in $providers; do
  echo "== $p: engine bench"
  COD_PROVIDERS=$p timeout 600 $node bin/cod.mjs engine bench --json >"$out/engine-bench-$p.json" 2>"$out/engine-bench-$p.err"
  echo "== $p: LoRA state on the device, 3 steps vs the CPU"
  timeout 600 $node --import tsx scripts/lora-device-check.ts "$p" >"$out/lora-device-$p.json" 2>"$out/lora-device-$p.err"
  cat "$out/lora-device-$p.json"
  echo "== $p: bench:memory (T = $Ts)"
  COD_PROVIDERS=$p timeout 1200 $node --import tsx scripts/bench-memory.ts --t "$Ts" --torch-max-t 0 --threads 16 \
    >"$out/bench-memory-$p.json" 2>"$out/bench-memory-$p.err"
  tail -n 3 "$out/bench-memory-$p.err"
done
ls -l "$out"

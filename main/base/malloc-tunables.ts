/**
 * glibc's malloc, left to itself, gives freed memory back to the kernel early and the next allocation faults it back
 * in, one zeroed page at a time: each thread's arena grows in 64 MiB heaps that it unmaps once they empty, and its
 * trim threshold only follows the largest block freed so far. The sampler's onnxruntime runs take no memory arena
 * (sampler.ts says why) and free and allocate their buffers on every chunk, on several threads, so a CoD run spent
 * most of its kernel time in those page faults. One malloc arena for the whole process (the main heap, which grows
 * in place), blocks under 32 MiB (glibc's own ceiling for its moving threshold) kept in it for reuse, and trimming
 * only past 256 MiB free: `scripts/bench-train.ts --no-overlap-only --steps 2` (built-in model, one warm-up and two
 * timed steps) had 574k minor page faults and sys / user 9.3% with these against 1.65M and 18.6% without, the same
 * peak RSS (2.26 / 2.31 GB), in back-to-back runs (`/usr/bin/time -f '%S %U %R %M'`, GLIBC_TUNABLES set by hand).
 *
 * The tunables are read once, when a process starts: `relaunchWithMallocTunables` replaces the process with itself
 * (the same pid, stdio and arguments; Node's process.execve) with them set, once. Elsewhere (macOS, Windows, musl,
 * a user's own malloc tunables, a Node without execve) it does nothing.
 */
export const MALLOC_TUNABLES =
  'glibc.malloc.arena_max=1:glibc.malloc.mmap_threshold=33554432:glibc.malloc.trim_threshold=268435456';

export function relaunchWithMallocTunables(): void {
  const current = process.env.GLIBC_TUNABLES ?? '';
  if (process.platform !== 'linux' || /glibc\.malloc\.(arena_max|trim_threshold|mmap_threshold)/.test(current)) return;
  const execve = (process as { execve?: (file: string, args: string[], env: NodeJS.ProcessEnv) => never }).execve;
  if (typeof execve !== 'function') return;
  const env = { ...process.env, GLIBC_TUNABLES: current ? `${current}:${MALLOC_TUNABLES}` : MALLOC_TUNABLES };
  execve.call(process, process.execPath, [process.execPath, ...process.execArgv, ...process.argv.slice(1)], env);
}

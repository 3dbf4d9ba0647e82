/**
 * Saved sampler weights fetched from a Tinker-compatible server as files: Tinker's checkpoint archive. The SDK asks
 * GET /api/v1/training_runs/ID/checkpoints/sampler_weights/NAME/archive (tinker `lib/public_interfaces/rest_client.py`
 * with `types/checkpoint.py` ParsedCheckpointTinkerPath) and follows the 302 to a signed URL; SkyRL names the
 * checkpoint `NAME` alone (`skyrl/tinker/api.py` get_checkpoint_archive_url) and redirects to its own `/download`.
 * The body is a tar archive, gzipped or not; it is unpacked beside the destination and moved into place whole.
 */
import { createWriteStream, existsSync } from 'node:fs';
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { extract } from 'tar';
import { CodError } from '../../base/errors.ts';
import { parseTinkerPath } from '../tinker-path.ts';
import type { Transport } from './transport.ts';

const MAX_REDIRECTS = 3;

async function detail(res: Response): Promise<string> {
  const text = await res.text().catch(() => '');
  try {
    const d = (JSON.parse(text) as { detail?: unknown }).detail;
    return typeof d === 'string' ? d : JSON.stringify(d ?? text).slice(0, 300);
  } catch {
    return text.slice(0, 300);
  }
}

/** The archive's response: the SDK's checkpoint id first, SkyRL's if the server does not know that one. */
async function archiveResponse(t: Transport, modelId: string, name: string, what: string): Promise<Response> {
  const api = new URL(`${t.baseUrl}/api/v1/`);
  let url = new URL(`training_runs/${modelId}/checkpoints/sampler_weights/${name}/archive`, api);
  let res = await t.fetchRaw(url.href, what, 60_000);
  if (res.status === 404 || res.status === 422) {
    await res.body?.cancel();
    url = new URL(`training_runs/${modelId}/checkpoints/${name}/archive`, api);
    res = await t.fetchRaw(url.href, what, 60_000);
  }
  for (let hops = 0; res.status >= 300 && res.status < 400; hops++) {
    const location = res.headers.get('location');
    await res.body?.cancel();
    if (!location || hops === MAX_REDIRECTS)
      throw new CodError('io', `backend ${t.baseUrl} answered ${what} with a redirect that leads nowhere`);
    url = new URL(location, url);
    res = await t.fetchRaw(url.href, what, t.futureTimeoutMs);
  }
  if (res.status !== 200)
    throw new CodError(
      res.status === 404 ? 'not_found' : 'io',
      `backend ${t.baseUrl} refused ${what}: HTTP ${res.status}: ${await detail(res)}`,
    );
  if (!res.body) throw new CodError('io', `backend ${t.baseUrl} sent no body for ${what}`);
  return res;
}

/** Unpacks the archive of `path` (tinker://ID/sampler_weights/NAME) into `dir`, which must not exist. */
export async function downloadArchive(t: Transport, path: string, dir: string): Promise<void> {
  const p = parseTinkerPath(path, 'sampler_weights', 'path');
  if (existsSync(dir)) throw new CodError('conflict', 'the download directory already exists', dir);
  const what = `the checkpoint archive of ${path}`;
  const res = await archiveResponse(t, p.modelId, p.name, what);
  const scratch = `${dir}.downloading`;
  await rm(scratch, { recursive: true, force: true });
  const files = join(scratch, 'files');
  await mkdir(files, { recursive: true });
  try {
    const file = join(scratch, 'archive.tar');
    try {
      await pipeline(Readable.fromWeb(res.body as WebReadableStream), createWriteStream(file));
    } catch (e) {
      throw new CodError('io', `backend ${t.baseUrl} broke off ${what}: ${(e as Error).message}`);
    }
    // Plain files and folders only: no links, no absolute or parent paths (tar refuses those by default).
    await extract({
      file,
      cwd: files,
      strict: true,
      filter: (_p, entry) => 'type' in entry && (entry.type === 'File' || entry.type === 'Directory'),
    }).catch((e: Error) => {
      throw new CodError('bad_checkpoint', `${what} is not a readable tar archive: ${e.message}`);
    });
    // An archive holding one folder (NAME/…) has the files inside it.
    let root = files;
    const top = await readdir(root);
    if (top.length === 1 && (await stat(join(root, top[0]))).isDirectory()) root = join(root, top[0]);
    if ((await readdir(root)).length === 0) throw new CodError('bad_checkpoint', `${what} holds no files`);
    await rename(root, dir);
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

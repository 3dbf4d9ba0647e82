/**
 * The three OS flavours: path syntax, home directory, case sensitivity, prompt, and the wording of common errors
 * (GNU coreutils on Linux, BSD tools on macOS, cmd.exe on Windows).
 */
import type { FsError, FsPath } from './fs.ts';

export const FLAVOURS = ['linux', 'macos', 'windows'] as const;
export type Flavour = (typeof FLAVOURS)[number];

export const USER = 'user';
export const REMOTE_USER = 'remote_user';
export const REMOTE_HOST = 'remote_host';

export interface FlavourInfo {
  readonly id: Flavour;
  readonly shell: 'bash' | 'zsh' | 'cmd';
  readonly home: FsPath;
  readonly caseInsensitive: boolean;
  /** Parse a path argument against the current directory; null when it is not a path on this system. */
  parsePath(arg: string, cwd: FsPath): string[] | null;
  formatPath(path: FsPath): string;
  prompt(cwd: FsPath, hostname: string): string;
  notFound(command: string): string;
}

function normalise(parts: readonly string[], base: readonly string[], floor: number): string[] {
  const out = base.slice();
  for (const p of parts) {
    if (p === '' || p === '.') continue;
    if (p === '..') {
      if (out.length > floor) out.pop();
    } else out.push(p);
  }
  return out;
}

function posixParse(home: FsPath) {
  return (arg: string, cwd: FsPath): string[] | null => {
    if (arg === '') return null;
    if (arg === '~' || arg.startsWith('~/')) return normalise(arg.slice(1).split('/'), home, 0);
    return normalise(arg.split('/'), arg.startsWith('/') ? [] : cwd, 0);
  };
}

const posixFormat = (path: FsPath) => '/' + path.join('/');

function posixHomeRelative(path: FsPath, home: FsPath): string {
  if (path.length >= home.length && home.every((h, i) => h === path[i])) {
    const rest = path.slice(home.length);
    return rest.length === 0 ? '~' : '~/' + rest.join('/');
  }
  return posixFormat(path);
}

const DRIVE = /^([A-Za-z]):/;

function windowsParse(arg: string, cwd: FsPath): string[] | null {
  if (arg === '') return null;
  let rest = arg.replace(/\//g, '\\');
  let base: readonly string[] = cwd;
  const drive = DRIVE.exec(rest);
  if (drive) {
    const letter = drive[1].toUpperCase() + ':';
    rest = rest.slice(2);
    base = cwd[0] === letter ? cwd : [letter];
  }
  if (rest.startsWith('\\')) base = [base[0] ?? 'C:'];
  if (/[<>|"?*]/.test(rest.replace(/[*?]/g, ''))) return null;
  return normalise(rest.split('\\'), base, 1);
}

const windowsFormat = (path: FsPath) => (path.length <= 1 ? `${path[0] ?? 'C:'}\\` : path.join('\\'));

export const FLAVOUR_INFO: Readonly<Record<Flavour, FlavourInfo>> = {
  linux: {
    id: 'linux',
    shell: 'bash',
    home: ['home', USER],
    caseInsensitive: false,
    parsePath: posixParse(['home', USER]),
    formatPath: posixFormat,
    prompt: (cwd, host) => `${USER}@${host}:${posixHomeRelative(cwd, ['home', USER])}$`,
    notFound: (c) => `bash: ${c}: command not found`,
  },
  macos: {
    id: 'macos',
    shell: 'zsh',
    home: ['Users', USER],
    caseInsensitive: true,
    parsePath: posixParse(['Users', USER]),
    formatPath: posixFormat,
    prompt: (cwd, host) => {
      const rel = posixHomeRelative(cwd, ['Users', USER]);
      const last = rel === '~' ? '~' : cwd.length === 0 ? '/' : cwd[cwd.length - 1];
      return `${USER}@${host} ${last} %`;
    },
    notFound: (c) => `zsh: command not found: ${c}`,
  },
  windows: {
    id: 'windows',
    shell: 'cmd',
    home: ['C:', 'Users', USER],
    caseInsensitive: true,
    parsePath: windowsParse,
    formatPath: windowsFormat,
    prompt: (cwd) => `${windowsFormat(cwd)}>`,
    notFound: (c) => `'${c}' is not recognized as an internal or external command,\noperable program or batch file.`,
  },
};

/** Error text for a failed file operation in the flavour's own words. */
export function fsMessage(flavour: Flavour, cmd: string, shown: string, err: FsError, verb = 'access'): string {
  if (flavour === 'windows') {
    switch (err) {
      case 'ENOENT':
        return 'The system cannot find the path specified.';
      case 'EACCES':
        return 'Access is denied.';
      case 'EEXIST':
        return `A subdirectory or file ${shown} already exists.`;
      case 'ENOTEMPTY':
        return 'The directory is not empty.';
      case 'EISDIR':
      case 'ENOTDIR':
      case 'EINVAL':
        return 'The directory name is invalid.';
    }
  }
  const text: Record<FsError, string> = {
    ENOENT: 'No such file or directory',
    ENOTDIR: 'Not a directory',
    EISDIR: 'Is a directory',
    EEXIST: 'File exists',
    EACCES: 'Permission denied',
    ENOTEMPTY: 'Directory not empty',
    EINVAL: 'Invalid argument',
  };
  // GNU: "cp: cannot stat 'x': No such file or directory"; BSD: "cp: x: No such file or directory".
  return flavour === 'linux' ? `${cmd}: cannot ${verb} '${shown}': ${text[err]}` : `${cmd}: ${shown}: ${text[err]}`;
}

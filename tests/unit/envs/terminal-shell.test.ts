import { readdirSync, readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TerminalEpisode } from '../../../main/envs/domains/terminal/episode.ts';
import { FLAVOUR_INFO, type Flavour } from '../../../main/envs/domains/terminal/flavour.ts';
import { matchName } from '../../../main/envs/domains/terminal/glob.ts';
import { terminalSite, type TerminalSite } from '../../../main/envs/domains/terminal/instance.ts';
import { parseCmdLine, parsePosixLine } from '../../../main/envs/domains/terminal/shell-parse.ts';
import { terminalTask } from '../../../main/envs/domains/terminal/task.ts';
import type { TerminalView } from '../../../main/envs/domains/terminal/view.ts';

const HOME = { HOME: '/home/user', USER: 'user' };

describe('terminal: POSIX command-line parser', () => {
  const words = (line: string) => {
    const p = parsePosixLine(line, HOME);
    if (p.kind !== 'ok') throw new Error(`${line}: ${p.kind}`);
    return p.words.map((w) => w.text);
  };
  it('splits words with sh quoting rules and expands $VAR and ~', () => {
    expect(words(`echo 'a  b' "c $HOME" d\\ e`)).toEqual(['echo', 'a  b', 'c /home/user', 'd e']);
    expect(words('ls ~/docs "~/quoted" ~')).toEqual(['ls', '/home/user/docs', '~/quoted', '/home/user']);
    expect(words('echo "say \\"hi\\"" ${USER}x $NOPE.')).toEqual(['echo', 'say "hi"', 'userx', '.']);
    expect(words('ls   -l   # a comment')).toEqual(['ls', '-l']);
  });
  it('marks only unquoted wildcards for globbing', () => {
    const p = parsePosixLine(`ls *.txt '*.md' "a?"`, HOME);
    expect(p.kind === 'ok' && p.words.map((w) => w.glob)).toEqual([false, true, false, false]);
  });
  it('handles > and >> and refuses pipes, chaining and substitution', () => {
    const r = parsePosixLine('echo hi >> out.txt', HOME);
    expect(r.kind === 'ok' && r.redirect).toEqual({
      target: { text: 'out.txt', glob: false, quoted: false },
      append: true,
    });
    const glued = parsePosixLine('echo hi>f', HOME);
    expect(glued.kind === 'ok' && [glued.words.length, glued.redirect?.target.text]).toEqual([2, 'f']);
    for (const [line, op] of [
      ['ls | wc', '|'],
      ['a && b', '&&'],
      ['a || b', '||'],
      ['a; b', ';'],
      ['echo $(pwd)', 'command substitution $(...)'],
      ['echo `pwd`', '`'],
      ['find / 2>/dev/null', '2>'],
      ['sleep 1 &', '&'],
    ]) {
      expect(parsePosixLine(line, HOME)).toEqual({ kind: 'unsupported', operator: op });
    }
  });
  it('unbalanced quotes and dangling redirections are not commands', () => {
    for (const line of [`echo 'a`, 'echo "a', 'echo a\\', 'echo hi >'])
      expect(parsePosixLine(line, HOME).kind).toBe('invalid');
  });
});

describe('terminal: cmd.exe command-line parser', () => {
  it('groups double quotes, honours ^ escapes and %VAR%, and redirects', () => {
    const p = parseCmdLine('copy "C:\\My Files\\a.txt" %USERPROFILE%\\x ^& y > out.txt', {
      USERPROFILE: 'C:\\Users\\user',
    });
    expect(p.kind === 'ok' && p.words.map((w) => w.text)).toEqual([
      'copy',
      'C:\\My Files\\a.txt',
      'C:\\Users\\user\\x',
      '&',
      'y',
    ]);
    expect(p.kind === 'ok' && p.redirect?.target.text).toBe('out.txt');
    expect(parseCmdLine('dir | more', {})).toEqual({ kind: 'unsupported', operator: '|' });
    expect(parseCmdLine('a && b', {})).toEqual({ kind: 'unsupported', operator: '&&' });
  });
});

describe('terminal: wildcard matching', () => {
  it.each([
    ['*.txt', 'a.txt', true],
    ['*.txt', 'a.txt.bak', false],
    ['budget_??.csv', 'budget_42.csv', true],
    ['[a-c]*', 'beta', true],
    ['[!a-c]*', 'beta', false],
    ['*a*b*c', 'xxaxxbxxc', true],
    ['a[', 'a[', true],
  ])('%s vs %s -> %s', (pat, name, want) => {
    expect(matchName(pat, name, false)).toBe(want);
  });
  it('is case-insensitive only when asked, and linear on adversarial patterns', () => {
    expect(matchName('*.TXT', 'a.txt', true)).toBe(true);
    expect(matchName('*.TXT', 'a.txt', false)).toBe(false);
    const t0 = performance.now();
    expect(matchName('*a'.repeat(200) + 'b', 'a'.repeat(400), false)).toBe(false);
    expect(performance.now() - t0).toBeLessThan(500);
  });
});

/** A task's machine with chosen tools and port, to drive the shell directly. */
function machine(
  flavour: Flavour,
  over: Partial<TerminalSite> = {},
): { ep: TerminalEpisode; site: TerminalSite; run: (c: string) => string } {
  const site: TerminalSite = {
    ...terminalSite(`shell-${flavour}`, [flavour]),
    archiveTool: 'tar',
    remoteTool: 'scp',
    sshPort: 2222,
    ...over,
  };
  const mix = { compositeFraction: 0, staleFraction: 0, minSteps: 2, maxSteps: 2 };
  const task = terminalTask(site, mix, 'shell', 'train', 0, (p) => FLAVOUR_INFO[flavour].formatPath(p));
  const ep = new TerminalEpisode('t', site, task, 200, 'chat', `shell-${flavour}`);
  const run = (c: string) => {
    const r = ep.step(c);
    if (r.done) throw new Error(`episode ended on ${c}: ${r.feedback}`);
    return (ep.view() as TerminalView).output ?? '';
  };
  return { ep, site, run };
}

describe('terminal: Linux (bash, GNU) behaviour', () => {
  it('files, folders, permissions and GNU error wording', () => {
    const { run } = machine('linux');
    expect(run('mkdir a/b')).toBe("mkdir: cannot create directory 'a/b': No such file or directory");
    expect(run('mkdir -p a/b')).toBe('');
    expect(run("echo 'hello world' > a/b/f.txt")).toBe('');
    expect(run('cat a/b/f.txt')).toBe('hello world');
    expect(run('cp a c')).toBe("cp: -r not specified; omitting directory 'a'");
    expect(run('cp -r a c')).toBe('');
    expect(run('ls c/b')).toBe('f.txt');
    expect(run('chmod 600 c/b/f.txt')).toBe('');
    expect(run('ls -l c/b')).toMatch(/^total \d+\n-rw------- {2}1 user {2}user .* f\.txt$/);
    expect(run('chmod u+x /etc/hosts')).toBe("chmod: changing permissions of '/etc/hosts': Operation not permitted");
    expect(run('touch /etc/new')).toBe("touch: cannot touch '/etc/new': Permission denied");
    expect(run('ls C*')).toBe("ls: cannot access 'C*': No such file or directory");
    expect(run('mv c/b/f.txt c/b/g.txt')).toBe('');
    expect(run('find c -name "*.txt"')).toBe('c/b/g.txt');
    expect(run('rm c')).toBe("rm: cannot remove 'c': Is a directory");
    expect(run('frobnicate')).toBe('bash: frobnicate: command not found');
    expect(run('ls a | wc -l')).toMatch(/not available in this simulated shell/);
  });

  it('tar round trip, and zip without -r keeps only the folder entry', () => {
    const { run } = machine('linux');
    run('mkdir -p proj/sub');
    run("echo 'x' > proj/sub/x.txt");
    expect(run('tar -czvf p.tar.gz proj')).toBe('proj/\nproj/sub/\nproj/sub/x.txt');
    run('mkdir out');
    expect(run('tar -xzf p.tar.gz -C out')).toBe('');
    expect(run('cat out/proj/sub/x.txt')).toBe('x');
    expect(run('tar -xzf p.tar.gz -C nowhere')).toMatch(/nowhere: Cannot open: No such file or directory/);
    expect(run('zip -r p.zip proj')).toBe('bash: zip: command not found');
    const z = machine('linux', { archiveTool: 'zip' });
    expect(z.run('mkdir -p proj && true')).toMatch(/'&&' is not available/);
    z.run('mkdir -p proj');
    z.run("echo 'x' > proj/x.txt");
    expect(z.run('zip p.zip proj')).toBe('  adding: proj/ (stored 0%)');
    expect(z.run('unzip -l p.zip')).toBe('proj/');
    expect(z.run('tar -czf q.tar.gz proj')).toBe('bash: tar: command not found');
  });

  it('the remote host: wrong port refused, right port works, ssh runs one command there', () => {
    const { ep, run } = machine('linux');
    run("echo 'payload' > up.txt");
    expect(run('scp up.txt remote_user@remote_host:incoming/')).toBe(
      'ssh: connect to host remote_host port 22: Connection refused\nscp: Connection closed',
    );
    expect(run('scp -P 2222 up.txt someone@remote_host:incoming/')).toMatch(/Permission denied \(publickey\)/);
    expect(run('scp -P 2222 up.txt remote_user@remote_host:incoming/')).toBe('');
    expect(run('ssh -p 2222 remote_user@remote_host cat incoming/up.txt')).toBe('payload');
    expect(run('ssh -p 2222 remote_user@remote_host ls')).toBe('drop  incoming  uploads');
    expect(run('rsync -av up.txt remote_user@remote_host:drop/')).toBe('bash: rsync: command not found');
    expect(ep.turnsUsed()).toBe(7);
  });

  it('destroying the machine is an illegal action', () => {
    const { ep } = machine('linux');
    const r = ep.step('rm -rf ~');
    expect(r.done && r.outcome).toBe('illegal_action');
    const r2 = machine('linux').ep.step('rm -r /');
    expect(r2.done && r2.outcome).toBe('illegal_action');
  });
});

describe('terminal: macOS (zsh, BSD) behaviour', () => {
  it('BSD find wants a path, zsh refuses unmatched globs, names are case-insensitive', () => {
    const { run } = machine('macos');
    expect(run('find -name x')).toMatch(/^find: illegal option -- n\nusage: find/);
    expect(run('ls *.nothing')).toBe('zsh: no matches found: *.nothing');
    run("echo 'Case' > Report.TXT");
    expect(run('cat report.txt')).toBe('Case');
    expect(run('mkdir a/b')).toBe('mkdir: a/b: No such file or directory');
    expect(run('nope')).toBe('zsh: command not found: nope');
  });
});

describe('terminal: Windows (cmd.exe) behaviour', () => {
  it('switches, prompts that answer No, ren takes a name, attributes, dir /s /b', () => {
    const { run, ep } = machine('windows', { archiveTool: 'powershell', remoteTool: 'pscp' });
    expect((ep.view() as TerminalView).prompt).toBe('C:\\Users\\user>');
    run('echo hello> a.txt');
    expect(run('type a.txt')).toBe('hello');
    expect(run('copy a.txt Documents\\b.txt')).toBe('        1 file(s) copied.');
    expect(run('copy a.txt Documents\\b.txt')).toBe(
      'Overwrite C:\\Users\\user\\Documents\\b.txt? (Yes/No/All): \n        0 file(s) copied.',
    );
    expect(run('copy /Y a.txt Documents\\b.txt')).toBe('        1 file(s) copied.');
    expect(run('copy Documents/b.txt c.txt')).toBe('Invalid switch - "B.TXT".');
    expect(run('ren Documents\\b.txt Documents\\c.txt')).toBe('The syntax of the command is incorrect.');
    expect(run('ren Documents\\b.txt c.txt')).toBe('');
    expect(run('dir /s /b "C:\\c.txt"')).toBe('C:\\Users\\user\\Documents\\c.txt');
    expect(run('attrib +r Documents\\c.txt')).toBe('');
    expect(run('del Documents\\c.txt')).toBe('C:\\Users\\user\\Documents\\c.txt\nAccess is denied.');
    expect(run('ls')).toBe(
      "'ls' is not recognized as an internal or external command,\noperable program or batch file.",
    );
    expect(run('cd D:\\')).toBe('');
    expect((ep.view() as TerminalView).prompt).toBe('C:\\Users\\user>');
    expect(run('cd /d D:\\')).toBe('');
    expect((ep.view() as TerminalView).prompt).toBe('D:\\>');
    run('mkdir C:\\Users\\user\\pack');
    run('echo x> C:\\Users\\user\\pack\\x.txt');
    expect(
      run(
        "powershell -Command Compress-Archive -Path 'C:\\Users\\user\\pack' -DestinationPath 'C:\\Users\\user\\pack.zip'",
      ),
    ).toBe('');
    expect(run('tar -tf C:\\Users\\user\\pack.zip')).toMatch(/is not recognized/);
    expect(run('pscp -P 22 C:\\Users\\user\\pack.zip remote_user@remote_host:drop/')).toBe(
      'FATAL ERROR: Network error: Connection refused',
    );
    expect(run('pscp -P 2222 C:\\Users\\user\\pack.zip remote_user@remote_host:drop/')).toMatch(/pack\.zip \| .*100%/);
  });
});

describe('terminal: robustness', () => {
  const soup = fc
    .array(
      fc.constantFrom(
        'ls',
        'cd',
        'cp',
        'mv',
        'rm',
        'tar',
        'zip',
        'unzip',
        'scp',
        'ssh',
        'rsync',
        'find',
        'dir',
        'copy',
        'del',
        'rd',
        'attrib',
        'powershell',
        '-rf',
        '/s',
        '/q',
        '~',
        '/',
        '\\',
        '..',
        '*',
        '?',
        '[',
        '"',
        "'",
        '>',
        '>>',
        '|',
        '&&',
        ';',
        '$HOME',
        '%USERPROFILE%',
        'C:\\',
        'remote_user@remote_host:',
        '-P',
        '2222',
        '-C',
        'a b',
        '\u00e9',
        '\u{1f600}',
        ' ',
      ),
      { maxLength: 30 },
    )
    .map((xs) => xs.join(' '));
  const commandLine = fc
    .tuple(
      fc.constantFrom(
        'ls',
        'cd',
        'cp',
        'mv',
        'rm',
        'rmdir',
        'mkdir',
        'touch',
        'cat',
        'echo',
        'chmod',
        'find',
        'tar',
        'zip',
        'unzip',
        'scp',
        'rsync',
        'ssh',
        'which',
        'dir',
        'copy',
        'xcopy',
        'move',
        'ren',
        'del',
        'rd',
        'md',
        'type',
        'attrib',
        'where',
        'powershell',
        'pscp',
        'D:',
        './x.sh',
      ),
      fc.array(
        fc.constantFrom(
          '-r',
          '-rf',
          '-p',
          '-l',
          '-czf',
          '-xzf',
          '-C',
          '-P',
          '2222',
          '-e',
          "'ssh -p 2222'",
          '/s',
          '/b',
          '/q',
          '/y',
          '/ad',
          '+r',
          '+h',
          '600',
          'u+x',
          '-name',
          "'*.txt'",
          '-type',
          'd',
          'x.zip',
          'x.tar.gz',
          'Documents',
          '~',
          '~/Documents',
          '/etc',
          '/tmp',
          '/',
          '.',
          '..',
          'C:\\',
          'C:\\Users\\user',
          'D:\\',
          '"C:\\a b"',
          'remote_user@remote_host:incoming/',
          'remote_user@remote_host',
          'ls',
          'NOTICE.txt',
          '*',
          '>',
          'out.txt',
          'Compress-Archive',
          '-Path',
          '-DestinationPath',
        ),
        { maxLength: 8 },
      ),
    )
    .map(([c, args]) => [c, ...args].join(' '));
  const line = fc.oneof(
    fc.string({ maxLength: 200 }),
    fc.string({ unit: 'binary', maxLength: 200 }),
    soup,
    commandLine,
    commandLine,
    fc.integer({ min: 0, max: 3000 }).map((n) => 'ls ' + '('.repeat(n)),
  );

  it('the parsers never throw', () => {
    fc.assert(
      fc.property(line, (l) => {
        expect(['ok', 'unsupported', 'invalid']).toContain(parsePosixLine(l, HOME).kind);
        expect(['ok', 'unsupported', 'invalid']).toContain(parseCmdLine(l, {}).kind);
      }),
      { numRuns: 1500 },
    );
  });

  it.each(['linux', 'macos', 'windows'] as const)('%s: step never throws; every result is well formed', (flavour) => {
    fc.assert(
      fc.property(fc.array(line, { minLength: 1, maxLength: 8 }), (lines) => {
        const { ep } = machine(flavour);
        for (const l of lines) {
          const r = ep.step(l);
          expect(typeof r.done).toBe('boolean');
          if (r.done) {
            expect(['format_error', 'illegal_action', 'success', 'failure', 'out_of_turns']).toContain(r.outcome);
            return;
          }
          expect(typeof r.observation).toBe('string');
        }
      }),
      { numRuns: 300 },
    );
  });

  it('the simulator cannot touch the host: no file-system or process modules in its sources', () => {
    const dir = 'main/envs/domains/terminal';
    // Every source, the paper preset's folder (paper/) included.
    const files = readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'));
    expect(files).toContain('paper/commands.ts');
    for (const f of files) {
      const src = readFileSync(`${dir}/${f}`, 'utf8');
      expect(src, f).not.toMatch(/from ['"](node:)?(fs|child_process|fs\/promises|os|net|worker_threads)['"]/);
      expect(src, f).not.toMatch(/\beval\(|new Function\(/);
    }
  });
});

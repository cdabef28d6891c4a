/* rlopt-cc / rlopt-c++: the native launcher (docs/cc.md, "The native launcher").
 *
 * A Python wrapper pays an interpreter start-up on every call, more than a whole direct-mode hit costs. So,
 * as ccache does, this small program serves the calls it can *prove* are answered from the cache and starts
 * the Python implementation (rlopt.cc.main.launched) for everything else:
 *
 *   key = "n:" + sha256(format, rlopt version, c/c++, argv, cwd, PATH, PYTHONPATH, PYTHONHOME, every RLOPT_*)
 *   record = the store's entry under key (written by the Python side, rlopt/cc/native.py):
 *     files    every file the Python side's answer depended on, each with its stat identity (dev, inode, size,
 *              mtime, ctime), or "absent", or "exists": the source, its headers, the compiler, the model, ...
 *     env      further environment variables and their values (the ones clang reads)
 *     kind     "hit": write the cached object (from the result entry) and .d file, replay the diagnostics;
 *              "link": the same for the one source of a compile-and-link call, into a temporary directory,
 *              then link as the Python side does; "exec": run the compiler unchanged (a pure link)
 *     count    the statistics counters to bump; touch: the entries whose LRU time moves; log: the log line
 *
 * Any mismatch, missing entry, damaged value or error of our own runs the Python implementation with the
 * same arguments and the key in RLOPT_CC_NATIVE_KEY, which answers (hashing contents, as always) and writes a
 * fresh record. So the launcher never changes what a call does; it only makes the proven cases cheap.
 * The Python implementation runs in a fork of the fork server (rlopt/cc/forkserver.py: its protocol), which
 * the launcher starts when none listens; where there can be none (server off, no private socket directory),
 * or it refuses the call, in a new interpreter.
 * Value encoding (rlopt.cc.build.pack): "RLF1" then fields [u32 name length][name][u64 length][bytes], little
 * endian; every stored value is preceded by the CRC-32 of the rest (rlopt.cc.store.seal).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef RLOPT_VERSION
#error "build with -DRLOPT_VERSION=\"x.y.z\" (rlopt/cc/launcher.py does)"
#endif
#define FORMAT "rlopt-cc native 1"
#define KEY_ENV "RLOPT_CC_NATIVE_KEY"
#define BUSY_TIMEOUT_MS 60000

extern char **environ;

/* -- bytes ------------------------------------------------------------------------------------------------ */
typedef struct {
    unsigned char *data;
    size_t len, cap;
} Buf;

static void buf_add(Buf *b, const void *p, size_t n) {
    if (b->len + n > b->cap) {
        b->cap = (b->len + n) * 2 + 256;
        b->data = realloc(b->data, b->cap);
        if (!b->data) abort();
    }
    memcpy(b->data + b->len, p, n);
    b->len += n;
}

static void buf_str(Buf *b, const char *s) { buf_add(b, s, strlen(s) + 1); } /* with its NUL: no ambiguity */

/* SHA-256 (FIPS 180-4), for the key only. */
static const uint32_t K256[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};

#define ROR(x, n) (((x) >> (n)) | ((x) << (32 - (n))))

static void sha256_block(uint32_t h[8], const unsigned char *p) {
    uint32_t w[64], s[8];
    for (int i = 0; i < 16; i++)
        w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 | (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
    for (int i = 16; i < 64; i++) {
        uint32_t s0 = ROR(w[i - 15], 7) ^ ROR(w[i - 15], 18) ^ (w[i - 15] >> 3);
        uint32_t s1 = ROR(w[i - 2], 17) ^ ROR(w[i - 2], 19) ^ (w[i - 2] >> 10);
        w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    memcpy(s, h, sizeof s);
    for (int i = 0; i < 64; i++) {
        uint32_t t1 = s[7] + (ROR(s[4], 6) ^ ROR(s[4], 11) ^ ROR(s[4], 25)) + ((s[4] & s[5]) ^ (~s[4] & s[6])) +
                      K256[i] + w[i];
        uint32_t t2 = (ROR(s[0], 2) ^ ROR(s[0], 13) ^ ROR(s[0], 22)) + ((s[0] & s[1]) ^ (s[0] & s[2]) ^ (s[1] & s[2]));
        memmove(s + 1, s, 7 * sizeof *s);
        s[4] += t1;
        s[0] = t1 + t2;
    }
    for (int i = 0; i < 8; i++) h[i] += s[i];
}

static void sha256_hex(const unsigned char *msg, size_t len, char out[65]) {
    uint32_t h[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
    unsigned char tail[128] = {0};
    size_t full = len / 64 * 64, rest = len - full, tail_len = rest < 56 ? 64 : 128;
    for (size_t i = 0; i < full; i += 64) sha256_block(h, msg + i);
    memcpy(tail, msg + full, rest);
    tail[rest] = 0x80;
    for (int i = 0; i < 8; i++) tail[tail_len - 1 - i] = (unsigned char)((uint64_t)len * 8 >> (8 * i));
    for (size_t i = 0; i < tail_len; i += 64) sha256_block(h, tail + i);
    for (int i = 0; i < 8; i++) snprintf(out + 8 * i, 9, "%08x", h[i]);
}

/* CRC-32 as zlib computes it (the store's seal). */
static uint32_t crc32_of(const unsigned char *p, size_t n) {
    static uint32_t table[256];
    if (!table[1])
        for (uint32_t i = 0; i < 256; i++) {
            uint32_t c = i;
            for (int k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >> 1) : c >> 1;
            table[i] = c;
        }
    uint32_t c = 0xffffffff;
    while (n--) c = table[(c ^ *p++) & 0xff] ^ (c >> 8);
    return c ^ 0xffffffff;
}

/* A packed value's field (see the header comment); NULL if absent or the value is malformed. */
static const unsigned char *field(const unsigned char *v, size_t n, const char *name, size_t *len) {
    size_t want = strlen(name), i = 4;
    if (n < 4 || memcmp(v, "RLF1", 4) != 0) return NULL;
    while (i + 4 <= n) {
        uint32_t nl = v[i] | v[i + 1] << 8 | v[i + 2] << 16 | (uint32_t)v[i + 3] << 24;
        uint64_t vl = 0;
        if (nl > n - i - 4 || n - i - 4 - nl < 8) return NULL;
        for (int k = 7; k >= 0; k--) vl = vl << 8 | v[i + 4 + nl + k];
        size_t start = i + 4 + nl + 8;
        if (vl > n - start) return NULL;
        if (nl == want && memcmp(v + i + 4, name, nl) == 0) {
            *len = vl;
            return v + start;
        }
        i = start + vl;
    }
    return NULL;
}

/* A field of NUL-terminated strings (each text field the Python side writes; it may hold none). */
static const char *text(const unsigned char *v, size_t n, const char *name, size_t *len) {
    const unsigned char *p = field(v, n, name, len);
    return p && (*len == 0 || p[*len - 1] == '\0') ? (const char *)p : NULL;
}

/* -- the key ---------------------------------------------------------------------------------------------- */
static int by_string(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static void native_key(int argc, char **argv, int cxx, char key[67]) {
    static const char *fixed[] = {"PATH", "PYTHONPATH", "PYTHONHOME"};
    Buf b = {0};
    char cwd[PATH_MAX], digest[65], count[32];
    buf_str(&b, FORMAT);
    buf_str(&b, RLOPT_VERSION);
    buf_str(&b, cxx ? "c++" : "c");
    snprintf(count, sizeof count, "%d", argc);
    buf_str(&b, count);
    for (int i = 1; i < argc; i++) buf_str(&b, argv[i]);
    buf_str(&b, getcwd(cwd, sizeof cwd) ? cwd : "");
    for (size_t i = 0; i < sizeof fixed / sizeof *fixed; i++) {
        const char *value = getenv(fixed[i]);
        buf_str(&b, fixed[i]);
        buf_str(&b, value ? value : "\x01unset");
    }
    size_t n = 0, cap = 16;
    char **vars = malloc(cap * sizeof *vars);
    for (char **e = environ; *e; e++)
        if (strncmp(*e, "RLOPT_", 6) == 0 && strncmp(*e, KEY_ENV "=", sizeof KEY_ENV) != 0) {
            if (n == cap) vars = realloc(vars, (cap *= 2) * sizeof *vars);
            vars[n++] = *e;
        }
    qsort(vars, n, sizeof *vars, by_string); /* the environment's order must not matter */
    for (size_t i = 0; i < n; i++) buf_str(&b, vars[i]);
    free(vars);
    sha256_hex(b.data, b.len, digest);
    free(b.data);
    snprintf(key, 67, "n:%s", digest);
}

/* -- the store -------------------------------------------------------------------------------------------- */
/* The unsealed value under key (malloc'd), or NULL when it is missing or damaged. */
static unsigned char *get(sqlite3 *db, const char *key, size_t *len) {
    sqlite3_stmt *st;
    unsigned char *out = NULL;
    if (sqlite3_prepare_v2(db, "SELECT value FROM entries WHERE key=?", -1, &st, NULL) != SQLITE_OK) return NULL;
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW) {
        const unsigned char *blob = sqlite3_column_blob(st, 0);
        size_t n = (size_t)sqlite3_column_bytes(st, 0);
        if (blob && n >= 4 && crc32_of(blob + 4, n - 4) == (blob[0] | blob[1] << 8 | blob[2] << 16 | (uint32_t)blob[3] << 24)) {
            if ((out = malloc(n - 4 + 1))) {
                memcpy(out, blob + 4, n - 4);
                *len = n - 4;
            }
        }
    }
    sqlite3_finalize(st);
    return out;
}

static int exec_sql(sqlite3 *db, const char *sql, const char *a, double x) {
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) return -1;
    if (a) sqlite3_bind_text(st, 1, a, -1, SQLITE_STATIC);
    if (x >= 0) sqlite3_bind_double(st, a ? 2 : 1, x);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : -1;
}

/* One transaction, as the Python side's finish_call: the counters, and the LRU time of the entries used. */
static int finish(sqlite3 *db, const char *count, size_t count_len, const char *touch, size_t touch_len,
                  const char *key) {
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    double t = now.tv_sec + now.tv_nsec / 1e9;
    if (exec_sql(db, "BEGIN IMMEDIATE", NULL, -1)) return -1;
    int bad = exec_sql(db, "UPDATE entries SET atime=?2 WHERE key=?1", key, t);
    for (const char *p = count; !bad && p < count + count_len; p += strlen(p) + 1)
        bad = exec_sql(db, "INSERT INTO counters VALUES (?1, 1) ON CONFLICT(name) DO UPDATE SET value = value + 1",
                       p, -1);
    for (const char *p = touch; !bad && p < touch + touch_len; p += strlen(p) + 1)
        bad = exec_sql(db, "UPDATE entries SET atime=?2 WHERE key=?1", p, t);
    if (bad || exec_sql(db, "COMMIT", NULL, -1)) {
        exec_sql(db, "ROLLBACK", NULL, -1);
        return -1;
    }
    return 0;
}

/* -- checks and outputs ----------------------------------------------------------------------------------- */
/* Every "path\0state\0" pair still holds: state is "absent", "exists" or "dev:ino:size:mtime_ns:ctime_ns". */
static int files_unchanged(const char *p, size_t n) {
    const char *end = p + n;
    while (p < end) {
        const char *path = p, *want = p + strlen(p) + 1;
        struct stat st;
        char have[128];
        if (want >= end) return 0;
        p = want + strlen(want) + 1;
        if (stat(path, &st) != 0) {
            if ((errno == ENOENT || errno == ENOTDIR) && strcmp(want, "absent") == 0) continue;
            return 0;
        }
        if (strcmp(want, "exists") == 0) continue;
        snprintf(have, sizeof have, "%llu:%llu:%lld:%lld:%lld", (unsigned long long)st.st_dev,
                 (unsigned long long)st.st_ino, (long long)st.st_size,
                 (long long)st.st_mtim.tv_sec * 1000000000LL + st.st_mtim.tv_nsec,
                 (long long)st.st_ctim.tv_sec * 1000000000LL + st.st_ctim.tv_nsec);
        if (strcmp(want, have) != 0) return 0;
    }
    return 1;
}

/* Every "NAME\0value\0" pair: the variable has that value (unset counts as empty, as for the Python side). */
static int env_unchanged(const char *p, size_t n) {
    const char *end = p + n;
    while (p < end) {
        const char *name = p, *want = p + strlen(p) + 1, *have;
        if (want >= end) return 0;
        p = want + strlen(want) + 1;
        have = getenv(name);
        if (strcmp(have ? have : "", want) != 0) return 0;
    }
    return 1;
}

/* rlopt.output.write_output: a temporary file beside the target renamed over it, keeping the target's mode
 * (else 0666 less the umask). Anything but a regular file or nothing at the path: the Python side decides. */
static int write_atomic(const char *path, const unsigned char *data, size_t len) {
    struct stat st;
    int exists = stat(path, &st) == 0;
    if (exists ? !S_ISREG(st.st_mode) : errno != ENOENT) return -1;
    const char *slash = strrchr(path, '/');
    char tmp[PATH_MAX];
    int dir_len = slash ? (int)(slash - path) : 1; /* "/name": "" then "/" (the root directory) */
    if (snprintf(tmp, sizeof tmp, "%.*s/.%s.XXXXXX", dir_len, slash ? path : ".", slash ? slash + 1 : path) >=
        (int)sizeof tmp)
        return -1;
    int fd = mkstemp(tmp);
    if (fd < 0) return -1;
    mode_t mask = umask(0);
    umask(mask);
    int ok = fchmod(fd, exists ? st.st_mode & 07777 : 0666 & ~mask) == 0;
    for (size_t done = 0; ok && done < len;) {
        ssize_t w = write(fd, data + done, len - done);
        ok = w > 0;
        done += ok ? (size_t)w : 0;
    }
    ok = close(fd) == 0 && ok && rename(tmp, path) == 0;
    if (!ok) unlink(tmp);
    return ok ? 0 : -1;
}

/* Whether the command's last colour flag asks for colours whatever stderr is (rlopt.cc.build.colour_forced). */
static int colour_forced;

static int forces_colour(int argc, char **argv) {
    int forced = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-fcolor-diagnostics") || !strcmp(a, "-fdiagnostics-color") ||
            !strcmp(a, "-fdiagnostics-color=always"))
            forced = 1;
        else if (!strcmp(a, "-fno-color-diagnostics") || !strcmp(a, "-fno-diagnostics-color") ||
                 !strcmp(a, "-fdiagnostics-color=never") || !strcmp(a, "-fdiagnostics-color=auto"))
            forced = 0;
    }
    return forced;
}

/* Replay recorded diagnostics; colour codes only when stderr is a terminal or the command asks for them
   (rlopt.cc.build.emit_stderr). */
static void emit_stderr(const unsigned char *p, size_t n) {
    int tty = isatty(2) || colour_forced;
    Buf out = {0};
    for (size_t i = 0; i < n; i++) {
        if (!tty && p[i] == 0x1b && i + 1 < n && p[i + 1] == '[') {
            size_t j = i + 2;
            while (j < n && ((p[j] >= '0' && p[j] <= '9') || p[j] == ';')) j++;
            if (j < n && p[j] == 'm') {
                i = j;
                continue;
            }
        }
        buf_add(&out, p + i, 1);
    }
    for (size_t done = 0; done < out.len;) {
        ssize_t w = write(2, out.data + done, out.len - done);
        if (w <= 0) break;
        done += (size_t)w;
    }
    free(out.data);
}

/* The call's line in $RLOPT_CC_LOG: the Python side's fields (the static ones come with the record). */
static void write_log(const char *fragment, const struct timespec *start) {
    const char *path = getenv("RLOPT_CC_LOG");
    if (!path || !*path || !fragment) return;
    struct timespec now;
    struct rusage self, children;
    char when[32];
    time_t t = time(NULL);
    clock_gettime(CLOCK_MONOTONIC, &now);
    getrusage(RUSAGE_SELF, &self);
    getrusage(RUSAGE_CHILDREN, &children);
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%S", localtime(&t));
#define CPU(u) ((u).ru_utime.tv_sec + (u).ru_stime.tv_sec + ((u).ru_utime.tv_usec + (u).ru_stime.tv_usec) / 1e6)
    char *line = NULL;
    int n = asprintf(&line,
                     "{\"time\": \"%s\", \"pid\": %d, %s, \"seconds\": {\"total\": %.4f}, \"cpu_seconds\": "
                     "{\"self\": %.4f, \"children\": %.4f}, \"peak_rss_kb\": {\"self\": %ld, \"children\": %ld}}\n",
                     when, (int)getpid(), fragment,
                     (now.tv_sec - start->tv_sec) + (now.tv_nsec - start->tv_nsec) / 1e9, CPU(self), CPU(children),
                     self.ru_maxrss, children.ru_maxrss);
    FILE *f = n > 0 ? fopen(path, "a") : NULL;
    if (f) { /* one write of the whole line (O_APPEND), so parallel jobs' lines do not mix */
        setvbuf(f, NULL, _IOFBF, (size_t)n + 1);
        fwrite(line, 1, (size_t)n, f);
        fclose(f);
    }
    free(line);
}

/* Delete a temporary directory of plain files. */
static void remove_all(const char *dir) {
    char path[2 * PATH_MAX];
    DIR *d = opendir(dir);
    for (struct dirent *e; d && (e = readdir(d));)
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
            snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
            unlink(path);
        }
    if (d) closedir(d);
    rmdir(dir);
}

#define NOT_STARTED INT_MIN

/* Run the compiler with the recorded arguments ("compiler\0arg\0..."; the empty one, if any, is the object's
 * place) and the environment the Python side gives it: with `replace` instead of this process (returns only if
 * that fails), else its exit status as rlopt.cc.build.run_status reports it, or NOT_STARTED. */
static int run_compiler(const char *args, size_t len, const char *object, int replace) {
    size_t argc = 1;
    for (const char *p = args; p < args + len; p += strlen(p) + 1) argc++;
    char **argv = calloc(argc, sizeof *argv);
    argc = 0;
    for (char *p = (char *)args; p < args + len; p += strlen(p) + 1) argv[argc++] = *p || !object ? p : (char *)object;
    unsetenv(KEY_ENV);
    setenv("RLOPT_CC_ACTIVE", "1", 1); /* as the Python side runs every compiler: no recursion */
    if (replace) {
        execv(argv[0], argv);
        return NOT_STARTED;
    }
    pid_t pid = fork();
    if (pid == 0) {
        execv(argv[0], argv);
        _exit(127);
    }
    int status;
    free(argv);
    if (pid < 0 || waitpid(pid, &status, 0) < 0) return NOT_STARTED;
    return WIFSIGNALED(status) ? -WTERMSIG(status) : WEXITSTATUS(status);
}

/* -- one call --------------------------------------------------------------------------------------------- */
static const char *program_name(const char *argv0) {
    const char *slash = strrchr(argv0, '/');
    return slash ? slash + 1 : argv0;
}

/* The name in our messages (rlopt.cc.stats.program): the one called, if it is an rlopt-c* program. */
static const char *program(const char *argv0) {
    const char *name = program_name(argv0);
    return strncmp(name, "rlopt-c", 7) == 0 ? name : "rlopt-cc";
}

/* rlopt.cc.build.run_link: the link into `output` through a temporary name beside it, renamed over `output`
 * once the link succeeds (a link killed midway leaves the old program, never a partial file newer than its
 * objects); in place without `output`, or where Python's temporary_name would give no name. A signal that
 * ends this process first removes the temporary file. */
static char link_tmp[PATH_MAX];

static void drop_link_tmp(int sig) {
    unlink(link_tmp);
    signal(sig, SIG_DFL);
    raise(sig);
}

static int run_link(const char *args, size_t len, const char *object, const char *output, const char *argv0) {
    struct stat st;
    char dir[PATH_MAX];
    const char *slash = output ? strrchr(output, '/') : NULL;
    int prefix = slash ? (int)(slash - output) + 1 : 0; /* the directory part, with its slash */
    unsigned char rnd[6];
    if (!output || strcmp(output, "-") == 0 || (lstat(output, &st) == 0 && !S_ISREG(st.st_mode)) ||
        snprintf(dir, sizeof dir, "%.*s", prefix ? prefix : 1, prefix ? output : ".") >= (int)sizeof dir ||
        access(dir, W_OK | X_OK) || getrandom(rnd, sizeof rnd, 0) != (ssize_t)sizeof rnd ||
        snprintf(link_tmp, sizeof link_tmp, "%.*s.%s.%02x%02x%02x%02x%02x%02x.tmp", prefix, output,
                 output + prefix, rnd[0], rnd[1], rnd[2], rnd[3], rnd[4], rnd[5]) >= (int)sizeof link_tmp)
        return run_compiler(args, len, object, 0);
    size_t tmp_n = strlen(link_tmp) + 1;
    char *with_tmp = malloc(len + 3 + tmp_n);
    memcpy(with_tmp, args, len);
    memcpy(with_tmp + len, "-o", 3);
    memcpy(with_tmp + len + 3, link_tmp, tmp_n);
    const int signals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};
    for (size_t i = 0; i < sizeof signals / sizeof *signals; i++)
        if (signal(signals[i], SIG_IGN) != SIG_IGN) signal(signals[i], drop_link_tmp); /* nohup stays nohup */
    int status = run_compiler(with_tmp, len + 3 + tmp_n, object, 0);
    free(with_tmp);
    if (status == 0 && lstat(link_tmp, &st) == 0 && rename(link_tmp, output)) {
        fprintf(stderr, "%s: error: cannot write %s: %s\n", program(argv0), output, strerror(errno));
        status = 1;
    }
    unlink(link_tmp);
    return status;
}

/* Exit with a compiler's status as run_compiler gives it: a signal it died of ends this process the same way. */
_Noreturn static void exit_as(int status) {
    if (status < 0) {
        signal(-status, SIG_DFL);
        raise(-status);
    }
    exit(status & 0xff);
}

/* The interpreter of the environment the launcher was installed into: `<this directory>/python`. */
static int python_path(char *out, size_t size) {
    char self[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n <= 0) return -1;
    self[n] = '\0';
    *strrchr(self, '/') = '\0';
    return snprintf(out, size, "%s/python", self) < (int)size ? 0 : -1;
}

/* Run the Python implementation with the same arguments: `<this directory>/python -c <launched()> ARGV0 ARGS`,
 * else python3 from PATH. */
_Noreturn static void run_python(int argc, char **argv) {
    char python[PATH_MAX];
    char **args = calloc((size_t)argc + 4, sizeof *args);
    args[1] = "-c";
    args[2] = "from rlopt.cc.main import launched; launched()";
    memcpy(args + 3, argv, (size_t)argc * sizeof *argv);
    if (python_path(python, sizeof python) == 0) {
        args[0] = python;
        execv(python, args);
    }
    args[0] = "python3";
    execvp("python3", args);
    fprintf(stderr, "%s: error: cannot run python: %s\n", program(argv[0]), strerror(errno));
    exit(127);
}

/* rlopt-cc's directory in the cache directory, as rlopt.cc.main.cache_dir names it. */
static int cc_dir(char *out, size_t size) {
    const char *cache = getenv("RLOPT_CACHE_DIR"), *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
    int n;
    if (cache && *cache)
        n = snprintf(out, size, "%s/cc", cache);
    else if (xdg && *xdg)
        n = snprintf(out, size, "%s/rlopt/cc", xdg);
    else if (home && *home)
        n = snprintf(out, size, "%s/.cache/rlopt/cc", home);
    else
        return -1;
    return n < (int)size ? 0 : -1;
}

/* Serve the call from its record. Returns only if it cannot (then Python answers); exits or execs otherwise. */
static void serve(const char *key, const struct timespec *start, const char *argv0) {
    char dir[PATH_MAX], path[PATH_MAX + 16];
    if (cc_dir(dir, sizeof dir)) return;
    snprintf(path, sizeof path, "%s/store.sqlite", dir);
    sqlite3 *db;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
        sqlite3_close(db);
        return;
    }
    sqlite3_busy_timeout(db, BUSY_TIMEOUT_MS);
    sqlite3_exec(db, "PRAGMA synchronous=OFF", NULL, NULL, NULL);
    size_t n, files_n, env_n, kind_n, count_n, touch_n, log_n, result_n;
    unsigned char *rec = get(db, key, &n), *result = NULL;
    const char *files = rec ? text(rec, n, "files", &files_n) : NULL;
    const char *env = rec ? text(rec, n, "env", &env_n) : NULL;
    const char *kind = rec ? text(rec, n, "kind", &kind_n) : NULL;
    const char *count = rec ? text(rec, n, "count", &count_n) : NULL;
    const char *touch = rec ? text(rec, n, "touch", &touch_n) : NULL;
    const char *log = rec ? text(rec, n, "log", &log_n) : NULL;
    if (!files || !env || !kind || !count || !touch || !files_unchanged(files, files_n) || !env_unchanged(env, env_n))
        goto python;
    if (strcmp(kind, "hit") == 0 || strcmp(kind, "link") == 0) {
        int link = kind[0] == 'l';
        size_t out_n, res_n, err_n, obj_n, res_err_n, deps_path_n, deps_n;
        const char *output = text(rec, n, "output", &out_n), *res = text(rec, n, "result", &res_n);
        size_t args_n, error_count_n;
        const char *args = text(rec, n, "args", &args_n), *error_count = text(rec, n, "count_error", &error_count_n);
        char tmp[PATH_MAX] = "", object_path[2 * PATH_MAX];
        if (link && (!args || !error_count)) goto python;
        if (link && output) { /* the object goes to a private directory, as rlopt.cc.main._TempDir makes it */
            const char *tmpdir = getenv("TMPDIR");
            snprintf(tmp, sizeof tmp, "%s/rlopt-cc-XXXXXX", tmpdir && *tmpdir ? tmpdir : "/tmp");
            if (!mkdtemp(tmp)) goto python;
            snprintf(object_path, sizeof object_path, "%s/%s", tmp, output);
            output = object_path;
        }
        const char *deps_path = text(rec, n, "deps_path", &deps_path_n);
        const unsigned char *deps = field(rec, n, "deps", &deps_n), *err = field(rec, n, "stderr", &err_n);
        const unsigned char *object = NULL, *res_err = NULL;
        if (output && res && err && (!deps_path || deps) && (result = get(db, res, &result_n))) {
            object = field(result, result_n, "object", &obj_n);
            res_err = field(result, result_n, "stderr", &res_err_n);
        }
        if (!object || (deps_path && write_atomic(deps_path, deps, deps_n)) || write_atomic(output, object, obj_n) ||
            (!link && finish(db, count, count_n, touch, touch_n, key))) {
            if (*tmp) remove_all(tmp);
            goto python;
        }
        emit_stderr(err, err_n);
        if (res_err) emit_stderr(res_err, res_err_n);
        int status = 0;
        if (link) {
            size_t link_output_n;
            const char *link_output = text(rec, n, "link_output", &link_output_n);
            status = run_link(args, args_n, output, link_output, argv0);
            remove_all(tmp);
            if (status == NOT_STARTED) goto python;
            if (status) count = error_count, count_n = error_count_n; /* counted as a compile error, as by Python */
            if (finish(db, count, count_n, touch, touch_n, key))
                fprintf(stderr, "%s: warning: statistics not recorded (%s)\n", program(argv0), sqlite3_errmsg(db));
        }
        sqlite3_close(db);
        write_log(log, start);
        exit_as(status);
    }
    if (strcmp(kind, "exec") == 0) {
        size_t args_n, link_output_n;
        const char *args = text(rec, n, "args", &args_n), *link_output = text(rec, n, "link_output", &link_output_n);
        if (!args || finish(db, count, count_n, touch, touch_n, key)) goto python;
        sqlite3_close(db);
        write_log(log, start);
        if (link_output) {
            int status = run_link(args, args_n, NULL, link_output, argv0);
            if (status != NOT_STARTED) exit_as(status);
        } else {
            run_compiler(args, args_n, NULL, 1);
        }
        fprintf(stderr, "%s: error: cannot run %s: %s\n", program(argv0), args, strerror(errno));
        exit(127);
    }
python:
    free(result);
    free(rec);
    sqlite3_close(db);
}

/* -- the fork server (rlopt/cc/forkserver.py: why, and the protocol) ------------------------------------- */
#define FORK_FORMAT "rlopt-cc fork server 1"
#define FORK_START_MS 10000 /* the longest wait for a fork's pid; the call itself may take as long as it takes */

/* The sockets' directory, if private to this user (rlopt.cc.server.private_dir). */
static int private_dir(char *out, size_t size) {
    const char *xdg = getenv("XDG_RUNTIME_DIR"), *tmp = getenv("TMPDIR");
    struct stat st;
    int n = xdg && *xdg ? snprintf(out, size, "%s", xdg)
                        : snprintf(out, size, "%s/rlopt-cc-%d", tmp && *tmp ? tmp : "/tmp", (int)getuid());
    if (n >= (int)size) return -1;
    if (!(xdg && *xdg)) mkdir(out, 0700);
    return stat(out, &st) == 0 && st.st_uid == getuid() && !(st.st_mode & 077) ? 0 : -1;
}

/* Where this environment's fork server listens (rlopt.cc.forkserver.socket_path). */
static int fork_server_path(char *out, size_t size) {
    char python[PATH_MAX], dir[PATH_MAX], base[PATH_MAX], hex[65];
    const char *pythonpath = getenv("PYTHONPATH"), *pythonhome = getenv("PYTHONHOME");
    if (python_path(python, sizeof python) || cc_dir(dir, sizeof dir) || private_dir(base, sizeof base)) return -1;
    Buf b = {0};
    buf_str(&b, FORK_FORMAT);
    buf_str(&b, python);
    buf_str(&b, dir);
    buf_str(&b, pythonpath ? pythonpath : "");
    buf_str(&b, pythonhome ? pythonhome : "");
    sha256_hex(b.data, b.len, hex);
    free(b.data);
    hex[24] = '\0';
    return snprintf(out, size, "%s/fork-%s.sock", base, hex) < (int)size ? 0 : -1;
}

static int send_all(int fd, const void *p, size_t n) {
    for (size_t done = 0; done < n;) {
        ssize_t w = send(fd, (const char *)p + done, n - done, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return -1;
        done += (size_t)w;
    }
    return 0;
}

static int read_all(int fd, void *p, size_t n) {
    for (size_t done = 0; done < n;) {
        ssize_t r = read(fd, (char *)p + done, n - done);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) return -1;
        done += (size_t)r;
    }
    return 0;
}

static const int FORWARDED[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};
#define N_FORWARDED (int)(sizeof FORWARDED / sizeof *FORWARDED)
static volatile sig_atomic_t fork_pid, forwarded;

/* A signal for this call goes to the fork's process group (the fork and the compilers it runs). */
static void forward(int sig) {
    forwarded = sig;
    if (fork_pid > 0) kill(-fork_pid, sig);
}

_Noreturn static void die_of(int sig) {
    signal(sig, SIG_DFL);
    raise(sig);
    exit(128 + sig);
}

/* The request: FORK_FORMAT, then this process's state and the call (see forkserver.py). */
static int fork_request(Buf *req, int argc, char **argv) {
    char cwd[PATH_MAX], num[64];
    mode_t mask = umask(0);
    umask(mask);
    errno = 0;
    int priority = getpriority(PRIO_PROCESS, 0);
    if (!getcwd(cwd, sizeof cwd) || (priority == -1 && errno)) return -1;
    buf_str(req, FORK_FORMAT);
    buf_str(req, cwd);
    snprintf(num, sizeof num, "%d", (int)mask);
    buf_str(req, num);
    snprintf(num, sizeof num, "%d", priority);
    buf_str(req, num);
    snprintf(num, sizeof num, "%d", (int)RLIM_NLIMITS);
    buf_str(req, num);
    for (int r = 0; r < RLIM_NLIMITS; r++) {
        struct rlimit rl;
        if (getrlimit(r, &rl)) return -1;
        snprintf(num, sizeof num, "%lld %lld", rl.rlim_cur == RLIM_INFINITY ? -1LL : (long long)rl.rlim_cur,
                 rl.rlim_max == RLIM_INFINITY ? -1LL : (long long)rl.rlim_max);
        buf_str(req, num);
    }
    snprintf(num, sizeof num, "%d", argc);
    buf_str(req, num);
    for (int i = 0; i < argc; i++) buf_str(req, argv[i]);
    for (char **e = environ; *e; e++) buf_str(req, *e);
    return 0;
}

/* Become the program the fork names ("path\0argc\0args...\0env...\0"). */
_Noreturn static void become(char *payload, size_t n, const char *argv0) {
    char *end = payload + n, *p = payload, *path = p;
    p += strlen(p) + 1;
    int argc = p < end ? atoi(p) : 0;
    p += strlen(p) + 1;
    char **args = calloc((size_t)argc + 1, sizeof *args), **env = calloc(n + 1, sizeof *env);
    for (int i = 0; i < argc && p < end; i++, p += strlen(p) + 1) args[i] = p;
    for (size_t i = 0; p < end; i++, p += strlen(p) + 1) env[i] = p;
    execve(path, args, env);
    fprintf(stderr, "%s: error: cannot run %s: %s\n", program(argv0), path, strerror(errno));
    exit(127);
}

static int connect_to(const struct sockaddr_un *addr) {
    int sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (sock >= 0 && connect(sock, (const struct sockaddr *)addr, sizeof *addr) == 0) return sock;
    int why = errno;
    if (sock >= 0) close(sock);
    errno = why;
    return -1;
}

/* Start the fork server and connect to it, or -1. Jobs queue on a lock, so that of many jobs finding none one
 * starts it; one that failed to start is not tried again for a minute (as rlopt.cc.server does). */
static int start_fork_server(const struct sockaddr_un *addr) {
    char python[PATH_MAX], lock_path[sizeof addr->sun_path + 16], failed[sizeof lock_path], log[sizeof lock_path];
    struct stat st;
    snprintf(lock_path, sizeof lock_path, "%s.spawn", addr->sun_path);
    snprintf(failed, sizeof failed, "%s.failed", addr->sun_path);
    snprintf(log, sizeof log, "%s.log", addr->sun_path);
    int lock = open(lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0600), sock = -1;
    if (lock < 0 || python_path(python, sizeof python)) goto done;
    while (flock(lock, LOCK_EX) && errno == EINTR) continue;
    if ((sock = connect_to(addr)) >= 0) goto done; /* another job started it while we waited */
    if (stat(failed, &st) == 0 && time(NULL) - st.st_mtime < 60) goto done;
    pid_t pid = fork();
    if (pid == 0) { /* the fork server: a session of its own, holding none of this call's descriptors */
        int null = open("/dev/null", O_RDWR), out = open(log, O_WRONLY | O_CREAT | O_APPEND, 0600);
        if (null < 0 || out < 0 || setsid() < 0) _exit(127);
        dup2(null, 0);
        dup2(out, 1);
        dup2(out, 2);
#ifdef SYS_close_range
        if (syscall(SYS_close_range, 3, ~0U, 0))
#endif
            for (int fd = 3; fd < 1024; fd++) close(fd);
        unsetenv(KEY_ENV);
        execl(python, python, "-c", "from rlopt.cc.forkserver import serve; serve()", addr->sun_path, (char *)NULL);
        _exit(127);
    }
    for (int waited = 0; pid > 0 && waited < 10000; waited += 5) { /* ms: it imports the wrapper first */
        if ((sock = connect_to(addr)) >= 0 || waitpid(pid, NULL, WNOHANG) == pid) break;
        usleep(5000);
    }
    if (sock < 0) close(open(failed, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
done:
    if (lock >= 0) close(lock); /* releases the lock */
    return sock;
}

/* Is the model server (and so the fork server) turned off in the environment? (rlopt.conf: the fork server
 * reads it, and exits at once if it says so.) */
static int server_off(void) {
    const char *v = getenv("RLOPT_CC_SERVER");
    if (!v) return 0;
    for (const char *const *f = (const char *const[]){"", "0", "false", "no", "off", NULL}; *f; f++)
        if (strcasecmp(v, *f) == 0) return 1;
    return 0;
}

/* Hand the call to the fork server, started if none listens. Returns only if none takes it (then a new
 * interpreter answers); exits or execs otherwise. */
static void via_fork_server(int argc, char **argv) {
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    int fds[3] = {0, 1, 2};
    for (int fd = 0; fd < 3; fd++)
        if (fcntl(fd, F_GETFD) < 0) return; /* a closed descriptor cannot be passed on */
    if (server_off() || fork_server_path(addr.sun_path, sizeof addr.sun_path)) return;
    int sock = connect_to(&addr);
    if (sock < 0 && (errno == ENOENT || errno == ECONNREFUSED)) sock = start_fork_server(&addr);
    if (sock < 0) return;
    Buf req = {0};
    if (fork_request(&req, argc, argv)) goto refused;
    unsigned char head[8];
    for (int i = 0; i < 8; i++) head[i] = (unsigned char)((uint64_t)req.len >> (8 * i));
    union {
        char buf[CMSG_SPACE(sizeof fds)];
        struct cmsghdr align;
    } control = {0};
    struct iovec iov = {.iov_base = head, .iov_len = sizeof head};
    struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf,
                         .msg_controllen = sizeof control.buf};
    struct cmsghdr *cmsg = CMSG_FIRSTHDR(&msg);
    cmsg->cmsg_level = SOL_SOCKET;
    cmsg->cmsg_type = SCM_RIGHTS;
    cmsg->cmsg_len = CMSG_LEN(sizeof fds);
    memcpy(CMSG_DATA(cmsg), fds, sizeof fds);
    if (sendmsg(sock, &msg, MSG_NOSIGNAL) != (ssize_t)sizeof head || send_all(sock, req.data, req.len)) goto refused;
    free(req.data);
    struct sigaction sa = {.sa_handler = forward}, old[N_FORWARDED];
    sigemptyset(&sa.sa_mask);
    for (int i = 0; i < N_FORWARDED; i++) sigaction(FORWARDED[i], &sa, &old[i]);
    for (;;) {
        unsigned char tag[5];
        struct pollfd ready = {.fd = sock, .events = POLLIN};
        int n_ready = 1;
        while (!fork_pid && (n_ready = poll(&ready, 1, FORK_START_MS)) < 0 && errno == EINTR) continue;
        if (!fork_pid && n_ready <= 0) break; /* no fork in sight (a stuck fork server): Python answers */
        if (read_all(sock, tag, sizeof tag)) break;
        uint32_t n = tag[1] | tag[2] << 8 | tag[3] << 16 | (uint32_t)tag[4] << 24;
        char *payload = malloc((size_t)n + 1);
        if (!payload || read_all(sock, payload, n)) break;
        payload[n] = '\0';
        if (tag[0] == 'p') {
            fork_pid = atoi(payload);
            if (forwarded) kill(-fork_pid, forwarded);
            free(payload);
            continue;
        }
        for (int i = 0; i < N_FORWARDED; i++) sigaction(FORWARDED[i], &old[i], NULL);
        if (tag[0] == 'x') {
            int status = atoi(payload);
            if (status < 0) die_of(-status);
            exit(status & 0xff);
        }
        if (tag[0] == 'e') become(payload, n, argv[0]);
        free(payload);
        close(sock);
        return; /* 's': not this fork server's call */
    }
    for (int i = 0; i < N_FORWARDED; i++) sigaction(FORWARDED[i], &old[i], NULL);
    if (forwarded) die_of(forwarded); /* the fork died of the signal we forwarded: so does the call */
    close(sock);                      /* it died by itself: a new interpreter answers the call */
    return;
refused:
    free(req.data);
    close(sock);
}

int main(int argc, char **argv) {
    struct timespec start;
    clock_gettime(CLOCK_MONOTONIC, &start);
    if (argc > 1 && !getenv("RLOPT_CC_ACTIVE")) { /* nested under a wrapper: Python runs the compiler */
        char key[67];
        const char *name = program_name(argv[0]);
        size_t len = strlen(name);
        native_key(argc, argv, len >= 2 && strcmp(name + len - 2, "++") == 0, key);
        setenv(KEY_ENV, key, 1);
        colour_forced = forces_colour(argc, argv);
        serve(key, &start, argv[0]);
        via_fork_server(argc, argv);
    }
    run_python(argc, argv);
}

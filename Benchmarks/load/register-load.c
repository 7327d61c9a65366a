// register-load: offers digest-authenticated registrations to a registrar at a steady rate and times each on a
// microsecond clock: REGISTER -> 401 challenge -> REGISTER with Authorization (MD5, qop=auth when offered) -> 200.
// SIPp's own clock moves in 4 ms steps on this machine and it sends its new registrations in bursts on that clock,
// so its histogram cannot tell a 0.3 ms registration from a 3 ms one; this generator starts registrations evenly
// (a few every 200 µs at most) and reads the time of each answer as it arrives. No retransmissions: a registration
// with an unanswered request is counted lost.
//
// register-load HOST PORT RATE SECONDS SOCKETS USERS
//   Starts RATE registrations per second for SECONDS from SOCKETS UDP sockets on 127.0.0.1. USERS is the users file of
//   ../shared/bench/register_race.py ("user;domain;password;..." per line after a "SEQUENTIAL" line): registration n
//   is for user n modulo their number, always from the same socket, so every user keeps one contact. Waits 2 s for
//   late answers. Prints one JSON object. Build: gcc -O2 -o register-load register-load.c -lcrypto
#include "sip-load.h"

#include <openssl/evp.h>

#define MAX_USERS 100000
#define FIELD_BYTES 128
#define REQUEST_BYTES 1024

enum stage { AWAITING_CHALLENGE, AWAITING_OK, FINISHED };

struct user {
    char name[FIELD_BYTES], domain[FIELD_BYTES], password[FIELD_BYTES];
};

static struct load load;
static struct user *users;
static int user_count;
static struct histogram total_latency, challenge_latency, authorized_latency;
static int64_t *started_at, *authorized_at;
static uint8_t *stage;
static char request[REQUEST_BYTES];
static struct mmsghdr out;
static struct iovec out_vector;
static uint64_t ok, failed, duplicate, foreign, send_errors;

static int socket_of(int64_t sequence) { return (int)((sequence % user_count) % load.sockets); }

static void load_users(const char *path) {
    FILE *file = fopen(path, "r");
    if (!file) {
        perror("register-load: USERS");
        exit(2);
    }
    users = calloc(MAX_USERS, sizeof *users);
    char line[512];
    while (users && fgets(line, sizeof line, file) && user_count < MAX_USERS) {
        struct user *user = &users[user_count];
        if (sscanf(line, "%127[^;];%127[^;];%127[^;\n]", user->name, user->domain, user->password) == 3) user_count++;
    }
    fclose(file);
    if (user_count == 0) {
        fprintf(stderr, "register-load: no users in %s\n", path);
        exit(2);
    }
}

// The first REGISTER (letter 'a') or the authorized one ('b') of registration `sequence`, `authorization` empty or a
// whole header line.
static int format_register(char *buffer, int64_t sequence, char letter, int cseq, const char *authorization) {
    const struct user *user = &users[sequence % user_count];
    int local_port = load.ports[socket_of(sequence)];
    long long number = (long long)sequence;
    return snprintf(buffer, REQUEST_BYTES,
        "REGISTER sip:%s:%d SIP/2.0\r\n"
        "Via: SIP/2.0/UDP 127.0.0.1:%d;branch=z9hG4bKrl%lld%c\r\n"
        "Max-Forwards: 70\r\n"
        "From: <sip:%s@%s>;tag=rl%lld\r\n"
        "To: <sip:%s@%s>\r\n"
        "Call-ID: rl%lld@127.0.0.1\r\n"
        "CSeq: %d REGISTER\r\n"
        "Contact: <sip:%s@127.0.0.1:%d;transport=udp>\r\n"
        "%s"
        "Expires: 3600\r\n"
        "User-Agent: register-load\r\n"
        "Content-Length: 0\r\n\r\n",
        load.host, load.port, local_port, number, letter, user->name, user->domain, number, user->name, user->domain, number, cseq,
        user->name, local_port, authorization);
}

static void md5_hex(const char *text, char hex[33]) {
    unsigned char digest[16];
    unsigned int length = 0;
    EVP_Digest(text, strlen(text), digest, &length, EVP_md5(), NULL);
    for (int i = 0; i < 16; i++) sprintf(hex + 2 * i, "%02x", digest[i]);
}

// Copies the quoted value of `name="..."` in `line` into `value`; 0 when absent.
static int quoted_parameter(const char *line, const char *end, const char *name, char value[FIELD_BYTES]) {
    char marker[32];
    snprintf(marker, sizeof marker, "%s=\"", name);
    const char *found = memmem(line, (size_t)(end - line), marker, strlen(marker));
    if (!found) return 0;
    const char *start = found + strlen(marker), *close = memchr(start, '"', (size_t)(end - start));
    if (!close || close - start >= FIELD_BYTES) return 0;
    memcpy(value, start, (size_t)(close - start));
    value[close - start] = 0;
    return 1;
}

// The Authorization header line answering the MD5 challenge of `response`; 0 when it offers none.
static int authorization_for(int64_t sequence, const char *response, int length, char *header, size_t size) {
    const char *end = response + length, *line = response;
    while ((line = memmem(line, (size_t)(end - line), "WWW-Authenticate:", 17))) {
        const char *line_end = memmem(line, (size_t)(end - line), "\r\n", 2);
        if (!line_end) line_end = end;
        const char *algorithm = memmem(line, (size_t)(line_end - line), "algorithm=", 10);
        if (algorithm && strncasecmp(algorithm + 10, "MD5", 3) != 0 && strncasecmp(algorithm + 10, "\"MD5", 4) != 0) {
            line = line_end;
            continue;
        }
        char realm[FIELD_BYTES], nonce[FIELD_BYTES], opaque[FIELD_BYTES] = "", qop[FIELD_BYTES] = "";
        if (!quoted_parameter(line, line_end, "realm", realm) || !quoted_parameter(line, line_end, "nonce", nonce)) return 0;
        int has_opaque = quoted_parameter(line, line_end, "opaque", opaque);
        int with_qop = quoted_parameter(line, line_end, "qop", qop) && strstr(qop, "auth") != NULL;
        const struct user *user = &users[sequence % user_count];
        char text[4 * FIELD_BYTES], ha1[33], ha2[33], digest[33], uri[FIELD_BYTES], cnonce[24];
        snprintf(uri, sizeof uri, "sip:%s:%d", load.host, load.port);
        snprintf(text, sizeof text, "%s:%s:%s", user->name, realm, user->password);
        md5_hex(text, ha1);
        snprintf(text, sizeof text, "REGISTER:%s", uri);
        md5_hex(text, ha2);
        snprintf(cnonce, sizeof cnonce, "%llx", (long long)sequence);
        if (with_qop) {
            snprintf(text, sizeof text, "%s:%s:00000001:%s:auth:%s", ha1, nonce, cnonce, ha2);
        } else {
            snprintf(text, sizeof text, "%s:%s:%s", ha1, nonce, ha2);
        }
        md5_hex(text, digest);
        int written = snprintf(header, size,
            "Authorization: Digest username=\"%s\", realm=\"%s\", nonce=\"%s\", uri=\"%s\", response=\"%s\", algorithm=MD5",
            user->name, realm, nonce, uri, digest);
        if (with_qop) written += snprintf(header + written, size - (size_t)written, ", qop=auth, nc=00000001, cnonce=\"%s\"", cnonce);
        if (has_opaque) written += snprintf(header + written, size - (size_t)written, ", opaque=\"%s\"", opaque);
        snprintf(header + written, size - (size_t)written, "\r\n");
        return 1;
    }
    return 0;
}

// Sends one REGISTER of `sequence` from its user's socket.
static void send_register(int64_t sequence, char letter, int cseq, const char *authorization) {
    int length = format_register(request, sequence, letter, cseq, authorization);
    address_to_server(&out, &out_vector, request, length, &load);
    send_errors += (uint64_t)send_all(load.fds[socket_of(sequence)], &out, 1);
}

// Sends the authorized REGISTER of `sequence` at once: the challenge's time is part of the registration.
static void send_authorized(int64_t sequence, const char *challenge, int length) {
    char authorization[REQUEST_BYTES / 2];
    if (!authorization_for(sequence, challenge, length, authorization, sizeof authorization)) {
        failed++;
        stage[sequence] = FINISHED;
        return;
    }
    stage[sequence] = AWAITING_OK;
    authorized_at[sequence] = now_ns();
    send_register(sequence, 'b', 2, authorization);
}

// One answer: matched to its registration and request by the branch ("z9hG4bKrl" sequence, then 'a' or 'b').
static void take(const char *response, int length, int64_t now) {
    static const char marker[] = "branch=z9hG4bKrl";
    int64_t sequence = number_after(response, length, marker);
    if (sequence < 0 || sequence >= load.total || length < 12 || memcmp(response, "SIP/2.0 ", 8) != 0) {
        foreign++;
        return;
    }
    const char *after = (const char *)memmem(response, (size_t)length, marker, sizeof marker - 1) + sizeof marker - 1;
    while (after < response + length && *after >= '0' && *after <= '9') after++;
    char letter = after < response + length ? *after : 0;
    int status = atoi(response + 8);
    if (status < 200) return;
    if (letter == 'a' && stage[sequence] == AWAITING_CHALLENGE) {
        histogram_add(&challenge_latency, now - started_at[sequence]);
        if (status == 401) {
            send_authorized(sequence, response, length);
        } else {
            failed++;
            stage[sequence] = FINISHED;
        }
    } else if (letter == 'b' && stage[sequence] == AWAITING_OK) {
        stage[sequence] = FINISHED;
        if (status == 200) {
            ok++;
            histogram_add(&authorized_latency, now - authorized_at[sequence]);
            histogram_add(&total_latency, now - started_at[sequence]);
        } else {
            failed++;
        }
    } else {
        duplicate++;
    }
}

static void receive_all(void) { receive_answers(&load, take); }

// Starts the registrations numbered from `first`.
static void start_batch(int64_t first, int count) {
    for (int64_t sequence = first; sequence < first + count; sequence++) {
        started_at[sequence] = now_ns();
        send_register(sequence, 'a', 1, "");
    }
}

static int all_finished(void) { return ok + failed >= (uint64_t)load.total; }

int main(int argc, char **argv) {
    load = load_open(argc, argv, 1, "register-load HOST PORT RATE SECONDS SOCKETS USERS");
    load_users(argv[6]);
    started_at = calloc((size_t)load.total, sizeof *started_at);
    authorized_at = calloc((size_t)load.total, sizeof *authorized_at);
    stage = calloc((size_t)load.total, 1);
    if (!started_at || !authorized_at || !stage) return 1;

    double elapsed = run_paced(&load, start_batch, receive_all, all_finished);
    uint64_t lost = (uint64_t)load.total - ok - failed;
    printf("{\"rate\": %lld, \"seconds\": %.3f, \"offered\": %lld, \"send_errors\": %llu, \"ok\": %llu, \"failed\": %llu, "
           "\"lost\": %llu, \"duplicate\": %llu, \"foreign\": %llu, \"offered_per_s\": %.1f, \"ok_per_s\": %.1f, "
           "\"p50_ms\": %.3f, \"p99_ms\": %.3f, \"p999_ms\": %.3f, \"challenge_p50_ms\": %.3f, \"challenge_p99_ms\": %.3f, "
           "\"authorized_p50_ms\": %.3f, \"authorized_p99_ms\": %.3f}\n",
           (long long)load.rate, elapsed, (long long)load.total, (unsigned long long)send_errors, (unsigned long long)ok,
           (unsigned long long)failed, (unsigned long long)lost, (unsigned long long)duplicate, (unsigned long long)foreign,
           (double)load.total / elapsed, (double)ok / elapsed, histogram_percentile(&total_latency, 0.5),
           histogram_percentile(&total_latency, 0.99), histogram_percentile(&total_latency, 0.999),
           histogram_percentile(&challenge_latency, 0.5), histogram_percentile(&challenge_latency, 0.99),
           histogram_percentile(&authorized_latency, 0.5), histogram_percentile(&authorized_latency, 0.99));
    return 0;
}

// options-load: offers SIP OPTIONS keepalives to a server at a steady rate and measures what it answers: 200s, other
// answers, requests never answered, and the response time of each. One thread with batched sends and receives
// (sendmmsg/recvmmsg) from several sockets, so one core offers far more than one SIPp (about 30,000/s here). No
// retransmissions: a keepalive that is not answered is counted lost, which is what a stateless server under overload
// looks like to a phone.
//
// options-load HOST PORT RATE SECONDS SOCKETS
//   Sends RATE OPTIONS per second for SECONDS from SOCKETS UDP sockets on 127.0.0.1 (ephemeral ports), each with a
//   new Call-ID and branch; waits 2 s for late answers. Prints one JSON object.
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BATCH 64
#define MAX_SOCKETS 64
#define REQUEST_BYTES 512
#define RESPONSE_BYTES 2048
#define HISTOGRAM_US 1000000
#define TICK_NS 200000LL

static uint32_t latency_us[HISTOGRAM_US + 1];

static int64_t now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000000000LL + t.tv_nsec;
}

static double percentile(uint64_t total, double fraction) {
    if (total == 0) return -1;
    uint64_t wanted = (uint64_t)(fraction * (double)total), seen = 0;
    for (int us = 0; us <= HISTOGRAM_US; us++) {
        seen += latency_us[us];
        if (seen > wanted) return us / 1000.0;
    }
    return HISTOGRAM_US / 1000.0;
}

// Finds "branch=z9hG4bKol" and reads the sequence number after it; -1 when the answer is not one of ours.
static int64_t branch_sequence(const char *message, int length) {
    static const char marker[] = "branch=z9hG4bKol";
    const char *found = memmem(message, (size_t)length, marker, sizeof marker - 1);
    if (!found) return -1;
    int64_t sequence = 0;
    const char *end = message + length;
    for (const char *p = found + sizeof marker - 1; p < end && *p >= '0' && *p <= '9'; p++) sequence = sequence * 10 + (*p - '0');
    return sequence;
}

static int64_t total;
static int64_t *sent_at;
static uint8_t *answered;
static int fds[MAX_SOCKETS], local_ports[MAX_SOCKETS], sockets;
static char requests[BATCH][REQUEST_BYTES], responses[BATCH][RESPONSE_BYTES];
static struct mmsghdr out[BATCH], in[BATCH];
static struct iovec out_vectors[BATCH], in_vectors[BATCH];
static uint64_t ok, other, duplicate, foreign, send_errors;

// Drains every socket; answers are matched to their request by the sequence number in their branch.
static void receive_all(void) {
    for (int s = 0; s < sockets; s++) {
        for (;;) {
            for (int i = 0; i < BATCH; i++) {
                in_vectors[i] = (struct iovec){responses[i], RESPONSE_BYTES};
                in[i].msg_hdr = (struct msghdr){.msg_iov = &in_vectors[i], .msg_iovlen = 1};
            }
            int got = recvmmsg(fds[s], in, BATCH, MSG_DONTWAIT, NULL);
            if (got <= 0) break;
            int64_t now = now_ns();
            for (int i = 0; i < got; i++) {
                int length = (int)in[i].msg_len;
                int64_t sequence = branch_sequence(responses[i], length);
                if (sequence < 0 || sequence >= total) { foreign++; continue; }
                if (answered[sequence]) { duplicate++; continue; }
                answered[sequence] = 1;
                if (length >= 12 && memcmp(responses[i], "SIP/2.0 200 ", 12) == 0) {
                    ok++;
                    int64_t us = (now - sent_at[sequence]) / 1000;
                    latency_us[us > HISTOGRAM_US ? HISTOGRAM_US : us]++;
                } else {
                    other++;
                }
            }
            if (got < BATCH) break;
        }
    }
}

// Sends one batch of requests numbered from `first` from socket `s`.
static void send_batch(const char *host, int port, const struct sockaddr_in *target, int s, int64_t first, int count) {
    for (int i = 0; i < count; i++) {
        long long sequence = (long long)(first + i);
        int length = snprintf(requests[i], REQUEST_BYTES,
            "OPTIONS sip:%s:%d SIP/2.0\r\n"
            "Via: SIP/2.0/UDP 127.0.0.1:%d;branch=z9hG4bKol%lld\r\n"
            "From: <sip:keepalive@127.0.0.1:%d>;tag=ol%lld\r\n"
            "To: <sip:%s:%d>\r\n"
            "Call-ID: ol%lld@127.0.0.1\r\n"
            "CSeq: 1 OPTIONS\r\n"
            "Max-Forwards: 70\r\n"
            "Contact: <sip:keepalive@127.0.0.1:%d>\r\n"
            "User-Agent: keepalive-bench\r\n"
            "Content-Length: 0\r\n\r\n",
            host, port, local_ports[s], sequence, local_ports[s], sequence, host, port, sequence, local_ports[s]);
        out_vectors[i] = (struct iovec){requests[i], (size_t)length};
        out[i].msg_hdr = (struct msghdr){.msg_name = (void *)target, .msg_namelen = sizeof *target,
                                         .msg_iov = &out_vectors[i], .msg_iovlen = 1};
        sent_at[first + i] = now_ns();
    }
    int done = 0;
    while (done < count) {
        int n = sendmmsg(fds[s], out + done, (unsigned)(count - done), 0);
        if (n < 0) {
            if (errno == EINTR) continue;
            send_errors += (uint64_t)(count - done);
            break;
        }
        done += n;
    }
}

int main(int argc, char **argv) {
    if (argc != 6) {
        fprintf(stderr, "usage: options-load HOST PORT RATE SECONDS SOCKETS\n");
        return 2;
    }
    const char *host = argv[1];
    int port = atoi(argv[2]);
    int64_t rate = atoll(argv[3]);
    double seconds = atof(argv[4]);
    sockets = atoi(argv[5]);
    if (port <= 0 || rate <= 0 || seconds <= 0 || sockets <= 0 || sockets > MAX_SOCKETS) {
        fprintf(stderr, "options-load: bad arguments\n");
        return 2;
    }
    total = (int64_t)((double)rate * seconds);
    sent_at = calloc((size_t)total, sizeof *sent_at);
    answered = calloc((size_t)total, 1);
    if (!sent_at || !answered) return 1;

    struct sockaddr_in target = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    if (inet_pton(AF_INET, host, &target.sin_addr) != 1) {
        fprintf(stderr, "options-load: HOST must be an IPv4 address\n");
        return 2;
    }
    for (int i = 0; i < sockets; i++) {
        fds[i] = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
        int buffer = 8 << 20;
        setsockopt(fds[i], SOL_SOCKET, SO_RCVBUF, &buffer, sizeof buffer);
        setsockopt(fds[i], SOL_SOCKET, SO_SNDBUF, &buffer, sizeof buffer);
        struct sockaddr_in local = {.sin_family = AF_INET};
        inet_pton(AF_INET, "127.0.0.1", &local.sin_addr);
        socklen_t length = sizeof local;
        if (fds[i] < 0 || bind(fds[i], (struct sockaddr *)&local, sizeof local) != 0) return 1;
        getsockname(fds[i], (struct sockaddr *)&local, &length);
        local_ports[i] = ntohs(local.sin_port);
    }

    int64_t start = now_ns(), next = 0;
    int s = 0;
    while (next < total) {
        int64_t due = (int64_t)((double)(now_ns() - start) * (double)rate / 1e9);
        if (due > total) due = total;
        while (next < due) {
            int count = due - next < BATCH ? (int)(due - next) : BATCH;
            send_batch(host, port, &target, s, next, count);
            next += count;
            s = (s + 1) % sockets;
        }
        receive_all();
        int64_t wait = start + (int64_t)((double)(next + 1) * 1e9 / (double)rate) - now_ns();
        if (wait > TICK_NS) wait = TICK_NS;
        if (wait > 0) {
            struct timespec pause = {0, wait};
            nanosleep(&pause, NULL);
        }
    }
    int64_t sending_ended = now_ns();
    while (now_ns() - sending_ended < 2000000000LL && ok + other < (uint64_t)total) {
        receive_all();
        struct timespec pause = {0, 1000000};
        nanosleep(&pause, NULL);
    }
    double elapsed = (double)(sending_ended - start) / 1e9;
    uint64_t lost = (uint64_t)total - ok - other;
    printf("{\"rate\": %lld, \"seconds\": %.3f, \"sent\": %lld, \"send_errors\": %llu, \"ok\": %llu, \"other\": %llu, "
           "\"lost\": %llu, \"duplicate\": %llu, \"foreign\": %llu, \"offered_per_s\": %.1f, \"answered_per_s\": %.1f, "
           "\"p50_ms\": %.3f, \"p99_ms\": %.3f, \"p999_ms\": %.3f}\n",
           (long long)rate, elapsed, (long long)total, (unsigned long long)send_errors, (unsigned long long)ok,
           (unsigned long long)other, (unsigned long long)lost, (unsigned long long)duplicate, (unsigned long long)foreign,
           (double)total / elapsed, (double)ok / elapsed, percentile(ok, 0.5), percentile(ok, 0.99), percentile(ok, 0.999));
    return 0;
}

// sip-load.h: what the SIP load generators (options-load.c, register-load.c) share: a monotonic clock, a microsecond
// latency histogram, the command line and UDP sockets on 127.0.0.1, batched receives, and the pacing loop that offers
// new work at a steady rate. Header-only:
// each generator is one translation unit, built with `gcc -O2`.
#ifndef SIP_LOAD_H
#define SIP_LOAD_H

#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_SOCKETS 64
#define HISTOGRAM_US 1000000
// The pacing loop waits for answers at most this long before it looks whether the next request is due.
#define TICK_NS 200000LL
// How long answers are waited for after the last request was sent.
#define DRAIN_NS 2000000000LL

static int64_t now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000000000LL + t.tv_nsec;
}

// Response times in whole microseconds; anything beyond a second lands in the last slot.
struct histogram {
    uint32_t slots[HISTOGRAM_US + 1];
    uint64_t count;
};

static void histogram_add(struct histogram *h, int64_t elapsed_ns) {
    int64_t us = elapsed_ns / 1000;
    h->slots[us > HISTOGRAM_US ? HISTOGRAM_US : (us < 0 ? 0 : us)]++;
    h->count++;
}

// The response time below which `fraction` of the recorded ones fall, in milliseconds; -1 when none was recorded.
static double histogram_percentile(const struct histogram *h, double fraction) {
    if (h->count == 0) return -1;
    uint64_t wanted = (uint64_t)(fraction * (double)h->count), seen = 0;
    for (int us = 0; us <= HISTOGRAM_US; us++) {
        seen += h->slots[us];
        if (seen > wanted) return us / 1000.0;
    }
    return HISTOGRAM_US / 1000.0;
}

// Reads the decimal number right after `marker` in `message`; -1 when the marker is absent.
static int64_t number_after(const char *message, int length, const char *marker) {
    size_t marker_length = strlen(marker);
    const char *found = memmem(message, (size_t)length, marker, marker_length);
    if (!found) return -1;
    int64_t number = 0;
    const char *end = message + length;
    for (const char *p = found + marker_length; p < end && *p >= '0' && *p <= '9'; p++) number = number * 10 + (*p - '0');
    return number;
}

#define BATCH 64
#define RESPONSE_BYTES 4096

// What every generator is given on its command line (HOST PORT RATE SECONDS SOCKETS, then its own arguments) and the
// sockets it opens from it.
struct load {
    const char *host;
    int port;
    int64_t rate, total;
    int sockets;
    int fds[MAX_SOCKETS], ports[MAX_SOCKETS];
    struct sockaddr_in target;
};

// Every socket opened, watched while the pacing loop waits: an answer is read, and timed, as soon as it arrives.
static struct pollfd watched[MAX_SOCKETS];
static int watched_count;

// Parses the common arguments and opens SOCKETS non-blocking UDP sockets on 127.0.0.1 (ephemeral ports, 8 MB
// buffers); `extra` arguments follow them, described in `usage`. Exits on bad arguments or a socket that fails.
static struct load load_open(int argc, char **argv, int extra, const char *usage) {
    struct load load = {0};
    if (argc != 6 + extra) {
        fprintf(stderr, "usage: %s\n", usage);
        exit(2);
    }
    load.host = argv[1];
    load.port = atoi(argv[2]);
    load.rate = atoll(argv[3]);
    double seconds = atof(argv[4]);
    load.sockets = atoi(argv[5]);
    load.target = (struct sockaddr_in){.sin_family = AF_INET, .sin_port = htons((uint16_t)load.port)};
    if (load.port <= 0 || load.port > 65535 || load.rate <= 0 || seconds <= 0 || load.sockets <= 0 ||
        load.sockets > MAX_SOCKETS || inet_pton(AF_INET, load.host, &load.target.sin_addr) != 1) {
        fprintf(stderr, "bad arguments (HOST must be an IPv4 address); usage: %s\n", usage);
        exit(2);
    }
    load.total = (int64_t)((double)load.rate * seconds);
    for (int i = 0; i < load.sockets; i++) {
        int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
        int buffer = 8 << 20;
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buffer, sizeof buffer);
        setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &buffer, sizeof buffer);
        struct sockaddr_in local = {.sin_family = AF_INET};
        inet_pton(AF_INET, "127.0.0.1", &local.sin_addr);
        socklen_t length = sizeof local;
        if (fd < 0 || bind(fd, (struct sockaddr *)&local, sizeof local) != 0) {
            perror("sip-load: socket");
            exit(1);
        }
        getsockname(fd, (struct sockaddr *)&local, &length);
        load.fds[i] = fd;
        load.ports[i] = ntohs(local.sin_port);
        watched[watched_count++] = (struct pollfd){.fd = fd, .events = POLLIN};
    }
    return load;
}

// Points `message` at `length` bytes to the server.
static void address_to_server(struct mmsghdr *message, struct iovec *vector, char *bytes, int length, struct load *load) {
    *vector = (struct iovec){bytes, (size_t)length};
    message->msg_hdr = (struct msghdr){.msg_name = &load->target, .msg_namelen = sizeof load->target, .msg_iov = vector,
                                       .msg_iovlen = 1};
}

// Reads everything waiting on every socket, with recvmmsg, and hands each answer to `take` with the time it was read.
static void receive_answers(const struct load *load, void (*take)(const char *message, int length, int64_t now)) {
    static char answers[BATCH][RESPONSE_BYTES];
    static struct mmsghdr in[BATCH];
    static struct iovec vectors[BATCH];
    for (int s = 0; s < load->sockets; s++) {
        for (;;) {
            for (int i = 0; i < BATCH; i++) {
                vectors[i] = (struct iovec){answers[i], RESPONSE_BYTES};
                in[i].msg_hdr = (struct msghdr){.msg_iov = &vectors[i], .msg_iovlen = 1};
            }
            int got = recvmmsg(load->fds[s], in, BATCH, MSG_DONTWAIT, NULL);
            if (got <= 0) break;
            int64_t now = now_ns();
            for (int i = 0; i < got; i++) take(answers[i], (int)in[i].msg_len, now);
            if (got < BATCH) break;
        }
    }
}

// Sends every request in `batch` from `fd` with sendmmsg; returns how many could not be sent.
static int send_all(int fd, struct mmsghdr *batch, int count) {
    int done = 0;
    while (done < count) {
        int n = sendmmsg(fd, batch + done, (unsigned)(count - done), 0);
        if (n < 0) {
            if (errno == EINTR) continue;
            return count - done;
        }
        done += n;
    }
    return 0;
}

// Offers the load's `total` units of work at its `rate`: `start_batch(first, count)` starts the units numbered from
// `first` (at most BATCH at once), `receive()` reads what has arrived, and after the last unit `receive()` runs until
// `finished()` or for DRAIN_NS. Returns the seconds from the first unit started to the last, for the offered rate.
static double run_paced(const struct load *load, void (*start_batch)(int64_t first, int count), void (*receive)(void),
                        int (*finished)(void)) {
    int64_t rate = load->rate, total = load->total, start = now_ns();
    int64_t next = 0;
    while (next < total) {
        int64_t due = (int64_t)((double)(now_ns() - start) * (double)rate / 1e9);
        if (due > total) due = total;
        while (next < due) {
            int count = due - next < BATCH ? (int)(due - next) : BATCH;
            start_batch(next, count);
            next += count;
        }
        receive();
        int64_t wait = start + (int64_t)((double)(next + 1) * 1e9 / (double)rate) - now_ns();
        if (wait > TICK_NS) wait = TICK_NS;
        if (wait > 0) {
            struct timespec pause = {0, wait};
            ppoll(watched, (nfds_t)watched_count, &pause, NULL);
        }
    }
    int64_t sending_ended = now_ns();
    while (now_ns() - sending_ended < DRAIN_NS && !finished()) {
        receive();
        struct timespec pause = {0, TICK_NS};
        ppoll(watched, (nfds_t)watched_count, &pause, NULL);
    }
    return (double)(sending_ended - start) / 1e9;
}

#endif

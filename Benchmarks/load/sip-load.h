// sip-load.h: what the SIP load generators (options-load.c, register-load.c) share: a monotonic clock, a microsecond
// latency histogram, UDP sockets on 127.0.0.1 and the pacing loop that offers new work at a steady rate. Header-only:
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

// Every socket opened, watched while the pacing loop waits: an answer is read, and timed, as soon as it arrives.
static struct pollfd watched[MAX_SOCKETS];
static int watched_count;

// `count` non-blocking UDP sockets on 127.0.0.1 with ephemeral ports and 8 MB buffers; exits on failure.
static void open_sockets(int count, int fds[], int ports[]) {
    for (int i = 0; i < count; i++) {
        fds[i] = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
        int buffer = 8 << 20;
        setsockopt(fds[i], SOL_SOCKET, SO_RCVBUF, &buffer, sizeof buffer);
        setsockopt(fds[i], SOL_SOCKET, SO_SNDBUF, &buffer, sizeof buffer);
        struct sockaddr_in local = {.sin_family = AF_INET};
        inet_pton(AF_INET, "127.0.0.1", &local.sin_addr);
        socklen_t length = sizeof local;
        if (fds[i] < 0 || bind(fds[i], (struct sockaddr *)&local, sizeof local) != 0) {
            perror("sip-load: socket");
            exit(1);
        }
        getsockname(fds[i], (struct sockaddr *)&local, &length);
        ports[i] = ntohs(local.sin_port);
        watched[watched_count++] = (struct pollfd){.fd = fds[i], .events = POLLIN};
    }
}

// The server's address; exits when `host` is not an IPv4 address.
static struct sockaddr_in target_address(const char *host, int port) {
    struct sockaddr_in target = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    if (inet_pton(AF_INET, host, &target.sin_addr) != 1) {
        fprintf(stderr, "sip-load: HOST must be an IPv4 address\n");
        exit(2);
    }
    return target;
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

// Offers `total` units of work at `rate` per second: `start_batch(first, count)` starts the units numbered from
// `first`, `receive()` reads what has arrived, and after the last unit `receive()` runs until `finished()` or for
// DRAIN_NS. Returns the time the last unit was started, for the offered rate.
static int64_t run_paced(int64_t rate, int64_t total, int batch_limit, int64_t start,
                         void (*start_batch)(int64_t first, int count), void (*receive)(void), int (*finished)(void)) {
    int64_t next = 0;
    while (next < total) {
        int64_t due = (int64_t)((double)(now_ns() - start) * (double)rate / 1e9);
        if (due > total) due = total;
        while (next < due) {
            int count = due - next < batch_limit ? (int)(due - next) : batch_limit;
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
    return sending_ended;
}

#endif

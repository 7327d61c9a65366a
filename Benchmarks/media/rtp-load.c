// rtp-load: offers both directions of N G.711 calls (50 RTP packets/s per direction, real sequence numbers and
// timestamps) to a relay and measures what the relay delivers at the far ends: loss, reordering, one-way added
// latency and added jitter (RFC 3550 interarrival jitter over the transit time, so the generator's own lateness is
// not charged to the relay). Batched sends and receives (sendmmsg/recvmmsg) from one thread, so one core can offer
// several hundred thousand packets per second.
//
// rtp-load CALLS WARMUP_S MEASURE_S A_HOST B_HOST PORT_BASE SOCKETS
//   CALLS: a file, one line per call: "PORT_TO_A_SIDE PORT_TO_B_SIDE" where A sends (relay port facing A) and where
//   B sends (relay port facing B), on 127.0.0.1. Call i's A side sends from A_HOST:PORT_BASE+(i % SOCKETS), its B side
//   from B_HOST:PORT_BASE+(i % SOCKETS): the addresses the relay was told.
// Prints one JSON object.
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define PERIOD_NS 20000000LL
#define PAYLOAD 160
#define PACKET (12 + PAYLOAD)
#define BATCH 64
#define HISTOGRAM_US 200000

typedef struct {
    uint16_t seq;
    uint32_t timestamp;
    uint64_t sent_in_window;
} Sender;

typedef struct {
    int started;
    uint16_t highest;
    int64_t previous_transit;
    double jitter_ns;
    uint64_t received;
    uint64_t reordered;
} Receiver;

typedef struct {
    struct mmsghdr headers[BATCH];
    struct iovec vectors[BATCH];
    struct sockaddr_in targets[BATCH];
    uint8_t packets[BATCH][PACKET];
    int count;
} Batch;

static uint32_t latency_us[HISTOGRAM_US + 1], jitter_us[HISTOGRAM_US + 1];

static int64_t now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000000000LL + t.tv_nsec;
}

static void record(uint32_t *histogram, int64_t ns) {
    int64_t us = ns / 1000;
    if (us < 0) us = 0;
    histogram[us > HISTOGRAM_US ? HISTOGRAM_US : us]++;
}

static int64_t percentile(const uint32_t *histogram, uint64_t total, double p) {
    if (total == 0) return -1;
    uint64_t goal = (uint64_t)(p * (double)total), seen = 0;
    for (int i = 0; i <= HISTOGRAM_US; i++) {
        seen += histogram[i];
        if (seen > goal) return i;
    }
    return HISTOGRAM_US;
}

static int bound_socket(const char *host, int port) {
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
    int size = 4 << 20;
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
    setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
    struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = htons(port)};
    inet_pton(AF_INET, host, &address.sin_addr);
    if (fd < 0 || bind(fd, (struct sockaddr *)&address, sizeof address) != 0) {
        fprintf(stderr, "rtp-load: cannot bind %s:%d: %s\n", host, port, strerror(errno));
        exit(2);
    }
    return fd;
}

static void flush(int fd, Batch *batch) {
    int offset = 0;
    while (offset < batch->count) {
        int sent = sendmmsg(fd, batch->headers + offset, batch->count - offset, 0);
        if (sent <= 0) {
            if (errno == EINTR) continue;
            break; // a full send buffer drops the rest: it shows as loss
        }
        offset += sent;
    }
    batch->count = 0;
}

int main(int argc, char **argv) {
    if (argc != 8) {
        fprintf(stderr, "usage: rtp-load CALLS WARMUP_S MEASURE_S A_HOST B_HOST PORT_BASE SOCKETS\n");
        return 2;
    }
    FILE *file = fopen(argv[1], "r");
    if (!file) { perror("rtp-load: calls"); return 2; }
    int capacity = 1024, calls = 0;
    int *ports = malloc(sizeof(int) * 2 * capacity);
    while (fscanf(file, "%d %d", &ports[2 * calls], &ports[2 * calls + 1]) == 2) {
        if (++calls == capacity) ports = realloc(ports, sizeof(int) * 2 * (capacity *= 2));
    }
    fclose(file);
    double warmup = atof(argv[2]), measure = atof(argv[3]);
    int port_base = atoi(argv[6]), sockets = atoi(argv[7]);
    if (calls == 0 || sockets <= 0) { fprintf(stderr, "rtp-load: no calls\n"); return 2; }

    // Sockets [0, sockets) are the A sides, [sockets, 2*sockets) the B sides.
    int *fds = malloc(sizeof(int) * 2 * sockets);
    Batch *batches = calloc(2 * sockets, sizeof(Batch));
    int epoll = epoll_create1(0);
    for (int i = 0; i < 2 * sockets; i++) {
        fds[i] = bound_socket(i < sockets ? argv[4] : argv[5], port_base + i % sockets);
        struct epoll_event event = {.events = EPOLLIN, .data.u32 = i};
        epoll_ctl(epoll, EPOLL_CTL_ADD, fds[i], &event);
        for (int m = 0; m < BATCH; m++) {
            batches[i].vectors[m] = (struct iovec){batches[i].packets[m], PACKET};
            batches[i].headers[m].msg_hdr = (struct msghdr){.msg_name = &batches[i].targets[m],
                .msg_namelen = sizeof(struct sockaddr_in), .msg_iov = &batches[i].vectors[m], .msg_iovlen = 1};
        }
    }
    int streams = 2 * calls; // stream 2i: call i's A side towards B; 2i+1: B towards A
    Sender *senders = calloc(streams, sizeof(Sender));
    Receiver *receivers = calloc(streams, sizeof(Receiver));
    for (int s = 0; s < streams; s++) {
        senders[s].seq = (uint16_t)(s * 7919);
        senders[s].timestamp = (uint32_t)s * 104729u;
    }

    static uint8_t inbox[BATCH][2048];
    struct iovec in_vectors[BATCH];
    struct mmsghdr in_headers[BATCH];
    for (int m = 0; m < BATCH; m++) {
        in_vectors[m] = (struct iovec){inbox[m], sizeof inbox[m]};
        in_headers[m].msg_hdr = (struct msghdr){.msg_iov = &in_vectors[m], .msg_iovlen = 1};
    }

    int64_t start = now_ns() + 100000000LL;
    int64_t window_start = start + (int64_t)(warmup * 1e9), window_end = window_start + (int64_t)(measure * 1e9);
    int64_t drain_end = window_end + 300000000LL;
    int cursor = 0;
    int64_t round = 0, late = 0, max_lag = 0;
    uint64_t sent_total = 0, sent_window = 0, samples = 0;
    struct epoll_event events[128];

    for (;;) {
        int64_t now = now_ns();
        if (now >= drain_end) break;
        // Send what is due: stream s is due every 20 ms at phase s/streams of the period.
        int64_t due = start + round * PERIOD_NS + (PERIOD_NS * cursor) / streams;
        while (now < window_end && due <= now) {
            int s = cursor, call = s / 2, side = s % 2;
            int socket_index = (side == 0 ? 0 : sockets) + call % sockets;
            Batch *batch = &batches[socket_index];
            uint8_t *p = batch->packets[batch->count];
            Sender *sender = &senders[s];
            p[0] = 0x80; p[1] = 0; // version 2, PCMU
            p[2] = sender->seq >> 8; p[3] = sender->seq & 0xff;
            uint32_t ts = sender->timestamp, ssrc = (uint32_t)s;
            p[4] = ts >> 24; p[5] = ts >> 16; p[6] = ts >> 8; p[7] = ts;
            p[8] = ssrc >> 24; p[9] = ssrc >> 16; p[10] = ssrc >> 8; p[11] = ssrc;
            memcpy(p + 12, &now, sizeof now);
            memset(p + 20, 0xff, PAYLOAD - 8);
            struct sockaddr_in *target = &batch->targets[batch->count];
            *target = (struct sockaddr_in){.sin_family = AF_INET, .sin_port = htons(ports[2 * call + side]),
                .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
            sender->seq++;
            sender->timestamp += PAYLOAD;
            sent_total++;
            if (now >= window_start) { sender->sent_in_window++; sent_window++; }
            int64_t lag = now - due;
            if (lag > max_lag) max_lag = lag;
            if (lag > 5000000) late++;
            if (++batch->count == BATCH) flush(fds[socket_index], batch);
            if (++cursor == streams) { cursor = 0; round++; }
            due = start + round * PERIOD_NS + (PERIOD_NS * cursor) / streams;
        }
        for (int i = 0; i < 2 * sockets; i++) {
            if (batches[i].count) flush(fds[i], &batches[i]);
        }
        // Receive until nothing is waiting or the next send is due.
        int64_t wait_ns = (now < window_end ? due : drain_end) - now_ns();
        struct timespec timeout = {0, wait_ns > 0 ? (wait_ns > 1000000 ? 1000000 : wait_ns) : 0};
        int ready = epoll_pwait2(epoll, events, 128, &timeout, NULL);
        for (int e = 0; e < ready; e++) {
            int fd = fds[events[e].data.u32];
            for (;;) {
                int got = recvmmsg(fd, in_headers, BATCH, MSG_DONTWAIT, NULL);
                if (got <= 0) break;
                int64_t arrival = now_ns();
                for (int m = 0; m < got; m++) {
                    uint8_t *p = inbox[m];
                    if (in_headers[m].msg_len < 20) continue;
                    uint32_t ssrc = (uint32_t)p[8] << 24 | (uint32_t)p[9] << 16 | (uint32_t)p[10] << 8 | p[11];
                    if (ssrc >= (uint32_t)streams) continue;
                    int64_t sent;
                    memcpy(&sent, p + 12, sizeof sent);
                    uint16_t seq = (uint16_t)(p[2] << 8 | p[3]);
                    Receiver *r = &receivers[ssrc];
                    int64_t transit = arrival - sent;
                    if (r->started) {
                        if ((int16_t)(seq - r->highest) < 0) {
                            if (sent >= window_start && sent < window_end) r->reordered++;
                        } else {
                            r->highest = seq;
                        }
                        int64_t d = transit - r->previous_transit;
                        r->jitter_ns += ((double)(d < 0 ? -d : d) - r->jitter_ns) / 16.0;
                    } else {
                        r->started = 1;
                        r->highest = seq;
                    }
                    r->previous_transit = transit;
                    if (sent >= window_start && sent < window_end) {
                        r->received++;
                        record(latency_us, transit);
                        record(jitter_us, (int64_t)r->jitter_ns);
                        samples++;
                    }
                }
                if (got < BATCH) break;
            }
        }
    }

    uint64_t received = 0, reordered = 0;
    for (int s = 0; s < streams; s++) { received += receivers[s].received; reordered += receivers[s].reordered; }
    struct rusage usage;
    getrusage(RUSAGE_SELF, &usage);
    double cpu = usage.ru_utime.tv_sec + usage.ru_utime.tv_usec / 1e6 + usage.ru_stime.tv_sec + usage.ru_stime.tv_usec / 1e6;
    uint64_t lost = sent_window > received ? sent_window - received : 0;
    printf("{\"calls\": %d, \"offered_pps\": %d, \"sent\": %llu, \"sent_in_window\": %llu, \"received_in_window\": %llu, "
           "\"lost\": %llu, \"loss_pct\": %.4f, \"reordered\": %llu, \"latency_us\": {\"p50\": %lld, \"p99\": %lld, "
           "\"p999\": %lld}, \"jitter_us\": {\"p50\": %lld, \"p99\": %lld}, \"late_sends\": %lld, \"max_lag_us\": %lld, "
           "\"generator_cpu_s\": %.3f}\n",
           calls, streams * 50, (unsigned long long)sent_total, (unsigned long long)sent_window,
           (unsigned long long)received, (unsigned long long)lost,
           sent_window ? 100.0 * (double)lost / (double)sent_window : 0.0, (unsigned long long)reordered,
           (long long)percentile(latency_us, samples, 0.5), (long long)percentile(latency_us, samples, 0.99),
           (long long)percentile(latency_us, samples, 0.999), (long long)percentile(jitter_us, samples, 0.5),
           (long long)percentile(jitter_us, samples, 0.99), (long long)late, (long long)(max_lag / 1000), cpu);
    return 0;
}

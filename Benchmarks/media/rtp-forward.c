// rtp-forward: the floor for a media relay. Two UDP sockets per call; what arrives on one leaves on the other to a
// fixed address, nothing else (no latching, no checks, no counters): epoll, recvmmsg and sendmmsg on one thread.
//
// rtp-forward CALLS [connected]
//   CALLS: a file, one line per call: "PORT_A PORT_B A_HOST A_PORT B_HOST B_PORT". What arrives on 127.0.0.1:PORT_A
//   (from the A side) leaves from PORT_B to B_HOST:B_PORT, and the other way round.
//   connected: each socket is connect()ed to the side it faces (the kernel then filters sources and skips the
//   route lookup of every send), as a relay that latched both sides can.
// Prints "ready" once every socket is bound, then forwards until killed.
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#define BATCH 32

typedef struct {
    int fd;
    int peer;                  // index of the socket the packets leave from
    struct sockaddr_in target; // where they go
} Leg;

static int bound_socket(int port) {
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
    struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    if (fd < 0 || bind(fd, (struct sockaddr *)&address, sizeof address) != 0) {
        fprintf(stderr, "rtp-forward: cannot bind %d: %s\n", port, strerror(errno));
        exit(2);
    }
    return fd;
}

int main(int argc, char **argv) {
    if (argc < 2 || argc > 3 || (argc == 3 && strcmp(argv[2], "connected") != 0)) {
        fprintf(stderr, "usage: rtp-forward CALLS [connected]\n");
        return 2;
    }
    int connected = argc == 3;
    FILE *file = fopen(argv[1], "r");
    if (!file) { perror("rtp-forward: calls"); return 2; }
    int capacity = 2048, count = 0;
    Leg *legs = malloc(sizeof(Leg) * capacity);
    int epoll = epoll_create1(0);
    int port_a, port_b, a_port, b_port;
    char a_host[64], b_host[64];
    while (fscanf(file, "%d %d %63s %d %63s %d", &port_a, &port_b, a_host, &a_port, b_host, &b_port) == 6) {
        if (count + 2 > capacity) legs = realloc(legs, sizeof(Leg) * (capacity *= 2));
        Leg *a = &legs[count], *b = &legs[count + 1];
        a->fd = bound_socket(port_a);
        b->fd = bound_socket(port_b);
        a->peer = count + 1;
        b->peer = count;
        a->target = (struct sockaddr_in){.sin_family = AF_INET, .sin_port = htons(b_port)};
        inet_pton(AF_INET, b_host, &a->target.sin_addr);
        b->target = (struct sockaddr_in){.sin_family = AF_INET, .sin_port = htons(a_port)};
        inet_pton(AF_INET, a_host, &b->target.sin_addr);
        for (int i = count; i < count + 2; i++) {
            struct epoll_event event = {.events = EPOLLIN, .data.u32 = i};
            epoll_ctl(epoll, EPOLL_CTL_ADD, legs[i].fd, &event);
        }
        if (connected && (connect(a->fd, (struct sockaddr *)&b->target, sizeof b->target) != 0 ||
                          connect(b->fd, (struct sockaddr *)&a->target, sizeof a->target) != 0)) {
            fprintf(stderr, "rtp-forward: cannot connect: %s\n", strerror(errno));
            exit(2);
        }
        count += 2;
    }
    fclose(file);
    printf("ready\n");
    fflush(stdout);

    static char buffers[BATCH][2048];
    struct iovec vectors[BATCH];
    struct mmsghdr headers[BATCH];
    struct epoll_event events[256];
    for (;;) {
        int ready = epoll_wait(epoll, events, 256, -1);
        for (int e = 0; e < ready; e++) {
            Leg *in = &legs[events[e].data.u32], *out = &legs[in->peer];
            for (;;) {
                for (int m = 0; m < BATCH; m++) {
                    vectors[m] = (struct iovec){buffers[m], sizeof buffers[m]};
                    headers[m].msg_hdr = (struct msghdr){.msg_iov = &vectors[m], .msg_iovlen = 1};
                }
                int got = recvmmsg(in->fd, headers, BATCH, MSG_DONTWAIT, NULL);
                if (got <= 0) break;
                for (int m = 0; m < got; m++) {
                    vectors[m].iov_len = headers[m].msg_len;
                    headers[m].msg_hdr = (struct msghdr){.msg_name = connected ? NULL : &in->target,
                        .msg_namelen = connected ? 0 : sizeof in->target, .msg_iov = &vectors[m], .msg_iovlen = 1};
                }
                sendmmsg(out->fd, headers, got, 0);
                if (got < BATCH) break;
            }
        }
    }
}

// sip-floor.c: the floor under any SIP responder on this machine. It answers every datagram with a response that
// copies the request's Via, From, To, Call-ID and CSeq lines, on the same batched system calls Portcullis uses
// (recvmmsg, then one sendmmsg for what one read brought), and does nothing else: no validation, no state, no
// digest. A REGISTER without an Authorization line gets a 401 with a fixed challenge, everything else a 200, so it
// stands beside both loads of sip-load.py. What it costs per request is what the kernel and the copying cost; a SIP
// server can only add to it.
//
// With `epoll` it waits the way a SwiftNIO event loop waits: epoll_wait on a non-blocking socket, then up to two
// recvmmsg of eight datagrams (Portcullis's read cycle), instead of sleeping in a blocking recvmmsg. Beside the
// default, it shows what an event loop's way of waiting costs by itself.
//
// usage: sip-floor HOST PORT [epoll]   (runs until killed; built by sip-load.py with gcc -O2)
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#define BATCH 64
#define DATAGRAM_BYTES 4096

static char requests[BATCH][DATAGRAM_BYTES], responses[BATCH][DATAGRAM_BYTES];
static struct sockaddr_in sources[BATCH];

// Whether the header line starting at `line` is one a response copies (RFC 3261 section 8.2.6.2), long or compact.
static int copied(const char *line, size_t length) {
    static const char *names[] = {"via:", "v:", "from:", "f:", "to:", "t:", "call-id:", "i:", "cseq:"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        size_t n = strlen(names[i]);
        if (length >= n && strncasecmp(line, names[i], n) == 0) return 1;
    }
    return 0;
}

// Whether a REGISTER carries no Authorization line: the first half of a registration, which a registrar challenges.
static int unauthorized_register(const char *request, int length) {
    return length > 9 && strncmp(request, "REGISTER ", 9) == 0 && !memmem(request, (size_t)length, "\nAuthorization:", 15);
}

// Writes the answer to `request` into `out` and returns its length.
static int answer(const char *request, int length, char *out) {
    int challenge = unauthorized_register(request, length);
    int written = sprintf(out, challenge ? "SIP/2.0 401 Unauthorized\r\n" : "SIP/2.0 200 OK\r\n");
    const char *end = request + length, *line = memchr(request, '\n', (size_t)length);
    while (line && ++line < end && *line != '\r' && *line != '\n') {
        const char *next = memchr(line, '\n', (size_t)(end - line));
        size_t line_length = (size_t)((next ? next + 1 : end) - line);
        if (copied(line, line_length) && written + (int)line_length < DATAGRAM_BYTES - 64) {
            memcpy(out + written, line, line_length);
            written += (int)line_length;
        }
        line = next;
    }
    if (challenge)
        written += sprintf(out + written, "WWW-Authenticate: Digest realm=\"pbx.test\", nonce=\"floor%08x\", qop=\"auth\", "
                                          "algorithm=MD5\r\n", (unsigned)length);
    written += sprintf(out + written, "Content-Length: 0\r\n\r\n");
    return written;
}

// Takes what one recvmmsg brings (at most `count`, with `flags`) and answers it in one sendmmsg; returns how many came.
static int answer_batch(int fd, unsigned count, int flags) {
    static struct mmsghdr in[BATCH], out[BATCH];
    static struct iovec in_vectors[BATCH], out_vectors[BATCH];
    for (unsigned i = 0; i < count; i++) {
        in_vectors[i] = (struct iovec){requests[i], DATAGRAM_BYTES};
        in[i].msg_hdr = (struct msghdr){.msg_name = &sources[i], .msg_namelen = sizeof sources[i], .msg_iov = &in_vectors[i],
                                        .msg_iovlen = 1};
    }
    int got = recvmmsg(fd, in, count, flags, NULL);
    for (int i = 0; i < got; i++) {
        out_vectors[i] = (struct iovec){responses[i], (size_t)answer(requests[i], (int)in[i].msg_len, responses[i])};
        out[i].msg_hdr = (struct msghdr){.msg_name = &sources[i], .msg_namelen = in[i].msg_hdr.msg_namelen,
                                         .msg_iov = &out_vectors[i], .msg_iovlen = 1};
    }
    for (int sent = 0; sent < got;) {
        int n = sendmmsg(fd, out + sent, (unsigned)(got - sent), 0);
        if (n <= 0) break;
        sent += n;
    }
    return got;
}

int main(int argc, char **argv) {
    struct sockaddr_in local = {.sin_family = AF_INET};
    int event_loop = argc == 4 && strcmp(argv[3], "epoll") == 0;
    if ((argc != 3 && !event_loop) || inet_pton(AF_INET, argv[1], &local.sin_addr) != 1 || atoi(argv[2]) <= 0 ||
        atoi(argv[2]) > 65535) {
        fprintf(stderr, "usage: sip-floor HOST PORT [epoll] (HOST an IPv4 address)\n");
        return 2;
    }
    local.sin_port = htons((uint16_t)atoi(argv[2]));
    int fd = socket(AF_INET, SOCK_DGRAM | (event_loop ? SOCK_NONBLOCK : 0), 0), buffer = 8 << 20;
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buffer, sizeof buffer);
    setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &buffer, sizeof buffer);
    if (fd < 0 || bind(fd, (struct sockaddr *)&local, sizeof local) != 0) {
        perror("sip-floor");
        return 1;
    }
    if (!event_loop)
        for (;;) answer_batch(fd, BATCH, MSG_WAITFORONE);
    int poller = epoll_create1(0);
    struct epoll_event readable = {.events = EPOLLIN, .data.fd = fd};
    if (poller < 0 || epoll_ctl(poller, EPOLL_CTL_ADD, fd, &readable) != 0) {
        perror("sip-floor");
        return 1;
    }
    for (;;) {
        struct epoll_event ready;
        if (epoll_wait(poller, &ready, 1, -1) <= 0) continue;
        for (int reads = 0; reads < 2 && answer_batch(fd, 8, 0) > 0; reads++) {}
    }
}

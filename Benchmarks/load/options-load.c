// options-load: offers SIP OPTIONS keepalives to a server at a steady rate and measures what it answers: 200s, other
// answers, requests never answered, and the response time of each. One thread with batched sends and receives
// (sendmmsg/recvmmsg) from several sockets, so one core offers far more than one SIPp (about 30,000/s here). No
// retransmissions: a keepalive that is not answered is counted lost, which is what a stateless server under overload
// looks like to a phone.
//
// options-load HOST PORT RATE SECONDS SOCKETS
//   Sends RATE OPTIONS per second for SECONDS from SOCKETS UDP sockets on 127.0.0.1 (ephemeral ports), each with a
//   new Call-ID and branch; waits 2 s for late answers. Prints one JSON object.
#include "sip-load.h"

#define BATCH 64
#define REQUEST_BYTES 512
#define RESPONSE_BYTES 2048

static struct histogram latency;
static const char *host;
static int port;
static struct sockaddr_in target;
static int64_t total;
static int64_t *sent_at;
static uint8_t *answered;
static int fds[MAX_SOCKETS], local_ports[MAX_SOCKETS], sockets, next_socket;
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
                int64_t sequence = number_after(responses[i], length, "branch=z9hG4bKol");
                if (sequence < 0 || sequence >= total) { foreign++; continue; }
                if (answered[sequence]) { duplicate++; continue; }
                answered[sequence] = 1;
                if (length >= 12 && memcmp(responses[i], "SIP/2.0 200 ", 12) == 0) {
                    ok++;
                    histogram_add(&latency, now - sent_at[sequence]);
                } else {
                    other++;
                }
            }
            if (got < BATCH) break;
        }
    }
}

// Sends the OPTIONS numbered from `first` from the next socket in turn.
static void send_batch(int64_t first, int count) {
    int s = next_socket;
    next_socket = (next_socket + 1) % sockets;
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
        out[i].msg_hdr = (struct msghdr){.msg_name = (void *)&target, .msg_namelen = sizeof target,
                                         .msg_iov = &out_vectors[i], .msg_iovlen = 1};
        sent_at[first + i] = now_ns();
    }
    send_errors += (uint64_t)send_all(fds[s], out, count);
}

static int all_answered(void) { return ok + other >= (uint64_t)total; }

int main(int argc, char **argv) {
    if (argc != 6) {
        fprintf(stderr, "usage: options-load HOST PORT RATE SECONDS SOCKETS\n");
        return 2;
    }
    host = argv[1];
    port = atoi(argv[2]);
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
    target = target_address(host, port);
    open_sockets(sockets, fds, local_ports);

    int64_t start = now_ns();
    int64_t sending_ended = run_paced(rate, total, BATCH, start, send_batch, receive_all, all_answered);
    double elapsed = (double)(sending_ended - start) / 1e9;
    uint64_t lost = (uint64_t)total - ok - other;
    printf("{\"rate\": %lld, \"seconds\": %.3f, \"offered\": %lld, \"send_errors\": %llu, \"ok\": %llu, \"other\": %llu, "
           "\"lost\": %llu, \"duplicate\": %llu, \"foreign\": %llu, \"offered_per_s\": %.1f, \"ok_per_s\": %.1f, "
           "\"p50_ms\": %.3f, \"p99_ms\": %.3f, \"p999_ms\": %.3f}\n",
           (long long)rate, elapsed, (long long)total, (unsigned long long)send_errors, (unsigned long long)ok,
           (unsigned long long)other, (unsigned long long)lost, (unsigned long long)duplicate, (unsigned long long)foreign,
           (double)total / elapsed, (double)ok / elapsed, histogram_percentile(&latency, 0.5),
           histogram_percentile(&latency, 0.99), histogram_percentile(&latency, 0.999));
    return 0;
}

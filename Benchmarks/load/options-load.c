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

#define REQUEST_BYTES 512

static struct load load;
static struct histogram latency;
static int64_t *sent_at;
static uint8_t *answered;
static int next_socket;
static char requests[BATCH][REQUEST_BYTES];
static struct mmsghdr out[BATCH];
static struct iovec out_vectors[BATCH];
static uint64_t ok, other, duplicate, foreign, send_errors;

// One answer, matched to its request by the sequence number in its branch.
static void take(const char *response, int length, int64_t now) {
    int64_t sequence = number_after(response, length, "branch=z9hG4bKol");
    if (sequence < 0 || sequence >= load.total) {
        foreign++;
        return;
    }
    if (answered[sequence]) {
        duplicate++;
        return;
    }
    answered[sequence] = 1;
    if (length >= 12 && memcmp(response, "SIP/2.0 200 ", 12) == 0) {
        ok++;
        histogram_add(&latency, now - sent_at[sequence]);
    } else {
        other++;
    }
}

static void receive_all(void) { receive_answers(&load, take); }

// Sends the OPTIONS numbered from `first` from the next socket in turn.
static void send_batch(int64_t first, int count) {
    int s = next_socket;
    next_socket = (next_socket + 1) % load.sockets;
    for (int i = 0; i < count; i++) {
        long long sequence = (long long)(first + i);
        int local_port = load.ports[s];
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
            load.host, load.port, local_port, sequence, local_port, sequence, load.host, load.port, sequence, local_port);
        address_to_server(&out[i], &out_vectors[i], requests[i], length, &load);
        sent_at[first + i] = now_ns();
    }
    send_errors += (uint64_t)send_all(load.fds[s], out, count);
}

static int all_answered(void) { return ok + other >= (uint64_t)load.total; }

int main(int argc, char **argv) {
    load = load_open(argc, argv, 0, "options-load HOST PORT RATE SECONDS SOCKETS");
    sent_at = calloc((size_t)load.total, sizeof *sent_at);
    answered = calloc((size_t)load.total, 1);
    if (!sent_at || !answered) return 1;

    double elapsed = run_paced(&load, send_batch, receive_all, all_answered);
    uint64_t lost = (uint64_t)load.total - ok - other;
    printf("{\"rate\": %lld, \"seconds\": %.3f, \"offered\": %lld, \"send_errors\": %llu, \"ok\": %llu, \"other\": %llu, "
           "\"lost\": %llu, \"duplicate\": %llu, \"foreign\": %llu, \"offered_per_s\": %.1f, \"ok_per_s\": %.1f, "
           "\"p50_ms\": %.3f, \"p99_ms\": %.3f, \"p999_ms\": %.3f}\n",
           (long long)load.rate, elapsed, (long long)load.total, (unsigned long long)send_errors, (unsigned long long)ok,
           (unsigned long long)other, (unsigned long long)lost, (unsigned long long)duplicate, (unsigned long long)foreign,
           (double)load.total / elapsed, (double)ok / elapsed, histogram_percentile(&latency, 0.5),
           histogram_percentile(&latency, 0.99), histogram_percentile(&latency, 0.999));
    return 0;
}

#ifndef C_MEDIA_SOCKETS_H
#define C_MEDIA_SOCKETS_H

// The Linux calls the media relay's own loop needs and Swift's Glibc module leaves out (epoll, eventfd, and the
// batched recvmmsg/sendmmsg and pthread_setname_np, which glibc declares only under _GNU_SOURCE).
#include <stdint.h>
#include <sys/socket.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <time.h>

/// The layout of glibc's `struct mmsghdr`, which is hidden without _GNU_SOURCE (checked in the .c file).
typedef struct {
    struct msghdr msg_hdr;
    unsigned int msg_len;
} CMediaSockets_mmsghdr;

int CMediaSockets_recvmmsg(int fd, CMediaSockets_mmsghdr *messages, unsigned int count, int flags);
int CMediaSockets_sendmmsg(int fd, CMediaSockets_mmsghdr *messages, unsigned int count, int flags);
/// Reads and discards an eventfd's counter.
void CMediaSockets_drainEventFD(int fd);
/// Adds one to an eventfd's counter, waking whoever waits on it.
void CMediaSockets_signalEventFD(int fd);
/// Dissolves a UDP socket's association (connect to AF_UNSPEC): it takes packets from anyone again.
int CMediaSockets_disconnect(int fd);
/// Names the calling thread as `top -H` and `ps -L` show it (the kernel keeps 15 bytes).
void CMediaSockets_nameThread(const char *name);

#endif

#define _GNU_SOURCE
#include "CMediaSockets.h"
#include <stddef.h>
#include <string.h>
#include <pthread.h>
#include <unistd.h>

_Static_assert(sizeof(CMediaSockets_mmsghdr) == sizeof(struct mmsghdr), "CMediaSockets_mmsghdr and struct mmsghdr differ");
_Static_assert(offsetof(CMediaSockets_mmsghdr, msg_len) == offsetof(struct mmsghdr, msg_len), "msg_len moved");

int CMediaSockets_recvmmsg(int fd, CMediaSockets_mmsghdr *messages, unsigned int count, int flags) {
    return recvmmsg(fd, (struct mmsghdr *)messages, count, flags, NULL);
}

int CMediaSockets_sendmmsg(int fd, CMediaSockets_mmsghdr *messages, unsigned int count, int flags) {
    return sendmmsg(fd, (struct mmsghdr *)messages, count, flags);
}

void CMediaSockets_drainEventFD(int fd) {
    eventfd_t value;
    (void)eventfd_read(fd, &value);
}

void CMediaSockets_signalEventFD(int fd) {
    (void)eventfd_write(fd, 1);
}

int CMediaSockets_disconnect(int fd) {
    struct sockaddr address;
    memset(&address, 0, sizeof address);
    address.sa_family = AF_UNSPEC;
    return connect(fd, &address, sizeof address);
}

void CMediaSockets_nameThread(const char *name) {
    char shortened[16];
    strncpy(shortened, name, sizeof shortened - 1);
    shortened[sizeof shortened - 1] = 0;
    (void)pthread_setname_np(pthread_self(), shortened);
}

/*
 * The socket to the parent: framed messages (see protocol.h), and the one
 * way errors leave the init. An error is a frame MSG_ERROR carrying the
 * errno (u32, 0 for none) and one line of text naming the step and the
 * path; the parent formats the errno and prints the line. After MSG_READY
 * the socket is closed and errors go to the exec fifo instead, the same
 * payload (errno, text) without the frame, where `berth start` reads and
 * formats them.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "init.h"

int sync_fd = -1;
int error_fd = -1;

static void read_all(int fd, void *buf, size_t len)
{
	char *p = buf;
	while (len > 0) {
		ssize_t n = read(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			_exit(1); /* the parent is gone or hung up: stop quietly */
		p += n;
		len -= (size_t)n;
	}
}

void send_msg_fd(uint32_t type, const void *payload, size_t len, int fd)
{
	uint32_t hdr[2] = {(uint32_t)len + 4, type};
	struct iovec iov[2] = {{hdr, sizeof(hdr)}, {(void *)payload, len}};
	char cbuf[CMSG_SPACE(sizeof(int))];
	struct msghdr msg = {.msg_iov = iov, .msg_iovlen = len ? 2 : 1};

	if (fd >= 0) {
		memset(cbuf, 0, sizeof(cbuf));
		msg.msg_control = cbuf;
		msg.msg_controllen = sizeof(cbuf);
		struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &fd, sizeof(int));
	}
	/* one sendmsg carries the whole frame: frames are small */
	ssize_t n;
	do
		n = sendmsg(sync_fd, &msg, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n != (ssize_t)(sizeof(hdr) + len))
		_exit(1);
}

void send_msg(uint32_t type, const void *payload, size_t len)
{
	send_msg_fd(type, payload, len, -1);
}

/* read_frame reads the rest of a frame whose header is hdr. */
static uint8_t *read_frame(const uint32_t hdr[2], uint32_t want, size_t *len)
{
	if (hdr[0] < 4 || hdr[0] > BERTH_MAX_FRAME)
		bailx("protocol: frame of %u bytes", hdr[0]);
	if (hdr[1] != want)
		bailx("protocol: got message %u, want %u", hdr[1], want);
	size_t n = hdr[0] - 4;
	uint8_t *buf = malloc(n + 1);
	if (!buf)
		bailx("protocol: out of memory for %zu bytes", n);
	read_all(sync_fd, buf, n);
	buf[n] = 0;
	*len = n;
	return buf;
}

uint8_t *recv_msg(uint32_t want, size_t *len)
{
	uint32_t hdr[2];
	read_all(sync_fd, hdr, sizeof(hdr));
	return read_frame(hdr, want, len);
}

uint8_t *recv_msg_fd(uint32_t want, size_t *len, int *fd)
{
	uint32_t hdr[2];
	char cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = {hdr, sizeof(hdr)};
	struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof(cbuf)};
	ssize_t n;
	do
		n = recvmsg(sync_fd, &msg, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n <= 0)
		_exit(1); /* the parent is gone or hung up: stop quietly */
	*fd = -1;
	/* the parent attaches one fd to the frame's first byte */
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
	if (c && c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS && c->cmsg_len == CMSG_LEN(sizeof(int)))
		memcpy(fd, CMSG_DATA(c), sizeof(int));
	if ((size_t)n < sizeof(hdr))
		read_all(sync_fd, (char *)hdr + n, sizeof(hdr) - (size_t)n);
	if (msg.msg_flags & MSG_CTRUNC)
		bailx("protocol: message %u with more than one fd", hdr[1]);
	return read_frame(hdr, want, len);
}

const char *error_context;

/* report sends one error line of the given type (MSG_ERROR or
 * MSG_HOOK_ERROR) while the socket is open, else writes it where it can. */
static void report(uint32_t type, int err, const char *fmt, va_list ap)
{
	char text[2048];
	int n = 0;
	if (error_context)
		n = snprintf(text, sizeof(text), "%s: ", error_context);
	if (n < 0 || (size_t)n >= sizeof(text))
		n = 0;
	int m = vsnprintf(text + n, sizeof(text) - (size_t)n, fmt, ap);
	n = m < 0 ? n : n + m;
	if ((size_t)n >= sizeof(text))
		n = sizeof(text) - 1;
	char frame[4 + sizeof(text)];
	uint32_t e = (uint32_t)err;
	memcpy(frame, &e, 4);
	memcpy(frame + 4, text, (size_t)n);
	if (sync_fd >= 0) {
		send_msg(type, frame, 4 + (size_t)n);
	} else if (error_fd >= 0) {
		/* after MSG_READY: `berth start` reads this from the exec fifo,
		 * in one write (a fifo write of up to PIPE_BUF bytes is atomic) */
		(void)!write(error_fd, frame, 4 + (size_t)n);
	} else {
		fprintf(stderr, "berth-init: %s%s%s\n", text, err ? ": " : "", err ? strerror(err) : "");
	}
}

void bail(const char *fmt, ...)
{
	int err = errno;
	va_list ap;
	va_start(ap, fmt);
	report(MSG_ERROR, err, fmt, ap);
	va_end(ap);
	_exit(1);
}

void bailx(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	report(MSG_ERROR, 0, fmt, ap);
	va_end(ap);
	_exit(1);
}

void bail_hook(int err, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	report(MSG_HOOK_ERROR, err, fmt, ap);
	va_end(ap);
	_exit(1);
}

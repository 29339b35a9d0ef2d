/*
 * syscalls.c - the few newlib hooks worth having on a board without an OS:
 *   _exit  -> board_exit (so exit()/abort() end the simulation with a status, not a hang)
 *   _write -> UART for stdout/stderr (printf works if someone needs it for debugging;
 *             tinyfw's own code formats integers with board_put_*)
 *   _sbrk  -> always fails: tinyfw has no heap (malloc returns NULL, stdio runs unbuffered)
 * Everything else comes from libnosys (--specs=nosys.specs). Linked only when referenced.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>

#include "../board.h"

void _exit(int status) __attribute__((noreturn));
int _write(int fd, const char *buf, int n);
void *_sbrk(ptrdiff_t increment);

void _exit(int status)
{
    board_exit(status);
}

int _write(int fd, const char *buf, int n)
{
    if ((fd != 1 && fd != 2) || n < 0) {
        errno = EBADF;
        return -1;
    }
    board_uart_write(buf, (uint32_t)n);
    return n;
}

void *_sbrk(ptrdiff_t increment)
{
    (void)increment;
    errno = ENOMEM;
    return (void *)-1;
}

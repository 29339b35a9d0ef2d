/*
 * semihost.c - Arm semihosting (BKPT 0xAB, operation in r0, parameter block in r1).
 * See semihost.h. Compiled to stubs returning -1 when TINYFW_SEMIHOSTING is 0.
 */
#include <stddef.h>
#include <stdint.h>

#include "../semihost.h"
#include "board_internal.h"

enum {
    SYS_OPEN = 0x01,
    SYS_CLOSE = 0x02,
    SYS_WRITE0 = 0x04,
    SYS_WRITE = 0x05,
    SYS_READ = 0x06,
    SYS_FLEN = 0x0C,
    SYS_ERRNO = 0x13,
    SYS_GET_CMDLINE = 0x15,
    SYS_EXIT_EXTENDED = 0x20,
};

#define ADP_STOPPED_APPLICATION_EXIT 0x20026u

static uint32_t semihost_strlen(const char *s)
{
    uint32_t n = 0u;
    while (s[n] != '\0') {
        ++n;
    }
    return n;
}

#if TINYFW_SEMIHOSTING

static int32_t semihost_call(uint32_t op, const volatile void *arg)
{
    register uint32_t r0 __asm__("r0") = op;
    register const volatile void *r1 __asm__("r1") = arg;
    __asm__ volatile("bkpt 0xAB" : "+r"(r0) : "r"(r1) : "memory");
    return (int32_t)r0;
}

int32_t semihost_open(const char *path, uint32_t mode)
{
    const uint32_t block[3] = {(uint32_t)(uintptr_t)path, mode, semihost_strlen(path)};
    return semihost_call(SYS_OPEN, block);
}

int32_t semihost_read(int32_t handle, void *buf, uint32_t n)
{
    const uint32_t block[3] = {(uint32_t)handle, (uint32_t)(uintptr_t)buf, n};
    const int32_t not_read = semihost_call(SYS_READ, block);
    if (not_read < 0 || (uint32_t)not_read > n) {
        return -1;
    }
    return (int32_t)(n - (uint32_t)not_read);
}

int32_t semihost_write(int32_t handle, const void *buf, uint32_t n)
{
    const uint32_t block[3] = {(uint32_t)handle, (uint32_t)(uintptr_t)buf, n};
    const int32_t not_written = semihost_call(SYS_WRITE, block);
    if (not_written < 0 || (uint32_t)not_written > n) {
        return -1;
    }
    return (int32_t)(n - (uint32_t)not_written);
}

int32_t semihost_close(int32_t handle)
{
    const uint32_t block[1] = {(uint32_t)handle};
    return semihost_call(SYS_CLOSE, block) == 0 ? 0 : -1;
}

int32_t semihost_flen(int32_t handle)
{
    const uint32_t block[1] = {(uint32_t)handle};
    return semihost_call(SYS_FLEN, block);
}

void semihost_write0(const char *s)
{
    (void)semihost_call(SYS_WRITE0, s);
}

int32_t semihost_get_cmdline(char *buf, uint32_t n)
{
    if (n == 0u) {
        return -1;
    }
    volatile uint32_t block[2] = {(uint32_t)(uintptr_t)buf, n};
    if (semihost_call(SYS_GET_CMDLINE, block) != 0) {
        /* QEMU refuses a line longer than the buffer with E2BIG (Linux errno 7). */
        return semihost_call(SYS_ERRNO, NULL) == SEMIHOST_E2BIG ? -2 : -1;
    }
    const uint32_t len = block[1];
    if (len >= n) {
        return -2;
    }
    buf[len] = '\0';
    return (int32_t)len;
}

void semihost_exit(int32_t code)
{
    const uint32_t block[2] = {ADP_STOPPED_APPLICATION_EXIT, (uint32_t)code};
    /* Once: a host that does not end the program (a debugger, Renode) gets a sleeping core,
     * not a flood of repeated exit requests. */
    (void)semihost_call(SYS_EXIT_EXTENDED, block);
    for (;;) {
        __asm__ volatile("wfi");
    }
}

#else /* !TINYFW_SEMIHOSTING: no host to talk to */

int32_t semihost_open(const char *path, uint32_t mode)
{
    (void)semihost_strlen(path);
    (void)mode;
    return -1;
}

int32_t semihost_read(int32_t handle, void *buf, uint32_t n)
{
    (void)handle;
    (void)buf;
    (void)n;
    return -1;
}

int32_t semihost_write(int32_t handle, const void *buf, uint32_t n)
{
    (void)handle;
    (void)buf;
    (void)n;
    return -1;
}

int32_t semihost_close(int32_t handle)
{
    (void)handle;
    return -1;
}

int32_t semihost_flen(int32_t handle)
{
    (void)handle;
    return -1;
}

void semihost_write0(const char *s)
{
    (void)s;
}

int32_t semihost_get_cmdline(char *buf, uint32_t n)
{
    (void)buf;
    (void)n;
    return -1;
}

void semihost_exit(int32_t code)
{
    (void)code;
    for (;;) {
        __asm__ volatile("wfi");
    }
}

#endif /* TINYFW_SEMIHOSTING */

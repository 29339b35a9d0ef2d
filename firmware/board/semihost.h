/*
 * semihost.h - Arm semihosting calls (BKPT 0xAB on Cortex-M) used by tinyfw firmware.
 *
 * Works under QEMU with `-semihosting-config enable=on,target=native` (and under a debugger
 * that implements semihosting). File names are relative to the host process' working
 * directory. With TINYFW_SEMIHOSTING=0 (real hardware without a debugger) every call fails
 * with -1 instead of trapping.
 */
#ifndef TINYFW_SEMIHOST_H
#define TINYFW_SEMIHOST_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* errno the host reports (SYS_ERRNO) when the command line does not fit the buffer. */
#define SEMIHOST_E2BIG 7

/* SYS_OPEN modes (ISO C fopen equivalents). */
#define SEMIHOST_OPEN_R 0u   /* "r"  */
#define SEMIHOST_OPEN_RB 1u  /* "rb" */
#define SEMIHOST_OPEN_W 4u   /* "w"  */
#define SEMIHOST_OPEN_WB 5u  /* "wb" */
#define SEMIHOST_OPEN_A 8u   /* "a"  */
#define SEMIHOST_OPEN_AB 9u  /* "ab" */

/* Open a host file; returns a handle >= 0 or -1. */
int32_t semihost_open(const char *path, uint32_t mode);
/* Read up to n bytes; returns the number of bytes read (0 at end of file) or -1.
 * (The raw SYS_READ returns the number NOT read; this wrapper converts.) */
int32_t semihost_read(int32_t handle, void *buf, uint32_t n);
/* Write n bytes; returns the number of bytes written or -1. Handle from semihost_open. */
int32_t semihost_write(int32_t handle, const void *buf, uint32_t n);
/* Close; returns 0 or -1. */
int32_t semihost_close(int32_t handle);
/* Length of an open file in bytes, or -1. */
int32_t semihost_flen(int32_t handle);
/* Write a NUL-terminated string to the host debug console (QEMU: its stderr). */
void semihost_write0(const char *s);
/* Command line into buf (NUL-terminated); returns its length, -2 if the host has one that does
 * not fit in n bytes, or -1 if there is none. */
int32_t semihost_get_cmdline(char *buf, uint32_t n);
/* SYS_EXIT_EXTENDED with {ADP_Stopped_ApplicationExit 0x20026, code}: QEMU exits with code. */
void semihost_exit(int32_t code) __attribute__((noreturn));

#ifdef __cplusplus
}
#endif

#endif /* TINYFW_SEMIHOST_H */

/* I/O of the verification app: the same main runs on the host (stdin/stdout) and on a
 * board under QEMU (semihosting file in, UART out). */
#ifndef TFW_VERIFY_IO_H
#define TFW_VERIFY_IO_H

#include <stdint.h>

/* Opens the input stream; returns 0 on success. Sets *trace when intermediates are wanted. */
int vio_init(int *trace);
/* Reads exactly n bytes: returns n, 0 at a clean end of input, -1 on a short or failed read. */
int32_t vio_read(uint8_t *buf, int32_t n);
void vio_write(const char *s, int32_t n);
/* A free-running tick counter (0 where there is none). */
uint32_t vio_ticks(void);
void vio_exit(int code);

#endif /* TFW_VERIFY_IO_H */

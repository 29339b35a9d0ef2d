/* The sensor layer: where raw frames come from.
 *
 * In simulation (the default, sensor_trace.c) a trace player reads a recorded trace through
 * semihosting: a raw little-endian int16 file, frames interleaved ([t][c]), named by the
 * first semihosting argument. On real hardware, put your driver in firmware/user/ and define
 * these three functions there: the trace player's definitions are weak and give way to yours.
 */
#ifndef TFW_SENSOR_H
#define TFW_SENSOR_H

#include <stdint.h>

/* Opens the sensor (or the trace). argc/argv: the semihosting command line words
 * (argv[0] = the ELF). Returns 0, or a negative error. */
int32_t sensor_open(int argc, char **argv);

/* Reads up to max_frames frames of `channels` int16 samples into frames.
 * Returns the frames read (> 0), 0 at the end of the trace, or a negative error. */
int32_t sensor_read(int16_t *frames, int32_t max_frames, int32_t channels);

/* The most frames one sensor_read can deliver at once (the sensor FIFO / burst size). */
int32_t sensor_burst_frames(void);

#endif /* TFW_SENSOR_H */

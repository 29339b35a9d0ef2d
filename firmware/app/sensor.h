/* The sensor layer: where raw frames come from.
 *
 * In simulation (the default, sensor_trace.c) a trace player replays a recorded trace from one
 * of two sources, chosen by sensor_open:
 *   1. a file named on the semihosting command line (QEMU): raw little-endian int16 frames,
 *      interleaved ([t][c]), read through SYS_OPEN/SYS_READ;
 *   2. otherwise, a trace preloaded into RAM before reset (Renode's `sysbus LoadBinary`, QEMU's
 *      `-device loader`, a debugger): the TRACE region the linker keeps at the end of RAM
 *      (tinyfw.trace_region.size in the board manifest), holding the blob described below.
 * If neither is there, sensor_open reports `warn no trace` and fails.
 *
 * On real hardware, put your driver in firmware/user/ or the board folder and define the three
 * functions there: the trace player's definitions are weak and give way to yours
 * (firmware/board/stm32l4/sensor_lsm6dsl.c is one).
 */
#ifndef TFW_SENSOR_H
#define TFW_SENSOR_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Preloaded trace blob (tinyfw.sim.preload writes it), all fields little-endian:
 *   offset  0  u32  magic     TFW_TRACE_MAGIC ("TFWT" in memory order)
 *           4  u16  version   TFW_TRACE_VERSION
 *           6  u16  channels  int16 samples per frame; must equal the model's TFW_CHANNELS
 *           8  u32  frames    frame count
 *          12  u32  crc32     CRC-32 (IEEE 802.3, as zlib.crc32) of the sample bytes
 *          16  frames * channels int16 samples, interleaved [t][c]
 * The blob must fit the region: 16 + 2 * frames * channels <= region size.
 */
#define TFW_TRACE_MAGIC 0x54574654u
#define TFW_TRACE_VERSION 1u
#define TFW_TRACE_HEADER_BYTES 16u

/* Opens the sensor (or the trace). argc/argv: the semihosting command line words
 * (argv[0] = the ELF; argc is 0 without semihosting). Returns 0, or a negative error. */
int32_t sensor_open(int argc, char **argv);

/* Reads up to max_frames frames of `channels` int16 samples into frames.
 * Returns the frames read (> 0), 0 at the end of the trace, or a negative error
 * (-3: the trace ends in the middle of a frame). */
int32_t sensor_read(int16_t *frames, int32_t max_frames, int32_t channels);

/* The most frames one sensor_read can deliver at once (the sensor FIFO / burst size). */
int32_t sensor_burst_frames(void);

#ifdef __cplusplus
}
#endif

#endif /* TFW_SENSOR_H */

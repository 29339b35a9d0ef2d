/* Trace player: the simulated sensor (see sensor.h), with two sources.
 *
 * Command line words after argv[0]: `burst=N` makes each read deliver up to N frames at once,
 * like a sensor FIFO that filled while the CPU was busy (default: one hop of frames); the first
 * other word names the trace file (raw little-endian int16, frames interleaved), read through
 * semihosting in 512-byte chunks (fast under QEMU). A trailing partial frame ends a file trace
 * with -3 (reported by the app).
 *
 * Without a file name (no semihosting, as under Renode, or no argument) the trace preloaded in
 * the linker's TRACE region is played when its header is valid: magic, version, channel count,
 * size within the region and CRC-32 of the samples. Otherwise `warn no trace` (no blob) or
 * `warn preloaded trace: ...` (a damaged one) is printed and sensor_open fails.
 */
#include <stddef.h>
#include <stdint.h>

#include "app_config.h"
#include "board.h"
#include "semihost.h"
#include "sensor.h"
#include "tfw_protocol.h"

#define TRACE_CHUNK_BYTES 512u
#define TRACE_MAX_CHANNELS 16

/* Linker symbols (firmware/board/common/cortexm.ld): the preloaded-trace region. */
extern const uint8_t __trace_region_start[];
extern const uint8_t __trace_region_end[];

typedef enum {
    TRACE_NONE = 0,
    TRACE_FILE,
    TRACE_REGION,
} trace_source;

static trace_source g_source;
static int32_t g_burst = TFW_WINDOW_HOP;

/* File source (semihosting). */
static int32_t g_handle = -1;
static uint8_t g_chunk[TRACE_CHUNK_BYTES];
static uint32_t g_chunk_len;
static uint32_t g_chunk_pos;
static int32_t g_partial; /* a partial frame was found at the end of the trace */

/* Region source (preloaded blob). */
static const uint8_t *g_region_next; /* first byte of the next frame */
static uint32_t g_region_frames_left;
static uint32_t g_region_channels;

static int32_t parse_burst(const char *s)
{
    int32_t v = 0;
    for (; *s >= '0' && *s <= '9' && v < 1000000; ++s) {
        v = v * 10 + (*s - '0');
    }
    return v;
}

static int starts_with(const char *s, const char *prefix)
{
    while (*prefix != '\0') {
        if (*s++ != *prefix++) {
            return 0;
        }
    }
    return 1;
}

static uint32_t le16(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8);
}

static uint32_t le32(const uint8_t *p)
{
    return le16(p) | (le16(p + 2) << 16);
}

/* CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320, as zlib.crc32), bit by bit: no table. */
static uint32_t crc32_bytes(const uint8_t *p, uint32_t n)
{
    uint32_t crc = 0xFFFFFFFFu;
    for (uint32_t i = 0u; i < n; ++i) {
        crc ^= p[i];
        for (uint32_t bit = 0u; bit < 8u; ++bit) {
            crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
        }
    }
    return ~crc;
}

/* `warn preloaded trace: <a><n><b>[<m>]\n` (m printed unless it is UINT32_MAX) */
static void warn_region(const char *a, uint32_t n, const char *b, uint32_t m)
{
    board_uart_puts(TFW_LINE_WARN "preloaded trace: ");
    board_uart_puts(a);
    board_put_u32(n);
    board_uart_puts(b);
    if (m != UINT32_MAX) {
        board_put_u32(m);
    }
    board_uart_puts("\n");
}

/* 0 when the TRACE region holds a valid blob (and the player is set to it); else -1. */
static int32_t open_region(void)
{
    const uint8_t *const base = __trace_region_start;
    const uint32_t size =
        (uint32_t)((uintptr_t)__trace_region_end - (uintptr_t)__trace_region_start);
    if (size < TFW_TRACE_HEADER_BYTES || le32(base) != TFW_TRACE_MAGIC) {
        board_uart_puts(TFW_LINE_WARN "no trace\n");
        return -1;
    }
    const uint32_t version = le16(base + 4u);
    const uint32_t channels = le16(base + 6u);
    const uint32_t frames = le32(base + 8u);
    if (version != TFW_TRACE_VERSION) {
        warn_region("version ", version, ", this firmware reads version ", TFW_TRACE_VERSION);
        return -1;
    }
    if (channels != (uint32_t)TFW_CHANNELS) {
        warn_region("", channels, " channels per frame, the model takes ", (uint32_t)TFW_CHANNELS);
        return -1;
    }
    const uint32_t frame_bytes = 2u * channels;
    if (frames > (size - TFW_TRACE_HEADER_BYTES) / frame_bytes) {
        warn_region("", frames, " frames do not fit the trace region of size ", size);
        return -1;
    }
    const uint8_t *const samples = base + TFW_TRACE_HEADER_BYTES;
    if (crc32_bytes(samples, frames * frame_bytes) != le32(base + 12u)) {
        warn_region("crc32 mismatch over ", frames, " frames (truncated or overwritten?)", UINT32_MAX);
        return -1;
    }
    g_region_next = samples;
    g_region_frames_left = frames;
    g_region_channels = channels;
    return 0;
}

__attribute__((weak)) int32_t sensor_open(int argc, char **argv)
{
    const char *file = NULL;
    for (int i = 1; i < argc; ++i) {
        if (starts_with(argv[i], "burst=")) {
            const int32_t b = parse_burst(argv[i] + 6);
            if (b > 0) {
                g_burst = b;
            }
        } else if (file == NULL) {
            file = argv[i];
        }
    }
    if (file != NULL) {
        g_handle = semihost_open(file, SEMIHOST_OPEN_RB);
        if (g_handle < 0) {
            return -2;
        }
        g_source = TRACE_FILE;
        return 0;
    }
    if (open_region() != 0) {
        return -1;
    }
    g_source = TRACE_REGION;
    return 0;
}

__attribute__((weak)) int32_t sensor_burst_frames(void)
{
    return g_burst;
}

/* Next n bytes of the file; returns 1, 0 at end of file, -1 on a read error, -3 when the file
 * ends inside the n bytes. */
static int32_t next_bytes(uint8_t *out, uint32_t n)
{
    for (uint32_t i = 0u; i < n; ++i) {
        if (g_chunk_pos == g_chunk_len) {
            const int32_t got = semihost_read(g_handle, g_chunk, TRACE_CHUNK_BYTES);
            if (got < 0) {
                return -1;
            }
            if (got == 0) {
                return i == 0u ? 0 : -3; /* -3: a partial frame at the end */
            }
            g_chunk_len = (uint32_t)got;
            g_chunk_pos = 0u;
        }
        out[i] = g_chunk[g_chunk_pos++];
    }
    return 1;
}

static int32_t read_file(int16_t *frames, int32_t max_frames, int32_t channels)
{
    if (g_partial) {
        return -3;
    }
    int32_t n = 0;
    uint8_t frame[2 * TRACE_MAX_CHANNELS];
    const uint32_t frame_bytes = 2u * (uint32_t)channels;
    while (n < max_frames) {
        const int32_t r = next_bytes(frame, frame_bytes);
        if (r == 0) {
            break;
        }
        if (r < 0) {
            if (r == -3) {
                g_partial = 1;
            }
            return n > 0 ? n : r;
        }
        for (int32_t c = 0; c < channels; ++c) {
            frames[n * channels + c] = (int16_t)(uint16_t)le16(&frame[2 * c]);
        }
        ++n;
    }
    return n;
}

static int32_t read_region(int16_t *frames, int32_t max_frames, int32_t channels)
{
    if ((uint32_t)channels != g_region_channels) {
        return -1;
    }
    const uint32_t n = max_frames < 0 ? 0u
                       : (uint32_t)max_frames < g_region_frames_left ? (uint32_t)max_frames
                                                                     : g_region_frames_left;
    const uint32_t samples = n * (uint32_t)channels;
    for (uint32_t i = 0u; i < samples; ++i) {
        frames[i] = (int16_t)(uint16_t)le16(g_region_next + 2u * i);
    }
    g_region_next += 2u * samples;
    g_region_frames_left -= n;
    return (int32_t)n;
}

__attribute__((weak)) int32_t sensor_read(int16_t *frames, int32_t max_frames, int32_t channels)
{
    if (channels < 1 || channels > TRACE_MAX_CHANNELS) {
        return -1;
    }
    switch (g_source) {
    case TRACE_FILE:
        return read_file(frames, max_frames, channels);
    case TRACE_REGION:
        return read_region(frames, max_frames, channels);
    case TRACE_NONE:
    default:
        return -1;
    }
}

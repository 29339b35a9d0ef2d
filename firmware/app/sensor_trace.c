/* Trace player: the simulated sensor (see sensor.h).
 *
 * argv[1] is the trace file (raw little-endian int16, frames interleaved). An optional
 * `burst=N` argument makes each read deliver up to N frames at once, like a sensor FIFO that
 * filled while the CPU was busy; the default delivers one hop of frames. The file is read in
 * 512-byte chunks (fast under QEMU). A trailing partial frame ends the trace with -3
 * (reported by the app). */
#include <stdint.h>

#include "app_config.h"
#include "board.h"
#include "semihost.h"
#include "sensor.h"

#define TRACE_CHUNK_BYTES 512u

static int32_t g_handle = -1;
static int32_t g_burst = TFW_WINDOW_HOP;
static uint8_t g_chunk[TRACE_CHUNK_BYTES];
static uint32_t g_chunk_len;
static uint32_t g_chunk_pos;
static int32_t g_partial; /* a partial frame was found at the end of the trace */

static int32_t parse_burst(const char *s)
{
    int32_t v = 0;
    for (; *s >= '0' && *s <= '9' && v < 1000000; ++s) {
        v = v * 10 + (*s - '0');
    }
    return v;
}

__attribute__((weak)) int32_t sensor_open(int argc, char **argv)
{
    if (argc < 2) {
        return -1;
    }
    for (int i = 2; i < argc; ++i) {
        const char *a = argv[i];
        if (a[0] == 'b' && a[1] == 'u' && a[2] == 'r' && a[3] == 's' && a[4] == 't' && a[5] == '=') {
            const int32_t b = parse_burst(a + 6);
            if (b > 0) {
                g_burst = b;
            }
        }
    }
    g_handle = semihost_open(argv[1], SEMIHOST_OPEN_RB);
    return g_handle >= 0 ? 0 : -2;
}

__attribute__((weak)) int32_t sensor_burst_frames(void)
{
    return g_burst;
}

/* Next byte pair as int16; returns 0 at end of file, -1 on a read error. */
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

__attribute__((weak)) int32_t sensor_read(int16_t *frames, int32_t max_frames, int32_t channels)
{
    if (g_handle < 0) {
        return -1;
    }
    if (g_partial) {
        return -3;
    }
    int32_t n = 0;
    uint8_t frame[2 * 16];
    const uint32_t frame_bytes = 2u * (uint32_t)channels;
    if (channels < 1 || channels > 16) {
        return -1;
    }
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
            frames[n * channels + c] = (int16_t)(uint16_t)((uint32_t)frame[2 * c] | ((uint32_t)frame[2 * c + 1] << 8));
        }
        ++n;
    }
    return n;
}

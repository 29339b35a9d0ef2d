/* tinyfw application: sensor -> ring buffer -> sliding window -> integer preprocessing ->
 * model_invoke() -> post-processing -> one UART line per window.
 *
 * UART protocol: boot, win, change, warn, stats, done lines; their text is in tfw_protocol.h
 * (the checked twin of sim/protocol.py, which renders and parses them).
 * Exit statuses: 0 ok, 3 sensor (trace) error, 4 post-processing parameters too large,
 * 5 the command line does not fit in CMDLINE_BYTES.
 * Window k covers frames [k * hop, k * hop + length), exactly as tinyfw.model.windows cuts
 * them on the host. Timer ticks are converted to instructions by the host. */
#include <stdint.h>

#include "app_config.h"
#include "board.h"
#include "model.h"
#include "postprocess.h"
#include "preprocess.h"
#include "ringbuf.h"
#include "sensor.h"
#include "tfw_protocol.h"
#include "user_hooks.h"

#define MAX_ARGS 8
#define CMDLINE_BYTES 256u

/* The ring holds one window plus one burst of frames. */
#ifndef TFW_RING_FRAMES
#define TFW_RING_FRAMES (TFW_WINDOW_LEN + TFW_WINDOW_HOP)
#endif

static int16_t g_ring_storage[TFW_RING_FRAMES * TFW_CHANNELS];
static int16_t g_window[TFW_WINDOW_LEN * TFW_CHANNELS];
static int16_t g_burst[TFW_RING_FRAMES * TFW_CHANNELS];
static tfw_ringbuf g_ring;
static tfw_post_state g_post;

typedef struct {
    uint32_t windows;
    uint32_t skipped;
    uint32_t ticks_min;
    uint32_t ticks_max;
    uint64_t ticks_total;
} app_stats;

static void put_outputs(const int8_t *out, int32_t n)
{
    for (int32_t i = 0; i < n; ++i) {
        if (i > 0) {
            board_uart_puts(",");
        }
        board_put_i32(out[i]);
    }
}

static void run_window(uint32_t index, app_stats *st)
{
    tfw_preprocess(g_window, model_input(), &tfw_app_pre);
    const uint32_t t0 = board_timer_ticks();
    model_invoke();
    const uint32_t ticks = board_timer_ticks() - t0;
    st->ticks_total += ticks;
    st->ticks_min = (st->windows == 0u || ticks < st->ticks_min) ? ticks : st->ticks_min;
    st->ticks_max = ticks > st->ticks_max ? ticks : st->ticks_max;
    st->windows++;

    const int8_t *out = model_output();
    const int32_t cls = tfw_argmax_s8(out, TFW_NUM_CLASSES);
    const int32_t before = g_post.activity;
    const int32_t act = tfw_post_update(&tfw_app_post, &g_post, cls, out);

    board_uart_puts(TFW_LINE_WIN);
    board_put_u32(index);
    board_uart_puts(" ");
    put_outputs(out, MODEL_OUTPUT_SIZE);
    board_uart_puts(TFW_LINE_WIN_CLS);
    board_put_i32(cls);
    board_uart_puts(TFW_LINE_WIN_ACT);
    board_put_i32(act);
    board_uart_puts("\n");
    if (act != before && act >= 0) {
        board_uart_puts(TFW_LINE_CHANGE);
        board_put_u32(index);
        board_uart_puts(" ");
        board_put_i32(act);
        board_uart_puts(" ");
        board_uart_puts(tfw_app_labels[act]);
        board_uart_puts("\n");
        user_on_activity(act, tfw_app_labels[act]);
    }
}

static int finish(int status, const app_stats *st)
{
    board_uart_puts(TFW_LINE_STATS);
    board_put_u32(st->windows);
    board_uart_puts(TFW_LINE_STATS_FRAMES);
    board_put_u32(g_ring.total);
    board_uart_puts(TFW_LINE_STATS_TICKS_MIN);
    board_put_u32(st->ticks_min);
    board_uart_puts(TFW_LINE_STATS_TICKS_MAX);
    board_put_u32(st->ticks_max);
    board_uart_puts(TFW_LINE_STATS_TICKS_TOTAL);
    board_put_u64(st->ticks_total);
    board_uart_puts(TFW_LINE_STATS_STACK);
    board_put_u32(board_stack_high_water());
    board_uart_puts(TFW_LINE_STATS_OVERFLOW);
    board_put_u32(g_ring.overflow);
    board_uart_puts(TFW_LINE_STATS_SKIPPED);
    board_put_u32(st->skipped);
    board_uart_puts("\n" TFW_LINE_DONE);
    board_put_i32(status);
    board_uart_puts("\n");
    board_exit(status);
}

int main(void)
{
    static char cmdline[CMDLINE_BYTES];
    char *argv[MAX_ARGS];
    int argc = 0;
    app_stats st = {0u, 0u, 0u, 0u, 0u};

    board_init();
    board_timer_start();
    board_uart_puts(TFW_LINE_BOOT TFW_VERSION TFW_LINE_BOOT_MODEL MODEL_SHA256_PREFIX
                    TFW_LINE_BOOT_BOARD TINYFW_BOARD_ID "\n");

    const int cmdline_len = board_cmdline(cmdline, CMDLINE_BYTES);
    tfw_ringbuf_init(&g_ring, g_ring_storage, TFW_RING_FRAMES, TFW_CHANNELS);
    if (cmdline_len == BOARD_CMDLINE_TOO_LONG) {
        /* Reading no trace would look like an empty run: say why and stop. */
        board_uart_puts(TFW_LINE_WARN "the command line is longer than ");
        board_put_u32(CMDLINE_BYTES - 1u);
        board_uart_puts(" bytes (use shorter paths)\n");
        return finish(5, &st);
    }
    if (cmdline_len >= 0) {
        argc = board_split_args(cmdline, argv, MAX_ARGS);
    }
    if (tfw_post_init(&tfw_app_post, &g_post) != 0) {
        board_uart_puts(TFW_LINE_WARN
                        "post-processing parameters exceed the firmware's capacity\n");
        return finish(4, &st);
    }
    if (sensor_open(argc, argv) != 0) {
        board_uart_puts(TFW_LINE_WARN "cannot open the sensor (trace file?)\n");
        return finish(3, &st);
    }
    user_on_start();

    uint32_t next_start = 0u; /* absolute frame index of the next window */
    int status = 0;
    int32_t burst = sensor_burst_frames();
    if (burst < 1 || burst > TFW_RING_FRAMES) {
        burst = burst < 1 ? 1 : TFW_RING_FRAMES;
    }
    for (;;) {
        const int32_t n = sensor_read(g_burst, burst, TFW_CHANNELS);
        if (n == 0) {
            break;
        }
        if (n < 0) {
            if (n == -3) {
                board_uart_puts(TFW_LINE_WARN "trace ends in the middle of a frame\n");
            } else {
                board_uart_puts(TFW_LINE_WARN "sensor read failed\n");
                status = 3;
            }
            break;
        }
        tfw_ringbuf_push(&g_ring, g_burst, (uint32_t)n);
        /* Windows whose first frames were overwritten are lost: count and skip them. */
        while (next_start < tfw_ringbuf_oldest(&g_ring)) {
            next_start += TFW_WINDOW_HOP;
            st.skipped++;
        }
        while (next_start + TFW_WINDOW_LEN <= g_ring.total) {
            if (tfw_ringbuf_copy(&g_ring, next_start, TFW_WINDOW_LEN, g_window) != 0) {
                break; /* cannot happen: the frames were checked above */
            }
            run_window(next_start / TFW_WINDOW_HOP, &st);
            next_start += TFW_WINDOW_HOP;
            tfw_ringbuf_consume(&g_ring, next_start);
        }
    }
    return finish(status, &st);
}

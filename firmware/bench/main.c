/* Benchmark app: one inference of the generated model on a fixed input (bench_input.h),
 * timed with the board timer, then the stack high-water mark. Prints one line:
 *   bench ticks=<t> empty=<e> out=<o0>,<o1>,... stack=<bytes>
 * Like the TFLite Micro anchor app in ../shared/bench: startup + UART + semihosting + model.
 *
 * Per-op build (bench_trace.h included with -include): the model calls tfw_bench_op_done()
 * after every op, which stamps the timer; a second line gives the ticks per op index
 * (ops without code, e.g. RESHAPE, included) and the cost of one stamp for the host to subtract:
 *   ops stamp=<ticks of one stamp> <op index>:<ticks>,...
 * The lines' text is in board/tfw_protocol.h (the twin of sim/protocol.py).
 */
#include <stdint.h>
#include <string.h>

#include "../board/tfw_protocol.h"
#include "bench_input.h"
#include "board.h"
#include "model.h"

#ifdef TFW_BENCH_PER_OP
static uint32_t bench_stamps[TFW_BENCH_MAX_OPS + 1]; /* [0] before the first op */
static int32_t bench_ops[TFW_BENCH_MAX_OPS];
static int32_t bench_count;

void tfw_bench_op_done(int32_t op_index)
{
    if (bench_count < TFW_BENCH_MAX_OPS) {
        bench_stamps[bench_count + 1] = board_timer_ticks();
        bench_ops[bench_count++] = op_index;
    }
}

/* Runs the model once more with a stamp after every op and prints the ops line. */
static void bench_per_op(void)
{
    /* One hook call between two stamps = what every interval carries besides its op. */
    bench_count = 0;
    tfw_bench_op_done(-1);
    tfw_bench_op_done(-1);
    const uint32_t stamp = bench_stamps[2] - bench_stamps[1];
    bench_count = 0;
    memcpy(model_input(), bench_input, MODEL_INPUT_SIZE);
    bench_stamps[0] = board_timer_ticks();
    model_invoke();
    board_uart_puts(TFW_LINE_OPS);
    board_put_u32(stamp);
    board_uart_puts(" ");
    for (int32_t i = 0; i < bench_count; ++i) {
        if (i > 0) {
            board_uart_puts(",");
        }
        board_put_i32(bench_ops[i]);
        board_uart_puts(":");
        board_put_u32(bench_stamps[i + 1] - bench_stamps[i]);
    }
    board_uart_puts("\n");
}
#endif

int main(void)
{
    board_init();
    board_timer_start();
    memcpy(model_input(), bench_input, MODEL_INPUT_SIZE);
    const uint32_t t0 = board_timer_ticks();
    model_invoke();
    const uint32_t ticks = board_timer_ticks() - t0;
    /* The empty interval (two timer reads) is measured too, so the host can subtract it. */
    const uint32_t e0 = board_timer_ticks();
    const uint32_t empty = board_timer_ticks() - e0;
    board_uart_puts(TFW_LINE_BENCH);
    board_put_u32(ticks);
    board_uart_puts(TFW_LINE_BENCH_EMPTY);
    board_put_u32(empty);
    board_uart_puts(TFW_LINE_BENCH_OUTPUTS);
    const int8_t *out = model_output();
    for (int32_t i = 0; i < MODEL_OUTPUT_SIZE; ++i) {
        if (i > 0) {
            board_uart_puts(",");
        }
        board_put_i32(out[i]);
    }
    board_uart_puts(TFW_LINE_BENCH_STACK);
    board_put_u32(board_stack_high_water());
    board_uart_puts("\n");
#ifdef TFW_BENCH_PER_OP
    bench_per_op();
#endif
    board_exit(0);
}

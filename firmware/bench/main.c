/* Benchmark app: one inference of the generated model on a fixed input (bench_input.h),
 * timed with the board timer, then the stack high-water mark. Prints one line:
 *   bench ticks=<t> out=<o0>,<o1>,... stack=<bytes>
 * Like the TFLite Micro anchor app in ../shared/bench: startup + UART + semihosting + model. */
#include <stdint.h>
#include <string.h>

#include "bench_input.h"
#include "board.h"
#include "model.h"

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
    board_uart_puts("bench ticks=");
    board_put_u32(ticks);
    board_uart_puts(" empty=");
    board_put_u32(empty);
    board_uart_puts(" out=");
    const int8_t *out = model_output();
    for (int32_t i = 0; i < MODEL_OUTPUT_SIZE; ++i) {
        if (i > 0) {
            board_uart_puts(",");
        }
        board_put_i32(out[i]);
    }
    board_uart_puts(" stack=");
    board_put_u32(board_stack_high_water());
    board_uart_puts("\n");
    board_exit(0);
}

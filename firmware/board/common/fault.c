/*
 * fault.c - one handler for HardFault, MemManage, BusFault, UsageFault, SecureFault and any
 * unexpected exception. It prints ONE UART line (text from board/tfw_protocol.h, the twin of
 * sim/protocol.py's Fault)
 *
 *   fault <name> cfsr=0x........ hfsr=0x........ mmfar=0x........ bfar=0x........
 *         pc=0x........ lr=0x........ psr=0x........            (all on one line)
 *
 * with pc/lr/psr from the exception frame the core stacked (all 0 if that frame is not inside
 * its stack, e.g. after a stack overflow), then exits with BOARD_EXIT_<NAME> (70..75, board.h).
 * <name>: hardfault memmanage busfault usagefault securefault, or nmi svc debugmon pendsv
 * systick irq<N> for exceptions nobody enabled (status 75).
 */
#include <stdint.h>

#include "../tfw_protocol.h"
#include "../board.h"
#include "board_internal.h"

/* Entry for every fault vector: pass the stacked frame, EXC_RETURN and IPSR to C. */
__attribute__((naked)) void board_fault_entry(void)
{
    __asm__ volatile(
#if BOARD_ARMV6M /* Thumb-1: no IT blocks, no TST with an immediate */
        "movs r0, #4\n\t"
        "mov r1, lr\n\t"
        "tst r0, r1\n\t"
        "bne 1f\n\t"
        "mrs r0, msp\n\t"
        "b 2f\n\t"
        "1: mrs r0, psp\n\t"
        "2: mrs r2, ipsr\n\t"
        "bl board_fault_report\n\t" /* never returns; B reaches 2 KB only */
#else
        "tst lr, #4\n\t"
        "ite eq\n\t"
        "mrseq r0, msp\n\t"
        "mrsne r0, psp\n\t"
        "mov r1, lr\n\t"
        "mrs r2, ipsr\n\t"
        "b board_fault_report\n\t"
#endif
    );
}

extern uint32_t __handler_stack_bottom[];

/* True if the 8-word basic frame at frame lies inside [bottom, top). */
static int board_frame_inside(const uint32_t *frame, const uint32_t *bottom,
                              const uint32_t *top)
{
    uintptr_t f = (uintptr_t)frame;
    return (f & 3u) == 0u && f >= (uintptr_t)bottom && f + 32u <= (uintptr_t)top;
}

static void board_put_field(const char *name, uint32_t value)
{
    board_uart_puts(name);
    board_put_hex32(value);
}

void board_fault_report(const uint32_t *frame, uint32_t exc_return, uint32_t exception)
{
    static const char *const names[16] = {
        [2] = "nmi",         [3] = "hardfault", [4] = "memmanage", [5] = "busfault",
        [6] = "usagefault",  [7] = "securefault", [11] = "svc",    [12] = "debugmon",
        [14] = "pendsv",     [15] = "systick",
    };
    exception &= 0x1FFu;
#if BOARD_ARMV6M /* no fault status registers: reading them would fault again */
    const uint32_t cfsr = 0u, hfsr = 0u, mmfar = 0u, bfar = 0u;
#else
    const uint32_t cfsr = SCB_CFSR;
    const uint32_t hfsr = SCB_HFSR;
    const uint32_t mmfar = SCB_MMFAR;
    const uint32_t bfar = SCB_BFAR;
#endif

    const int on_psp = (exc_return & 4u) != 0u;
    const int readable = on_psp ? board_frame_inside(frame, __stack_bottom, __stack_top)
                                : board_frame_inside(frame, __handler_stack_bottom,
                                                     __handler_stack_top);
    const uint32_t lr = readable ? frame[5] : 0u;
    const uint32_t pc = readable ? frame[6] : 0u;
    const uint32_t psr = readable ? frame[7] : 0u;

    int status = BOARD_EXIT_UNEXPECTED_IRQ;
    if (exception >= 3u && exception <= 7u) {
        status = BOARD_EXIT_HARDFAULT + (int)(exception - 3u);
    }

    board_uart_init(); /* the fault may come before board_init() */
    board_uart_puts(TFW_LINE_FAULT);
    if (exception < 16u && names[exception] != 0) {
        board_uart_puts(names[exception]);
    } else {
        board_uart_puts("irq");
        board_put_u32(exception >= 16u ? exception - 16u : exception);
    }
    board_put_field(TFW_LINE_FAULT_CFSR, cfsr);
    board_put_field(TFW_LINE_FAULT_HFSR, hfsr);
    board_put_field(TFW_LINE_FAULT_MMFAR, mmfar);
    board_put_field(TFW_LINE_FAULT_BFAR, bfar);
    board_put_field(TFW_LINE_FAULT_PC, pc);
    board_put_field(TFW_LINE_FAULT_LR, lr);
    board_put_field(TFW_LINE_FAULT_PSR, psr);
    board_uart_puts("\n");
    board_exit(status);
}

/*
 * startup.c - vector table and reset for every tinyfw Cortex-M board.
 *
 * Stacks: thread code (main and everything it calls) runs on the PROCESS stack (PSP),
 * [__stack_bottom, __stack_top), which is painted with BOARD_STACK_PAINT at reset and sits at the
 * bottom of RAM, so an overflow leaves RAM instead of silently overwriting .data/.bss. There it
 * faults: ARMv8-M (Cortex-M33, M55) through PSPLIM (UsageFault STKOF); ARMv7-M through an MPU
 * no-access region of up to 64 KB right below __stack_bottom (MemManage); ARMv6-M (Cortex-M0,
 * no MPU, no stack limit) through the bus error of the unmapped addresses below RAM
 * (HardFault). On QEMU's mps2 boards the addresses below RAM are otherwise writable aliases of
 * the code memory. Exceptions run on the small MAIN stack (MSP), so the fault handler still has
 * a stack after an overflow.
 *
 * Reset: enable the FPU (hard-float builds), copy .data, zero .bss, paint the thread stack, trap
 * integer division by zero, enable the MemManage/BusFault/UsageFault(/SecureFault) handlers,
 * switch thread mode to PSP, call main, and exit with main's return value.
 */
#include <stdint.h>

#include "../board.h"
#include "board_internal.h"

int main(void);

void Reset_Handler(void) __attribute__((noreturn));
void board_fault_entry(void); /* fault.c */
void SysTick_Handler(void);

/* Weak: a family driver that uses SysTick (stellaris) defines the real one. */
__attribute__((weak, naked)) void SysTick_Handler(void)
{
    __asm__ volatile("b board_fault_entry");
}

/* 16 system exceptions (entry 0 = initial MSP) + 32 external interrupts, none enabled by the
 * board layer; an unexpected one is reported like a fault (BOARD_EXIT_UNEXPECTED_IRQ). */
#define BOARD_IRQ_VECTORS 32u

struct board_vector_table {
    uint32_t *initial_msp;
    void (*handler[15u + BOARD_IRQ_VECTORS])(void);
};

#define BOARD_FAULT4 board_fault_entry, board_fault_entry, board_fault_entry, board_fault_entry
#define BOARD_FAULT16 BOARD_FAULT4, BOARD_FAULT4, BOARD_FAULT4, BOARD_FAULT4

__attribute__((section(".isr_vector"), used)) const struct board_vector_table
    board_vector_table = {
        .initial_msp = __handler_stack_top,
        .handler =
            {
                Reset_Handler,     /*  1 */
                board_fault_entry, /*  2 NMI */
                board_fault_entry, /*  3 HardFault */
                board_fault_entry, /*  4 MemManage */
                board_fault_entry, /*  5 BusFault */
                board_fault_entry, /*  6 UsageFault */
                board_fault_entry, /*  7 SecureFault (ARMv8-M) */
                0,                 /*  8 reserved */
                0,                 /*  9 reserved */
                0,                 /* 10 reserved */
                board_fault_entry, /* 11 SVCall */
                board_fault_entry, /* 12 DebugMonitor */
                0,                 /* 13 reserved */
                board_fault_entry, /* 14 PendSV */
                SysTick_Handler,   /* 15 SysTick (the lm3s6965evb timer) */
                BOARD_FAULT16,     /* IRQ 0..15 */
                BOARD_FAULT16,     /* IRQ 16..31 */
            },
};
_Static_assert(BOARD_IRQ_VECTORS == 32u, "the table above lists 32 IRQ vectors");

/* Words between two linker symbols (end >= start). */
static uint32_t board_words(const uint32_t *start, const uint32_t *end)
{
    return (uint32_t)(((uintptr_t)end - (uintptr_t)start) / sizeof(uint32_t));
}

/* ARMv7-M: make the (up to) 64 KB below the thread stack inaccessible (MPU region 0,
 * privileged background map kept for everything else). */
static void board_guard_below_stack(void)
{
#if !BOARD_ARMV8M && !BOARD_ARMV6M
    if (((MPU_TYPE >> 8) & 0xFFu) == 0u) {
        return; /* no MPU regions */
    }
    const uint32_t bottom = (uint32_t)(uintptr_t)__stack_bottom;
    /* A region is 2^n bytes (n >= 5) aligned to its size: take the largest that fits. */
    uint32_t size = 1u << 16;
    while (size >= 32u && ((bottom & (size - 1u)) != 0u || bottom < size)) {
        size >>= 1;
    }
    if (size < 32u) {
        return;
    }
    uint32_t log2_size = 0u;
    while ((1u << log2_size) != size) {
        ++log2_size;
    }
    MPU_RNR = 0u;
    MPU_RBAR = bottom - size;
    MPU_RASR = MPU_RASR_XN | ((log2_size - 1u) << 1) | MPU_RASR_ENABLE; /* AP = 0: no access */
    MPU_CTRL = MPU_CTRL_PRIVDEFENA | MPU_CTRL_ENABLE;
    board_dsb_isb();
#endif
}

/*
 * Switch thread mode to the process stack at psp_top and run main(); main's return value goes
 * to board_exit. Naked: it must not touch the stack it is leaving.
 */
__attribute__((naked, noreturn)) static void board_run_main(uint32_t *psp_top)
{
    (void)psp_top;
    __asm__ volatile(
        "msr psp, r0\n\t"
#if BOARD_ARMV8M
        "movw r1, #:lower16:__stack_bottom\n\t"
        "movt r1, #:upper16:__stack_bottom\n\t"
        "msr psplim, r1\n\t"
        "movw r1, #:lower16:__handler_stack_bottom\n\t"
        "movt r1, #:upper16:__handler_stack_bottom\n\t"
        "msr msplim, r1\n\t"
#endif
#if BOARD_ARMV6M
        "movs r1, #2\n\t" /* CONTROL is 0 after reset; Thumb-1 has no ORR immediate */
#else
        "mrs r1, control\n\t"
        "orr r1, r1, #2\n\t" /* SPSEL = 1: thread mode uses PSP */
#endif
        "msr control, r1\n\t"
        "isb\n\t"
        "bl main\n\t"
        "bl board_exit\n\t"); /* bl: B's range is 2 KB on ARMv6-M; board_exit never returns */
}

void Reset_Handler(void)
{
#if defined(__ARM_FP)
    /* Before any floating-point instruction: full access to CP10/CP11. */
    SCB_CPACR |= SCB_CPACR_CP10_CP11_FULL;
    board_dsb_isb();
#endif
    SCB_VTOR = (uint32_t)(uintptr_t)&board_vector_table;

    /* volatile: keeps GCC from turning these loops into memcpy/memset calls. */
    volatile uint32_t *dst = __data_start;
    const volatile uint32_t *src = __data_load;
    for (uint32_t i = board_words(__data_start, __data_end); i != 0u; --i) {
        *dst++ = *src++;
    }
    dst = __bss_start;
    for (uint32_t i = board_words(__bss_start, __bss_end); i != 0u; --i) {
        *dst++ = 0u;
    }
    /* We run on the handler stack (MSP) here, so the whole thread stack can be painted. */
    dst = __stack_bottom;
    for (uint32_t i = board_words(__stack_bottom, __stack_top); i != 0u; --i) {
        *dst++ = BOARD_STACK_PAINT;
    }

#if !BOARD_ARMV6M /* ARMv6-M: CCR is read-only, SHCSR has no enables, no divide to trap */
    SCB_CCR |= SCB_CCR_DIV_0_TRP;
    SCB_SHCSR |= SCB_SHCSR_MEMFAULTENA | SCB_SHCSR_BUSFAULTENA | SCB_SHCSR_USGFAULTENA
#if BOARD_ARMV8M
                 | SCB_SHCSR_SECUREFAULTENA
#endif
        ;
#endif
    board_dsb_isb();
    board_guard_below_stack();

    board_run_main(__stack_top);
}

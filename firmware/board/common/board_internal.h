/*
 * board_internal.h - Cortex-M system registers and the hooks between common/ and the family
 * drivers. Not for application code (use board.h).
 */
#ifndef TINYFW_BOARD_INTERNAL_H
#define TINYFW_BOARD_INTERNAL_H

#include <stdint.h>

#ifndef TINYFW_SEMIHOSTING
#error "TINYFW_SEMIHOSTING must come from the board manifest (-D by the tinyfw-arm builder)"
#endif

#define BOARD_REG32(addr) (*(volatile uint32_t *)(uintptr_t)(addr))

/* Architecture profile of the core being built for (GCC's predefined macros):
 *   BOARD_ARMV8M: ARMv8-M / ARMv8.1-M mainline (Cortex-M33, Cortex-M55): PSPLIM/MSPLIM,
 *                 SecureFault;
 *   BOARD_ARMV6M: ARMv6-M (Cortex-M0/M0+): no CFSR/HFSR/MMFAR/BFAR, no configurable faults
 *                 (every fault is a HardFault), no divide instructions, no IT blocks, no MPU
 *                 on the nRF51822 of the micro:bit.
 * Anything else is ARMv7-M (Cortex-M3/M4/M7). */
#if defined(__ARM_ARCH_8M_MAIN__) || defined(__ARM_ARCH_8_1M_MAIN__)
#define BOARD_ARMV8M 1
#else
#define BOARD_ARMV8M 0
#endif
#if defined(__ARM_ARCH_6M__)
#define BOARD_ARMV6M 1
#else
#define BOARD_ARMV6M 0
#endif

/* System Control Block and SysTick (ARMv7-M / ARMv8-M mainline). */
#define SCB_ICSR BOARD_REG32(0xE000ED04u)
#define SCB_VTOR BOARD_REG32(0xE000ED08u)
#define SCB_CCR BOARD_REG32(0xE000ED14u)
#define SCB_SHCSR BOARD_REG32(0xE000ED24u)
#define SCB_CFSR BOARD_REG32(0xE000ED28u)
#define SCB_HFSR BOARD_REG32(0xE000ED2Cu)
#define SCB_MMFAR BOARD_REG32(0xE000ED34u)
#define SCB_BFAR BOARD_REG32(0xE000ED38u)
#define SCB_CPACR BOARD_REG32(0xE000ED88u)
#define DCB_DHCSR BOARD_REG32(0xE000EDF0u)

/* PMSAv7 MPU (ARMv7-M): guards the memory below the thread stack. */
#define MPU_TYPE BOARD_REG32(0xE000ED90u)
#define MPU_CTRL BOARD_REG32(0xE000ED94u)
#define MPU_RNR BOARD_REG32(0xE000ED98u)
#define MPU_RBAR BOARD_REG32(0xE000ED9Cu)
#define MPU_RASR BOARD_REG32(0xE000EDA0u)

#define SYST_CSR BOARD_REG32(0xE000E010u)
#define SYST_RVR BOARD_REG32(0xE000E014u)
#define SYST_CVR BOARD_REG32(0xE000E018u)

#define SCB_ICSR_PENDSTSET (1u << 26)
#define SCB_CCR_DIV_0_TRP (1u << 4)
#define SCB_SHCSR_MEMFAULTENA (1u << 16)
#define SCB_SHCSR_BUSFAULTENA (1u << 17)
#define SCB_SHCSR_USGFAULTENA (1u << 18)
#define SCB_SHCSR_SECUREFAULTENA (1u << 19)
#define SCB_CPACR_CP10_CP11_FULL (0xFu << 20)
#define DCB_DHCSR_C_DEBUGEN (1u << 0)
#define MPU_CTRL_ENABLE (1u << 0)
#define MPU_CTRL_PRIVDEFENA (1u << 2)
#define MPU_RASR_ENABLE (1u << 0)
#define MPU_RASR_XN (1u << 28)

/* Linker-script symbols (firmware/board/common/cortexm.ld); use their addresses only. */
extern uint32_t __isr_vector[];
extern uint32_t __stack_bottom[];
extern uint32_t __stack_top[];
extern uint32_t __stack_size[];
extern uint32_t __handler_stack_top[];
extern uint32_t __data_start[];
extern uint32_t __data_end[];
extern uint32_t __data_load[];
extern uint32_t __bss_start[];
extern uint32_t __bss_end[];

/* Family drivers (firmware/board/<family>/). Must not use the stack heavily: the fault
 * handler calls them on the small handler stack. */
void board_uart_init(void);
void board_uart_putc(char c);

/* Number the fault handler reports for an exception; see board.h BOARD_EXIT_*. */
void board_fault_report(const uint32_t *frame, uint32_t exc_return, uint32_t exception)
    __attribute__((noreturn));

static inline void board_dsb_isb(void)
{
    __asm__ volatile("dsb 0xF\n\tisb 0xF" ::: "memory");
}

#endif /* TINYFW_BOARD_INTERNAL_H */

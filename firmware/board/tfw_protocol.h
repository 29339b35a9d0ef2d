/* tfw_protocol.h - the literal text of every UART line the firmware prints.
 *
 * The protocol is defined once, in sim/protocol.py (each line kind's FORMAT renders and
 * parses it); this header is its checked twin (tests/test_protocol.py): TFW_LINE_<KIND> is
 * the text before the kind's first field, TFW_LINE_<KIND>_<FIELD> the text before FIELD
 * (fields separated by one space have no macro). Every line ends with "\n"; numbers are
 * decimal (board_put_u32/i32/u64), `0x` fields are board_put_hex32, lists are joined by ",".
 *
 *   tinyfw <version> model=<sha256 prefix> board=<id>           application (app/main.c)
 *   win <index> <o0>,<o1>,... cls=<argmax> act=<activity or -1>
 *   change <index> <activity> <label>
 *   warn <text>
 *   stats windows=<n> frames=<n> ticks_min=<t> ticks_max=<t> ticks_total=<t> stack=<bytes>
 *         overflow=<frames> skipped=<windows>                    (one line)
 *   done <status>                       (verification app: done <records>)
 *   fault <name> cfsr=0x.. hfsr=0x.. mmfar=0x.. bfar=0x.. pc=0x.. lr=0x.. psr=0x..
 *                                                                board layer (common/fault.c)
 *   out <record> <hex>                                           verification app (verify/)
 *   trace <record> <op> <tensor> <hex>
 *   ticks <record> <ticks>
 *   error <text>
 *   bench ticks=<t> empty=<t> out=<o0>,<o1>,... stack=<bytes>    bench app (bench/)
 *   ops stamp=<t> <op>:<ticks>,...
 *
 * Plain string literals only: the board layer, the host build of the verification app and
 * the target builds all include it. */
#ifndef TFW_PROTOCOL_H
#define TFW_PROTOCOL_H

#define TFW_LINE_BOOT "tinyfw "
#define TFW_LINE_BOOT_MODEL " model="
#define TFW_LINE_BOOT_BOARD " board="

#define TFW_LINE_WIN "win "
#define TFW_LINE_WIN_CLS " cls="
#define TFW_LINE_WIN_ACT " act="

#define TFW_LINE_CHANGE "change "

#define TFW_LINE_WARN "warn "

#define TFW_LINE_STATS "stats windows="
#define TFW_LINE_STATS_FRAMES " frames="
#define TFW_LINE_STATS_TICKS_MIN " ticks_min="
#define TFW_LINE_STATS_TICKS_MAX " ticks_max="
#define TFW_LINE_STATS_TICKS_TOTAL " ticks_total="
#define TFW_LINE_STATS_STACK " stack="
#define TFW_LINE_STATS_OVERFLOW " overflow="
#define TFW_LINE_STATS_SKIPPED " skipped="

#define TFW_LINE_DONE "done "

#define TFW_LINE_FAULT "fault "
#define TFW_LINE_FAULT_CFSR " cfsr="
#define TFW_LINE_FAULT_HFSR " hfsr="
#define TFW_LINE_FAULT_MMFAR " mmfar="
#define TFW_LINE_FAULT_BFAR " bfar="
#define TFW_LINE_FAULT_PC " pc="
#define TFW_LINE_FAULT_LR " lr="
#define TFW_LINE_FAULT_PSR " psr="

#define TFW_LINE_OUT "out "
#define TFW_LINE_TRACE "trace "
#define TFW_LINE_TICKS "ticks "
#define TFW_LINE_ERROR "error "

#define TFW_LINE_BENCH "bench ticks="
#define TFW_LINE_BENCH_EMPTY " empty="
#define TFW_LINE_BENCH_OUTPUTS " out="
#define TFW_LINE_BENCH_STACK " stack="

#define TFW_LINE_OPS "ops stamp="

#endif /* TFW_PROTOCOL_H */

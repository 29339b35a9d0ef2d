/* Included (-include) into the per-op bench build (sim/bench.py --per-op, the default): routes
 * the generated model's TFW_TRACE hook, called after every op, to the bench app, which stamps
 * the board timer there. The plain bench build does not include it (no hook, no overhead). */
#ifndef TFW_BENCH_TRACE_H
#define TFW_BENCH_TRACE_H

#include <stdint.h>

#define TFW_BENCH_PER_OP 1
#define TFW_BENCH_MAX_OPS 256

void tfw_bench_op_done(int32_t op_index);
#define TFW_TRACE(op, tensor, data, bytes) tfw_bench_op_done(op)

#endif /* TFW_BENCH_TRACE_H */

/* Included (-include) into verification builds: routes the generated model's TFW_TRACE hook
 * to the verification app, which prints intermediates when asked. */
#ifndef TFW_VERIFY_TRACE_H
#define TFW_VERIFY_TRACE_H

#include <stdint.h>

void tfw_verify_trace(int32_t op, int32_t tensor, const int8_t *data, int32_t bytes);
#define TFW_TRACE(op, tensor, data, bytes) tfw_verify_trace((op), (tensor), (data), (bytes))

#endif /* TFW_VERIFY_TRACE_H */

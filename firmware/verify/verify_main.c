/* Verification app: runs the generated model on every input record and prints its outputs
 * (and, when asked, every intermediate tensor) as hex lines:
 *   out <record> <hex of all outputs>
 *   trace <record> <op> <tensor> <hex>
 *   ticks <record> <timer ticks of one invoke>
 *   done <records>
 * A record is the concatenation of all model inputs' bytes. The lines' text is in
 * board/tfw_protocol.h (the twin of sim/protocol.py). */
#include <stdint.h>

#include "../board/tfw_protocol.h"
#include "verify_io.h"

static int g_trace;
static int32_t g_record;

static void put_str(const char *s)
{
    int32_t n = 0;
    while (s[n] != '\0') {
        ++n;
    }
    vio_write(s, n);
}

static void put_u32(uint32_t v)
{
    char buf[11];
    int32_t i = 10;
    buf[i] = '\0';
    do {
        buf[--i] = (char)('0' + v % 10u);
        v /= 10u;
    } while (v != 0u);
    put_str(&buf[i]);
}

static void put_hex(const int8_t *data, int32_t n)
{
    static const char digits[] = "0123456789abcdef";
    char buf[64];
    int32_t k = 0;
    for (int32_t i = 0; i < n; ++i) {
        const uint8_t b = (uint8_t)data[i];
        buf[k++] = digits[b >> 4];
        buf[k++] = digits[b & 15u];
        if (k == (int32_t)sizeof buf) {
            vio_write(buf, k);
            k = 0;
        }
    }
    if (k > 0) {
        vio_write(buf, k);
    }
}

void tfw_verify_trace(int32_t op, int32_t tensor, const int8_t *data, int32_t bytes)
{
    if (!g_trace) {
        return;
    }
    put_str(TFW_LINE_TRACE);
    put_u32((uint32_t)g_record);
    put_str(" ");
    put_u32((uint32_t)op);
    put_str(" ");
    put_u32((uint32_t)tensor);
    put_str(" ");
    put_hex(data, bytes);
    put_str("\n");
}

#include "model.h"

int main(void)
{
    if (vio_init(&g_trace) != 0) {
        put_str(TFW_LINE_ERROR "cannot open input\n");
        vio_exit(2);
        return 2;
    }
    for (g_record = 0;; ++g_record) {
        int32_t got = 0;
        for (int32_t i = 0; i < MODEL_NUM_INPUTS; ++i) {
            const int32_t n = model_input_bytes(i);
            const int32_t r = vio_read((uint8_t *)model_input_n(i), n);
            if (r == 0 && i == 0) {
                got = 0;
                break;
            }
            if (r != n) {
                put_str(TFW_LINE_ERROR "short input record\n");
                vio_exit(2);
                return 2;
            }
            got += r;
        }
        if (got == 0) {
            break;
        }
        const uint32_t t0 = vio_ticks();
        model_invoke();
        const uint32_t t1 = vio_ticks();
        put_str(TFW_LINE_OUT);
        put_u32((uint32_t)g_record);
        put_str(" ");
        for (int32_t i = 0; i < MODEL_NUM_OUTPUTS; ++i) {
            put_hex(model_output_n(i), model_output_bytes(i));
        }
        put_str("\n" TFW_LINE_TICKS);
        put_u32((uint32_t)g_record);
        put_str(" ");
        put_u32(t1 - t0);
        put_str("\n");
    }
    put_str(TFW_LINE_DONE);
    put_u32((uint32_t)g_record);
    put_str("\n");
    vio_exit(0);
    return 0;
}

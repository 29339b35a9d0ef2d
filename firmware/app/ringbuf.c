/* Ring buffer of sensor frames: see ringbuf.h. */
#include "ringbuf.h"

#include <string.h>

void tfw_ringbuf_init(tfw_ringbuf *r, int16_t *storage, uint32_t capacity, uint32_t channels)
{
    r->data = storage;
    r->capacity = capacity;
    r->channels = channels;
    r->total = 0u;
    r->overflow = 0u;
    r->consumed = 0u;
}

uint32_t tfw_ringbuf_oldest(const tfw_ringbuf *r)
{
    return r->total > r->capacity ? r->total - r->capacity : 0u;
}

uint32_t tfw_ringbuf_free(const tfw_ringbuf *r)
{
    const uint32_t oldest_needed = r->consumed > tfw_ringbuf_oldest(r) ? r->consumed : tfw_ringbuf_oldest(r);
    const uint32_t held = r->total - oldest_needed;
    return held >= r->capacity ? 0u : r->capacity - held;
}

void tfw_ringbuf_push(tfw_ringbuf *r, const int16_t *frames, uint32_t n)
{
    for (uint32_t i = 0u; i < n; ++i) {
        /* The frame about to be overwritten is total - capacity; count it if still needed. */
        if (r->total >= r->capacity && r->total - r->capacity >= r->consumed) {
            r->overflow++;
        }
        const uint32_t slot = r->total % r->capacity;
        memcpy(&r->data[slot * r->channels], &frames[i * r->channels], r->channels * sizeof(int16_t));
        r->total++;
    }
}

int32_t tfw_ringbuf_copy(const tfw_ringbuf *r, uint32_t start, uint32_t n, int16_t *out)
{
    if (start < tfw_ringbuf_oldest(r) || start + n > r->total || n > r->capacity) {
        return -1;
    }
    const uint32_t first = start % r->capacity;
    const uint32_t run = (r->capacity - first) < n ? (r->capacity - first) : n;
    memcpy(out, &r->data[first * r->channels], run * r->channels * sizeof(int16_t));
    if (run < n) {
        memcpy(&out[run * r->channels], r->data, (n - run) * r->channels * sizeof(int16_t));
    }
    return 0;
}

void tfw_ringbuf_consume(tfw_ringbuf *r, uint32_t index)
{
    if (index > r->consumed) {
        r->consumed = index;
    }
}

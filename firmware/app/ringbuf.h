/* A ring buffer of sensor frames (each frame = `channels` int16 samples).
 *
 * The producer (sensor layer) pushes frames; when the ring is full the oldest frames are
 * overwritten and counted in `overflow` (never silent, never out of bounds). Frames are
 * addressed by their absolute index since the start of the trace, so the sliding window can
 * ask for "frames [start, start + length)" and learn whether they are still there.
 */
#ifndef TFW_RINGBUF_H
#define TFW_RINGBUF_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    int16_t *data;      /* capacity * channels samples */
    uint32_t capacity;  /* frames, >= 1 */
    uint32_t channels;  /* samples per frame, >= 1 */
    uint32_t total;     /* frames ever pushed (absolute index of the next frame) */
    uint32_t overflow;  /* frames overwritten before they were consumed */
    uint32_t consumed;  /* absolute index below which frames are no longer needed */
} tfw_ringbuf;

void tfw_ringbuf_init(tfw_ringbuf *r, int16_t *storage, uint32_t capacity, uint32_t channels);

/* Appends n frames; overwrites (and counts) the oldest unconsumed frames when full. */
void tfw_ringbuf_push(tfw_ringbuf *r, const int16_t *frames, uint32_t n);

/* Absolute index of the oldest frame still held. */
uint32_t tfw_ringbuf_oldest(const tfw_ringbuf *r);

/* Frames that can be pushed without overwriting unconsumed ones. */
uint32_t tfw_ringbuf_free(const tfw_ringbuf *r);

/* Copies frames [start, start + n) into out (contiguous). Returns 0, or -1 if any of them is
 * no longer (or not yet) in the ring. */
int32_t tfw_ringbuf_copy(const tfw_ringbuf *r, uint32_t start, uint32_t n, int16_t *out);

/* Marks frames below `index` as consumed (they may be overwritten without counting). */
void tfw_ringbuf_consume(tfw_ringbuf *r, uint32_t index);

#ifdef __cplusplus
}
#endif

#endif /* TFW_RINGBUF_H */

/* Post-processing: the int8 output vector of each window -> the reported activity.
 *
 * The C twin of model/postprocess.py (the specification; both agree step for step, tested by
 * tests/test_postprocess_c.py). Per window, with cls = tfw_argmax_s8(outputs):
 *   TFW_POST_ARGMAX:    activity = cls.
 *   TFW_POST_VOTE:      majority over the cls of the last `vote` windows (fewer at the start);
 *                       a class with strictly the most votes wins, a tie keeps the activity.
 *   TFW_POST_THRESHOLD: activity = cls if outputs[cls] >= threshold, else it is kept.
 * The activity starts at -1 (undefined); only TFW_POST_THRESHOLD can leave it there.
 * Parameters come from tinyfw.model.postprocess.PostParams (integers; no float here).
 */
#ifndef TFW_POSTPROCESS_H
#define TFW_POSTPROCESS_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define TFW_POST_ARGMAX 0
#define TFW_POST_VOTE 1
#define TFW_POST_THRESHOLD 2

/* Capacity of the state; a build may lower them (e.g. -DTFW_POST_MAX_VOTE=5) to save RAM. */
#ifndef TFW_POST_MAX_VOTE
#define TFW_POST_MAX_VOTE 255
#endif
#ifndef TFW_POST_MAX_CLASSES
#define TFW_POST_MAX_CLASSES 255
#endif

typedef struct {
    int32_t method;    /* TFW_POST_ARGMAX, TFW_POST_VOTE or TFW_POST_THRESHOLD */
    int32_t n_classes; /* [1, TFW_POST_MAX_CLASSES] */
    int32_t vote;      /* windows in the vote, [1, TFW_POST_MAX_VOTE] */
    int32_t threshold; /* int8 output value to reach, [-128, 128] (128: never) */
} tfw_post_params;

typedef struct {
    uint8_t history[TFW_POST_MAX_VOTE]; /* ring of the last `filled` argmax values */
    uint8_t counts[TFW_POST_MAX_CLASSES]; /* votes per class in the ring */
    int32_t filled;                     /* valid entries in history, [0, vote] */
    int32_t next;                       /* ring position of the next entry, [0, vote) */
    int32_t activity;                   /* -1 (undefined) or a class index */
} tfw_post_state;

/* Index of the largest of n values (n >= 1); ties -> lowest index. */
int32_t tfw_argmax_s8(const int8_t *values, int32_t n);

/* Reset the state for a new trace. Returns 0, or -1 if the params exceed the capacity. */
int32_t tfw_post_init(const tfw_post_params *p, tfw_post_state *s);

/* Feed one window: its argmax `cls` and its n_classes int8 outputs. Returns the activity. */
int32_t tfw_post_update(const tfw_post_params *p, tfw_post_state *s, int32_t cls,
                        const int8_t *outputs);

#ifdef __cplusplus
}
#endif

#endif /* TFW_POSTPROCESS_H */

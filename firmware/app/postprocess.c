/* Post-processing (see postprocess.h; specification: model/postprocess.py). */
#include "postprocess.h"

int32_t tfw_argmax_s8(const int8_t *values, int32_t n)
{
    int32_t best = 0;
    for (int32_t i = 1; i < n; ++i) {
        if (values[i] > values[best]) {
            best = i;
        }
    }
    return best;
}

int32_t tfw_post_init(const tfw_post_params *p, tfw_post_state *s)
{
    s->filled = 0;
    s->next = 0;
    s->activity = -1;
    for (int32_t i = 0; i < TFW_POST_MAX_CLASSES; ++i) {
        s->counts[i] = 0;
    }
    if (p->n_classes < 1 || p->n_classes > TFW_POST_MAX_CLASSES || p->vote < 1 ||
        p->vote > TFW_POST_MAX_VOTE) {
        return -1;
    }
    return 0;
}

static int32_t vote(const tfw_post_params *p, tfw_post_state *s, int32_t cls)
{
    if (s->filled == p->vote) {
        s->counts[s->history[s->next]]--; /* the oldest vote leaves the ring */
    } else {
        s->filled++;
    }
    s->history[s->next] = (uint8_t)cls;
    s->counts[cls]++;
    s->next = s->next + 1 == p->vote ? 0 : s->next + 1;

    int32_t best = 0;
    int32_t tied = 0;
    for (int32_t c = 1; c < p->n_classes; ++c) {
        if (s->counts[c] > s->counts[best]) {
            best = c;
            tied = 0;
        } else if (s->counts[c] == s->counts[best]) {
            tied = 1;
        }
    }
    return tied ? s->activity : best;
}

int32_t tfw_post_update(const tfw_post_params *p, tfw_post_state *s, int32_t cls,
                        const int8_t *outputs)
{
    switch (p->method) {
    case TFW_POST_VOTE:
        s->activity = vote(p, s, cls);
        break;
    case TFW_POST_THRESHOLD:
        if ((int32_t)outputs[cls] >= p->threshold) {
            s->activity = cls;
        }
        break;
    default:
        s->activity = cls;
        break;
    }
    return s->activity;
}

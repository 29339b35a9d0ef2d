/* Hooks into the tinyfw application for your own code (firmware/user/ is never written by the
 * generator). Define them in a .c file here; the defaults in user_hooks_default.c do nothing. */
#ifndef TFW_USER_HOOKS_H
#define TFW_USER_HOOKS_H

#include <stdint.h>

/* Called once, after the sensor opened and before the first window. */
void user_on_start(void);

/* Called when the reported activity changes (after post-processing). */
void user_on_activity(int32_t activity, const char *label);

#endif /* TFW_USER_HOOKS_H */

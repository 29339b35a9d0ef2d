/* Default (empty) user hooks; define your own with the same names in another file here and
 * they replace these (the defaults are weak). */
#include "user_hooks.h"

__attribute__((weak)) void user_on_start(void)
{
}

__attribute__((weak)) void user_on_activity(int32_t activity, const char *label)
{
    (void)activity;
    (void)label;
}

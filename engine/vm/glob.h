/* glob.h — glob matching (glob.c): the `like` operator and glob.match.
 *
 * '*' any run except '/', '**' any run including '/', '?' one character
 * (not '/'), '[abc]', '[a-z]', '[!x]', '\\' escapes; the whole string must
 * match. Owns no state beyond one call.
 */
#ifndef VETO_GLOB_H
#define VETO_GLOB_H

#include <stdbool.h>
#include <stddef.h>

bool glob_match(const char *pat, size_t plen, const char *s, size_t slen);

#endif

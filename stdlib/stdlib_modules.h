/* stdlib_modules.h — the standard library's modules written in the language,
 * embedded into the binary by scripts/embed-modules.sh at build time. */
#ifndef VETO_STDLIB_MODULES_H
#define VETO_STDLIB_MODULES_H

#include <stddef.h>

typedef struct StdlibModule {
    const char *path; /* e.g. "stdlib/tf.veto", as shown in diagnostics */
    const char *text; /* the module source */
} StdlibModule;

extern const StdlibModule stdlib_modules[];
extern const size_t stdlib_module_count;

#endif

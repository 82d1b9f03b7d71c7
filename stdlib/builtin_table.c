/* builtin_table.c — the one sorted table of builtins, merged from the
 * per-file definition arrays.
 *
 * Each builtins_*.c file lists its own builtins next to their code; this
 * file sorts pointers to all of them by name once (pthread_once, so the
 * first lookups may come from any thread) and answers lookups by binary
 * search. Indexes are positions in the sorted order, hence stable for a
 * given build: compiled programs may store them.
 */
#include "builtin_impl.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Upper bound on the number of builtins; table_init fails loudly in the
 * unit tests (builtin_count() == 0) if it is ever too small. */
#define TABLE_MAX 256

static const BuiltinDef *table_sorted[TABLE_MAX];
static uint32_t table_n;
static pthread_once_t table_once = PTHREAD_ONCE_INIT;

static int table_cmp(const void *a, const void *b)
{
    const BuiltinDef *x = *(const BuiltinDef *const *)a;
    const BuiltinDef *y = *(const BuiltinDef *const *)b;
    return strcmp(x->name, y->name);
}

static void table_add(const BuiltinDef *defs, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (table_n == TABLE_MAX) {
            table_n = 0; /* refuse a truncated table: the tests catch 0 */
            return;
        }
        table_sorted[table_n++] = &defs[i];
    }
}

static void table_init(void)
{
    table_add(builtins_core_defs, builtins_core_ndefs);
    table_add(builtins_strings_defs, builtins_strings_ndefs);
    table_add(builtins_regex_defs, builtins_regex_ndefs);
    table_add(builtins_glob_defs, builtins_glob_ndefs);
    table_add(builtins_collections_defs, builtins_collections_ndefs);
    table_add(builtins_numbers_defs, builtins_numbers_ndefs);
    table_add(builtins_net_defs, builtins_net_ndefs);
    table_add(builtins_encoding_defs, builtins_encoding_ndefs);
    table_add(builtins_time_defs, builtins_time_ndefs);
    table_add(builtins_semver_defs, builtins_semver_ndefs);
    table_add(builtins_cloud_defs, builtins_cloud_ndefs);
    table_add(builtins_sensitive_defs, builtins_sensitive_ndefs);
    table_add(builtins_tf_defs, builtins_tf_ndefs);
    qsort(table_sorted, table_n, sizeof table_sorted[0], table_cmp);
}

const BuiltinDef *builtin_find(const char *name, size_t len)
{
    pthread_once(&table_once, table_init);
    uint32_t lo = 0, hi = table_n;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        const char *k = table_sorted[mid]->name;
        int c = strncmp(k, name, len);
        if (c == 0)
            c = k[len] == '\0' ? 0 : 1; /* k longer than name sorts after it */
        if (c == 0)
            return table_sorted[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

const BuiltinDef *const *builtin_table(void)
{
    pthread_once(&table_once, table_init);
    return table_sorted;
}

const BuiltinDef *builtin_at(uint32_t index)
{
    pthread_once(&table_once, table_init);
    return index < table_n ? table_sorted[index] : NULL;
}

uint32_t builtin_index(const BuiltinDef *def)
{
    pthread_once(&table_once, table_init);
    const BuiltinDef *const *p =
        bsearch(&def, table_sorted, table_n, sizeof table_sorted[0], table_cmp);
    return p ? (uint32_t)(p - table_sorted) : UINT32_MAX;
}

uint32_t builtin_count(void)
{
    pthread_once(&table_once, table_init);
    return table_n;
}
